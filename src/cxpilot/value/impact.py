"""The customer advocate: what a decision puts at risk, for the CX council.

A decision ("raise prices 5 % for segment X", "close the call centre on Saturdays") has a
**scope** (keys of the organisation model: segments, touchpoints, channels, journey stages)
and an **assumed effect**, a range: a churn uplift in percentage points (low..high) and/or an
NPS change in NPS points (low..high).

**Customers touched** (persons, every record of a unified customer). Each kind of key given
picks persons; a person is touched when every kind given picks them (within a kind, any key
will do): a segment picks the persons whose segment is one of them (the golden record's,
else the record's own); a touchpoint, a channel or a stage (its touchpoints) picks the
persons who had an interaction there in the 365 days to the end of the data (the latest
interaction or transaction).

**Arithmetic** (pure, below: :func:`figures`), with n the customers touched, their revenue
R = Σ revenue of the last 12 months, their lifetime value V = Σ CLV (the warehouse table
``customer_value``; without it the assessment is on revenue only), and an uplift u in
percentage points (low and high):

    customers expected lost = n × u / 100
    revenue at risk        = R × u / 100   (one year of the revenue of those lost)
    CLV at risk            = V × u / 100

It assumes the extra churn falls on the touched customers regardless of their value.

**An NPS change** is turned into churn only through a relation the data shows: per answer
(all persons, NPS answers at least 180 days before the end of the data), the churn after it
(no purchase after the answer until the end of the data, 0 or 100) regressed on the answer
(promoter +100, passive 0, detractor −100) by OLS with standard errors clustered by person
(:func:`cxpilot.kernel.regression.cluster_ols`): the slope b is in churn points per NPS point,
so an NPS change of Δ gives a churn uplift of b × Δ; the range takes every combination of
the slope's 95 % interval and the change's range. With fewer than 100 answers, or fewer than
30 promoters or detractors, it is not estimated and the NPS change is shown as stated.
Observational: an association, not a proof of cause.

**Evidence** from the past: the observed churn of the touched against the others (persons
who bought before the last 180 days of the data; churned: no purchase in those 180 days),
with Wilson intervals and Newcombe's interval of the difference; and, for each touchpoint
in scope, the moments-of-truth estimate of what a poor answer there does to churn and
repeat purchase (:mod:`cxpilot.journeys.moments`), marked as the journey map marks its
moments of truth (:func:`cxpilot.journeys.map.is_moment`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cxpilot.kernel.errors import ValidationError
from cxpilot.value.stats import MIN_SLOPE_ANSWERS, MIN_SLOPE_SIDE, Slope, churn_slope

#: An uplift or an NPS change beyond this many points is not a decision's effect.
MAX_CHURN = 100.0
MAX_NPS = 200.0
#: The window before the end of the data in which an interaction puts a person in scope.
SCOPE_DAYS = 365
#: The window after which a customer who did not buy counts as churned (as the moments).
CHURN_DAYS = 180
#: The NPS-to-churn relation needs this many answers, and of promoters and of detractors.
MIN_NPS_ANSWERS, MIN_NPS_SIDE = MIN_SLOPE_ANSWERS, MIN_SLOPE_SIDE
#: Open cases kept in an assessment (the count covers them all).
CASES_SHOWN = 50
VIEW = "value.view_decision"
KINDS = ("segments", "touchpoints", "channels", "stages")

# ------------------------------------------------------------------------------ pure


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"low": self.low, "high": self.high}


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_RANGE = re.compile(rf"\s*({_NUMBER})\s*(?::\s*({_NUMBER})\s*)?")


def range_checked(
    low: float | None, high: float | None, *, where: str, limit: float, signed: bool
) -> Range | None:
    """``low``..``high`` (both None: none; one alone: both) checked: finite, low ≤ high,
    within ±``limit`` points (0..``limit`` unless ``signed``)."""
    if low is None and high is None:
        return None
    low = high if low is None else low
    high = low if high is None else high
    assert low is not None and high is not None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValidationError("give finite numbers of points", where=where)
    if low > high:
        raise ValidationError(f"the low end {low:g} is above the high end {high:g}", where=where)
    bottom = -limit if signed else 0.0
    if low < bottom or high > limit:
        raise ValidationError(
            f"{low:g}..{high:g} points goes beyond {limit:g} points either way", where=where
        )
    return Range(float(low), float(high))


def range_parsed(text: str, *, where: str, limit: float, signed: bool = True) -> Range:
    """``"X"`` or ``"LOW:HIGH"`` (points) as a checked :class:`Range`."""
    found = _RANGE.fullmatch(text or "")
    if found is None:
        raise ValidationError(
            f"give a number of points or LOW:HIGH, got {text!r}"[:200], where=where
        )
    low = float(found.group(1))
    high = float(found.group(2)) if found.group(2) is not None else low
    checked = range_checked(low, high, where=where, limit=limit, signed=signed)
    assert checked is not None
    return checked


def at_risk(values: np.ndarray, uplift: Range) -> Range:
    """Σ ``values`` × uplift / 100, at the low and the high uplift."""
    total = float(np.nansum(np.asarray(values, dtype=float)))
    return Range(total * uplift.low / 100.0, total * uplift.high / 100.0)


def figures(*, revenue: np.ndarray, clv: np.ndarray | None, churn: Range | None) -> dict[str, Any]:
    """The arithmetic of an assessment (see the module): the touched customers' count,
    revenue and CLV, and under the churn uplift, the customers expected lost, the revenue
    and the CLV at risk (each low and high)."""
    revenue = np.asarray(revenue, dtype=float)
    n = len(revenue)
    out: dict[str, Any] = {
        "customers": n,
        "revenue_12m": round(float(np.nansum(revenue)), 2),
        "clv": None if clv is None else round(float(np.nansum(np.asarray(clv, dtype=float))), 2),
    }
    if churn is None:
        out.update(customers_lost=None, revenue_at_risk=None, clv_at_risk=None)
        return out
    out["customers_lost"] = _rounded(Range(n * churn.low / 100.0, n * churn.high / 100.0))
    out["revenue_at_risk"] = _rounded(at_risk(revenue, churn))
    out["clv_at_risk"] = None if clv is None else _rounded(at_risk(clv, churn))
    return out


def _rounded(r: Range) -> dict[str, float]:
    """To the cent (amounts) or the hundredth of a customer."""
    return {"low": round(r.low, 2), "high": round(r.high, 2)}


def nps_churn_slope(
    nps_points: np.ndarray, churned: np.ndarray, persons: np.ndarray
) -> Slope | None:
    """The OLS slope of ``churned`` (0 or 100) on ``nps_points`` (+100, 0, −100), standard
    errors clustered by ``persons``; None with too few answers, promoters or detractors
    (:func:`cxpilot.value.stats.churn_slope`)."""
    return churn_slope(nps_points, churned, persons, middle=0.0)


def churn_from_nps(slope: Slope, change: Range) -> Range:
    """The churn uplift (points) an NPS ``change`` implies: slope × change, over the slope's
    interval and the change's range."""
    ends = [s * d for s in (slope.ci_low, slope.ci_high) for d in (change.low, change.high)]
    return Range(min(ends), max(ends))


# ---------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    segments: tuple[str, ...] = ()
    touchpoints: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()  # "journey:stage"

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in KINDS}

    @property
    def empty(self) -> bool:
        return not any(getattr(self, k) for k in KINDS)


def known_keys(kind: str) -> dict[str, str]:
    """key -> name of the organisation model's ``kind``."""
    from cxpilot.organisation.models import Channel, JourneyStage, Touchpoint
    from cxpilot.organisation.selectors import segment_names

    if kind == "segments":
        return segment_names()
    if kind == "touchpoints":
        return dict(Touchpoint.objects.values_list("key", "name"))
    if kind == "channels":
        return {str(k): str(v) for k, v in Channel.choices}
    return {
        f"{s.journey.key}:{s.key}": f"{s.journey.name} › {s.name}"
        for s in JourneyStage.objects.select_related("journey").order_by("journey__key", "position")
    }


def scope_checked(
    *,
    segments: Sequence[str] = (),
    touchpoints: Sequence[str] = (),
    channels: Sequence[str] = (),
    stages: Sequence[str] = (),
    where: dict[str, str] | None = None,
) -> Scope:
    """The scope, each key checked against the organisation model (a stage is
    ``journey:stage``, or its key alone when no other journey has a stage of that key)."""
    where = where or {k: f"--{k[:-1]}" for k in KINDS}
    given = {"segments": segments, "touchpoints": touchpoints, "channels": channels}
    out: dict[str, tuple[str, ...]] = {}
    for kind, keys in (*given.items(), ("stages", stages)):
        known = known_keys(kind)
        chosen: list[str] = []
        for raw in keys:
            key = str(raw).strip()
            if kind == "stages" and ":" not in key:
                matches = [k for k in known if k.split(":", 1)[1] == key]
                if len(matches) == 1:
                    key = matches[0]
                elif len(matches) > 1:
                    raise ValidationError(
                        f"the stage {key!r} is in several journeys: say which, as "
                        f"{' or '.join(matches[:5])}"[:300],
                        where=where[kind],
                    )
            if key not in known:
                shown = ", ".join(sorted(known)[:30]) or "none yet"
                raise ValidationError(
                    f"no {kind[:-1]} {key[:80]!r} in the organisation model (known: {shown})",
                    where=where[kind],
                )
            if key not in chosen:
                chosen.append(key)
        out[kind] = tuple(chosen)
    return Scope(**out)


def scope_touchpoints(scope: Scope) -> list[str]:
    """The touchpoints a scope names: its own, its stages', and those on its channels."""
    from cxpilot.organisation.models import Touchpoint

    found = set(scope.touchpoints)
    for stage in scope.stages:
        journey, key = stage.split(":", 1)
        found |= set(
            Touchpoint.objects.filter(stage__journey__key=journey, stage__key=key).values_list(
                "key", flat=True
            )
        )
    if scope.channels:
        found |= set(
            Touchpoint.objects.filter(channel__in=scope.channels).values_list("key", flat=True)
        )
    return sorted(found)


# ----------------------------------------------------------------------------- reads


def _customer_values(con: Any) -> Any | None:
    """The warehouse table ``customer_value`` (``cxpilot clv predict`` writes it), or None."""
    if "customer_value" not in con.list_tables():
        return None
    return con.table("customer_value")


def _persons(t: Any) -> Any:
    return t.select("person").filter(t.person.notnull()).distinct()


def _touched(con: Any, scope: Scope, start: dt.datetime) -> Any:
    """The persons of the scope (see the module) as a one-column Ibis table ``person``."""
    import ibis

    from cxpilot.customers.selectors import answers_with_person, golden_segments

    picks = []
    if scope.segments:
        c = answers_with_person(con, con.table("customers"))
        c = c.select("person", own=c.segment)
        g = golden_segments(con)
        c = c.left_join(g, c.person == g.person_id).select(
            c.person, segment=ibis.coalesce(g.segment, c.own)
        )
        picks.append(_persons(c.filter(c.segment.isin(list(scope.segments)))))
    i = con.table("interactions")
    i = i.filter(i.timestamp > start)
    wanted: list[tuple[str, list[str]]] = []
    if scope.touchpoints:
        wanted.append(("touchpoint", list(scope.touchpoints)))
    if scope.channels:
        wanted.append(("channel", list(scope.channels)))
    if scope.stages:  # a stage without touchpoints picks no one
        wanted.append(("touchpoint", scope_touchpoints(Scope(stages=scope.stages)) or [""]))
    for column, keys in wanted:
        picks.append(_persons(answers_with_person(con, i.filter(i[column].isin(keys)))))
    touched = picks[0]
    for other in picks[1:]:
        touched = touched.semi_join(other, touched.person == other.person)
    return touched


def _data_end(con: Any) -> dt.datetime | None:
    from cxpilot.value.selectors import activity_end

    return activity_end(con)


def _column(table: Any, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=float)


def impact_assessed(
    *,
    actor: Any,
    scope: Scope,
    churn: Range | None = None,
    nps: Range | None = None,
    moments: bool = True,
) -> dict[str, Any]:
    """The assessment of a decision of ``scope`` under the assumed ``churn`` uplift and/or
    ``nps`` change (see the module), as a JSON-ready dict with ``computed_at``."""
    from cxpilot.kernel import roles

    roles.require(actor, VIEW)
    if scope.empty:
        raise ValidationError(
            "give the scope: a segment, a touchpoint, a channel or a journey stage",
            where="scope",
        )
    if churn is None and nps is None:
        raise ValidationError(
            "give the assumed effect: a churn uplift and/or an NPS change", where="--churn-uplift"
        )
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.warehouse.connection import answers, warehouse

    notes: list[str] = []
    with warehouse() as con:
        end = _data_end(con)
        if end is None:
            raise ValidationError(
                "no interaction and no transaction in the warehouse: nothing to assess",
                where="warehouse",
            )
        start = end - dt.timedelta(days=SCOPE_DAYS)
        touched = _touched(con, scope, start)
        values = _customer_values(con)
        if values is not None:
            v = values.select(vp=values.customer, clv=values.clv, revenue=values.revenue_12m)
            rows = touched.left_join(v, touched.person == v.vp).select(
                touched.person, v.clv, v.revenue
            )
        else:
            notes.append(
                "no customer values yet (run cxpilot clv predict): assessed on revenue only"
            )
            x = answers_with_person(con, con.table("transactions"))
            x = x.filter((x.timestamp > start) & (x.timestamp <= end))
            per = x.group_by(xp=x.person).aggregate(revenue=x.amount.sum())
            rows = touched.left_join(per, touched.person == per.xp).select(
                touched.person, per.revenue
            )
        data = rows.to_pyarrow()
        revenue = np.nan_to_num(_column(data, "revenue"))
        clv = np.nan_to_num(_column(data, "clv")) if values is not None else None
        if values is not None:
            missing = int(data.column("clv").null_count)
            if missing:
                notes.append(
                    f"{missing} touched customer(s) have no lifetime value (no purchase by the "
                    "calibration end): counted at 0"
                )
        nps_found = _nps_of(con, answers_with_person(con, answers(con)), touched, start)
        churn_seen = _churn_seen(con, touched, end)
        slope = _nps_slope(con, end) if nps is not None else None
        cases = _open_cases(con, touched)
    used = churn
    implied = None
    if nps is not None:
        if slope is None:
            notes.append(
                "the NPS change is shown as stated: the data does not give the relation of "
                f"NPS to churn ({MIN_NPS_ANSWERS}+ NPS answers, {MIN_NPS_SIDE}+ promoters and "
                f"detractors, at least {CHURN_DAYS} days before the end of the data)"
            )
        else:
            implied = churn_from_nps(slope, nps)
            if used is None:
                used = implied
                notes.append("the churn uplift comes from the NPS change (see the relation)")
    found = figures(revenue=revenue, clv=clv, churn=used)
    tps = scope_touchpoints(scope)
    return {
        "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_end": end.isoformat(sep=" "),
        "window_days": SCOPE_DAYS,
        "scope": scope.as_dict(),
        "scope_touchpoints": tps,
        "assumption": {
            "churn_uplift": None if churn is None else churn.as_dict(),
            "nps_change": None if nps is None else nps.as_dict(),
            "churn_uplift_used": None if used is None else used.as_dict(),
            "churn_from_nps": None if implied is None else _rounded(implied),
        },
        "has_clv": values is not None,
        **found,
        "nps": nps_found,
        "nps_churn_relation": None
        if slope is None
        else {
            "churn_points_per_nps_point": round(slope.slope, 4),
            "ci_low": round(slope.ci_low, 4),
            "ci_high": round(slope.ci_high, 4),
            "answers": slope.answers,
            "persons": slope.persons,
        },
        "evidence": {"churn_observed": churn_seen, **_moments(tps, scope, moments, notes)},
        "open_cases": cases,
        "notes": notes,
    }


def _nps_of(con: Any, r: Any, touched: Any, start: dt.datetime) -> dict[str, Any]:
    """The NPS (with its interval) of the touched persons' NPS answers in the window."""
    from cxpilot.analytics.stats import nps as nps_stat

    r = r.filter((r.metric == "nps") & r.score.notnull() & (r.timestamp > start))
    r = r.semi_join(touched, r.person == touched.person)
    row = (
        r.aggregate(
            n=r.count(),
            promoters=(r.score >= 9).sum(),
            detractors=(r.score <= 6).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    n = int(row["n"] or 0)
    if n == 0:
        return {"n": 0, "score": None, "ci_low": None, "ci_high": None}
    found = nps_stat(int(row["promoters"] or 0), int(row["detractors"] or 0), n)
    return {
        "n": n,
        "score": round(float(found.score), 1),
        "ci_low": round(float(found.ci_low), 1),
        "ci_high": round(float(found.ci_high), 1),
        "small_sample": bool(found.small_sample),
    }


def _churn_seen(con: Any, touched: Any, end: dt.datetime) -> dict[str, Any]:
    """Observed churn of the touched and of the others (see the module)."""
    import ibis

    from cxpilot.analytics.stats import wilson
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.journeys.stats import proportion_difference

    cut = end - dt.timedelta(days=CHURN_DAYS)
    x = con.table("transactions")
    x = answers_with_person(con, x.filter(x.amount > 0))
    per = x.group_by("person").aggregate(
        before=(x.timestamp <= cut).sum(), after=(x.timestamp > cut).sum()
    )
    per = per.filter(per.before > 0)
    t = touched.select(tp=touched.person, mark=ibis.literal(1))
    per = per.left_join(t, per.person == t.tp).select(
        per.after, inside=t.mark.notnull().ifelse(1, 0)
    )
    counts = (
        per.group_by("inside")
        .aggregate(n=per.count(), churned=(per.after == 0).ifelse(1, 0).sum())
        .to_pyarrow()
        .to_pylist()
    )
    by = {int(c["inside"]): (int(c["churned"] or 0), int(c["n"])) for c in counts}
    (c1, n1), (c0, n0) = by.get(1, (0, 0)), by.get(0, (0, 0))

    def share(c: int, n: int) -> dict[str, Any]:
        if n == 0:
            return {"n": 0, "churned": 0, "rate": None, "ci_low": None, "ci_high": None}
        w = wilson(c, n)
        return {
            "n": n,
            "churned": c,
            "rate": round(float(w.score), 2),
            "ci_low": round(float(w.ci_low), 2),
            "ci_high": round(float(w.ci_high), 2),
        }

    diff = proportion_difference(c1, n1, c0, n0)
    return {
        "window_days": CHURN_DAYS,
        "touched": share(c1, n1),
        "others": share(c0, n0),
        "difference": None
        if diff.delta is None
        else {
            "points": round(diff.delta, 2),
            "ci_low": round(float(diff.ci_low or 0), 2),
            "ci_high": round(float(diff.ci_high or 0), 2),
        },
    }


def _nps_slope(con: Any, end: dt.datetime) -> Slope | None:
    """The NPS-to-churn relation of the data (see the module;
    :func:`cxpilot.value.selectors.kpi_churn_slope`)."""
    from cxpilot.value.selectors import kpi_churn_slope

    return kpi_churn_slope(con, metric="nps", end=end)


def _open_cases(con: Any, touched: Any) -> dict[str, Any]:
    """The open follow-up cases of the touched persons: their count, per touchpoint, and the
    first ones due (no customer id, no verbatim: the kept assessment is read widely)."""
    import ibis
    import pyarrow as pa

    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.loop.models import CaseStatus
    from cxpilot.loop.selectors import visible_cases

    cases = list(
        visible_cases(actor=None)
        .exclude(status=CaseStatus.CLOSED)
        .order_by("due_at", "pk")
        .values("pk", "source", "customer_id", "touchpoint", "metric", "score", "status", "due_at")
    )
    if not cases:
        return {"count": 0, "by_touchpoint": {}, "rows": []}
    keys = pa.table(
        {
            "pk": [c["pk"] for c in cases],
            "source": [c["source"] for c in cases],
            "customer_id": [c["customer_id"] for c in cases],
        }
    )
    k = answers_with_person(con, ibis.memtable(keys))
    k = k.select(*k.columns)  # its own projection: Ibis joins no computed column of a chain
    k = k.semi_join(touched, k.person == touched.person)
    inside = set(k.select("pk").to_pyarrow().column("pk").to_pylist())
    chosen = [c for c in cases if c["pk"] in inside]
    by: dict[str, int] = {}
    for c in chosen:
        by[c["touchpoint"]] = by.get(c["touchpoint"], 0) + 1
    return {
        "count": len(chosen),
        "by_touchpoint": dict(sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))),
        "rows": [
            {
                "id": c["pk"],
                "touchpoint": c["touchpoint"],
                "metric": c["metric"],
                "score": c["score"],
                "status": c["status"],
                "due_at": c["due_at"].isoformat(timespec="minutes"),
            }
            for c in chosen[:CASES_SHOWN]
        ],
    }


def _moments(tps: list[str], scope: Scope, wanted: bool, notes: list[str]) -> dict[str, Any]:
    """The moments-of-truth estimates of the touchpoints in scope, in the segment when the
    scope names one (:func:`cxpilot.journeys.selectors.moments_at`)."""
    if not tps or not wanted:
        return {"moments": [], "touchpoints": [], "moments_missing": {}}
    from cxpilot.journeys.selectors import moments_at

    segment = scope.segments[0] if len(scope.segments) == 1 else None
    found = moments_at(actor=None, touchpoints=tps, segment=segment)
    for row in found["not_estimated"]:
        notes.append(f"{row['outcome']}: {row['touchpoint']} not estimated ({row['reason']})")
    return {
        "moments": [r for r in found["rows"] if r["moment"]],
        "touchpoints": found["rows"],
        "moments_missing": found["missing"],
    }
