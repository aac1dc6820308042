"""Metrics per group, computed in the warehouse (DuckDB, or PostgreSQL in the second pass)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.analytics import stats
from cxpilot.analytics.metrics import metric_groups, metric_sums
from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.ingest import load_arrow

pytestmark = pytest.mark.warehouse

runner = CliRunner()


def answers(spec: list[tuple[str, str, str, list[int]]], source: str = "s") -> pa.Table:
    """(touchpoint, metric, month, scores) → responses rows."""
    rows = []
    for touchpoint, metric, month, scores in spec:
        for i, score in enumerate(scores):
            rows.append(
                {
                    "response_id": f"{touchpoint}-{metric}-{month}-{i}",
                    "customer_id": f"c{i % 40}",
                    "touchpoint": touchpoint,
                    "timestamp": f"{month}-{1 + i % 27:02d} 10:00:00",
                    "metric": metric,
                    "score": score,
                    "source": source,
                    "channel": "web" if touchpoint == "website" else "store",
                }
            )
    table = pa.Table.from_pylist(rows)
    return table.set_column(3, "timestamp", table.column("timestamp").cast(pa.timestamp("us")))


@pytest.fixture
def data(org):
    # website: NPS 30 in January (50 P / 20 D of 100), 0 in February (30/30 of 100)
    jan = [10] * 50 + [8] * 30 + [3] * 20
    feb = [9] * 30 + [7] * 40 + [0] * 30
    load_arrow(
        table="responses",
        data=answers(
            [
                ("website", "nps", "2025-01", jan),
                ("website", "nps", "2025-02", feb),
                ("store", "nps", "2025-01", [10] * 10),
                ("store", "ces", "2025-01", [2, 3, 4, 5, 6] * 8),
                ("store", "csat", "2025-02", [5] * 45 + [2] * 55),
            ]
        ),
    )


def test_nps_by_touchpoint_and_month(data):
    rows = metric_groups(metric="nps", by=["touchpoint", "month"])
    assert [(r["touchpoint"], r["month"]) for r in rows] == [
        ("store", "2025-01"),
        ("website", "2025-01"),
        ("website", "2025-02"),
    ]
    store, jan, feb = rows
    assert (jan["n"], jan["score"], jan["se"]) == (100, 30.0, 7.8102)
    assert (jan["promoters"], jan["passives"], jan["detractors"]) == (50, 30, 20)
    assert jan["delta"] is None and jan["p_value"] is None
    expected = stats.nps_compare(stats.nps(30, 30, 100), stats.nps(50, 20, 100))
    assert feb["delta"] == -30.0
    assert feb["p_value"] == pytest.approx(float(expected.p_value), abs=1e-6)
    assert feb["significant"] is True
    assert store["small_sample"] is True and store["significant"] is None  # n = 10


def test_raw_sums_per_group_for_statistics_that_pool_groups(data):
    rows = metric_sums(metric="nps", by=["touchpoint", "month"], end=dt.date(2025, 1, 31))
    assert [(r["touchpoint"], r["month"]) for r in rows if r["touchpoint"] == "website"] == [
        ("website", "2025-01")
    ]
    (jan,) = [r for r in rows if r["touchpoint"] == "website"]
    assert (jan["n"], jan["promoters"], jan["detractors"]) == (100, 50, 20)
    assert jan["total"] == 50 * 10 + 30 * 8 + 20 * 3
    assert jan["total_sq"] == 50 * 100 + 30 * 64 + 20 * 9
    (csat,) = metric_sums(metric="csat", by=["week"], start=dt.date(2025, 2, 1))[:1]
    assert csat["week"] == "2025-01-27"  # Monday of the week of 1 February
    with pytest.raises(ValidationError, match="unknown metric"):
        metric_sums(metric="effort", by=[])
    with pytest.raises(ValidationError, match="cannot group by"):
        metric_sums(metric="nps", by=["colour"])


def test_overall_period_filter_and_stage(data):
    (overall,) = metric_groups(metric="nps")
    assert overall["n"] == 210
    (jan,) = metric_groups(
        metric="nps",
        by=["touchpoint"],
        filters={"touchpoint": "website"},
        end=__import__("datetime").date(2025, 1, 31),
    )
    assert jan["n"] == 100
    rows = metric_groups(metric="nps", by=["stage"])
    assert {r["stage"]: r["n"] for r in rows} == {"buy": 210}


def test_ces_and_csat(data):
    (ces,) = metric_groups(metric="ces", by=["touchpoint"])
    assert ces["score"] == 4.0 and ces["n"] == 40
    assert ces["agree_pct"] == 40.0  # 5, 6 of 2..6
    (csat,) = metric_groups(metric="csat")
    assert csat["score"] == 45.0 and csat["mean"] == pytest.approx((45 * 5 + 55 * 2) / 100)
    w = stats.wilson(45, 100)
    assert csat["ci_low"] == pytest.approx(float(w.ci_low), abs=1e-4)


def test_segment_grouping_and_poststratification(data):
    customers = pa.Table.from_pylist(
        [
            {"customer_id": f"c{i}", "source": "s", "segment": "young" if i < 20 else "family"}
            for i in range(40)
        ]
    )
    load_arrow(table="customers", data=customers)
    rows = metric_groups(metric="nps", by=["segment"], filters={"touchpoint": "website"})
    assert sum(r["n"] for r in rows) == 200
    (weighted,) = metric_groups(
        metric="nps", filters={"touchpoint": "website"}, population_shares={"young": 1, "family": 1}
    )
    assert weighted["n"] == 200


def _persons(rows: list[tuple[str, str, str]]) -> None:
    """Write ``customer_persons`` as a resolution would: (source, customer_id, person_id)."""
    from cxpilot.customers.services import ensure_derived
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        ensure_derived(con)
        con.insert(
            "customer_persons",
            pa.Table.from_pylist(
                [{"source": s, "customer_id": c, "person_id": p} for s, c, p in rows]
            ),
        )


@pytest.fixture
def two_records_one_person(org):
    """Three respondents, two of whom are one person (crm:A and web:W are P1); web:X is not
    resolved yet. P1 answered 10 in January (as crm:A) and 2 in February (as web:W)."""
    rows = [
        ("r1", "A", "crm", "2025-01-05", 10),
        ("r2", "W", "web", "2025-02-05", 2),
        ("r3", "X", "web", "2025-01-07", 9),
        ("r4", "X", "web", "2025-01-08", 0),
    ]
    table = pa.Table.from_pylist(
        [
            {
                "response_id": rid,
                "customer_id": cid,
                "touchpoint": "website",
                "timestamp": dt.datetime.fromisoformat(day + " 10:00:00"),
                "metric": "nps",
                "score": score,
                "source": source,
            }
            for rid, cid, source, day, score in rows
        ]
    )
    load_arrow(table="responses", data=table)
    _persons([("crm", "A", "P1"), ("web", "W", "P1")])


def test_customers_count_persons_not_records(two_records_one_person):
    (overall,) = metric_groups(metric="nps")
    # four answers of three records (respondents), who are two persons
    assert (overall["n"], overall["customers"]) == (4, 2)
    jan, feb = metric_groups(metric="nps", by=["month"])
    assert (jan["n"], jan["customers"]) == (3, 2)  # crm:A, and web:X (unresolved) twice
    assert (feb["n"], feb["customers"]) == (1, 1)


def test_customers_can_be_left_out(two_records_one_person):
    (row,) = metric_groups(metric="nps", customers=False)
    assert row["n"] == 4 and "customers" not in row


def test_by_person_keeps_each_persons_latest_answer_per_group(two_records_one_person):
    (overall,) = metric_groups(metric="nps", by_person=True)
    # P1's latest is 2 (February, as web:W); web:X's latest is 0: two detractors
    assert (overall["n"], overall["customers"]) == (2, 2)
    assert (overall["promoters"], overall["detractors"], overall["score"]) == (0, 2, -100.0)
    jan, feb = metric_groups(metric="nps", by=["month"], by_person=True)
    # January: P1's 10, web:X's latest January answer 0 → NPS 0
    assert (jan["n"], jan["promoters"], jan["detractors"], jan["score"]) == (2, 1, 1, 0.0)
    assert (feb["n"], feb["score"]) == (1, -100.0)
    result = runner.invoke(app, ["metrics", "--metric", "nps", "--by-person", "--format", "json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)
    assert (row["n"], row["customers"], row["score"]) == (2, 2, -100.0)


def test_bad_arguments(data):
    with pytest.raises(ValidationError, match="unknown metric"):
        metric_groups(metric="nss")
    with pytest.raises(ValidationError, match="cannot filter"):
        metric_groups(metric="nps", filters={"score": "1"})


def test_cli_contract_json(data):
    result = runner.invoke(
        app, ["metrics", "--metric", "nps", "--by", "touchpoint,month", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    keys = {
        "touchpoint",
        "month",
        "metric",
        "n",
        "customers",
        "score",
        "se",
        "ci_low",
        "ci_high",
        "small_sample",
        "promoters",
        "passives",
        "detractors",
        "delta",
        "p_value",
        "significant",
    }
    assert all(set(r) == keys for r in rows)
    for bad, message in [
        (["--by", "planet"], "cannot group by 'planet'"),
        (["--by", "month,week"], "month or by week"),
        (["--from", "2025-13-01"], "is not a date"),
        (["--from", "2025-03-01", "--to", "2025-02-01"], "--to is before --from"),
        (["--method", "exact"], "adjusted-wald"),
    ]:
        result = runner.invoke(app, ["metrics", "--metric", "nps", *bad])
        assert result.exit_code == 2, bad
        assert message in result.stderr


def test_cli_file_is_analysed_as_it_is(db, tmp_path: Path):
    path = tmp_path / "answers.csv"
    lines = ["response_id,customer_id,touchpoint,timestamp,metric,score"]
    lines += [
        f"r{i},c{i},nowhere_known,2025-0{1 + i % 2}-10,nps,{[10, 10, 8, 3][i % 4]}"
        for i in range(80)
    ]
    path.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        app,
        ["metrics", "--metric", "nps", "--by", "month", "--file", str(path), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["month"] for r in rows] == ["2025-01", "2025-02"]
    assert sum(r["n"] for r in rows) == 80
    assert sum(r["customers"] for r in rows) == 80  # a file's records are their own persons
    path.write_text(
        "response_id,customer_id,touchpoint,timestamp,metric,score\nr1,c1,web,2025-01-01,nps,12\n"
    )
    result = runner.invoke(app, ["metrics", "--metric", "nps", "--file", str(path)])
    assert result.exit_code == 2 and "line 2: score is out of range" in result.stderr
    result = runner.invoke(
        app, ["metrics", "--metric", "nps", "--by", "segment", "--file", str(path)]
    )
    assert result.exit_code == 2 and "not available with --file" in result.stderr
