"""``cxpilot clv predict`` and ``holdout`` on the CDNOW sample: the warehouse tables written
all or nothing, the stored values read back, the command's JSON keys, and the value page."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from tests.value.test_clv import LIFETIMES
from tests.value.test_stats import _cdnow

END = dt.date(1997, 9, 30)
SEGMENTS = ("collectors", "casual")


def _frame() -> pd.DataFrame:
    df = pd.read_csv(
        io.StringIO(_cdnow()),
        sep=r"\s+",
        header=None,
        names=["customer_id", "customer2", "date", "cds", "amount"],
        dtype={"date": str, "customer_id": str},
    )
    df["timestamp"] = pd.to_datetime(df["date"], format="%Y%m%d")
    df["transaction_id"] = [f"T{i}" for i in range(len(df))]
    return df


@pytest.fixture
def cdnow_file(tmp_path):
    df = _frame()
    df["timestamp"] = df["timestamp"].dt.strftime("%Y-%m-%d")
    path = tmp_path / "cdnow.csv"
    df[["transaction_id", "customer_id", "timestamp", "amount"]].to_csv(path, index=False)
    return path


@pytest.fixture
def cdnow_warehouse(db):
    """The CDNOW purchases in the warehouse (source "shop"), each customer with a segment;
    half the transactions give a margin of 40 % of their amount."""
    from cxpilot.warehouse.ingest import load_arrow

    df = _frame()
    ids = sorted(df.customer_id.unique())
    customers = pa.table(
        {
            "customer_id": ids,
            "source": ["shop"] * len(ids),
            "segment": [SEGMENTS[int(c) % 2] for c in ids],
        }
    )
    load_arrow(table="customers", data=customers)
    margin = np.where(np.arange(len(df)) % 2 == 0, 0.4 * df.amount.to_numpy(), np.nan)
    purchases = pa.table(
        {
            "transaction_id": df.transaction_id.tolist(),
            "customer_id": df.customer_id.tolist(),
            "source": ["shop"] * len(df),
            "timestamp": pa.array(df.timestamp.dt.to_pydatetime(), pa.timestamp("us")),
            "amount": df.amount.to_numpy(),
            "margin": pa.array(margin, from_pandas=True),
        }
    )
    load_arrow(table="transactions", data=purchases)


def _stored(name: str) -> pa.Table:
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        return con.table(name).to_pyarrow()


CONTRACT = {
    "customer", "segment", "frequency", "recency", "age", "monetary", "p_alive",
    "p_alive_low", "p_alive_high", "expected_purchases", "expected_purchases_low",
    "expected_purchases_high", "expected_spend", "clv", "clv_low", "clv_high", "revenue_12m",
    "calibration_end", "horizon_weeks", "discount_rate", "computed_at",
}  # fmt: skip


@pytest.mark.warehouse
def test_predict_writes_the_values_and_the_equity(cdnow_warehouse):
    from cxpilot.value import selectors
    from cxpilot.value.services import customer_values_compute
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con, pytest.raises(Exception, match="no customer values yet"):
        selectors.customer_values(con)
    customer_values_compute(calibration_end=END, horizon_weeks=39, discount_rate=0.0)
    values = _stored("customer_value")
    assert CONTRACT <= set(values.column_names)
    assert values.num_rows == 2357
    rows = {r["customer"]: r for r in values.to_pylist()}
    # unresolved records are their own person: the key is "\x1f" + source + "\x1f" + id
    four = rows["\x1fshop\x1f00004"]
    assert four["segment"] == SEGMENTS[0]
    assert four["p_alive"] == pytest.approx(LIFETIMES[4][1], rel=1e-5)
    assert four["expected_purchases"] == pytest.approx(LIFETIMES[4][2], rel=1e-5)
    assert four["p_alive_low"] < four["p_alive"] < four["p_alive_high"]
    assert four["margin_basis"] == "transactions"
    # customer 4's transactions alternate: their margin share is that of those giving one
    assert four["margin_share"] == pytest.approx(0.4)
    # the last 12 months' revenue: every purchase of customer 4 up to the end
    df = _frame()
    mine = df[(df.customer_id == "00004") & (df.timestamp <= pd.Timestamp(END))]
    assert four["revenue_12m"] == pytest.approx(mine.amount.sum())
    equity = _stored("customer_equity").to_pylist()
    now = [e for e in equity if e["as_of"] == END]
    total = next(e for e in now if e["segment"] is None)
    assert total["equity"] == pytest.approx(sum(r["clv"] for r in rows.values()))
    assert total["equity_low"] < total["equity"] < total["equity_high"]
    assert sorted(e["segment"] for e in now if e["segment"]) == sorted(SEGMENTS)
    # refitted at the quarter ends before with 24 weeks of data or more: 30 June 1997 (not
    # 31 March, 12 weeks after the first purchase: skipped and said)
    assert {e["as_of"] for e in equity} == {dt.date(1997, 6, 30), END}
    with warehouse() as con:
        model = selectors.value_model(con)
        assert selectors.customer_values(con).count().execute() == 2357
    assert round(model["bg_nbd"]["r"], 3) == 0.243
    assert model["margin_basis"] == "transactions"
    assert model["holdout"]["calibration_end"] < END.isoformat()
    assert [q["as_of"] for q in model["skipped_quarters"]] == ["1997-03-31"]
    assert "24 weeks" in model["skipped_quarters"][0]["reason"]


@pytest.mark.warehouse
def test_predict_changes_nothing_on_bad_input(cdnow_warehouse, monkeypatch):
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.value import services

    services.customer_values_compute(calibration_end=END, history=False)
    before = _stored("customer_value")
    for kwargs in ({"horizon_weeks": 0}, {"discount_rate": float("inf")},
                   {"calibration_end": dt.date(1997, 1, 2)}):  # fmt: skip
        with pytest.raises(ValidationError):
            services.customer_values_compute(**{"calibration_end": END, **kwargs})
        assert _stored("customer_value").equals(before)
    # a table that does not fit its schema fails before anything stored changes
    real = services.customer_values_table

    def broken(found, computed_at):
        table = real(found, computed_at)
        return table.set_column(
            table.column_names.index("horizon_weeks"),
            "horizon_weeks",
            pa.array(["many"] * table.num_rows),
        )

    monkeypatch.setattr(services, "customer_values_table", broken)
    with pytest.raises(Exception):
        services.customer_values_compute(calibration_end=END, history=False)
    assert _stored("customer_value").equals(before)
    assert _stored("customer_value_model").num_rows == 1


def test_predict_and_holdout_commands_on_a_file(cdnow_file):
    runner = CliRunner()
    found = runner.invoke(
        app,
        ["clv", "predict", "--file", str(cdnow_file), "--calibration-end", "1997-09-30",
         "--horizon-weeks", "39", "-f", "json"],
    )  # fmt: skip
    assert found.exit_code == 0, found.output
    rows = json.loads(found.stdout)
    assert len(rows) == 2357
    assert set(rows[0]) == CONTRACT - {"calibration_end", "horizon_weeks", "discount_rate",
                                       "computed_at"} | {"margin_share", "margin_basis"}  # fmt: skip
    assert rows[0]["customer"] == "file:00004"
    assert rows[0]["p_alive"] == pytest.approx(LIFETIMES[4][1], rel=1e-5)
    assert "CXPILOT_DEFAULT_MARGIN_RATE" in found.stderr
    bad = runner.invoke(
        app, ["clv", "predict", "--file", str(cdnow_file), "--calibration-end", "1997-09-30",
              "--discount-rate", "1e308"],
    )  # fmt: skip
    assert bad.exit_code == 2 and "--discount-rate" in bad.output
    held = runner.invoke(
        app,
        ["clv", "holdout", "--file", str(cdnow_file), "--calibration-end", "1997-09-30",
         "--holdout-end", "1998-06-30", "-f", "json"],
    )  # fmt: skip
    assert held.exit_code == 0, held.output
    check = json.loads(held.stdout)
    assert set(check) == {"calibration_end", "holdout_end", "holdout_weeks", "customers",
                          "predicted", "actual", "bg_nbd", "by_frequency", "weekly"}  # fmt: skip
    # made: distinct purchase days in weeks 40-78 of the 2,357, counted here apart
    df = _frame()
    days = df[df.timestamp > pd.Timestamp(END)].groupby(["customer_id", "timestamp"]).size()
    assert check["actual"] == len(days) == 1882
    # predicted: the sum of E[X(39) | x, t_x, T]; lifetimes gives 1653.4087 on the same fit
    assert check["predicted"] == pytest.approx(1653.408724179907, rel=1e-5)
    assert [r["repeat_purchases"] for r in check["by_frequency"]] == list(range(8))
    assert sum(r["customers"] for r in check["by_frequency"]) == 2357
    weekly = check["weekly"]
    assert len(weekly) == 78 and weekly[38]["end"] == "1997-09-30"
    assert weekly[38]["actual"] == 2457  # the calibration's repeat purchases, Σ x
    assert weekly[-1]["actual"] == 2457 + 1882
    assert all(a["predicted"] <= b["predicted"] for a, b in zip(weekly, weekly[1:]))
    late = runner.invoke(
        app, ["clv", "holdout", "--file", str(cdnow_file), "--calibration-end", "1997-09-30",
              "--holdout-end", "1997-09-01"],
    )  # fmt: skip
    assert late.exit_code == 2 and "--holdout-end" in late.output


def test_value_page(cdnow_warehouse, client_as):
    from cxpilot.value.services import customer_values_compute

    lead = client_as("cx_lead")
    empty = lead.get("/value/")
    assert empty.status_code == 200
    assert b"cxpilot clv predict --calibration-end" in empty.content
    assert client_as("viewer").get("/value/").status_code == 403
    customer_values_compute(calibration_end=END)
    from cxpilot.organisation.models import Segment

    Segment.objects.create(key="collectors", name="Record collectors")
    page = lead.get("/value/")
    assert page.status_code == 200
    html = page.content.decode()
    # a segment is shown by the organisation's name for it, in the tables and the charts
    assert '<th scope="row">Record collectors</th>' in html
    assert '"Record collectors"' in json.dumps(page.context["specs"]["equity"])
    for part in ("table-equity", "table-history", "table-clv", "table-holdout", "table-model",
                 "chart-equity", "chart-history", "chart-clv", "chart-holdout"):  # fmt: skip
        assert f'id="{part}"' in html, part
    assert "collectors" in html and "1997-09-30" in html
    # the value × risk matrix and the profit per customer, linking to their own pages
    assert 'id="chart-value_risk"' in html and 'id="table-value-risk-numbers"' in html
    assert 'id="chart-profit"' in html and 'id="table-histogram"' in html
    assert 'href="/value/segments/"' in html and 'href="/value/profitability/"' in html


@pytest.mark.warehouse
def test_an_erased_person_leaves_the_values(cdnow_warehouse):
    from cxpilot.value.services import customer_values_compute, values_erase
    from cxpilot.warehouse.connection import transaction, warehouse

    customer_values_compute(calibration_end=END, history=False)
    with warehouse() as con, transaction(con) as tx:
        assert values_erase(tx=tx, person_id="\x1fshop\x1f00004") == {"customer_value": 1}
    customers = _stored("customer_value").column("customer").to_pylist()
    assert len(customers) == 2356 and "\x1fshop\x1f00004" not in customers
