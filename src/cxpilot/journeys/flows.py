"""Paths through the journeys, computed in the warehouse engine: the directly-follows graph
and the variants of an :class:`~cxpilot.journeys.log.EventLog`.

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

from dataclasses import dataclass
from typing import Any

import ibis

from cxpilot.journeys.log import EventLog


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
        starts=steps.first.ifelse(1, 0).sum(),
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
    paths = t.group_by([t[k] for k in log.case_keys]).aggregate(
        path=t.activity.collect(order_by=[t.ts, t.event_id])
    )
    counted = paths.group_by("path").aggregate(count=paths.count())
    counted = counted.mutate(total=counted["count"].sum().over())
    ordered = counted.order_by([ibis.desc("count"), "path"])
    if top is not None:
        ordered = ordered.limit(top)
    return [
        {
            "path": list(r["path"]),
            "count": int(r["count"]),
            "share": round(int(r["count"]) / int(r["total"]), 6),
            "length": len(r["path"]),
        }
        for r in ordered.to_pyarrow().to_pylist()
    ]
