"""The journey map, its exports and the priority opportunities, on small hand-built data whose
figures are worked out by hand below."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.journeys.map import JourneyMap, is_moment, journey_map
from cxpilot.journeys.opportunities import parse_targets, rank
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.ingest import load_arrow
from tests.hostile import HOSTILE, HOSTILE_ESCAPED

T0 = dt.datetime(2026, 1, 5, 9)

#: Paths of four customers (each its own person): website is met by 3 of 4 persons (C0 twice),
#: store by 2, call_centre by 1.
PATHS = {
    "C0": ["website", "website", "call_centre"],
    "C1": ["website", "store"],
    "C2": ["store"],
    "C3": ["website"],
}
#: NPS answers: website 6 promoters, 2 passives, 2 detractors -> NPS 40; store 4/4/2 -> 20;
#: call_centre 2/3/5 -> -30.
ANSWERS = {"website": (6, 2, 2), "store": (4, 4, 2), "call_centre": (2, 3, 5)}


def _interactions() -> pa.Table:
    rows = []
    for customer, path in PATHS.items():
        for j, tp in enumerate(path):
            rows.append(
                {
                    "event_id": f"{customer}-{j}",
                    "customer_id": customer,
                    "touchpoint": tp,
                    "timestamp": T0 + dt.timedelta(days=j),
                    "source": "shop",
                    "channel": "web" if tp == "website" else "store",
                    "type": "visit",
                }
            )
    return pa.Table.from_pylist(rows)


def _responses() -> pa.Table:
    rows = []
    for tp, (pro, pas, det) in ANSWERS.items():
        scores = [10] * pro + [8] * pas + [3] * det
        for i, score in enumerate(scores):
            rows.append(
                {
                    "response_id": f"{tp}-{i}",
                    "customer_id": f"R{i}",
                    "touchpoint": tp,
                    "timestamp": T0 + dt.timedelta(hours=i),
                    "metric": "nps",
                    "score": score,
                    "source": "shop",
                    "channel": "web",
                    "language": "fr",
                }
            )
    return pa.Table.from_pylist(rows)


@pytest.fixture
def data(org) -> None:
    load_arrow(table="interactions", data=_interactions())
    load_arrow(table="responses", data=_responses())


def test_the_map_counts_volumes_and_scores_per_touchpoint(data):
    found = journey_map(actor=None, journey="purchase", moments=False)
    assert [s["key"] for s in found.stages] == ["discover", "buy", "support"]
    assert found.stages[0]["touchpoints"] == []  # a stage without touchpoints stays, empty
    assert [c["touchpoint"] for c in found.stages[1]["touchpoints"]] == ["store", "website"]
    assert found.persons == 4
    assert found.interactions == 7
    website = found.cell("website")
    assert (website["interactions"], website["persons"], website["reach"]) == (4, 3, 0.75)
    assert (found.cell("store")["persons"], found.cell("store")["reach"]) == (2, 0.5)
    assert found.cell("call_centre")["reach"] == 0.25
    (nps,) = website["scores"]
    assert nps["metric"] == "nps" and nps["n"] == 10
    assert nps["score"] == pytest.approx(40.0)
    assert nps["ci_low"] < 40 < nps["ci_high"]
    assert found.cell("call_centre")["scores"][0]["score"] == pytest.approx(-30.0)
    assert website["moment"] is None and found.moments is False


def test_the_filters_narrow_the_volumes(data):
    found = journey_map(actor=None, journey="purchase", channel="web", moments=False)
    # only the website's events are on the web channel
    assert found.cell("website")["interactions"] == 4
    assert found.cell("store")["interactions"] == 0 and found.cell("store")["reach"] == 0
    # the segment of each person: C1 and C2 are families (neither resolved: their own record's)
    customers = [
        {"customer_id": c, "source": "shop", "segment": "families" if c in ("C1", "C2") else None}
        for c in PATHS
    ]
    load_arrow(table="customers", data=pa.Table.from_pylist(customers))
    families = journey_map(actor=None, journey="purchase", segment="families", moments=False)
    assert families.persons == 2
    assert (families.cell("store")["persons"], families.cell("store")["reach"]) == (2, 1.0)
    assert (families.cell("website")["persons"], families.cell("call_centre")["persons"]) == (1, 0)
    later = journey_map(actor=None, journey="purchase", start=T0.date() + dt.timedelta(days=1))
    assert later.cell("website")["interactions"] == 1  # C0's second visit only
    with pytest.raises(ValidationError):
        journey_map(actor=None, journey="purchase", start=T0.date(), end=dt.date(2020, 1, 1))


def test_the_map_needs_the_analytics_permission(data, make_user):
    from cxpilot.kernel.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        journey_map(actor=make_user(None), journey="purchase")


@pytest.mark.pure
@pytest.mark.parametrize(
    ("outcome", "effect", "low", "high", "marked"),
    [
        ("churn", 0.10, 0.02, 0.20, True),  # more churn, significant
        ("churn", 0.10, -0.01, 0.20, False),  # interval holds 0
        ("churn", -0.10, -0.20, -0.02, False),  # less churn: good, not a mark
        ("repeat", -0.10, -0.20, -0.01, True),  # fewer repeat purchases
        ("repeat", 0.10, 0.01, 0.20, False),
        ("nps", -8.0, -12.0, -3.0, True),
        ("nps", -8.0, -12.0, 1.0, False),
    ],
)
def test_the_moment_of_truth_rule(outcome, effect, low, high, marked):
    row = {"touchpoint": "x", "effect": effect, "ci_low": low, "ci_high": high}
    assert is_moment(row, outcome) is marked


@pytest.mark.pure
@pytest.mark.parametrize(
    ("outcome", "low", "high", "marked"),
    [
        # the demo's NPS: delivery −76.7 (−86.1, −67.4) leads; product (−66.6, −40.0) is
        # significant but told apart from it; one whose interval reaches −70 is not
        ("nps", -66.6, -40.0, False),
        ("nps", -75.0, -50.0, True),
        # churn: the leader +25.2 (21.8, 28.6); +10 (5, 15) is told apart, +18 (12, 24) not
        ("churn", 5.0, 15.0, False),
        ("churn", 12.0, 24.0, True),
    ],
)
def test_a_mark_needs_an_effect_not_told_apart_from_the_strongest(outcome, low, high, marked):
    leaders = {
        "nps": {"effect": -76.7, "ci_low": -86.1, "ci_high": -67.4},
        "churn": {"effect": 25.2, "ci_low": 21.8, "ci_high": 28.6},
    }
    row = {"touchpoint": "x", "effect": (low + high) / 2, "ci_low": low, "ci_high": high}
    assert is_moment(row, outcome, leader=leaders[outcome]) is marked
    assert is_moment(leaders[outcome], outcome, leader=leaders[outcome])


def _cell(tp, reach, scores, impacts=(), moment=None):
    return {
        "touchpoint": tp,
        "name": tp.upper(),
        "stage": "s",
        "stage_name": "S",
        "persons": int(reach * 100),
        "interactions": 0,
        "reach": reach,
        "scores": [
            {"metric": m, "score": v, "ci_low": v, "ci_high": v, "n": 50, "small_sample": False}
            for m, v in scores
        ],
        "sentiment": None,
        "irritants": [
            {"theme": f"t{i}", "theme_id": i, "mentions": 20, "impact": x}
            for i, x in enumerate(impacts)
        ],
        "moment": moment,
    }


def _hand_map():
    cells = [
        # A: gap NPS (30 - 10) / 200 = 0.1; at stake 3 + 2 = 5 -> 0.05; churn effect 0.1 of the
        # largest 0.2 -> 0.5. Priority 0.5 × 0.15 × 1.5 = 0.1125
        _cell("a", 0.5, [("nps", 10.0)], (3.0, 2.0), [{"outcome": "churn", "effect": 0.1}]),
        # B: NPS is the best (0); CSAT (90 - 60) / 100 = 0.3; effect 1. 0.8 × 0.3 × 2 = 0.48
        _cell("b", 0.8, [("nps", 30.0), ("csat", 60.0)], (), [{"outcome": "churn", "effect": 0.2}]),
        # C: NPS (30 - 0) / 200 = 0.15, CSAT the best. 0.2 × 0.15 × 1 = 0.03
        _cell("c", 0.2, [("nps", 0.0), ("csat", 90.0)], (), []),
    ]
    return JourneyMap(
        journey="j",
        name="J",
        stages=[{"key": "s", "name": "S", "touchpoints": cells}],
        cells=cells,
        persons=100,
        interactions=0,
        moments=True,
    )


@pytest.mark.pure
def test_opportunities_are_ranked_by_the_stated_rule():
    found = rank(_hand_map())
    assert [r["touchpoint"] for r in found.rows] == ["b", "a", "c"]
    assert [r["rank"] for r in found.rows] == [1, 2, 3]
    by = {r["touchpoint"]: r for r in found.rows}
    assert by["a"]["priority"] == pytest.approx(0.1125)
    assert (by["a"]["gap"], by["a"]["at_stake"], by["a"]["effect"]) == (0.1, 5.0, 0.5)
    assert by["b"]["priority"] == pytest.approx(0.48)
    assert (by["b"]["gap_metric"], by["b"]["gap_points"]) == ("csat", 30.0)
    assert by["c"]["priority"] == pytest.approx(0.03) and by["c"]["effect"] == 0
    assert found.targets["nps"] == {"value": 30.0, "source": "best", "touchpoint": "b"}
    # a target set by hand: NPS 50 -> A (40 / 200 + 0.05) × 0.5 × 1.5 = 0.1875, C 0.05
    set_by_hand = {r["touchpoint"]: r for r in rank(_hand_map(), {"nps": 50.0}).rows}
    assert set_by_hand["a"]["priority"] == pytest.approx(0.1875)
    assert set_by_hand["c"]["priority"] == pytest.approx(0.05)


@pytest.mark.pure
def test_targets_are_checked_before_django_is_set_up():
    """The command checks --target before it opens the app database."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "from cxpilot.journeys.opportunities import parse_targets; print(parse_targets(['nps=1']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'nps': 1.0}"


@pytest.mark.pure
def test_targets_are_checked():
    assert parse_targets(["nps=40", "CSAT=85.5"]) == {"nps": 40.0, "csat": 85.5}
    for bad in ("nps", "nps=abc", "foo=1", "nps=150", "ces=0", "csat=nan"):
        with pytest.raises(ValidationError) as raised:
            parse_targets([bad])
        assert raised.value.where == "--target"


def test_opportunities_on_the_warehouse(data):
    """Reach and gap to the best NPS (website, 40), no irritants nor moments: call_centre
    0.25 × 70 / 200 = 0.0875, store 0.5 × 20 / 200 = 0.05, website 0."""
    from cxpilot.journeys.opportunities import opportunities

    found = opportunities(actor=None, journey="purchase", moments=False)
    assert [(r["touchpoint"], r["priority"]) for r in found.rows] == [
        ("call_centre", pytest.approx(0.0875)),
        ("store", pytest.approx(0.05)),
        ("website", 0),
    ]


def test_the_opportunities_command(data):
    from cxpilot.cli import app

    result = CliRunner().invoke(
        app, ["journeys", "opportunities", "--journey", "purchase", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [r["touchpoint"] for r in body["opportunities"]] == ["call_centre", "store", "website"]
    assert body["rule"].startswith("priority = reach")
    bad = CliRunner().invoke(app, ["journeys", "opportunities", "--journey", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output
    bad = CliRunner().invoke(
        app, ["journeys", "opportunities", "--journey", "purchase", "--target", "nps=500"]
    )
    assert bad.exit_code != 0 and "--target" in bad.output


def test_the_page_for_a_viewer(viewer, data):
    page = viewer.get("/journeys/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Purchase" in html and 'data-touchpoint="website"' in html
    assert "No touchpoint at this stage" in html
    assert 'id="chart-flow"' in html and 'id="opportunities"' in html
    # no purchase in these data: no moment of truth can be estimated, and the page says so
    assert 'id="no-moments"' in html and "Not estimated for churn: no purchase" in html
    assert "/journeys/map.pdf?" in html and "/journeys/map.png?" in html
    # the opportunities table, in rank order
    order = [html.index(f'<tr data-touchpoint="{tp}">') for tp in ("call_centre", "store")]
    assert order == sorted(order)


def test_the_flow_by_purchase(viewer, data):
    """These events carry no journey id: one case per purchase finds no path."""
    html = viewer.get("/journeys/?case=journey").content.decode()
    assert "No two touchpoints follow each other in these data." in html
    html = viewer.get("/journeys/").content.decode()
    # by person: website -> call_centre (C0), website -> store (C1); C0's repeat is counted
    assert html.count("<td>Website</td>") == 2
    assert '<td class="number">1</td>' in html  # the website's repeat


def test_the_page_needs_a_login_and_the_permission(client, client_as, data):
    page = client.get("/journeys/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get("/journeys/map.pdf").status_code == 302
    assert client_as(None, username="nobody").get("/journeys/").status_code == 403
    assert client_as(None, username="nobody2").get("/journeys/map.png").status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "journey=nope",
        "from=2026-02-01&to=2026-01-01",
        "from=not-a-day",
        "target_nps=500",
        "target_ces=abc",
        "segment=unknown",
        "case=record",
    ],
)
def test_bad_filters_are_a_400(viewer, data, query):
    assert viewer.get(f"/journeys/?{query}").status_code == 400
    assert viewer.get(f"/journeys/map.pdf?{query}").status_code == 400


def test_hostile_names_are_escaped(viewer, data):
    from cxpilot.organisation.models import Journey, Touchpoint

    Touchpoint.objects.filter(key="website").update(name=HOSTILE)
    Journey.objects.filter(key="purchase").update(name=HOSTILE)
    html = viewer.get("/journeys/").content.decode()
    assert "<script>alert(1)" not in html
    assert HOSTILE_ESCAPED in html
    pdf = viewer.get("/journeys/map.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_exports(viewer, data):
    from cxpilot.organisation.models import Touchpoint

    # French punctuation outside Latin-1 is written safely in the PDF
    Touchpoint.objects.filter(key="store").update(name="Magasin « l’Été » – ouvert…")
    for chart in ("map", "flow"):
        got = viewer.get(f"/journeys/{chart}.png?channel=web")
        assert got.status_code == 200
        assert got["Content-Type"] == "image/png"
        assert got.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert f'filename="journey-purchase-web-{chart}.png"' in got["Content-Disposition"]
    assert viewer.get("/journeys/other.png").status_code == 404
    pdf = viewer.get("/journeys/map.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="journey-purchase.pdf"' in pdf["Content-Disposition"]
    # the filters that narrow the export name it
    named = viewer.get("/journeys/map.pdf?from=2026-01-01&to=2026-03-31&channel=web")
    assert (
        'filename="journey-purchase-2026-01-01_2026-03-31-web.pdf"' in named["Content-Disposition"]
    )


def test_the_page_in_french(viewer, data):
    html = viewer.get("/journeys/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Carte du parcours" in html
    assert "Aucun point de contact à cette étape" in html
    assert "4 personnes dans le parcours." in html
    assert "75 %" in html  # the website's reach
    # the gap of call_centre to the best NPS (website, 40): 70 points, written the French way
    assert "70,0 points de NPS" in html


def _fake_moments(rows_by_outcome):
    """A stand-in for the moments-of-truth estimator with fixed rows per outcome; an outcome
    without rows cannot be measured."""
    import types

    calls = []

    def moments_of_truth(*, actor, outcome, start, end, segment):
        calls.append((outcome, start, end, segment))
        if outcome not in rows_by_outcome:
            raise ValidationError("no relationship touchpoint", where="outcome")
        return types.SimpleNamespace(rows=rows_by_outcome[outcome])

    return moments_of_truth, calls


def test_the_marks_follow_the_rule(data, viewer, monkeypatch):
    fake, calls = _fake_moments(
        {
            # call_centre raises churn, significantly: a mark
            "churn": [
                {"touchpoint": "call_centre", "effect": 0.2, "ci_low": 0.1, "ci_high": 0.3},
                {"touchpoint": "store", "effect": 0.1, "ci_low": -0.05, "ci_high": 0.25},
            ],
            # store lowers repeat purchase, significantly: a mark; website raises it: none
            "repeat": [
                {"touchpoint": "store", "effect": -0.1, "ci_low": -0.2, "ci_high": -0.01},
                {"touchpoint": "website", "effect": 0.3, "ci_low": 0.2, "ci_high": 0.4},
            ],
        }
    )
    monkeypatch.setattr("cxpilot.journeys.moments.moments_of_truth", fake)
    journey_map(actor=None, journey="purchase", segment="families")
    assert sorted(calls) == [("churn", None, None, "families"), ("nps", None, None, "families")] + [
        ("repeat", None, None, "families")
    ]
    found = journey_map(actor=None, journey="purchase")
    assert found.moments is True
    assert found.moment_outcomes == ["repeat", "churn"]
    assert list(found.moments_missing) == ["nps"]
    assert [m["outcome"] for m in found.cell("call_centre")["moment"]] == ["churn"]
    assert [m["outcome"] for m in found.cell("store")["moment"]] == ["repeat"]
    assert found.cell("website")["moment"] == []
    # opportunities: each marked touchpoint is the largest of its outcome -> effect 1
    ranked = {r["touchpoint"]: r for r in rank(found).rows}
    assert (ranked["call_centre"]["effect"], ranked["call_centre"]["effect_outcome"]) == (
        1.0,
        "churn",
    )
    assert ranked["call_centre"]["priority"] == pytest.approx(0.0875 * 2)
    html = viewer.get("/journeys/").content.decode()
    assert html.count('class="journey-cell moment"') == 2
    assert html.count("★ Moment of truth</span>") == 2
    assert "Effect on churn</dt><dd>+0.2 pts" in html
    assert 'id="no-moments"' not in html
    assert "Not estimated for overall NPS: no relationship touchpoint" in html
