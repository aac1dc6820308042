"""Every planted truth is visible with the query that docs/demo-data.md gives for it.

The queries are read from the documentation and run, as they are, in DuckDB over the
generated tables (the truth registered as the ``truth`` view the documentation creates).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from statistics import mean
from typing import Any

import duckdb
import pytest

from cxpilot.demo import generator
from cxpilot.demo.generator import generate

DOC = Path(__file__).resolve().parents[2] / "docs" / "demo-data.md"
QUERY = re.compile(r"<!-- query: (\w+) -->\s*```sql\n(.*?)```", re.S)

Rows = list[dict[str, Any]]


def doc_queries() -> dict[str, str]:
    return dict(QUERY.findall(DOC.read_text("utf-8")))


@pytest.fixture(scope="module")
def run() -> Iterator[Callable[[str], Rows]]:
    data = generate(customers=5000, seed=7)
    con = duckdb.connect()
    for name, table in {**data.tables(), "truth": data.truth}.items():
        con.register(name, table)
    queries = doc_queries()

    def execute(name: str) -> Rows:
        result = con.sql(queries[name])
        columns = [c for c in result.columns]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    yield execute
    con.close()


def check_website_nps(rows: Rows) -> None:
    nps = {r["period"]: r["nps"] for r in rows}
    assert nps["2025-03..2025-10"] - nps["2026-03..2026-10"] > 15


def check_nps_by_month(rows: Rows) -> None:
    def period(tp: str, first: str, last: str) -> float:
        return mean(r["nps"] for r in rows if r["touchpoint"] == tp and first <= r["month"] <= last)

    assert period("website", "2026-04", "2026-10") < period("website", "2025-04", "2026-02") - 15
    assert abs(period("store", "2026-04", "2026-10") - period("store", "2025-04", "2026-02")) < 8


def check_delivery_verbatims(rows: Rows) -> None:
    share = {r["period"]: r["delivery_share"] for r in rows}
    assert share["before 2026-03"] < 0.2
    assert share["from 2026-03"] > 0.4


def check_delivery_csat(rows: Rows) -> None:
    csat = {r["incident"]: r["csat"] for r in rows}
    assert csat[True] < csat[False] - 0.2


def check_call_centre_churn(rows: Rows) -> None:
    gone = {r["answer"]: r["no_purchase_after"] for r in rows}
    assert gone["detractor"] > gone["promoter"] + 0.2
    assert gone["detractor"] > gone["passive"] + 0.1


def check_segment_churn(rows: Rows) -> None:
    assert rows[0]["segment"] == generator.HIGH_CHURN_SEGMENT
    assert rows[0]["churned"] > 1.8 * max(r["churned"] for r in rows[1:])


def check_segment_lapsed(rows: Rows) -> None:
    assert rows[0]["segment"] == generator.HIGH_CHURN_SEGMENT
    assert rows[0]["lapsed"] > max(r["lapsed"] for r in rows[1:]) + 0.15


def check_seasonality(rows: Rows) -> None:
    per_day = {r["month"]: r["per_day"] for r in rows}
    assert len(per_day) == 24
    autumn = (per_day["2025-09"] + per_day["2025-10"]) / 2
    assert per_day["2025-12"] > 1.4 * autumn
    assert per_day["2024-12"] > 1.4 * autumn
    assert per_day["2025-08"] < 0.9 * min(per_day["2025-06"], per_day["2025-09"])


def check_app_ces(rows: Rows) -> None:
    ces = {r["new_app"]: r["ces"] for r in rows}
    assert ces[True] > ces[False] + 0.8


def check_relationship_nps(rows: Rows) -> None:
    nps = {r["delivery"]: r["relationship_nps"] for r in rows}
    assert nps["delivery CSAT 4 or more"] > nps["delivery CSAT below 4"] + 40
    assert sum(r["persons"] for r in rows) > 0


def check_one_person(rows: Rows) -> None:
    assert len({r["person_id"] for r in rows}) == 1
    assert {"crm", "support"} <= {r["source"] for r in rows}
    assert len({r["customer_id"] for r in rows}) == len(rows)


CHECKS: dict[str, Callable[[Rows], None]] = {
    name.removeprefix("check_"): check
    for name, check in globals().items()
    if name.startswith("check_") and callable(check)
}


def test_every_documented_query_is_checked() -> None:
    assert set(doc_queries()) == set(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_planted_truth_is_visible(run: Callable[[str], Rows], name: str) -> None:
    CHECKS[name](run(name))


def test_documented_delivery_pattern_is_the_generators() -> None:
    assert generator.DELIVERY_PATTERN in DOC.read_text("utf-8")


def test_documented_parameters_match_the_generator() -> None:
    text = DOC.read_text("utf-8")
    assert generator.DELIVERY_INCIDENT_START in text
    assert generator.APP_RELEASE in text
    assert "2.5% to 30%" in text and (generator.LATE_RATE_BEFORE, generator.LATE_RATE_AFTER) == (
        0.025,
        0.30,
    )
    assert "0.3% to 5%" in text and (generator.LOST_RATE_BEFORE, generator.LOST_RATE_AFTER) == (
        0.003,
        0.05,
    )
    assert "probability 0.5" in text and generator.CALL_CHURN_PROBABILITY == 0.5
    weights = "**delivery** weighs 0.7, on the **store** 0.45, on the\n**product** 0.25"
    assert weights in text
    assert generator.RELATION_DRIVERS == {"delivery": 0.7, "store": 0.45, "product": 0.25}
    assert "7 to 60 days" in text and generator.CALL_CHURN_DELAY == (7, 60)
    hazard = {s.key: s.churn_hazard for s in generator.SEGMENTS}
    assert "0.60 a year" in text and hazard[generator.HIGH_CHURN_SEGMENT] == 0.60
    assert max(v for k, v in hazard.items() if k != generator.HIGH_CHURN_SEGMENT) == 0.14
