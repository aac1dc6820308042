"""Paths through the journeys, computed in the warehouse engine: the directly-follows graph,
the variants, the funnel through a journey's stages and the paths to an outcome of an
:class:`~cxpilot.journeys.log.EventLog` (see :func:`funnel` and :func:`paths_to`).

Definitions (those of process mining, as pm4py's ``discover_dfg`` and ``get_variants``):

- the **directly-follows graph** counts, for each pair of activities (a, b), how many times
  b comes right after a in a case; a case's first activity is a **start**, its last an
  **end**. Each edge also has the median and 90th percentile of the time between the two
  events, in seconds (linear interpolation between ranks, as ``quantile_cont``);
- a **variant** is a distinct sequence of activities, with the number of cases that follow
  it and their share of all cases.

Each is one query: a window over each case in time order, then a grouping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis

from cxpilot.journeys.log import EventLog
from cxpilot.kernel.errors import ValidationError


@dataclass(frozen=True)
class Dfg:
    edges: list[dict[str, Any]]  # source, target, count, median_seconds, p90_seconds
    starts: dict[str, int]
    ends: dict[str, int]
    cases: int
    events: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "edges": self.edges,
            "starts": self.starts,
            "ends": self.ends,
            "cases": self.cases,
            "events": self.events,
        }


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if number != number else round(number, 3)  # NaN: none


def dfg(log: EventLog) -> Dfg:
    """The directly-follows graph of ``log``: edges most frequent first (then by source and
    target), starts and ends by activity."""
    t = log.table
    w = log.window()
    steps = t.mutate(
        target=t.activity.lead().over(w),
        gap=(t.ts.lead().over(w).epoch_seconds() - t.ts.epoch_seconds()).cast("float64"),
        first=ibis.row_number().over(w) == 0,
    )
    grouped = steps.group_by([steps.activity, steps.target]).aggregate(
        count=steps.count(),
        starts=steps.count(where=steps.first),
        median_seconds=steps.gap.median(),
        p90_seconds=steps.gap.quantile(0.9),
    )
    rows = grouped.to_pyarrow().to_pylist()
    edges: list[dict[str, Any]] = [
        {
            "source": str(r["activity"]),
            "target": str(r["target"]),
            "count": int(r["count"]),
            "median_seconds": _seconds(r["median_seconds"]),
            "p90_seconds": _seconds(r["p90_seconds"]),
        }
        for r in rows
        if r["target"] is not None
    ]
    edges.sort(key=lambda e: (-e["count"], e["source"], e["target"]))
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    events = 0
    for r in rows:
        activity = str(r["activity"])
        events += int(r["count"])
        if r["starts"]:
            starts[activity] = starts.get(activity, 0) + int(r["starts"])
        if r["target"] is None:
            ends[activity] = ends.get(activity, 0) + int(r["count"])
    return Dfg(
        edges=edges,
        starts=dict(sorted(starts.items(), key=lambda kv: (-kv[1], kv[0]))),
        ends=dict(sorted(ends.items(), key=lambda kv: (-kv[1], kv[0]))),
        cases=sum(starts.values()),
        events=events,
    )


def variants(log: EventLog, *, top: int | None = None) -> list[dict[str, Any]]:
    """The variants of ``log``, most frequent first (ties by path): ``path`` (the list of
    activities), ``count`` (cases), ``share`` (of all cases, 0–1), ``length``."""
    t = log.table
    # the log has no null activity: collecting nulls too spares the engine a filter
    paths = t.group_by([t[k] for k in log.case_keys]).aggregate(
        path=t.activity.collect(order_by=[t.ts, t.event_id], include_null=True)
    )
    counted = paths.group_by("path").aggregate(count=paths.count())
    if top is not None:  # the share is of all cases, the shown and the others
        counted = counted.mutate(total=counted["count"].sum().over())
    ordered = counted.order_by([ibis.desc("count"), "path"])
    if top is not None:
        ordered = ordered.limit(top)
    found = ordered.to_pyarrow()
    counts = found.column("count").to_pylist()
    if top is None:
        total = sum(counts)
    else:
        total = found.column("total")[0].as_py() if found.num_rows else 0
    return [
        {"path": path, "count": count, "share": round(count / total, 6), "length": len(path)}
        for path, count in zip(_lists(found.column("path")), counts, strict=True)
    ]


def _lists(column: Any) -> list[list[str]]:
    """A list<string> Arrow column as Python lists. An event log has few distinct
    activities and many paths: each activity's text is made once and the paths are cut
    from one array of references (a third faster than Arrow's ``to_pylist``)."""
    import numpy as np
    import pyarrow as pa

    paths = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(paths) == 0:
        return []
    paths = paths.slice(0)  # offsets relative to the values, as they come
    encoded = paths.flatten().dictionary_encode()
    names = np.array(encoded.dictionary.to_pylist(), dtype=object)
    flat = names[encoded.indices.to_numpy(zero_copy_only=False)]
    offsets = paths.offsets.to_numpy()
    offsets = (offsets - offsets[0]).tolist()
    return [flat[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


# --- Funnel through the stages of a journey -------------------------------------------------

#: A stage of a funnel: ``(key, name, [touchpoint keys])``, as ``stage_touchpoints`` gives.
Stage = tuple[str, str, list[str]]


def _shown(value: str, limit: int = 60) -> str:
    """``value`` quoted for an error message, cut to ``limit`` characters."""
    return repr(value[:limit] + ("…" if len(value) > limit else ""))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def parse_stages(text: str) -> list[Stage]:
    """Stages from ``stage=tp1,tp2;stage2=tp3``: for a file, which has no organisation
    model. Each stage is named by its key; a touchpoint may be in one stage only."""
    stages: list[Stage] = []
    seen: dict[str, str] = {}
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        key, sep, touchpoints = part.partition("=")
        key = key.strip()
        tps = [tp.strip() for tp in touchpoints.split(",") if tp.strip()]
        if not sep or not key or not tps:
            raise ValidationError(
                f"expected stage=touchpoint,touchpoint;… and got {_shown(part)}", where="--stages"
            )
        if key in {s[0] for s in stages}:
            raise ValidationError(f"stage {_shown(key)} is given twice", where="--stages")
        for tp in tps:
            if tp in seen:
                raise ValidationError(
                    f"touchpoint {_shown(tp)} is in stages {_shown(seen[tp])} and {_shown(key)}",
                    where="--stages",
                )
            seen[tp] = key
        stages.append((key, key, tps))
    if not stages:
        raise ValidationError("no stage given", where="--stages")
    return stages


def stages_from(stages: list[Stage], start: str) -> list[Stage]:
    """``stages`` from the one whose key is ``start`` on (a funnel of the purchases, when a
    case is a journey id, begins at the purchase stage)."""
    keys = [key for key, _n, _t in stages]
    if start not in keys:
        shown = ", ".join(_shown(k, 40) for k in keys)
        raise ValidationError(
            f"no stage {_shown(start)} in the journey (its stages: {shown})",
            where="--start-stage",
        )
    return stages[keys.index(start) :]


def funnel(log: EventLog, stages: list[Stage]) -> dict[str, Any]:
    """The funnel of ``log`` through ``stages`` (in order; a stage without touchpoint is
    skipped and said so in ``notes``). An event is at a stage when its **touchpoint** is one
    of the stage's (whatever the log's activity). For each case:

    - it **reached** stage *k* **any time** when it has an event at that stage;
    - it reached stage 1 **in order** at its first event there (time *t₁*), and stage *k*
      in order at its first event there at or after *tₖ₋₁* (time *tₖ*); a case that never
      reaches stage *k* in order reaches no later stage in order (ClickHouse's
      ``windowFunnel`` in its default mode, without a time window).

    Per stage: ``reached_any``, ``reached`` (in order), ``share_of_cases`` (reached ÷ the
    cases of the log), ``conversion`` (reached ÷ reached at the previous stage; none at the
    first), ``drop_off`` (reached at the previous stage − reached) and ``drop_off_share``
    (1 − conversion), the median and 90th percentile of *tₖ − tₖ₋₁* and of *tₖ − t₁* in
    seconds over the cases that reached *k* in order (at the last stage, *tₖ − t₁* is the
    **time to complete**). Quantiles interpolate between ranks (``quantile_cont``).
    One query for the first times, one join per later stage, one aggregation.
    """
    counted = [s for s in stages if s[2]]
    notes = [f"stage {key!r} has no touchpoint: skipped" for key, _n, tps in stages if not tps]
    if not counted:
        raise ValidationError("no stage of the journey has a touchpoint", where="--journey")
    t = log.table
    keys = list(log.case_keys)
    stage = ibis.cases(
        *[(t.touchpoint.isin(tps), i) for i, (_k, _n, tps) in enumerate(counted)], else_=None
    )
    ev = t.select(*keys, "ts", stage=stage).filter(lambda r: r.stage.notnull())
    firsts = ev.group_by(keys).aggregate(
        **{f"any{i}": ev.ts.min(where=ev.stage == i) for i in range(len(counted))}
    )
    c = firsts.mutate(s0=firsts.any0)
    for i in range(1, len(counted)):
        prev = c.filter(c[f"s{i - 1}"].notnull()).select(*keys, prev=c[f"s{i - 1}"])
        at = ev.filter(ev.stage == i)
        joined = prev.join(at, [prev[k] == at[k] for k in keys] + [at.ts >= prev.prev])
        m = joined.group_by([joined[k] for k in keys]).aggregate(first=joined.ts.min())
        c = c.left_join(m, keys).select(c, **{f"s{i}": m["first"]})

    def gap(a: Any, b: Any) -> Any:
        return (a.epoch_seconds() - b.epoch_seconds()).cast("float64")

    measures: dict[str, Any] = {}
    for i in range(len(counted)):
        measures[f"any{i}"] = c.count(where=c[f"any{i}"].notnull())
        measures[f"reached{i}"] = c.count(where=c[f"s{i}"].notnull())
        if i:
            prev_gap, first_gap = gap(c[f"s{i}"], c[f"s{i - 1}"]), gap(c[f"s{i}"], c.s0)
            measures[f"mp{i}"] = prev_gap.median()
            measures[f"qp{i}"] = prev_gap.quantile(0.9)
            measures[f"mf{i}"] = first_gap.median()
            measures[f"qf{i}"] = first_gap.quantile(0.9)
    (row,) = c.aggregate(**measures).to_pyarrow().to_pylist()
    cases = int(t.select(*keys).distinct().count().to_pyarrow().as_py())
    out: list[dict[str, Any]] = []
    before: int | None = None
    for i, (key, name, tps) in enumerate(counted):
        reached = int(row[f"reached{i}"] or 0)
        out.append(
            {
                "stage": key,
                "name": name,
                "touchpoints": tps,
                "reached_any": int(row[f"any{i}"] or 0),
                "reached": reached,
                "share_of_cases": _share(reached, cases),
                "conversion": None if before is None else _share(reached, before),
                "drop_off": None if before is None else before - reached,
                "drop_off_share": (
                    None if before is None or not before else round(1 - reached / before, 6)
                ),
                "median_seconds_from_previous": _seconds(row.get(f"mp{i}")),
                "p90_seconds_from_previous": _seconds(row.get(f"qp{i}")),
                "median_seconds_from_first": _seconds(row.get(f"mf{i}")),
                "p90_seconds_from_first": _seconds(row.get(f"qf{i}")),
            }
        )
        before = reached
    return {
        "stages": out,
        "cases": cases,
        "completed": out[-1]["reached"],
        "completion": _share(out[-1]["reached"], out[0]["reached"]),
        "skipped": [key for key, _n, tps in stages if not tps],
        "notes": notes,
    }


# --- Paths to an outcome --------------------------------------------------------------------

CHURN = "churn"


def _activities_hint(log: EventLog, limit: int = 12) -> str:
    t = log.table
    names = t.select("activity").distinct().order_by("activity")
    shown = [str(r["activity"]) for r in names.limit(limit + 1).to_pyarrow().to_pylist()]
    more = int(names.count().to_pyarrow().as_py()) - limit
    text = ", ".join(_shown(n, 40) for n in shown[:limit]) or "none: the log is empty"
    return text + (f" and {more} more" if more > 0 else "")


def paths_to(
    log: EventLog, outcome: str, *, steps: int = 3, churn_days: int = 180, top: int | None = 20
) -> dict[str, Any]:
    """What precedes ``outcome`` in ``log``: an activity, or ``churn``.

    - For an activity (a value of the log's activity; else of the other of touchpoint and
      type, as ``lost_parcel`` is a type when the activity is the touchpoint: said in
      ``outcome_is``): the cases where it occurs; its moment is its **first** occurrence in
      the case (order by time, ties by event id).
    - For ``churn``: the cases whose last event is more than ``churn_days`` days before the
      last event of the whole log; its moment is just after the case's last event.

    ``paths``: the (up to) ``steps`` events right before that moment, as a path (shorter when
    the case has fewer before it; empty when the outcome is its first event), ranked by the
    number of outcome cases (ties by path), with their ``share`` of the outcome cases; only
    the ``top`` first. ``before``: for each activity among those preceding events, the
    outcome cases where it occurs there (``cases``, ``share`` of the outcome cases), the share
    of all the log's cases where it occurs at all (``share_all``), and ``lift`` = share ÷
    share_all (above 1: it comes before the outcome more often than it occurs in general).
    """
    if steps < 1:
        raise ValidationError("--steps must be at least 1", where="--steps")
    if churn_days < 1:
        raise ValidationError("--churn-days must be at least 1", where="--churn-days")
    name = (outcome or "").strip()
    if not name:
        raise ValidationError("give an outcome: an activity or churn", where="--outcome")
    t = log.table
    keys = list(log.case_keys)
    numbered = t.mutate(pos=ibis.row_number().over(log.window()))
    if name.lower() == CHURN:
        last_event = t.ts.max().to_pyarrow().as_py()
        per = numbered.group_by(keys).aggregate(at=numbered.count(), last=numbered.ts.max())
        if last_event is None:
            at = per.filter(ibis.literal(False)).select(*keys, "at")
        else:
            cutoff = last_event - dt.timedelta(days=churn_days)
            at = per.filter(per["last"] < cutoff).select(*keys, "at")
        name, outcome_of = CHURN, None
    else:
        other = "type" if log.activity == "touchpoint" else "touchpoint"
        found = t.aggregate(
            mine=t.count(where=t.activity == name), other=t.count(where=t[other] == name)
        ).to_pyarrow()
        if found["mine"][0].as_py():
            outcome_of = log.activity
        elif found["other"][0].as_py():
            outcome_of = other
        else:
            raise ValidationError(
                f"no {log.activity} or {other} {_shown(name)} in the log ({log.activity}s: "
                f"{_activities_hint(log)}); or give churn",
                where="--outcome",
            )
        column = "activity" if outcome_of == log.activity else other
        hits = numbered.filter(numbered[column] == name)
        at = hits.group_by(keys).aggregate(at=hits.pos.min())
    before = numbered.join(at, keys)
    before = before.filter((before.pos < before.at) & (before.pos >= before.at - steps))
    prefixes = before.group_by(keys).aggregate(path=before.activity.collect(order_by=before.pos))
    counted = prefixes.group_by("path").aggregate(count=prefixes.count())
    ordered = counted.order_by([ibis.desc("count"), "path"])
    with_outcome = int(at.count().to_pyarrow().as_py())
    cases = int(t.select(*keys).distinct().count().to_pyarrow().as_py())
    paths: list[dict[str, Any]] = [
        {"path": list(r["path"]), "count": int(r["count"])}
        for r in ordered.to_pyarrow().to_pylist()
    ]
    empty = with_outcome - sum(p["count"] for p in paths)
    if empty:  # the outcome was the case's first event: nothing before it
        paths.append({"path": [], "count": empty})
        paths.sort(key=lambda p: (-p["count"], p["path"]))
    for p in paths:
        p["share"] = _share(p["count"], with_outcome)
    pre = before.select(*keys, "activity").distinct()
    pre = pre.group_by("activity").aggregate(cases=pre.count())
    everywhere = t.select(*keys, "activity").distinct()
    everywhere = everywhere.group_by("activity").aggregate(all_cases=everywhere.count())
    lifted = pre.join(everywhere, "activity").order_by([ibis.desc("cases"), "activity"])
    rows = []
    for r in lifted.to_pyarrow().to_pylist():
        share, share_all = _share(int(r["cases"]), with_outcome), _share(int(r["all_cases"]), cases)
        rows.append(
            {
                "activity": str(r["activity"]),
                "cases": int(r["cases"]),
                "share": share,
                "share_all": share_all,
                "lift": round(share / share_all, 4) if share and share_all else None,
            }
        )
    return {
        "outcome": name,
        "outcome_is": outcome_of,
        "activity": log.activity,
        "steps": steps,
        "churn_days": churn_days if name == CHURN else None,
        "cases": cases,
        "cases_with_outcome": with_outcome,
        "share_of_cases": _share(with_outcome, cases),
        "paths": paths[:top] if top is not None else paths,
        "distinct_paths": len(paths),
        "before": rows,
    }
