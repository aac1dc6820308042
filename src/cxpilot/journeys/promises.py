"""Brand promises checked against the data: the share of the times each measured promise was
kept, with its interval, per carrying touchpoint and per month.

The measure of a promise (``BrandPromise.measure``, see :mod:`cxpilot.organisation.checks`)
is one of:

- a **delay**: each interaction matching ``from`` (its types and/or touchpoints) starts a
  wait; the wait ends at the next interaction of the same **case** matching ``to``: the
  case is the interaction's ``journey_id`` (in its attributes) when it has one, else its
  person (every record of a unified customer). A later start of the same case closes the
  wait first (with persons as cases, an order is not ended by the delivery of the next
  order). The promise is **kept** when the end comes within ``within_hours``, **broken**
  when it comes later; a start whose case has no end (a click & collect order when the
  ``to`` is the home delivery, the last orders of the data) is **open**, counted apart and
  left out of the share. Name in ``to`` every event that ends the wait, the bad ones too
  (the delivery touchpoint: a delivery or a lost parcel), or the bad ones stay open. The
  **carrying touchpoint** is the start's touchpoint, the **month** the start's.
- a **score**: each answer of ``metric`` on the promise's touchpoints (or the measure's);
  kept when it scores ``at_least``.

The share has a Wilson 95% interval (:func:`cxpilot.analytics.stats.wilson`); delays have
their median and 90th percentile in hours (linear interpolation between ranks). Each
promise is one query in the warehouse engine: a window over each case in time order, then
the groupings (overall, per touchpoint, per touchpoint and month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.roles import Actor

PERMISSION = "organisation.view_analytics"
_ALL = "\x1fall"  # the group label of "every touchpoint" and "every month"


@dataclass(frozen=True)
class Kept:
    """How often a promise was kept, in one group."""

    touchpoint: str | None  # None: every carrying touchpoint
    month: str | None  # YYYY-MM; None: the whole period
    n: int  # starts with an end, or answers
    kept: int
    share: float | None  # percent
    ci_low: float | None
    ci_high: float | None
    median_hours: float | None
    p90_hours: float | None
    open: int  # starts without an end (delays only)

    def as_dict(self) -> dict[str, Any]:
        return {
            "touchpoint": self.touchpoint,
            "month": self.month,
            "n": self.n,
            "kept": self.kept,
            "share": self.share,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "median_hours": self.median_hours,
            "p90_hours": self.p90_hours,
            "open": self.open,
        }


@dataclass(frozen=True)
class PromiseCheck:
    key: str
    statement: str
    kind: str  # delay | score
    measure: dict[str, Any]
    overall: Kept
    by_touchpoint: list[Kept] = field(default_factory=list)
    by_month: list[Kept] = field(default_factory=list)  # per touchpoint and month

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "statement": self.statement,
            "kind": self.kind,
            "measure": self.measure,
            "overall": self.overall.as_dict(),
            "by_touchpoint": [k.as_dict() for k in self.by_touchpoint],
            "by_month": [k.as_dict() for k in self.by_month],
        }


@dataclass(frozen=True)
class PromisesChecked:
    start: dt.date | None
    end: dt.date | None
    segment: str | None
    promises: list[PromiseCheck] = field(default_factory=list)
    unmeasured: list[str] = field(default_factory=list)  # keys of promises with no measure

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "segment": self.segment,
            "promises": [p.as_dict() for p in self.promises],
            "unmeasured": self.unmeasured,
        }


def _matches(t: Any, events: dict[str, list[str]]) -> Any:
    found = ibis.literal(True)
    if events.get("types"):
        found = found & t.type.isin(events["types"])
    if events.get("touchpoints"):
        found = found & t.touchpoint.isin(events["touchpoints"])
    return found


def _period(t: Any, column: Any, start: dt.date | None, end: dt.date | None) -> Any:
    if start:
        t = t.filter(column >= dt.datetime.combine(start, dt.time()))
    if end:
        t = t.filter(column < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    return t


def _with_segment(t: Any, segment: str | None) -> Any:
    if not segment:
        return t
    from cxpilot.journeys.log import with_segment

    t = with_segment(t.view(), by_person=True)  # a new relation: not the join of t
    return t.filter(t.segment == segment).drop("segment")


def _delays(con: Any, measure: dict[str, Any], start: Any, end: Any, segment: Any) -> Any:
    """One row per start: ``touchpoint``, ``month``, ``hours`` (null: open), ``kept``."""
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.journeys.log import journey_id

    t = con.table("interactions")
    if start:  # the ends may come after the period; the starts may not come before it
        t = t.filter(t.timestamp >= dt.datetime.combine(start, dt.time()))
    t = t.mutate(is_start=_matches(t, measure["from"]), is_end=_matches(t, measure["to"])).filter(
        lambda r: r.is_start | r.is_end
    )
    t = answers_with_person(con, t)
    t = _with_segment(t, segment)
    t = t.mutate(
        case=ibis.coalesce(
            ibis.literal("J") + journey_id(t.attributes), ibis.literal("P") + t.person
        )
    )
    w = ibis.cumulative_window(group_by=t.case, order_by=[t.timestamp, t.event_id])
    t = t.mutate(wait=t.is_start.ifelse(1, 0).sum().over(w)).filter(lambda r: r.wait > 0)
    waits = t.group_by(["case", "wait"]).aggregate(
        started=t.timestamp.min(where=t.is_start),
        touchpoint=t.touchpoint.max(where=t.is_start),
        ended=t.timestamp.min(where=t.is_end & ~t.is_start),
    )
    waits = _period(waits, waits.started, start, end)
    seconds = (waits.ended.epoch_seconds() - waits.started.epoch_seconds()).cast("float64")
    hours = seconds / 3600.0
    return waits.select(
        touchpoint=waits.touchpoint.fill_null(""),
        month=waits.started.strftime("%Y-%m"),
        hours=hours,
        kept=hours <= float(measure["within_hours"]),
    )


def _scores(
    con: Any, measure: dict[str, Any], touchpoints: list[str], start: Any, end: Any, segment: Any
) -> Any:
    """One row per answer: ``touchpoint``, ``month``, ``hours`` (null), ``kept``."""
    from cxpilot.warehouse.connection import answers

    t = answers(con)
    t = _period(t, t.timestamp, start, end)
    t = t.filter(
        (t.metric == measure["metric"]) & t.touchpoint.isin(touchpoints or [""]) & t.score.notnull()
    )
    if segment:
        from cxpilot.customers.selectors import answers_with_person

        t = _with_segment(answers_with_person(con, t), segment)
    return t.select(
        touchpoint=t.touchpoint,
        month=t.timestamp.strftime("%Y-%m"),
        hours=ibis.null("float64"),
        kept=t.score >= float(measure["at_least"]),
    )


def _grouped(rows: Any) -> Any:
    """Overall, per touchpoint and per touchpoint and month, in one union."""
    parts = []
    for touchpoint, month in ((False, False), (True, False), (True, True)):
        r = rows.mutate(
            g_touchpoint=rows.touchpoint if touchpoint else ibis.literal(_ALL),
            g_month=rows.month if month else ibis.literal(_ALL),
        )
        decided = r.hours.notnull() | r.kept.notnull()
        parts.append(
            r.group_by(["g_touchpoint", "g_month"]).aggregate(
                n=decided.ifelse(1, 0).sum(),
                kept=r.kept.fill_null(False).ifelse(1, 0).sum(),
                open=decided.ifelse(0, 1).sum(),
                median_hours=r.hours.median(),
                p90_hours=r.hours.quantile(0.9),
            )
        )
    return ibis.union(*parts)


def _kept(r: dict[str, Any]) -> Kept:
    from cxpilot.analytics.stats import wilson

    n, kept = int(r["n"] or 0), int(r["kept"] or 0)
    found = wilson(kept, n)

    def num(value: Any, digits: int = 1) -> float | None:
        if value is None:
            return None
        number = float(value)
        return None if number != number else round(number, digits)

    return Kept(
        touchpoint=None if r["g_touchpoint"] == _ALL else str(r["g_touchpoint"]),
        month=None if r["g_month"] == _ALL else str(r["g_month"]),
        n=n,
        kept=kept,
        share=num(found.score) if n else None,
        ci_low=num(found.ci_low) if n else None,
        ci_high=num(found.ci_high) if n else None,
        median_hours=num(r["median_hours"]),
        p90_hours=num(r["p90_hours"]),
        open=int(r["open"] or 0),
    )


def promises_checked(
    *,
    actor: Actor,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
) -> PromisesChecked:
    """Every measured brand promise of the organisation, checked on the data of ``start`` to
    ``end`` (days, both included: the start events, or the answers), for the persons of
    ``segment`` when given."""
    roles.require(actor, PERMISSION)
    from cxpilot.organisation.models import BrandPromise, Segment

    if start and end and end < start:
        raise ValidationError("--to is before --from", where="--to")
    segment = (segment or "").strip() or None
    if segment and not Segment.objects.filter(key=segment).exists():
        raise ValidationError(
            f"no segment {segment!r} in the organisation model", where="--segment"
        )
    checked: list[PromiseCheck] = []
    unmeasured: list[str] = []
    promises = BrandPromise.objects.prefetch_related("touchpoints").order_by("key")
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        for promise in promises:
            measure = promise.measure_checked()
            if measure is None:
                unmeasured.append(promise.key)
                continue
            if "metric" in measure:
                own = sorted(tp.key for tp in promise.touchpoints.all())
                rows = _scores(con, measure, measure.get("touchpoints", own), start, end, segment)
                kind = "score"
            else:
                rows = _delays(con, measure, start, end, segment)
                kind = "delay"
            found = [_kept(r) for r in _grouped(rows).to_pyarrow().to_pylist()]
            overall = next(
                (k for k in found if k.touchpoint is None),
                Kept(None, None, 0, 0, None, None, None, None, None, 0),
            )
            checked.append(
                PromiseCheck(
                    key=promise.key,
                    statement=promise.statement,
                    kind=kind,
                    measure=measure,
                    overall=overall,
                    by_touchpoint=sorted(
                        (k for k in found if k.touchpoint is not None and k.month is None),
                        key=lambda k: (-k.n, k.touchpoint or ""),
                    ),
                    by_month=sorted(
                        (k for k in found if k.month is not None),
                        key=lambda k: (k.touchpoint or "", k.month or ""),
                    ),
                )
            )
    return PromisesChecked(
        start=start, end=end, segment=segment, promises=checked, unmeasured=unmeasured
    )
