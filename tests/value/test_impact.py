"""The customer advocate's assessment, on small hand-built data whose figures are worked out by
hand below."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.customers.selectors import UNRESOLVED_PREFIX
from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.value.impact import (
    Range,
    Slope,
    at_risk,
    churn_from_nps,
    figures,
    impact_assessed,
    range_parsed,
    scope_checked,
)
from cxpilot.warehouse.ingest import load_arrow

END = dt.datetime(2026, 6, 30, 12)
#: Six customers of the shop, each its own person (never resolved). C0..C3 are families.
FAMILIES = ("C0", "C1", "C2", "C3")
CLV = {"C0": 100.0, "C1": 200.0, "C2": 300.0, "C3": 400.0, "C4": 1000.0, "C5": 0.0}
REVENUE = {"C0": 10.0, "C1": 20.0, "C2": 30.0, "C3": 40.0, "C4": 50.0, "C5": 0.0}


def person(customer: str) -> str:
    return f"{UNRESOLVED_PREFIX}shop{UNRESOLVED_PREFIX}{customer}"


def _load() -> None:
    load_arrow(
        table="customers",
        data=pa.Table.from_pylist(
            [
                {
                    "customer_id": c,
                    "source": "shop",
                    "segment": "families" if c in FAMILIES else None,
                }
                for c in CLV
            ]
        ),
    )
    # call centre in the last 365 days: C0, C1, C4; C2's call is 400 days old; C3 on the
    # website; C5's store visit is the last event of the data
    visits = [
        ("C0", "call_centre", "phone", 30),
        ("C1", "call_centre", "phone", 100),
        ("C2", "call_centre", "phone", 400),
        ("C4", "call_centre", "phone", 5),
        ("C3", "website", "web", 50),
        ("C5", "store", "store", 0),
    ]
    load_arrow(
        table="interactions",
        data=pa.Table.from_pylist(
            [
                {
                    "event_id": f"e{i}",
                    "customer_id": c,
                    "source": "shop",
                    "touchpoint": tp,
                    "channel": channel,
                    "type": "contact",
                    "timestamp": END - dt.timedelta(days=days),
                }
                for i, (c, tp, channel, days) in enumerate(visits)
            ]
        ),
    )
    # everyone bought 300 days before the end (10, 20, …); C0 and C3 again 10 days before
    # (5 each), and C1 got a refund of 5: revenue in the 365 days, families 15+15+30+45 = 105
    rows = [(c, 300, 10.0 * (i + 1)) for i, c in enumerate(CLV)]
    rows += [("C0", 10, 5.0), ("C3", 10, 5.0), ("C1", 20, -5.0)]
    load_arrow(
        table="transactions",
        data=pa.Table.from_pylist(
            [
                {
                    "transaction_id": f"t{i}",
                    "customer_id": c,
                    "source": "shop",
                    "timestamp": END - dt.timedelta(days=days),
                    "amount": amount,
                }
                for i, (c, days, amount) in enumerate(rows)
            ]
        ),
    )
    # NPS of the families in the window: 10, 3, 8 -> 1 promoter, 1 detractor: NPS 0
    load_arrow(
        table="responses",
        data=pa.Table.from_pylist(
            [
                {
                    "response_id": f"r{i}",
                    "customer_id": c,
                    "source": "shop",
                    "touchpoint": "website",
                    "timestamp": END - dt.timedelta(days=40),
                    "metric": "nps",
                    "score": score,
                }
                for i, (c, score) in enumerate((("C0", 10), ("C1", 3), ("C2", 8)))
            ]
        ),
    )


def _values() -> None:
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        con.create_table(
            "customer_value",
            pa.table(
                {
                    "customer": [person(c) for c in CLV],
                    "clv": list(CLV.values()),
                    "revenue_12m": list(REVENUE.values()),
                }
            ),
            overwrite=True,
        )


@pytest.fixture
def data(org) -> None:
    _load()


@pytest.fixture
def valued(data) -> None:
    _values()


def assess(**scope):
    churn = scope.pop("churn", Range(2.0, 5.0))
    nps = scope.pop("nps", None)
    return impact_assessed(
        actor=None, scope=scope_checked(**scope), churn=churn, nps=nps, moments=False
    )


# ---------------------------------------------------------------------------- arithmetic


@pytest.mark.pure
def test_the_arithmetic_of_four_customers():
    # 4 customers of CLV 100, 200, 300, 400 (Σ 1000) and revenue 10, 20, 30, 40 (Σ 100),
    # churn up 2 to 5 points: CLV at risk 1000 × 2 % = 20 to 1000 × 5 % = 50; revenue at risk
    # 2 to 5; customers expected lost 4 × 2 % = 0.08 to 4 × 5 % = 0.2
    found = figures(
        revenue=np.array([10.0, 20.0, 30.0, 40.0]),
        clv=np.array([100.0, 200.0, 300.0, 400.0]),
        churn=Range(2.0, 5.0),
    )
    assert found["customers"] == 4
    assert found["clv"] == 1000.0 and found["revenue_12m"] == 100.0
    assert found["clv_at_risk"] == pytest.approx({"low": 20.0, "high": 50.0})
    assert found["revenue_at_risk"] == pytest.approx({"low": 2.0, "high": 5.0})
    assert found["customers_lost"] == pytest.approx({"low": 0.08, "high": 0.2})
    # without CLV: on revenue only
    alone = figures(revenue=np.array([10.0, 20.0]), clv=None, churn=Range(10.0, 10.0))
    assert alone["clv"] is None and alone["clv_at_risk"] is None
    assert alone["revenue_at_risk"] == pytest.approx({"low": 3.0, "high": 3.0})
    assert at_risk(np.array([50.0, np.nan]), Range(-2.0, 4.0)) == Range(-1.0, 2.0)


@pytest.mark.pure
def test_an_nps_change_becomes_churn_through_the_slope_interval():
    # −0.1 to −0.05 churn points per NPS point, NPS down 3 to 8 points: churn up
    # 0.05 × 3 = 0.15 to 0.1 × 8 = 0.8 points
    slope = Slope(-0.075, -0.1, -0.05, 500, 400)
    found = churn_from_nps(slope, Range(-8.0, -3.0))
    assert (found.low, found.high) == pytest.approx((0.15, 0.8))


@pytest.mark.pure
def test_the_nps_churn_slope_by_hand():
    # 200 promoters (+100) of whom 40 churn (20 %), 200 detractors (−100) of whom 80 churn
    # (40 %): the slope is (20 − 40) / (100 − (−100)) = −0.1 churn points per NPS point
    from cxpilot.value.impact import nps_churn_slope

    x = np.repeat([100.0, -100.0], 200)
    y = np.concatenate([np.repeat([100.0, 0.0], [40, 160]), np.repeat([100.0, 0.0], [80, 120])])
    found = nps_churn_slope(x, y, np.arange(400))
    assert found is not None
    assert found.slope == pytest.approx(-0.1)
    assert found.ci_low < -0.1 < found.ci_high < 0
    assert (found.answers, found.persons) == (400, 400)


@pytest.mark.pure
@pytest.mark.parametrize(
    ("text", "expected"),
    [("3", Range(3.0, 3.0)), ("2:5", Range(2.0, 5.0)), (" -1.5 : 0 ", Range(-1.5, 0.0))],
)
def test_ranges_are_parsed(text, expected):
    assert range_parsed(text, where="--churn-uplift", limit=100) == expected


@pytest.mark.pure
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "give a number of points or LOW:HIGH, got 'abc'"),
        ("5:2", "the low end 5 is above the high end 2"),
        ("2:150", "beyond 100 points"),
        ("1e400", "give a number"),
        ("nan", "give a number"),
        ("", "give a number"),
    ],
)
def test_bad_ranges_are_named(text, message):
    with pytest.raises(ValidationError) as error:
        range_parsed(text, where="--churn-uplift", limit=100)
    assert message in error.value.detail and error.value.where == "--churn-uplift"


# -------------------------------------------------------------------------------- scope


@pytest.mark.warehouse
def test_a_segment_touches_its_persons_with_their_values(valued):
    found = assess(segments=["families"])
    assert found["customers"] == 4 and found["has_clv"]
    assert found["clv"] == pytest.approx(1000.0)
    assert found["clv_at_risk"] == pytest.approx({"low": 20.0, "high": 50.0})
    assert found["revenue_at_risk"] == pytest.approx({"low": 2.0, "high": 5.0})
    assert found["nps"]["n"] == 3 and found["nps"]["score"] == 0.0
    assert found["nps"]["ci_low"] < 0 < found["nps"]["ci_high"]
    # bought before the last 180 days: all six; churned (no purchase since): C1, C2 of the
    # families (2 of 4 = 50 %), C4 and C5 of the others (2 of 2 = 100 %)
    seen = found["evidence"]["churn_observed"]
    assert (seen["touched"]["n"], seen["touched"]["churned"], seen["touched"]["rate"]) == (
        4,
        2,
        50.0,
    )
    assert seen["others"]["rate"] == 100.0 and seen["difference"]["points"] == -50.0


@pytest.mark.warehouse
def test_a_touchpoint_touches_who_met_it_in_the_last_year(valued):
    # C0, C1, C4 (C2's call is older than 365 days): CLV 1300 -> 26 to 65 at risk
    found = assess(touchpoints=["call_centre"])
    assert found["customers"] == 3
    assert found["clv_at_risk"] == pytest.approx({"low": 26.0, "high": 65.0})
    # the stage and the channel of the call centre pick the same persons
    assert assess(stages=["support"])["customers"] == 3
    assert assess(stages=["purchase:support"])["customers"] == 3
    assert assess(channels=["phone"])["customers"] == 3
    # kinds combine: families who called: C0, C1 -> CLV 300 -> 6 to 15
    both = assess(segments=["families"], touchpoints=["call_centre"])
    assert both["customers"] == 2
    assert both["clv_at_risk"] == pytest.approx({"low": 6.0, "high": 15.0})
    # within a kind, any key: the call centre or the website: C0, C1, C3, C4
    assert assess(touchpoints=["call_centre", "website"])["customers"] == 4


def test_without_customer_values_it_says_so_and_uses_revenue(data):
    found = assess(segments=["families"])
    assert found["has_clv"] is False and found["clv"] is None and found["clv_at_risk"] is None
    assert any("no customer values yet" in note for note in found["notes"])
    # families' purchases and refunds in the 365 days: 15 + 15 + 30 + 45 = 105
    assert found["revenue_12m"] == pytest.approx(105.0)
    assert found["revenue_at_risk"] == pytest.approx({"low": 2.1, "high": 5.25})


def test_an_nps_change_alone_is_shown_as_stated_without_a_relation(valued):
    found = assess(segments=["families"], churn=None, nps=Range(-8.0, -3.0))
    assert found["nps_churn_relation"] is None
    assert found["assumption"]["churn_uplift_used"] is None and found["clv_at_risk"] is None
    assert found["assumption"]["nps_change"] == {"low": -8.0, "high": -3.0}
    assert any("shown as stated" in note for note in found["notes"])


@pytest.mark.warehouse
def test_the_open_cases_of_the_touched(valued):
    from cxpilot.loop.models import CaseStatus, FollowUpCase

    for i, (customer, status) in enumerate(
        (("C1", CaseStatus.OPEN), ("C4", CaseStatus.IN_PROGRESS), ("C0", CaseStatus.CLOSED))
    ):
        FollowUpCase.objects.create(
            source="shop",
            response_id=f"r{i}",
            customer_id=customer,
            touchpoint="call_centre",
            metric="nps",
            score=2,
            answered_at=END.replace(tzinfo=dt.UTC),
            due_at=END.replace(tzinfo=dt.UTC),
            status=status,
        )
    found = assess(segments=["families"])["open_cases"]
    assert found["count"] == 1 and found["by_touchpoint"] == {"call_centre": 1}
    assert set(found["rows"][0]) == {"id", "touchpoint", "metric", "score", "status", "due_at"}
    assert assess(touchpoints=["call_centre"])["open_cases"]["count"] == 2


def test_moments_too_few_answers_are_said(valued):
    found = impact_assessed(
        actor=None,
        scope=scope_checked(touchpoints=["call_centre"]),
        churn=Range(1.0, 2.0),
        moments=True,
    )
    assert found["evidence"]["moments"] == []
    assert found["scope_touchpoints"] == ["call_centre"]


@pytest.mark.parametrize(
    ("kind", "key", "where"),
    [
        ("segments", "nobody", "--segment"),
        ("touchpoints", "fax", "--touchpoint"),
        ("channels", "pigeon", "--channel"),
        ("stages", "purchase:nowhere", "--stage"),
    ],
)
def test_an_unknown_key_is_named(org, kind, key, where):
    with pytest.raises(ValidationError) as error:
        scope_checked(**{kind: [key]})
    assert key in error.value.detail and error.value.where == where
    assert "known:" in error.value.detail


def test_a_scope_and_an_effect_are_needed(data):
    with pytest.raises(ValidationError, match="give the scope"):
        impact_assessed(actor=None, scope=scope_checked(), churn=Range(1, 2))
    with pytest.raises(ValidationError, match="assumed effect"):
        impact_assessed(actor=None, scope=scope_checked(segments=["families"]))


def test_assessing_needs_the_permission(data, make_user):
    with pytest.raises(PermissionDenied):
        impact_assessed(
            actor=make_user(None), scope=scope_checked(segments=["families"]), churn=Range(1, 2)
        )


# ---------------------------------------------------------------------------------- CLI


def _cli(*args: str):
    from cxpilot.cli import app

    return CliRunner().invoke(app, list(args))


@pytest.mark.warehouse
def test_the_cli_prints_the_assessment_as_json_and_keeps_it(valued):
    from cxpilot.value.models import Decision

    result = _cli(
        "impact", "--segment", "families", "--churn-uplift", "2:5", "--no-moments",
        "--format", "json", "--save", "Raise prices 5 % for families",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["customers"] == 4
    assert found["clv_at_risk"] == pytest.approx({"low": 20.0, "high": 50.0})
    kept = Decision.objects.get(pk=found["decision_id"])
    assert kept.title == "Raise prices 5 % for families" and kept.segments == ["families"]
    assert (kept.churn_low, kept.churn_high) == (2.0, 5.0)
    assert kept.assessment["clv"] == pytest.approx(1000.0) and kept.assessed_at is not None
    table = _cli("impact", "--touchpoint", "call_centre", "--churn-uplift", "3", "--no-moments")
    assert table.exit_code == 0 and "customers touched" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--segment", "families", "--churn-uplift", "abc"), "got 'abc'"),
        (("--segment", "families", "--churn-uplift", "5:2"), "above the high end"),
        (("--segment", "families", "--churn-uplift", "101"), "beyond 100 points"),
        (("--segment", "families", "--churn-uplift", "-5:-2"), "a churn uplift is 0 to 100"),
        (("--segment", "families", "--churn-uplift", "-1:3"), "a churn uplift is 0 to 100"),
        (("--segment", "nobody", "--churn-uplift", "1"), "no segment 'nobody'"),
        (("--churn-uplift", "1"), "give the scope"),
        (("--segment", "families", "--churn-uplift", "1", "--save", " "), "title"),
    ],
)
def test_the_cli_names_bad_input_and_keeps_nothing(data, args, message):
    from cxpilot.value.models import Decision

    result = _cli("impact", "--no-moments", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not Decision.objects.exists()
