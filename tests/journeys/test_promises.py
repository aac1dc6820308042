"""Brand promises checked against the data: the measure of a promise (checked, loaded,
edited) and the share of the times it was kept."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.journeys.promises import promises_checked
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.checks import promise_check
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()

DELAY = {
    "from": {"type": "order", "touchpoints": ["website", "app"]},
    "to": {"touchpoint": "delivery"},
    "within_hours": 48,
}


# --------------------------------------------------------------------------- the measure


@pytest.mark.pure
def test_a_measure_is_normalised() -> None:
    assert promise_check(DELAY) == {
        "from": {"touchpoints": ["app", "website"], "types": ["order"]},
        "to": {"touchpoints": ["delivery"]},
        "within_hours": 48.0,
    }
    assert promise_check({"metric": "CSAT", "at_least": "4"}) == {"metric": "csat", "at_least": 4.0}
    assert promise_check(None) is None and promise_check({}) is None
    normalised = promise_check(DELAY)
    assert promise_check(normalised) == normalised


BAD = [
    ("48 hours", "measure", "a mapping"),
    ({"from": {"type": "order"}, "to": {"type": "delivery"}}, "measure", "within_hours"),
    ({**DELAY, "metric": "csat"}, "measure", "not both"),
    ({**DELAY, "deadline": 3}, "measure", "unknown key"),
    ({**DELAY, "within_hours": 0}, "measure.within_hours", "above 0"),
    ({**DELAY, "within_hours": -5}, "measure.within_hours", "above 0"),
    ({**DELAY, "within_hours": 10_000}, "measure.within_hours", "up to 8784"),
    ({**DELAY, "within_hours": "soon"}, "measure.within_hours", "not a number"),
    ({**DELAY, "within_hours": float("nan")}, "measure.within_hours", "not a number"),
    ({**DELAY, "to": DELAY["from"]}, "measure.to", "are the start events"),
    ({**DELAY, "from": {}}, "measure.from", "name the types"),
    ({**DELAY, "from": "order"}, "measure.from", "a mapping"),
    ({**DELAY, "from": {"types": []}}, "measure.from.types", "non-empty list"),
    ({**DELAY, "from": {"types": ["ok", ""]}}, "measure.from.types", "not a usable name"),
    ({**DELAY, "from": {"types": ["a\x00b"]}}, "measure.from.types", "not a usable name"),
    ({**DELAY, "from": {"types": ["x" * 61]}}, "measure.from.types", "not a usable name"),
    ({**DELAY, "from": {"types": [{"a": 1}]}}, "measure.from.types", "not a name"),
    ({**DELAY, "from": {"type": "a", "types": ["b"]}}, "measure.from.types", "twice"),
    ({**DELAY, "from": {"where": "x"}}, "measure.from", "unknown key"),
    ({"metric": "csat"}, "measure", "at_least"),
    ({"metric": "ces", "at_least": 8}, "measure.at_least", "CES scale"),
    ({"metric": "nps", "at_least": 0}, "measure.at_least", "NPS scale"),
    ({"metric": "stars", "at_least": 4}, "measure.metric", "not one of"),
    ({"metric": "csat", "at_least": True}, "measure.at_least", "not a number"),
    ({"metric": "csat", "at_least": 4, "touchpoints": []}, "measure.touchpoints", "non-empty"),
]


@pytest.mark.pure
@pytest.mark.parametrize(("spec", "where", "says"), BAD)
def test_a_bad_measure_is_refused_saying_where(spec, where, says) -> None:
    with pytest.raises(ValidationError) as err:
        promise_check(spec)
    assert err.value.where == where
    assert says in err.value.detail


def _org(measure=DELAY, **extra):
    from cxpilot.organisation.services import org_load

    return org_load(
        data={
            "touchpoints": [
                {"key": k, "name": k.title(), "channel": c}
                for k, c in (
                    ("website", "web"),
                    ("app", "app"),
                    ("delivery", "partner"),
                    ("click_collect", "store"),
                    ("product", "product"),
                )
            ],
            "brand_promises": [
                {
                    "key": "livraison_48h",
                    "statement": "Delivered in 48 hours.",
                    "touchpoints": ["website", "app", "delivery"],
                    "measure": measure,
                },
                {
                    "key": "qualite",
                    "statement": "Products that last.",
                    "touchpoints": ["product"],
                    "measure": {"metric": "csat", "at_least": 4},
                },
                {"key": "unmeasured", "statement": "We smile."},
            ],
            **extra,
        }
    )


def test_org_load_reads_the_measure_and_refuses_a_bad_one(db) -> None:
    from cxpilot.organisation.models import BrandPromise
    from cxpilot.organisation.selectors import org_rows

    _org()
    promise = BrandPromise.objects.get(key="livraison_48h")
    assert promise.measure == promise_check(DELAY)
    assert BrandPromise.objects.get(key="unmeasured").measure is None
    # a listing loads back: the measure is JSON in a CSV cell
    rows = org_rows(kind="brand_promises")
    cell = next(r for r in rows if r["key"] == "livraison_48h")["measure"]
    assert json.loads(cell) == promise.measure
    with pytest.raises(ValidationError) as err:
        _org(measure={**DELAY, "within_hours": -1}, segments=[{"key": "new", "name": "New"}])
    assert err.value.where == "organisation: brand_promises[0].measure.within_hours"
    from cxpilot.organisation.models import Segment

    assert not Segment.objects.filter(key="new").exists()  # all or nothing
    with pytest.raises(ValidationError) as err:
        _org(measure={**DELAY, "to": {"touchpoints": ["drone"]}})
    assert "unknown touchpoint 'drone'" in err.value.detail
    with pytest.raises(ValidationError) as err:
        _org(measure="from: [unclosed")
    assert err.value.where == "organisation: brand_promises[0].measure"
    _org(measure=cell)  # the CSV cell's text
    assert BrandPromise.objects.get(key="livraison_48h").measure == promise.measure


def test_org_load_reads_the_touchpoint_mode(db) -> None:
    from cxpilot.organisation.models import Touchpoint
    from cxpilot.organisation.selectors import org_rows
    from cxpilot.organisation.services import org_load

    org_load(
        data={
            "touchpoints": [
                {"key": "chat", "name": "Chat", "channel": "web", "mode": "Human"},
                {"key": "web", "name": "Web", "channel": "web"},
                {"key": "thing", "name": "Thing", "channel": "connected_object"},
            ]
        }
    )
    modes = {t.key: (t.mode, t.effective_mode) for t in Touchpoint.objects.all()}
    assert modes == {"chat": ("human", "human"), "web": ("", "digital"), "thing": ("", "")}
    assert {r["key"]: r["mode"] for r in org_rows(kind="touchpoints")}["chat"] == "human"
    with pytest.raises(ValidationError) as err:
        org_load(data={"touchpoints": [{"key": "x", "name": "X", "mode": "robot"}]})
    assert err.value.where == "organisation: touchpoints[0].mode"


def test_the_promise_form_takes_yaml(db) -> None:
    from cxpilot.organisation.forms import BrandPromiseForm, TouchpointForm
    from cxpilot.organisation.models import BrandPromise

    _org()
    form = BrandPromiseForm(
        {"key": "fast", "statement": "Fast.", "measure": "metric: nps\nat_least: 9"}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["measure"] == {"metric": "nps", "at_least": 9.0}
    bad = BrandPromiseForm({"key": "fast", "statement": "Fast.", "measure": "metric: nps"})
    assert not bad.is_valid() and "at_least" in bad.errors["measure"][0]
    broken = BrandPromiseForm({"key": "fast", "statement": "Fast.", "measure": "a: [b"})
    assert not broken.is_valid() and "YAML" in broken.errors["measure"][0]
    unknown = BrandPromiseForm(
        {
            "key": "fast",
            "statement": "Fast.",
            "measure": "metric: nps\nat_least: 9\ntouchpoints: [moon]",
        }
    )
    assert not unknown.is_valid() and "moon" in unknown.errors["measure"][0]
    shown = BrandPromiseForm(instance=BrandPromise.objects.get(key="livraison_48h"))
    assert "within_hours: 48.0" in str(shown["measure"])
    assert "mode" in TouchpointForm().fields


def test_the_promise_pages_show_the_measure_and_the_mode(db, lead) -> None:
    from cxpilot.organisation.models import Touchpoint

    _org()
    page = lead.get("/organisation/brand-promises/").content.decode()
    assert "within 48 h" in page and "CSAT ≥ 4" in page
    tp = Touchpoint.objects.get(key="website")
    page = lead.get(f"/organisation/touchpoints/{tp.pk}/").content.decode()
    assert "Digital (from the channel)" in page
    response = lead.post(
        f"/organisation/touchpoints/{tp.pk}/edit/",
        {"key": "website", "name": "Website", "channel": "web", "mode": "human"},
    )
    assert response.status_code == 302
    tp.refresh_from_db()
    assert tp.mode == "human"


# --------------------------------------------------------------------------- the check


def _event(eid: str, cid: str, tp: str, kind: str, at: str, journey: str | None = None) -> dict:
    return {
        "event_id": eid,
        "customer_id": cid,
        "touchpoint": tp,
        "timestamp": dt.datetime.fromisoformat(at),
        "source": "eshop",
        "type": kind,
        "attributes": json.dumps({"journey_id": journey}) if journey else None,
    }


@pytest.fixture
def planted(db):
    """Home orders and what followed them, worked out by hand (hours from the order):

    | case | order | month | end | hours | |
    | J1 | website | 2026-02 | delivery | 26 | kept |
    | J2 | website | 2026-02 | delivery | 72 | broken |
    | J3 | app | 2026-03 | lost parcel | 288 | broken |
    | J4 | website | 2026-03 | (a click & collect pickup) | | open |
    | W5 (no journey id: the person) | app | 2026-03 | delivery | 47 | kept |
    | W5 | app | 2026-03 | (the next order comes first) | | open |
    | W5 | app | 2026-03 | delivery | 24 | kept |

    and five product CSAT answers: 5, 4, 3, 2, 4 (three of 4 or more)."""
    _org()
    events = [
        _event("e1", "W1", "website", "visit", "2026-02-10T09:00", "J1"),
        _event("e2", "W1", "website", "order", "2026-02-10T10:00", "J1"),
        _event("e3", "W1", "delivery", "delivery", "2026-02-11T12:00", "J1"),
        _event("e4", "W1", "website", "order", "2026-02-20T10:00", "J2"),
        _event("e5", "W1", "delivery", "delivery", "2026-02-23T10:00", "J2"),
        _event("e6", "W2", "app", "order", "2026-03-02T08:00", "J3"),
        _event("e7", "W2", "delivery", "lost_parcel", "2026-03-14T08:00", "J3"),
        _event("e8", "W1", "website", "order", "2026-03-05T09:00", "J4"),
        _event("e9", "W1", "click_collect", "pickup", "2026-03-07T15:00", "J4"),
        _event("f0", "W5", "delivery", "delivery", "2026-03-01T10:00"),  # before any order
        _event("f1", "W5", "app", "order", "2026-03-10T00:00"),
        _event("f2", "W5", "delivery", "delivery", "2026-03-11T23:00"),
        _event("f3", "W5", "app", "order", "2026-03-20T10:00"),
        _event("f4", "W5", "app", "order", "2026-03-21T10:00"),
        _event("f5", "W5", "delivery", "delivery", "2026-03-22T10:00"),
    ]
    load_arrow(table="interactions", data=pa.Table.from_pylist(events))
    answers = [
        {
            "response_id": f"r{i}",
            "customer_id": "C1",
            "touchpoint": tp,
            "timestamp": dt.datetime(2026, 1, 5 + i),
            "metric": metric,
            "score": score,
            "source": "crm",
        }
        for i, (tp, metric, score) in enumerate(
            [
                ("product", "csat", 5),
                ("product", "csat", 4),
                ("product", "csat", 3),
                ("product", "csat", 2),
                ("product", "csat", 4),
                ("product", "nps", 1),  # another metric
                ("website", "csat", 1),  # not a touchpoint of the promise
            ]
        )
    ]
    load_arrow(table="responses", data=pa.Table.from_pylist(answers))


def _by_key(found) -> dict:
    return {p.key: p for p in found.promises}


@pytest.mark.warehouse
def test_delays_per_case_kept_open_and_broken(planted) -> None:
    found = promises_checked(actor=None)
    assert found.unmeasured == ["unmeasured"]
    delivery = _by_key(found)["livraison_48h"]
    assert delivery.kind == "delay"
    o = delivery.overall
    assert (o.n, o.kept, o.open) == (5, 3, 2)
    # hours 24, 26, 47, 72, 288: median 47; p90 at rank 0.9 × 4 = 3.6: 72 + 0.6 × 216
    assert (o.median_hours, o.p90_hours) == (47.0, 201.6)
    # Wilson 95% for 3 of 5: 23.1% to 88.2% (Newcombe 1998, table I)
    assert (o.share, o.ci_low, o.ci_high) == (60.0, 23.1, 88.2)
    tps = {k.touchpoint: (k.n, k.kept, k.open, k.median_hours) for k in delivery.by_touchpoint}
    assert tps == {"app": (3, 2, 1, 47.0), "website": (2, 1, 1, 49.0)}
    months = {(k.touchpoint, k.month): (k.n, k.kept, k.open) for k in delivery.by_month}
    assert months == {
        ("app", "2026-03"): (3, 2, 1),
        ("website", "2026-02"): (2, 1, 0),
        ("website", "2026-03"): (0, 0, 1),
    }
    empty = next(k for k in delivery.by_month if k.n == 0)
    assert empty.share is None and empty.ci_low is None


@pytest.mark.warehouse
def test_scores_kept_share(planted) -> None:
    quality = _by_key(promises_checked(actor=None))["qualite"]
    assert quality.kind == "score"
    o = quality.overall
    assert (o.n, o.kept, o.share, o.open, o.median_hours) == (5, 3, 60.0, 0, None)
    assert [(k.touchpoint, k.month, k.n) for k in quality.by_month] == [("product", "2026-01", 5)]


@pytest.mark.warehouse
def test_the_period_takes_the_starts_and_lets_the_ends_come_later(planted) -> None:
    march = _by_key(promises_checked(actor=None, start=dt.date(2026, 3, 1)))["livraison_48h"]
    assert (march.overall.n, march.overall.kept, march.overall.open) == (3, 2, 2)
    early = promises_checked(actor=None, start=dt.date(2026, 2, 1), end=dt.date(2026, 3, 2))
    first = _by_key(early)["livraison_48h"].overall
    # J1, J2 and J3 (ordered on 03-02, its parcel declared lost on 03-14)
    assert (first.n, first.kept, first.median_hours) == (3, 1, 72.0)
    quality = _by_key(early)["qualite"].overall
    assert quality.n == 0 and quality.share is None
    with pytest.raises(ValidationError) as err:
        promises_checked(actor=None, start=dt.date(2026, 3, 1), end=dt.date(2026, 2, 1))
    assert err.value.where == "--to"
    with pytest.raises(ValidationError) as err:
        promises_checked(actor=None, segment="nobody")
    assert err.value.where == "--segment"


@pytest.mark.warehouse
def test_cli_json(planted) -> None:
    result = runner.invoke(app, ["journeys", "promises", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [p["key"] for p in body["promises"]] == ["livraison_48h", "qualite"]
    overall = body["promises"][0]["overall"]
    assert (overall["n"], overall["kept"], overall["share"]) == (5, 3, 60.0)
    assert body["unmeasured"] == ["unmeasured"]
    table = runner.invoke(app, ["journeys", "promises", "--format", "csv", "--from", "2026-03-01"])
    assert table.exit_code == 0, table.output
    assert table.stdout.splitlines()[0].startswith("promise,kind,touchpoint,month,n,kept,share")
    bad = runner.invoke(app, ["journeys", "promises", "--to", "yesterday"])
    assert bad.exit_code == 2 and "--to" in bad.output


# --------------------------------------------------------------------------- the demo


@pytest.mark.django_db(transaction=True)
def test_the_demo_delivery_incident_breaks_the_48_hour_promise_on_website_orders() -> None:
    """From 2026-03 the website's orders go to a new carrier (docs/demo-data.md, truth (a)):
    the share of its parcels delivered within 48 hours falls and the slow tail grows; the
    app's orders keep their carrier and their share."""
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=2_000, seed=42)

    def delivery(start: dt.date, end: dt.date) -> dict:
        found = _by_key(promises_checked(actor=None, start=start, end=end))["livraison_48h"]
        return {k.touchpoint: k for k in found.by_touchpoint}

    before = delivery(dt.date(2025, 3, 1), dt.date(2026, 2, 28))
    after = delivery(dt.date(2026, 3, 1), dt.date(2026, 10, 31))
    web_before, web_after = before["website"], after["website"]
    assert web_after.n > 400 and web_before.n > 400
    assert web_after.ci_high < web_before.ci_low  # the share falls, beyond the noise
    assert web_after.p90_hours > 200 > web_before.p90_hours
    app_before, app_after = before["app"], after["app"]
    # the app's share moves within the noise: the two intervals overlap
    assert app_after.ci_low < app_before.ci_high and app_before.ci_low < app_after.ci_high
    assert app_after.p90_hours < 200
    # every month of the incident is below the website's share of the year before
    months = _by_key(promises_checked(actor=None, start=dt.date(2026, 3, 1)))["livraison_48h"]
    web_months = [k for k in months.by_month if k.touchpoint == "website"]
    assert len(web_months) == 8
    assert all(k.share is not None and k.share < web_before.share for k in web_months)
    # the product quality promise is measured too, on the product's CSAT
    quality = _by_key(promises_checked(actor=None))["qualite_durable"]
    assert quality.kind == "score" and quality.overall.n > 500
    # the demo's chat is on the web channel but human: it faces the returns page after sales
    from cxpilot.journeys.consistency import consistency

    stages = {g.stage: g for g in consistency(actor=None).stages}
    after_sales = stages["service_apres_vente"]
    assert (after_sales.human_touchpoints, after_sales.digital_touchpoints) == (
        ["call_centre", "chat"],
        ["returns"],
    )
    assert stages["achat"].n > 100 and stages["achat"].ci_low > 0  # stores above screens


def test_the_page_shows_the_kept_shares(planted, lead, client_as) -> None:
    page = lead.get("/journeys/promises/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-promise="livraison_48h"' in html and 'data-promise="qualite"' in html
    assert "Kept 60.0% of 5 times (95% interval 23.1–88.2%)." in html
    assert 'data-touchpoint="website" data-month="2026-02"' in html
    assert "unmeasured" in html
    assert lead.get("/journeys/promises/?from=2026-13-01").status_code == 400
    assert client_as(None).get("/journeys/promises/").status_code == 403


def test_the_page_in_french(planted, lead) -> None:
    html = lead.get("/journeys/promises/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Promesses de marque tenues" in html
    assert "Tenue 60,0 % des 5 fois (intervalle à 95 % : 23,1–88,2 %)." in html
    assert "Intervalle à 95 %<" in html


@pytest.mark.warehouse
def test_a_segment_keeps_its_persons(planted) -> None:
    from cxpilot.organisation.services import org_load

    org_load(data={"segments": [{"key": "families", "name": "Families"}]})
    customers = [
        {"customer_id": "W1", "source": "eshop", "segment": "families"},
        {"customer_id": "C1", "source": "crm", "segment": "families"},
        {"customer_id": "W2", "source": "eshop", "segment": "families"},
    ]
    load_arrow(table="customers", data=pa.Table.from_pylist(customers))
    found = _by_key(promises_checked(actor=None, segment="families"))
    delivery = found["livraison_48h"].overall
    # W1's J1 (kept), J2 (broken), J4 (open); W2's J3 (broken); not W5's
    assert (delivery.n, delivery.kept, delivery.open) == (3, 1, 1)
    assert found["qualite"].overall.n == 5  # C1's answers
