"""Consistency across touchpoints: the paired human − digital gap per stage and overall."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pyarrow as pa
import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.journeys.consistency import consistency
from cxpilot.journeys.paired import paired_t
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()

# Cushny and Peebles' sleep data (R's ``sleep``): extra hours of sleep of ten patients
# under two drugs.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def _sleep() -> tuple[int, float, float]:
    d = np.array(SLEEP_2) - np.array(SLEEP_1)
    return d.size, float(d.mean()), float(d.std(ddof=1))


@pytest.mark.pure
def test_paired_t_gives_the_published_sleep_example() -> None:
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) — group 1 minus group 2:
    # t = -4.0621, df = 9, p-value = 0.002833, 95% CI -2.4598858 -0.7001142.
    found = paired_t(*_sleep())
    assert found.mean == pytest.approx(1.58)
    assert found.t == pytest.approx(4.0621, abs=5e-5)
    assert found.p == pytest.approx(0.002833, abs=5e-7)
    assert found.ci_low == pytest.approx(0.7001142, abs=1e-6)
    assert found.ci_high == pytest.approx(2.4598858, abs=1e-6)


@pytest.mark.pure
def test_paired_t_agrees_with_scipy_ttest_rel() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(70, 15, 40)
    b = a - 4 + rng.normal(0, 10, 40)
    d = a - b
    found = paired_t(d.size, float(d.mean()), float(d.std(ddof=1)), confidence=0.9)
    reference = sps.ttest_rel(a, b)
    interval = reference.confidence_interval(confidence_level=0.9)
    assert found.t == pytest.approx(reference.statistic)
    assert found.p == pytest.approx(reference.pvalue)
    assert (found.ci_low, found.ci_high) == pytest.approx((interval.low, interval.high))


@pytest.mark.pure
def test_paired_t_with_too_few_pairs_or_no_spread() -> None:
    assert paired_t(0, None, None).mean is None
    one = paired_t(1, 5.0, None)
    assert one.mean == 5.0 and one.ci_low is None and one.p is None
    flat = paired_t(4, 2.0, 0.0)
    assert (flat.ci_low, flat.ci_high, flat.t) == (2.0, 2.0, None)
    assert paired_t(3, float("nan"), 1.0).mean is None
    with pytest.raises(ValueError):
        paired_t(3, 1.0, 1.0, confidence=1.5)


def _answer(rid: str, source: str, cid: str, tp: str, metric: str, day: int, score: int) -> dict:
    return {
        "response_id": rid,
        "customer_id": cid,
        "touchpoint": tp,
        "timestamp": dt.datetime(2026, 1, 1, 12) + dt.timedelta(days=day),
        "metric": metric,
        "score": score,
        "source": source,
    }


@pytest.fixture
def answered(org):
    """The ``org`` fixture's journey with two touchpoints more at the support stage: a chat
    on the web channel staffed by people (mode human) and a returns page (web: digital).
    Each person has a CRM record (store, chat) and an e-shop record (website, returns),
    resolved into one person, except P5, whose two records are not linked.

    On the 0–100 scale (NPS ×10, CES (s−1)/6×100, CSAT (s−1)/4×100):

    | person | buy: human (store) | buy: digital (website) | support: human (chat) | support: digital (returns) |
    | P1 | CSAT 5 → 100 | NPS 8 → 80 | CSAT 2 → 25 | CES 4 → 50 |
    | P2 | CSAT 4 → 75 | NPS 9, 7 → 80 | CSAT 5 → 100 | CSAT 4 → 75 |
    | P3 | CSAT 3 → 50, CES 7 → 100: 75 | NPS 5 → 50 | | |
    | P4 | CSAT 1 → 0 | | | |
    | P5 | CSAT 5 (crm) | NPS 0 (eshop, another person) | | |
    """
    from cxpilot.customers.services import ensure_derived
    from cxpilot.organisation.services import org_load
    from cxpilot.warehouse.connection import warehouse

    org_load(
        data={
            "touchpoints": [
                {"key": "chat", "name": "Chat", "channel": "web", "mode": "human",
                 "journey": "purchase", "stage": "support"},
                {"key": "returns", "name": "Returns", "channel": "web", "journey": "purchase",
                 "stage": "support"},
            ]
        }
    )  # fmt: skip
    rows = [
        _answer("a1", "crm", "C1", "store", "csat", 0, 5),
        _answer("a2", "eshop", "W1", "website", "nps", 1, 8),
        _answer("a3", "crm", "C1", "chat", "csat", 2, 2),
        _answer("a4", "eshop", "W1", "returns", "ces", 3, 4),
        _answer("b1", "crm", "C2", "store", "csat", 0, 4),
        _answer("b2", "eshop", "W2", "website", "nps", 1, 9),
        _answer("b3", "eshop", "W2", "website", "nps", 2, 7),
        _answer("b4", "crm", "C2", "chat", "csat", 3, 5),
        _answer("b5", "eshop", "W2", "returns", "csat", 4, 4),
        _answer("c1", "crm", "C3", "store", "csat", 0, 3),
        _answer("c2", "crm", "C3", "store", "ces", 1, 7),
        _answer("c3", "eshop", "W3", "website", "nps", 2, 5),
        _answer("d1", "crm", "C4", "store", "csat", 0, 1),
        _answer("e1", "crm", "C5", "store", "csat", 0, 5),
        _answer("e2", "eshop", "W5", "website", "nps", 0, 0),
        # a year later: outside the period of the period test
        _answer("f1", "crm", "C1", "store", "csat", 400, 1),
        _answer("f2", "eshop", "W1", "website", "nps", 400, 10),
    ]
    load_arrow(table="responses", data=pa.Table.from_pylist(rows))
    mapping = [
        (s, f"{p}{i}", f"P{i}") for i in range(1, 5) for s, p in (("crm", "C"), ("eshop", "W"))
    ]
    with warehouse() as con:
        ensure_derived(con)
        con.insert(
            "customer_persons",
            pa.Table.from_pylist(
                [{"source": s, "customer_id": c, "person_id": p} for s, c, p in mapping]
            ),
        )


PERIOD = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 12, 31)}


def _t975(df: int) -> float:
    return {1: 12.706205, 2: 4.302653}[df]


def test_the_gap_per_stage_is_paired_per_person(answered) -> None:
    found = consistency(actor=None, **PERIOD)
    buy, support = found.stages
    assert (buy.stage, buy.human_touchpoints, buy.digital_touchpoints) == (
        "buy",
        ["store"],
        ["website"],
    )
    # buy: P1 100 − 80 = 20, P2 75 − 80 = −5, P3 75 − 50 = 25 (P4 has no digital answer,
    # P5's two records are two persons): mean 13.33, sd √(258.33) = 16.07, se 9.28.
    assert buy.n == 3
    assert (buy.human_mean, buy.digital_mean, buy.gap) == (83.33, 70.0, 13.33)
    se = math.sqrt(((20 - 40 / 3) ** 2 + (-5 - 40 / 3) ** 2 + (25 - 40 / 3) ** 2) / 2 / 3)
    assert se == pytest.approx(9.2796, abs=1e-4)
    assert buy.ci_low == round(40 / 3 - _t975(2) * se, 2) == -26.59
    assert buy.ci_high == round(40 / 3 + _t975(2) * se, 2) == 53.26
    # support: the chat is human by its mode. P1 25 − 50 = −25, P2 100 − 75 = 25: mean 0,
    # sd 35.36, se 25.
    assert (support.stage, support.human_touchpoints) == ("support", ["call_centre", "chat"])
    assert support.n == 2
    assert (support.human_mean, support.digital_mean, support.gap) == (62.5, 62.5, 0.0)
    assert (support.ci_low, support.ci_high) == (round(-_t975(1) * 25, 2), round(_t975(1) * 25, 2))
    assert support.small_sample and not support.significant


def test_overall_counts_each_person_once(answered) -> None:
    overall = consistency(actor=None, **PERIOD).overall
    assert overall is not None
    # P1: gaps 20 and −25 → −2.5 (human (100 + 25)/2 = 62.5, digital (80 + 50)/2 = 65);
    # P2: −5 and 25 → 10 (87.5, 77.5); P3: 25 (75, 50).
    assert overall.n == 3
    assert overall.gap == round((-2.5 + 10 + 25) / 3, 2) == 10.83
    assert overall.human_mean == round((62.5 + 87.5 + 75) / 3, 2)
    assert overall.digital_mean == round((65 + 77.5 + 50) / 3, 2)
    assert overall.human_touchpoints == ["call_centre", "chat", "store"]


def test_the_mode_of_a_touchpoint_decides_its_side(answered) -> None:
    from cxpilot.organisation.models import Touchpoint

    Touchpoint.objects.filter(key="chat").update(mode="")  # web channel: digital
    stages = consistency(actor=None, **PERIOD).stages
    # the support stage has a human touchpoint (the call centre) still, but no one answered
    # on it: no pair
    assert [(g.stage, g.n) for g in stages] == [("buy", 3), ("support", 0)]
    assert stages[1].digital_touchpoints == ["chat", "returns"]
    assert stages[1].gap is None
    Touchpoint.objects.filter(key="store").update(mode="digital")
    assert [g.stage for g in consistency(actor=None).stages] == ["support"]


def test_the_period_keeps_its_answers(answered) -> None:
    everything = consistency(actor=None).stages[0]
    # with the later answers P1's buy gap is (100 + 0)/2 − (80 + 100)/2 = −40
    assert everything.n == 3
    assert everything.gap == round((-40 - 5 + 25) / 3, 2)
    later = consistency(actor=None, start=dt.date(2027, 1, 1)).stages[0]
    assert (later.n, later.gap) == (1, -100.0)


def test_bad_filters_are_refused(answered) -> None:
    with pytest.raises(ValidationError) as err:
        consistency(actor=None, start=dt.date(2026, 2, 1), end=dt.date(2026, 1, 1))
    assert err.value.where == "--to"
    with pytest.raises(ValidationError) as err:
        consistency(actor=None, segment="nobody")
    assert err.value.where == "--segment"


def test_a_viewer_without_analytics_may_not(answered, make_user) -> None:
    from cxpilot.kernel.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        consistency(actor=make_user(None))


def test_no_stage_with_both_sides_says_so(org) -> None:
    from cxpilot.organisation.models import Touchpoint

    Touchpoint.objects.filter(key="website").update(mode="human")
    found = consistency(actor=None)
    assert found.stages == [] and found.overall is None
    assert "no journey stage" in found.notes[0]


def test_cli_json(answered) -> None:
    result = runner.invoke(
        app,
        [
            "journeys",
            "consistency",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [(s["stage"], s["n"], s["gap"]) for s in body["stages"]] == [
        ("buy", 3, 13.33),
        ("support", 2, 0.0),
    ]
    assert body["overall"]["gap"] == 10.83
    assert body["from"] == "2026-01-01"
    bad = runner.invoke(app, ["journeys", "consistency", "--from", "2026-13-01"])
    assert bad.exit_code == 2
    assert "--from" in bad.output


def test_the_page_shows_the_gaps(answered, lead, client_as) -> None:
    page = lead.get("/journeys/consistency/?from=2026-01-01&to=2026-12-31")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-stage="buy"' in html and "13.3" in html and "-26.6 … 53.3" not in html
    assert "−26.6 … 53.3" in html  # a true minus
    assert 'data-stage="overall"' in html and "10.8" in html
    assert lead.get("/journeys/consistency/?from=2026-02-01&to=2026-01-01").status_code == 400
    assert client_as(None).get("/journeys/consistency/").status_code == 403
    from django.test import Client

    assert Client().get("/journeys/consistency/").status_code == 302  # to the login page


def test_the_page_refuses_a_segment_it_does_not_know(org, lead, hostile) -> None:
    response = lead.get("/journeys/consistency/", {"segment": hostile})
    assert response.status_code == (200 if hostile == "" else 400)
    assert hostile == "" or "Select a valid choice" in response.content.decode()


def test_a_segment_keeps_its_persons(answered) -> None:
    from cxpilot.organisation.services import org_load

    org_load(data={"segments": [{"key": "others", "name": "Others"}]})
    customers = [
        {"customer_id": cid, "source": source, "segment": segment}
        for i, segment in ((1, "families"), (2, "families"), (3, "others"))
        for cid, source in ((f"C{i}", "crm"), (f"W{i}", "eshop"))
    ]
    load_arrow(table="customers", data=pa.Table.from_pylist(customers))
    families = consistency(actor=None, segment="families", **PERIOD)
    buy = families.stages[0]
    # P1 (20) and P2 (−5)
    assert (buy.n, buy.gap, buy.human_mean, buy.digital_mean) == (2, 7.5, 87.5, 80.0)
    others = consistency(actor=None, segment="others", **PERIOD).stages[0]
    assert (others.n, others.gap) == (1, 25.0)
