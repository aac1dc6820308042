"""The return of an initiative valued from the customer-value data: a hand-built warehouse
whose KPI-to-churn relation, margins and customers are worked out by hand below."""

from __future__ import annotations

import datetime as dt
import json
import math

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.customers.selectors import UNRESOLVED_PREFIX
from cxpilot.initiatives import stats
from cxpilot.initiatives.effect import Effect
from cxpilot.initiatives.selectors import initiative_return
from cxpilot.initiatives.services import Draft, initiative_save, settings_update
from cxpilot.value.stats import Z95, PointValue, Slope, point_value, product_sd
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()
START = dt.date(2025, 9, 15)
END = dt.datetime(2026, 6, 30, 12)


@pytest.mark.pure
def test_the_product_interval_by_hand() -> None:
    # Var(XY) = (x² + sx²)(y² + sy²) − x²y² = (4 + 0.25)(100 + 4) − 400 = 42
    assert product_sd(2.0, 0.5, 10.0, 2.0) == pytest.approx(math.sqrt(42))
    # effect 2 (95 %: 2 ± 1.96 × 0.5), value 10 a point (10 ± 1.96 × 2), 120 customers, 6 months
    found = stats.roi(
        effect=2.0,
        ci_low=2.0 - Z95 * 0.5,
        ci_high=2.0 + Z95 * 0.5,
        value_per_point=10.0,
        customers=120,
        months=6,
        cost_one_off=100.0,
        cost_monthly=50.0,
        value_ci=(10.0 - Z95 * 2.0, 10.0 + Z95 * 2.0),
    )
    sd = 60 * math.sqrt(42)  # 120 customers × 6/12 = 60
    assert found.value == pytest.approx(2 * 10 * 60)
    assert (found.value_low, found.value_high) == pytest.approx((1200 - Z95 * sd, 1200 + Z95 * sd))
    assert found.cost == 100 + 50 * 6 and found.roi == pytest.approx((1200 - 400) / 400)
    assert found.interval == "product"


@pytest.mark.pure
def test_a_point_is_worth_the_churn_it_saves_times_the_margin() -> None:
    # −10 churn points per CES point (95 %: −10 ± 1.96 × 2), a margin of 100 ± 5 a year:
    # a point keeps 0.10 of a customer, worth 10 a year; sd² = (0.01 + 0.0004)(10000 + 25) − 100
    slope = Slope(-10.0, -10.0 - Z95 * 2.0, -10.0 + Z95 * 2.0, 500, 500)
    assert slope.se == pytest.approx(2.0)
    found = point_value(slope, 100.0, 5.0)
    sd = math.sqrt((0.01 + 0.0004) * (10000 + 25) - 100)
    assert found == PointValue(
        pytest.approx(10.0),
        pytest.approx(sd),
        pytest.approx(10 - Z95 * sd),
        pytest.approx(10 + Z95 * sd),
    )


def person(customer: str) -> str:
    return f"{UNRESOLVED_PREFIX}crm{UNRESOLVED_PREFIX}{customer}"


def _load() -> None:
    """120 customers answer CES on the website on 2025-10-01 (9 months before the end of the
    data, 2026-06-30): 60 answer 2 (hard), of whom 30 buy nothing afterwards (churn 50 %), and
    60 answer 6 (easy), of whom 6 buy nothing afterwards (churn 10 %). The slope of churn on
    CES is (10 − 50) / (6 − 2) = −10 churn points per CES point. Their margins of the last 12
    months alternate 50 and 150 (revenue 200 or 600 at a 25 % margin): mean 100, standard
    error 50 × √(120/119) / √120 = 50 / √119."""
    answers, sales, values = [], [], []
    for i in range(120):
        hard = i < 60
        churned = i % 60 < (30 if hard else 6)
        c = f"c{i}"
        answers.append(
            {
                "response_id": f"r{i}",
                "customer_id": c,
                "source": "crm",
                "touchpoint": "website",
                "timestamp": dt.datetime(2025, 10, 1, 9) + dt.timedelta(minutes=i),
                "metric": "ces",
                "score": 2 if hard else 6,
            }
        )
        sales.append((c, dt.datetime(2025, 1, 1, 12), 100.0))
        if not churned:
            sales.append((c, dt.datetime(2026, 3, 1, 12), 100.0))
        values.append((person(c), 200.0 if i % 2 else 600.0))
    sales.append(("c59", END, 10.0))  # the end of the data (c59 did not churn)
    load_arrow(table="responses", data=pa.Table.from_pylist(answers))
    load_arrow(
        table="transactions",
        data=pa.Table.from_pylist(
            [
                {
                    "transaction_id": f"t{k}",
                    "customer_id": c,
                    "source": "crm",
                    "timestamp": ts,
                    "amount": amount,
                }
                for k, (c, ts, amount) in enumerate(sales)
            ]
        ),
    )
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        con.create_table(
            "customer_value",
            pa.table(
                {
                    "customer": [p for p, _ in values],
                    "revenue_12m": [r for _, r in values],
                    "margin_share": [0.25] * len(values),
                }
            ),
            overwrite=True,
        )


@pytest.fixture
def valued(org):
    _load()
    return initiative_save(
        actor=None,
        draft=Draft(
            name="Clearer checkout",
            touchpoints=["website"],
            metric="ces",
            started_on=START,
            cost_one_off=500,
        ),
    )


def _effect() -> Effect:
    # an effect of +1.5 CES points, 95 % interval 1.0 to 2.0
    return Effect(
        metric="ces",
        start=START,
        window=6,
        touched=["website"],
        comparison=["call_centre"],
        estimate=stats.Estimate(1.5, 1.0, 2.0, 0.25, 0.0, 400, 300, "did"),
    )


def test_the_return_is_valued_from_the_data_by_hand(valued) -> None:
    assumption, found = initiative_return(valued, _effect())
    assert assumption.basis == "data" and assumption.note == ""
    v = assumption.valuation
    assert v is not None
    assert v["churn_points_per_kpi_point"] == pytest.approx(-10.0)
    assert (v["slope_answers"], v["slope_persons"]) == (120, 120)
    assert v["margin_12m"] == pytest.approx(100.0)
    assert v["margin_12m_se"] == pytest.approx(50 / math.sqrt(119), abs=0.01)
    # the customers reached: the 120 answering on the website in the last 12 months
    assert (assumption.customers, assumption.customers_basis) == (120, "data")
    # −(−10)/100 × 100 = 10 a CES point per customer per year
    assert assumption.value_per_point == pytest.approx(10.0)
    slope_se = (v["slope_ci_high"] - v["slope_ci_low"]) / (2 * Z95)
    value_sd = math.sqrt((0.01 + (slope_se / 100) ** 2) * (100**2 + 50**2 / 119) - 100)
    assert assumption.value_ci_low == pytest.approx(10 - Z95 * value_sd, rel=1e-3)
    # return: 1.5 × 10 × 120 × 12/12 = 1800; cost 500; ROI (1800 − 500) / 500
    assert found is not None
    assert found.value == pytest.approx(1800.0)
    assert found.cost == 500 and found.roi == pytest.approx(2.6)
    effect_se = 0.5 / Z95
    sd = 120 * math.sqrt((1.5**2 + effect_se**2) * (10**2 + value_sd**2) - 15**2)
    assert (found.value_low, found.value_high) == pytest.approx(
        (1800 - Z95 * sd, 1800 + Z95 * sd), rel=1e-3
    )
    # the initiative's own figure of customers reached wins over the data's
    valued.customers_reached = 1000
    assumption, found = initiative_return(valued, _effect())
    assert assumption.customers_basis == "initiative" and found is not None
    assert found.value == pytest.approx(1.5 * 10 * 1000)


def test_without_customer_values_the_assumption_is_used_and_says_why(org) -> None:
    initiative = initiative_save(
        actor=None,
        draft=Draft(name="Chat", touchpoints=["website"], metric="ces", started_on=START),
    )
    assumption, found = initiative_return(initiative, _effect())
    assert assumption.basis == "assumption" and "clv predict" in assumption.note
    assert found is None  # no value set for a point, no customers
    settings_update(actor=None, value_ces="4")
    initiative.customers_reached = 50
    assumption, found = initiative_return(initiative, _effect())
    assert found is not None and found.interval == "linear"
    assert (found.value, found.value_low, found.value_high) == pytest.approx((300, 200, 400))


def test_cli_effect_json_carries_the_return(valued) -> None:
    out = runner.invoke(app, ["initiatives", "effect", str(valued.pk), "--format", "json"])
    assert out.exit_code == 0, out.output
    found = json.loads(out.stdout)
    # too few answers around the start for an effect: no return, but the basis is said
    assert found["effect"] is None and found["return"] is None
    assert found["basis"] == "data" and found["value_per_point"] == pytest.approx(10.0)
    assert {"return_ci_low", "return_ci_high", "roi"} <= set(found)


def test_the_page_says_the_return_is_valued_from_the_data(valued, viewer) -> None:
    text = viewer.get(f"/initiatives/{valued.pk}/").content.decode()
    assert "Basis: the data." in text
    assert "One CES point is worth 10.00 per customer per year" in text
    assert "over the last 12 months" in text  # the customers reached came from the data


def test_the_page_says_the_return_rests_on_the_assumption(org, viewer) -> None:
    initiative = initiative_save(
        actor=None, draft=Draft(name="Chat", touchpoints=["website"], metric="ces")
    )
    text = viewer.get(f"/initiatives/{initiative.pk}/").content.decode()
    assert "Basis: the assumption." in text and "clv predict" in text


@pytest.mark.pure
def test_the_month_of_answer_keeps_a_trend_from_passing_for_a_relation() -> None:
    # month 1: 80 answers of 2 and 20 of 6, half of each churn; month 2: 20 of 2 and 80 of 6,
    # a tenth of each churn. Within a month the score does not move churn (slope 0); pooled,
    # the easy answers sit in the month of low churn: (10·80+50·20)/100 = 18 % churn among
    # the 6s against (50·80+10·20)/100 = 42 % among the 2s, a slope of (18 − 42)/4 = −6.
    import numpy as np

    from cxpilot.value.stats import churn_slope

    def block(n: int, score: float, share: float) -> list[tuple[float, float]]:
        churned = round(n * share)
        return [(score, 100.0 if i < churned else 0.0) for i in range(n)]

    rows = block(80, 2, 0.5) + block(20, 6, 0.5) + block(20, 2, 0.1) + block(80, 6, 0.1)
    x = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    months = np.repeat([1, 2], 100)
    pooled = churn_slope(x, y, np.arange(200), middle=4.0)
    within = churn_slope(x, y, np.arange(200), middle=4.0, months=months)
    assert pooled is not None and pooled.slope == pytest.approx(-6.0)
    assert within is not None and within.slope == pytest.approx(0.0, abs=1e-9)


def test_cli_effect_table_and_csv_flatten_the_valuation(valued) -> None:
    for fmt in ("table", "csv"):
        out = runner.invoke(app, ["initiatives", "effect", str(valued.pk), "--format", fmt])
        assert out.exit_code == 0, out.output
        assert "valuation_value_per_point" in out.stdout and "basis" in out.stdout
