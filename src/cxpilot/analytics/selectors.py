"""Reads other domains use: the pulse of the home page (how are we doing, and what changed)
and the last month with enough answers, which sets the dashboard's default view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cxpilot.analytics.dashboard import (
    CACHE_SECONDS,
    PERMISSION,
    WarehouseState,
    warehouse_state,
)
from cxpilot.analytics.dashboard import (
    Choices as Choices,  # the dashboard's filters, read by other domains
)
from cxpilot.analytics.dashboard import (
    filter_choices as filter_choices,
)
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
        overall = metric_groups(metric=metric, by=["month"], start=start, end=end, customers=False)
        row = next((r for r in overall if r["month"] == month), None)
        if row is not None:
            metrics.append({**row, "metric": metric})
        for r in metric_groups(
            metric=metric, by=["touchpoint", "month"], start=start, end=end, customers=False
        ):
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
        for row in metric_groups(
            metric=metric, by=["touchpoint"], start=start, end=end, customers=False
        ):
            scores.setdefault(row["touchpoint"], {})[metric] = row
    result = TouchpointScores(start=start, end=end, scores=scores)
    cache.set(key, result, CACHE_SECONDS)
    return result


# --- Key drivers by touchpoint, per person --------------------------------------------------


@dataclass(frozen=True)
class TouchpointChoices:
    """The organisation's touchpoints as ``(key, name)`` choices, and the keys of those
    outside every journey (no stage), where a relationship survey is filed."""

    choices: list[tuple[str, str]]
    outside_journeys: list[str]


def touchpoint_choices() -> TouchpointChoices:
    rows = list(Touchpoint.objects.order_by("name").values_list("key", "name", "stage"))
    return TouchpointChoices(
        choices=[(key, name) for key, name, _stage in rows],
        outside_journeys=[key for key, _name, stage in rows if stage is None],
    )


#: Persons a touchpoint-driver analysis needs at least (with an outcome and every predictor).
MIN_DRIVER_PERSONS = 30
#: Default share of the persons with an outcome who must have answered on a touchpoint for it
#: to be a predictor (when the touchpoints are not named).
DEFAULT_MIN_COVERAGE = 0.25


@dataclass(frozen=True)
class TouchpointDrivers:
    """LMG relative importance of each touchpoint's experience in a person's outcome score.

    ``drivers``: one row per predictor touchpoint, most important first: ``touchpoint``,
    ``touchpoint_name``, ``importance`` (R² units), ``share`` (% of R²), ``rank``,
    ``persons`` (persons with an outcome who answered on it), ``mean`` (their mean score,
    0–100). ``left_out``: touchpoints not used as predictors, with their ``persons``.
    ``n``: persons in the model (an outcome and a score on every predictor)."""

    outcome: str
    outcome_metric: str
    r2: float
    n: int
    persons_with_outcome: int
    drivers: list[dict[str, Any]]
    left_out: list[dict[str, Any]]
    start: dt.date | None = None
    end: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "outcome_metric": self.outcome_metric,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "r2": round(self.r2, 4),
            "n": self.n,
            "persons_with_outcome": self.persons_with_outcome,
            "drivers": self.drivers,
            "left_out": self.left_out,
        }


def touchpoint_drivers(
    *,
    actor: Actor,
    outcome: str,
    outcome_metric: str = "nps",
    touchpoints: list[str] | None = None,
    metric: str | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> TouchpointDrivers:
    """Which touchpoints drive a person's overall score.

    Outcome: each person's latest ``outcome_metric`` answer on the ``outcome`` touchpoint (a
    relationship survey). Predictors: the person's mean score on each other touchpoint, over
    every answer of every record of the person (``customer_persons``; a record not resolved
    counts as its own person), each answer put on a 0–100 scale first (NPS ×10, CES
    (s−1)/6×100, CSAT (s−1)/4×100); ``metric`` keeps only the answers of one metric.
    The predictors are ``touchpoints``, or else every touchpoint answered by at least
    ``min_coverage`` of the persons with an outcome; only persons with a score on every
    predictor count (complete cases). Importance: LMG (:func:`cxpilot.analytics.drivers.lmg`)."""
    roles.require(actor, PERMISSION)
    from cxpilot.analytics import drivers as stats_drivers
    from cxpilot.kernel.errors import ValidationError

    if outcome_metric not in METRICS:
        raise ValidationError(
            f"unknown metric {outcome_metric!r}; use nps, ces or csat", where="--outcome-metric"
        )
    if metric and metric not in METRICS:
        raise ValidationError(f"unknown metric {metric!r}; use nps, ces or csat", where="--metric")
    if not 0 < min_coverage <= 1:
        raise ValidationError("the coverage is a share above 0, up to 1", where="--min-coverage")
    if start and end and end < start:
        raise ValidationError("--to is before --from", where="--to")
    outcome = outcome.strip()
    if not outcome:
        raise ValidationError(
            "name the outcome touchpoint (a relationship survey)", where="--outcome"
        )
    named = list(dict.fromkeys(t.strip() for t in (touchpoints or []) if t.strip()))
    if outcome in named:
        raise ValidationError(
            f"{outcome!r} is the outcome; it cannot be a predictor too", where="--touchpoints"
        )
    outcomes, scores = _person_scores(outcome, outcome_metric, metric, start, end)
    if outcomes.empty:
        raise ValidationError(
            f"no {outcome_metric.upper()} answer on the touchpoint {outcome!r}"
            + (" in the period" if start or end else ""),
            where="--outcome",
        )
    scores = scores[scores["person"].isin(outcomes.index)]
    coverage = scores.groupby("touchpoint")["person"].nunique()
    with_outcome = int(outcomes.size)
    if named:
        unknown = [t for t in named if t not in coverage.index]
        if unknown:
            raise ValidationError(
                f"no person with an outcome answered on {', '.join(map(repr, unknown))}",
                where="--touchpoints",
            )
        chosen = named
    else:
        chosen = sorted(t for t, c in coverage.items() if c >= min_coverage * with_outcome)
        if not chosen:
            raise ValidationError(
                f"no touchpoint was answered by {min_coverage:.0%} of the {with_outcome} persons "
                "with an outcome; name the touchpoints or lower the coverage",
                where="--min-coverage",
            )
    if len(chosen) > stats_drivers.MAX_LMG_PREDICTORS:
        raise ValidationError(
            f"{len(chosen)} touchpoints; LMG takes at most {stats_drivers.MAX_LMG_PREDICTORS}: "
            "name them or raise the coverage",
            where="--touchpoints",
        )
    wide = scores[scores["touchpoint"].isin(chosen)].pivot(
        index="person", columns="touchpoint", values="score"
    )
    wide = wide.reindex(columns=chosen).join(outcomes.rename("_outcome"), how="inner").dropna()
    n = len(wide)
    if n < max(MIN_DRIVER_PERSONS, len(chosen) + 2):
        raise ValidationError(
            f"only {n} persons have an outcome and a score on every one of "
            f"{', '.join(chosen)}; at least {max(MIN_DRIVER_PERSONS, len(chosen) + 2)} are "
            "needed (name fewer touchpoints, or widen the period)",
            where="--touchpoints",
        )
    try:
        found = stats_drivers.lmg(
            wide[chosen].to_numpy(float), wide["_outcome"].to_numpy(float), names=chosen
        )
        r2 = stats_drivers.r_squared(wide[chosen].to_numpy(float), wide["_outcome"].to_numpy(float))
    except ValueError as exc:
        raise ValidationError(str(exc), where="--touchpoints") from None
    names = dict(Touchpoint.objects.values_list("key", "name"))
    means = wide[chosen].mean()
    rows = [
        {
            "touchpoint": imp.name,
            "touchpoint_name": names.get(imp.name, imp.name),
            "importance": round(imp.importance, 4),
            "share": round(imp.share, 1),
            "rank": imp.rank,
            "persons": int(coverage.get(imp.name, 0)),
            "mean": round(float(means[imp.name]), 1),
        }
        for imp in sorted(found, key=lambda i: i.rank)
    ]
    left_out = [
        {
            "touchpoint": str(t),
            "touchpoint_name": names.get(str(t), str(t)),
            "persons": int(c),
        }
        for t, c in sorted(coverage.items(), key=lambda tc: (-tc[1], str(tc[0])))
        if t not in chosen and t != outcome
    ]
    return TouchpointDrivers(
        outcome=outcome,
        outcome_metric=outcome_metric,
        r2=r2,
        n=n,
        persons_with_outcome=with_outcome,
        drivers=rows,
        left_out=left_out,
        start=start,
        end=end,
    )


#: Each metric's score on a 0–100 scale: (lowest score, range).
_SCALE = {"nps": (0, 10), "ces": (1, 6), "csat": (1, 4)}


def _person_scores(
    outcome: str,
    outcome_metric: str,
    metric: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> tuple[Any, Any]:
    """(each person's latest outcome score, a Series by person; their mean 0–100 score per
    other touchpoint, a frame ``person, touchpoint, score``): two grouped queries."""
    import ibis

    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.warehouse.connection import answers, warehouse

    with warehouse() as con:
        t = answers(con)
        if start:
            t = t.filter(t.timestamp >= dt.datetime.combine(start, dt.time()))
        if end:
            t = t.filter(t.timestamp < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        t = answers_with_person(con, t)
        o = t.filter((t.touchpoint == outcome) & (t.metric == outcome_metric))
        latest = ibis.row_number().over(
            group_by=o.person, order_by=[o.timestamp.desc(), o.response_id.desc()]
        )
        o = o.mutate(_latest=latest).filter(lambda r: r._latest == 0).select("person", "score")
        outcomes = o.to_pyarrow().to_pandas()
        p = t.filter(t.touchpoint != outcome)
        if metric:
            p = p.filter(p.metric == metric)
        low = p.metric.cases(*((m, lo) for m, (lo, _w) in _SCALE.items()), else_=0)
        width = p.metric.cases(*((m, w) for m, (_lo, w) in _SCALE.items()), else_=1)
        scaled = (p.score - low).cast("float64") * 100.0 / width.cast("float64")
        p = p.mutate(scaled=scaled).filter(p.metric.isin(list(_SCALE)))
        scores = (
            p.group_by(["person", "touchpoint"])
            .aggregate(score=p.scaled.mean())
            .to_pyarrow()
            .to_pandas()
        )
    return outcomes.set_index("person")["score"].astype(float), scores
