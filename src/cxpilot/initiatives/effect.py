"""The measured effect of an initiative on its KPI: the warehouse's answers around its start
read, the statistics of :mod:`cxpilot.initiatives.stats` run on them.

The window is ``window`` months (of 30.44 days) on each side of the start day. The touched
touchpoints are the initiative's; the comparison is every other touchpoint with answers of
the same metric on both sides of the start in the window. With a comparison: a
difference-in-differences and the parallel-trends check; without: an interrupted time
series on the touched touchpoints' monthly means.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxpilot.initiatives import stats
from cxpilot.kernel.errors import ValidationError

MONTH_DAYS = 30.4375
#: Fewer answers than this on a side of the start for the touched touchpoints: no estimate.
MIN_ANSWERS = 10


@dataclass(frozen=True)
class Effect:
    """What :func:`measure` found. ``estimate`` is None when the answers do not allow one
    (``reason`` says why)."""

    metric: str
    start: dt.date
    window: int
    touched: list[str]
    comparison: list[str]
    estimate: stats.Estimate | None
    reason: str = ""
    cells: stats.Cells | None = None
    trend: stats.Trend | None = None
    #: one row per month and group: month (its first day), group ("touched"/"comparison"),
    #: kpi (the mean), n (answers)
    series: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        e = self.estimate
        out: dict[str, Any] = {
            "metric": self.metric,
            "start": self.start.isoformat(),
            "window_months": self.window,
            "touched": self.touched,
            "comparison": self.comparison,
            "method": e.method if e else None,
            "effect": _r(e.effect) if e else None,
            "ci_low": _r(e.ci_low) if e else None,
            "ci_high": _r(e.ci_high) if e else None,
            "p_value": _r(e.p_value, 4) if e else None,
            "n": e.n if e else 0,
            "clusters": e.clusters if e else 0,
            "reason": self.reason or None,
            "parallel_trends": None,
            "cells": None,
        }
        if self.trend is not None:
            out["parallel_trends"] = {
                "difference_per_month": _r(self.trend.difference, 4),
                "ci_low": _r(self.trend.ci_low, 4),
                "ci_high": _r(self.trend.ci_high, 4),
                "months": self.trend.months,
                "holds": self.trend.parallel,
            }
        if self.cells is not None:
            c = self.cells
            out["cells"] = {
                "touched_before": _r(c.touched_before),
                "touched_after": _r(c.touched_after),
                "comparison_before": _r(c.comparison_before),
                "comparison_after": _r(c.comparison_after),
                "answers": list(c.n),
            }
        return out


def _r(x: float, digits: int = 3) -> float | None:
    return round(float(x), digits) if np.isfinite(x) else None


def month_day(start: dt.date, month: int) -> dt.date:
    """The first day of the ``month``-th month (of 30.44 days) after ``start`` (negative:
    before)."""
    return start + dt.timedelta(days=round(month * MONTH_DAYS))


def answers_around(answers: Any, *, metric: str, start: dt.date, window: int) -> pd.DataFrame:
    """The answers of ``metric`` in the window around ``start``, with their KPI value, their
    month number (0 = the first month from the start) and their person."""
    origin = dt.datetime.combine(start, dt.time())
    first = origin - dt.timedelta(days=window * MONTH_DAYS)
    last = origin + dt.timedelta(days=window * MONTH_DAYS)
    r = answers
    rows = (
        r.filter(r.metric == metric, r.timestamp >= first, r.timestamp < last)
        .select("touchpoint", "timestamp", "score", "source", "customer_id")
        .to_pandas()
    )
    if rows.empty:
        return rows.assign(kpi=[], month=[], person=[])
    days = (pd.to_datetime(rows["timestamp"]) - pd.Timestamp(origin)) / pd.Timedelta(days=1)
    return rows.assign(
        kpi=stats.kpi_values(metric, rows["score"].to_numpy()),
        month=np.floor(days.to_numpy(dtype=float) / MONTH_DAYS).astype(int),
        person=rows["source"].astype(str) + "\x1f" + rows["customer_id"].astype(str),
    )


def measure(
    answers: Any,
    *,
    touched: list[str],
    metric: str,
    start: dt.date,
    window: int = 6,
    level: float = 0.95,
) -> Effect:
    """The effect of a change on ``touched`` touchpoints from ``start`` on ``metric``, read
    from the ``answers`` table (Ibis) in ``window`` months on each side (see the module)."""
    if metric not in stats.METRICS:
        raise ValidationError(f"unknown metric {metric!r}; use nps, ces or csat", where="metric")
    if not touched:
        raise ValidationError("give at least one touchpoint", where="touchpoint")
    rows = answers_around(answers, metric=metric, start=start, window=window)
    is_touched = rows["touchpoint"].isin(touched).to_numpy()
    post = (rows["month"] >= 0).to_numpy()
    sides = rows.assign(post=post).groupby(["touchpoint", "post"]).size().unstack(fill_value=0)
    comparison = sorted(
        tp
        for tp in sides.index
        if tp not in touched and sides.loc[tp].get(True, 0) > 0 and sides.loc[tp].get(False, 0) > 0
    )
    keep = is_touched | rows["touchpoint"].isin(comparison).to_numpy()
    rows, is_touched, post = rows[keep], is_touched[keep], post[keep]
    series = _series(rows, is_touched, start)
    base: dict[str, Any] = {
        "metric": metric,
        "start": start,
        "window": window,
        "touched": sorted(touched),
        "comparison": comparison,
        "series": series,
    }
    before, after = int((is_touched & ~post).sum()), int((is_touched & post).sum())
    if before < MIN_ANSWERS or after < MIN_ANSWERS:
        return Effect(
            **base,
            estimate=None,
            reason=f"too few answers on the touched touchpoints ({before} before, {after} "
            f"after the start; {MIN_ANSWERS} needed on each side)",
        )
    y = rows["kpi"].to_numpy(dtype=float)
    persons = rows["person"].to_numpy()
    if comparison:
        cells = stats.did_cells(y, is_touched, post)
        estimate = stats.did(y, is_touched, post, persons, level=level)
        trend = None
        pre = ~post
        if len(np.unique(rows["month"].to_numpy()[pre])) >= 2:
            trend = stats.pretrend(
                y[pre], is_touched[pre], rows["month"].to_numpy()[pre], persons[pre], level=level
            )
        return Effect(**base, estimate=estimate, cells=cells, trend=trend)
    monthly = [s for s in series if s["group"] == "touched"]
    try:
        estimate = stats.its(
            np.array([s["kpi"] for s in monthly]),
            np.array([s["m"] for s in monthly]),
            0,
            level=level,
        )
    except ValueError as exc:
        return Effect(**base, estimate=None, reason=f"no comparison touchpoint, and {exc}")
    return Effect(**base, estimate=estimate)


def _series(rows: pd.DataFrame, is_touched: np.ndarray, start: dt.date) -> list[dict[str, Any]]:
    if rows.empty:
        return []
    grouped = (
        rows.assign(group=np.where(is_touched, "touched", "comparison"))
        .groupby(["group", "month"])["kpi"]
        .agg(["mean", "size"])
        .reset_index()
        .sort_values(["month", "group"], ascending=[True, False])
    )
    return [
        {
            "m": int(r["month"]),
            "month": month_day(start, int(r["month"])).isoformat(),
            "group": str(r["group"]),
            "kpi": round(float(r["mean"]), 3),
            "n": int(r["size"]),
        }
        for r in grouped.to_dict("records")
    ]
