"""Small ``customer_value`` and ``churn_scores`` tables written straight into the test
warehouse, with the columns the writers of those tables promise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from cxpilot.warehouse.connection import warehouse

CUSTOMER_VALUE = pa.schema(
    [
        ("customer", pa.string()),
        ("segment", pa.string()),
        ("frequency", pa.float64()),
        ("recency", pa.float64()),
        ("age", pa.float64()),
        ("monetary", pa.float64()),
        ("p_alive", pa.float64()),
        ("p_alive_low", pa.float64()),
        ("p_alive_high", pa.float64()),
        ("expected_purchases", pa.float64()),
        ("expected_purchases_low", pa.float64()),
        ("expected_purchases_high", pa.float64()),
        ("expected_spend", pa.float64()),
        ("clv", pa.float64()),
        ("clv_low", pa.float64()),
        ("clv_high", pa.float64()),
        ("revenue_12m", pa.float64()),
        ("calibration_end", pa.date32()),
        ("horizon_weeks", pa.int64()),
        ("discount_rate", pa.float64()),
        ("computed_at", pa.timestamp("us")),
    ]
)
CHURN_SCORES = pa.schema(
    [
        ("customer", pa.string()),
        ("risk", pa.float64()),
        ("reasons", pa.string()),
        ("model", pa.string()),
        ("computed_at", pa.timestamp("us")),
    ]
)
AT = dt.datetime(2026, 7, 1, 12)


def write_customer_values(rows: Sequence[Mapping[str, Any]]) -> None:
    """``rows`` give ``customer``, ``clv``, ``p_alive`` and optionally ``segment``; the other
    columns get plausible values."""
    full = []
    for r in rows:
        clv = r["clv"]
        full.append(
            {
                "customer": r["customer"],
                "segment": r.get("segment"),
                "frequency": 3.0,
                "recency": 20.0,
                "age": 40.0,
                "monetary": 25.0,
                "p_alive": r["p_alive"],
                "p_alive_low": r["p_alive"],
                "p_alive_high": r["p_alive"],
                "expected_purchases": 1.5,
                "expected_purchases_low": 1.0,
                "expected_purchases_high": 2.0,
                "expected_spend": 25.0,
                "clv": clv,
                "clv_low": None if clv is None else 0.8 * clv,
                "clv_high": None if clv is None else 1.2 * clv,
                "revenue_12m": r.get("revenue_12m", 100.0),
                "calibration_end": dt.date(2026, 6, 30),
                "horizon_weeks": 52,
                "discount_rate": 0.1,
                "computed_at": AT,
            }
        )
    with warehouse() as con:
        con.create_table(
            "customer_value", pa.Table.from_pylist(full, schema=CUSTOMER_VALUE), overwrite=True
        )


def write_churn_scores(risks: Mapping[str, float]) -> None:
    rows = [
        {
            "customer": c,
            "risk": r,
            "reasons": '[{"feature": "recency", "label": "Recency", "contribution": 0.4}]',
            "model": "logistic",
            "computed_at": AT,
        }
        for c, r in risks.items()
    ]
    with warehouse() as con:
        con.create_table(
            "churn_scores", pa.Table.from_pylist(rows, schema=CHURN_SCORES), overwrite=True
        )
