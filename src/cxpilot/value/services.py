"""Writes of the customer-value domain: ``customer_values_compute`` fits the lifetime-value
models and replaces, all or nothing, the derived warehouse tables (declared in
:data:`DERIVED`):

* ``customer_value`` — one row per customer (a person): the history the models read, P(alive),
  the expected purchases over the horizon, the expected spend a purchase and the CLV, with
  their 95 % intervals, the revenue of the last 12 months and the run's settings;
* ``customer_equity`` — the customer equity (sum of CLV) of all customers (``segment`` null)
  and of each segment ("" for no segment), at the calibration end and at each earlier quarter
  end, each refitted on the data up to it;
* ``customer_value_model`` — one row: the run's fitted parameters, margin basis and holdout
  check, as JSON, for the value page.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import ibis
import numpy as np
import pyarrow as pa

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.value import selectors

__all__ = ["DERIVED", "customer_values_compute", "customer_values_table", "values_erase"]

VIEW = "value.view_value"
#: Holdout check of a run: the last weeks of the data (at most this many, at most half the span).
HOLDOUT_WEEKS = 52

DERIVED: dict[str, ibis.Schema] = {
    "customer_value": ibis.schema(
        {
            "customer": "string",
            "segment": "string",
            "frequency": "float64",
            "recency": "float64",
            "age": "float64",
            "monetary": "float64",
            "p_alive": "float64",
            "p_alive_low": "float64",
            "p_alive_high": "float64",
            "expected_purchases": "float64",
            "expected_purchases_low": "float64",
            "expected_purchases_high": "float64",
            "expected_spend": "float64",
            "clv": "float64",
            "clv_low": "float64",
            "clv_high": "float64",
            "revenue_12m": "float64",
            "margin_share": "float64",
            "margin_basis": "string",
            "calibration_end": "date",
            "horizon_weeks": "int64",
            "discount_rate": "float64",
            "computed_at": "timestamp",
        }
    ),
    "customer_equity": ibis.schema(
        {
            "as_of": "date",
            "segment": "string",
            "customers": "int64",
            "equity": "float64",
            "equity_low": "float64",
            "equity_high": "float64",
        }
    ),
    "customer_value_model": ibis.schema(
        {"calibration_end": "date", "computed_at": "timestamp", "model": "string"}
    ),
}


def customer_values_table(found: selectors.CustomerValues, computed_at: dt.datetime) -> pa.Table:
    """The ``customer_value`` rows of a computation."""
    run, h, p = found.run, found.run.found, found.run.predictions
    n = len(h.customer)
    return pa.table(
        {
            "customer": pa.array(h.customer, pa.string()),
            "segment": pa.array(found.segments, pa.string()),
            "frequency": h.x,
            "recency": h.t_x,
            "age": h.big_t,
            "monetary": pa.array(np.where(h.x > 0, h.mean, np.nan), from_pandas=True),
            "p_alive": p.p_alive,
            "p_alive_low": p.p_alive_low,
            "p_alive_high": p.p_alive_high,
            "expected_purchases": p.expected_purchases,
            "expected_purchases_low": p.expected_purchases_low,
            "expected_purchases_high": p.expected_purchases_high,
            "expected_spend": p.expected_spend,
            "clv": p.clv,
            "clv_low": p.clv_low,
            "clv_high": p.clv_high,
            "revenue_12m": found.revenue_12m,
            "margin_share": run.margins.share,
            "margin_basis": pa.array([run.margins.basis] * n, pa.string()),
            "calibration_end": pa.array([run.fit.calibration_end] * n, pa.date32()),
            "horizon_weeks": pa.array([run.horizon_weeks] * n, pa.int64()),
            "discount_rate": pa.array([run.discount_rate] * n, pa.float64()),
            "computed_at": pa.array([computed_at] * n, pa.timestamp("us")),
        }
    )


def _equity_table(found: selectors.CustomerValues) -> pa.Table:
    points = found.equity
    return pa.table(
        {
            "as_of": pa.array([e.as_of for e in points], pa.date32()),
            "segment": pa.array([e.segment for e in points], pa.string()),
            "customers": pa.array([e.customers for e in points], pa.int64()),
            "equity": pa.array([e.equity for e in points], pa.float64()),
            "equity_low": pa.array([e.equity_low for e in points], pa.float64()),
            "equity_high": pa.array([e.equity_high for e in points], pa.float64()),
        }
    )


def _holdout(calibration_end: dt.date, first: dt.date) -> dict[str, Any] | None:
    """The holdout check of the run's data: the models fitted without its last weeks (at
    most :data:`HOLDOUT_WEEKS`, at most half the data's span), held against them."""
    weeks = min(HOLDOUT_WEEKS, (calibration_end - first).days // 14)
    if weeks < 1:
        return None
    try:
        found = selectors.holdout_check(
            calibration_end=calibration_end - dt.timedelta(weeks=weeks),
            holdout_end=calibration_end,
        )
    except ValidationError as exc:
        return {"problem": exc.detail}
    return found.as_dict()


def _model(found: selectors.CustomerValues, holdout: dict[str, Any] | None) -> str:
    run = found.run
    fit = run.fit.as_dict()
    fit.update(
        horizon_weeks=run.horizon_weeks,
        horizon_months=selectors.horizon_months(run.horizon_weeks),
        discount_rate=run.discount_rate,
        margin_basis=run.margins.basis,
        margin_share=run.margins.overall,
        intervals_full={"bg_nbd": run.bg_cov.full, "gamma_gamma": run.gg_cov.full},
        skipped_quarters=[{"as_of": day.isoformat(), "reason": why} for day, why in found.skipped],
        holdout=holdout,
    )
    return json.dumps(fit, allow_nan=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(type(value).__name__)


def customer_values_compute(
    *,
    calibration_end: dt.date,
    horizon_weeks: int = 52,
    discount_rate: float = 0.10,
    actor: Actor = None,
    history: bool = True,
) -> selectors.CustomerValues:
    """Fit BG/NBD and Gamma-Gamma on the warehouse's purchases up to ``calibration_end``
    (one customer = one person), predict every customer over ``horizon_weeks`` with the
    annual ``discount_rate``, and replace the derived tables all or nothing: a bad option or
    too little data raise a ValidationError before anything stored changes."""
    roles.require(actor, VIEW)
    selectors.check_options(horizon_weeks=horizon_weeks, discount_rate=discount_rate)
    found = selectors.customer_values_computed(
        calibration_end=calibration_end,
        horizon_weeks=horizon_weeks,
        discount_rate=discount_rate,
        history=history,
    )
    first = dt.date(1970, 1, 1) + dt.timedelta(days=int(found.run.found.first_day.min()))
    holdout = _holdout(calibration_end, first)
    computed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    tables = {
        "customer_value": customer_values_table(found, computed_at),
        "customer_equity": _equity_table(found),
        "customer_value_model": pa.table(
            {
                "calibration_end": pa.array([calibration_end], pa.date32()),
                "computed_at": pa.array([computed_at], pa.timestamp("us")),
                "model": pa.array([_model(found, holdout)], pa.string()),
            }
        ),
    }
    from cxpilot.warehouse.connection import warehouse
    from cxpilot.warehouse.services import derived_replace

    with warehouse() as con:
        derived_replace(con, tables, DERIVED)
    return found


def values_erase(*, tx: Any, person_id: str) -> dict[str, int]:
    """Delete person ``person_id``'s row of ``customer_value`` in the warehouse transaction
    ``tx`` (a right-to-erasure request); the equity and the model keep only sums over many
    customers. Returns the rows deleted."""
    return {"customer_value": tx.delete_keys("customer_value", [(person_id,)], ("customer",))}
