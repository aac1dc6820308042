"""Reads other domains use: the pulse of the home page (how are we doing, and what changed)
and the last month with enough answers, which sets the dashboard's default view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cxpilot.analytics.dashboard import CACHE_SECONDS, PERMISSION, WarehouseState, warehouse_state
from cxpilot.analytics.metrics import METRICS, metric_groups
from cxpilot.kernel import periods, roles
from cxpilot.kernel.roles import Actor
from cxpilot.organisation.models import Touchpoint

#: Answers a month needs to be the month the pulse (and the dashboard's default view) ends on:
#: a month of three test answers does not set the view.
MIN_MONTH_ANSWERS = 30
#: Touchpoint changes shown on the pulse: the largest significant ones.
PULSE_MOVERS = 6


@dataclass(frozen=True)
class Pulse:
    """The last month with enough answers: each metric against the month before, and the
    touchpoints whose score changed significantly."""

    month: str | None
    metrics: list[dict[str, Any]] = field(default_factory=list)
    movers: list[dict[str, Any]] = field(default_factory=list)


def last_full_month(
    *, state: WarehouseState | None = None, as_of: dt.date | None = None, complete: bool = True
) -> str:
    """The latest month with at least :data:`MIN_MONTH_ANSWERS` answers, as ``YYYY-MM``: before
    ``as_of``'s (today's) month, or up to it when not ``complete``; "" when none has. One
    grouped count, cached until the warehouse changes."""
    from django.core.cache import cache
    from django.utils import timezone

    from cxpilot.warehouse.connection import answers, warehouse

    state = state or warehouse_state()
    today = as_of or timezone.localdate()
    key = state.key("full-months", today.isoformat(), complete)
    found = cache.get(key)
    if found is None:
        end = dt.datetime.combine(periods.month_start(today, 0 if complete else 1), dt.time())
        with warehouse() as con:
            r = answers(con)
            r = r.filter(r.timestamp < end)
            months = (
                r.group_by(month=r.timestamp.strftime("%Y-%m"))
                .aggregate(n=r.count())
                .filter(lambda t: t.n >= MIN_MONTH_ANSWERS)
                .aggregate(last=lambda t: t.month.max())
                .to_pyarrow()
                .to_pylist()
            )
        found = (months[0]["last"] if months else None) or ""
        cache.set(key, found, CACHE_SECONDS)
    return str(found)


def pulse(*, actor: Actor, as_of: dt.date | None = None) -> Pulse:
    """NPS, CES and CSAT of the last full month (:func:`last_full_month`) with their change on
    the month before, and the largest significant changes by touchpoint."""
    roles.require(actor, PERMISSION)
    from django.core.cache import cache

    state = warehouse_state()
    month = last_full_month(state=state, as_of=as_of)
    if not month:
        return Pulse(month=None)
    key = state.key("pulse", month)
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    first = periods.parse_month(month)
    start, end = periods.month_start(first, -1), periods.month_end(first)
    names = dict(Touchpoint.objects.values_list("key", "name"))
    metrics, movers = [], []
    for metric in METRICS:
        overall = metric_groups(metric=metric, by=["month"], start=start, end=end)
        row = next((r for r in overall if r["month"] == month), None)
        if row is not None:
            metrics.append({**row, "metric": metric})
        for r in metric_groups(metric=metric, by=["touchpoint", "month"], start=start, end=end):
            if r["month"] == month and r.get("significant"):
                name = names.get(r["touchpoint"], r["touchpoint"])
                movers.append({**r, "metric": metric, "touchpoint_name": name})
    movers.sort(key=lambda r: -abs(r["delta"] or 0))
    result = Pulse(month=month, metrics=metrics, movers=movers[:PULSE_MOVERS])
    cache.set(key, result, CACHE_SECONDS)
    return result


#: Months the scores of a touchpoint are read over, on the organisation pages.
SCORE_MONTHS = 12


@dataclass(frozen=True)
class TouchpointScores:
    """NPS, CES and CSAT per touchpoint over the twelve months ending with the last month with
    enough answers: ``scores[touchpoint][metric]`` is a row of
    :func:`~cxpilot.analytics.metrics.metric_groups` (score, interval, n)."""

    start: dt.date | None
    end: dt.date | None
    scores: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def touchpoint_scores(*, actor: Actor) -> TouchpointScores:
    """Every touchpoint's scores (three grouped queries, cached until the warehouse changes)."""
    roles.require(actor, PERMISSION)
    from django.core.cache import cache

    state = warehouse_state()
    month = last_full_month(state=state, complete=False)
    if not month:
        return TouchpointScores(start=None, end=None)
    key = state.key("touchpoint-scores", month)
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    last = periods.parse_month(month)
    start, end = periods.month_start(last, 1 - SCORE_MONTHS), periods.month_end(last)
    scores: dict[str, dict[str, dict[str, Any]]] = {}
    for metric in METRICS:
        for row in metric_groups(metric=metric, by=["touchpoint"], start=start, end=end):
            scores.setdefault(row["touchpoint"], {})[metric] = row
    result = TouchpointScores(start=start, end=end, scores=scores)
    cache.set(key, result, CACHE_SECONDS)
    return result
