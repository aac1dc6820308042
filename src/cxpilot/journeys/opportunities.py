"""Priority opportunities: the touchpoints of a journey ranked by what fixing them is worth.

One row per touchpoint of the journey map (:func:`cxpilot.journeys.map.journey_map`), with
four components, each shown:

- **reach** ``r`` (0–1): the share of the journey's persons who met the touchpoint;
- **score gap** ``g`` (0–1): for each metric answered there, how far its score is below the
  metric's target, over the width of the metric's scale (NPS 200 points, CSAT 100, CES 6);
  the largest of the touchpoint's metrics, 0 at or above target or with no answer. The
  target of a metric is, by default, the **best score of that metric among the journey's
  touchpoints** (a level the organisation already reaches); a target can be set instead
  (``targets={"nps": 40}``, ``--target nps=40``);
- **NPS points at stake** ``s``: the sum of the points at stake of the touchpoint's top
  irritants (up to three themes with a positive figure, from the verbatim analytics);
- **moment-of-truth effect** ``e`` (0–1): for each outcome on which the touchpoint is a moment
  of truth (a significant, harmful effect), its effect over the largest such effect of that
  outcome in the journey; the largest of these, 0 when none (or when the moments of truth are
  not estimated).

**Priority** = ``r × (g + s / 100) × (1 + e)``: how many persons a touchpoint touches, times
how much there is to gain there (the score gap and the irritants' points on one 0–1 footing),
raised up to twice for a moment of truth. Ranked by priority, highest first; ties by
touchpoint key. Plain Python on the map's few rows (one per touchpoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cxpilot.kernel.errors import ValidationError

if TYPE_CHECKING:  # the map needs Django set up; the targets are checked before that
    from cxpilot.journeys.map import JourneyMap

#: The width of each metric's scale: a score gap is divided by it to be comparable.
SCALE_WIDTH = {"nps": 200.0, "csat": 100.0, "ces": 6.0}
SCALE_RANGE = {"nps": (-100.0, 100.0), "csat": (0.0, 100.0), "ces": (1.0, 7.0)}
RULE = "priority = reach × (score gap + NPS points at stake / 100) × (1 + moment-of-truth effect)"


@dataclass(frozen=True)
class Opportunities:
    journey: str
    rows: list[dict[str, Any]]
    targets: dict[str, dict[str, Any]]  # metric -> {"value", "source": "set"|"best", "touchpoint"}
    moments: bool
    rule: str = RULE

    def as_dict(self) -> dict[str, Any]:
        return {
            "journey": self.journey,
            "rule": self.rule,
            "targets": self.targets,
            "moments": self.moments,
            "opportunities": self.rows,
        }


def parse_targets(raw: list[str] | None) -> dict[str, float]:
    """``["nps=40", "csat=85"]`` → ``{"nps": 40.0, "csat": 85.0}``, checked against each
    metric's scale."""
    out: dict[str, float] = {}
    for item in raw or []:
        metric, sep, value = str(item).partition("=")
        metric = metric.strip().lower()
        if not sep or metric not in SCALE_WIDTH:
            raise ValidationError(
                f"{item!r} is not METRIC=VALUE with a metric among nps, csat, ces",
                where="--target",
            )
        try:
            number = float(value)
        except ValueError:
            raise ValidationError(f"{value!r} is not a number", where="--target") from None
        out[metric] = check_target(metric, number, "--target")
    return out


def check_target(metric: str, value: float, where: str) -> float:
    low, high = SCALE_RANGE[metric]
    if not (low <= value <= high) or value != value:
        raise ValidationError(
            f"the {metric} target {value:g} is outside {low:g}…{high:g}", where=where
        )
    return value


def _targets(jmap: JourneyMap, targets: Mapping[str, float]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for metric in SCALE_WIDTH:
        if metric in targets:
            out[metric] = {"value": targets[metric], "source": "set", "touchpoint": None}
            continue
        scored = [
            (s["score"], c["touchpoint"])
            for c in jmap.cells
            for s in c["scores"]
            if s["metric"] == metric and s["score"] is not None
        ]
        if scored:
            best, where = max(scored, key=lambda x: (x[0], x[1]))
            out[metric] = {"value": best, "source": "best", "touchpoint": where}
    return out


def rank(jmap: JourneyMap, targets: Mapping[str, float] | None = None) -> Opportunities:
    """The ranked opportunities of a computed map (see the module for the rule)."""
    goals = _targets(jmap, targets or {})
    largest: dict[str, float] = {}
    for cell in jmap.cells:
        for mark in cell["moment"] or []:
            size = abs(float(mark["effect"]))
            largest[mark["outcome"]] = max(largest.get(mark["outcome"], 0.0), size)
    rows: list[dict[str, Any]] = []
    for cell in jmap.cells:
        reach = float(cell["reach"] or 0.0)
        gaps = []
        for s in cell["scores"]:
            goal = goals.get(s["metric"])
            if goal is None or s["score"] is None:
                continue
            points = max(0.0, float(goal["value"]) - float(s["score"]))
            gaps.append((points / SCALE_WIDTH[s["metric"]], s["metric"], points))
        gap, gap_metric, gap_points = max(gaps, default=(0.0, None, 0.0))
        stake = sum(float(i["impact"]) for i in cell["irritants"])
        effect, effect_outcome = 0.0, None
        for mark in cell["moment"] or []:
            top = largest.get(mark["outcome"]) or 0.0
            scaled = abs(float(mark["effect"])) / top if top else 0.0
            if scaled > effect:
                effect, effect_outcome = scaled, mark["outcome"]
        priority = reach * (gap + stake / 100) * (1 + effect)
        rows.append(
            {
                "rank": 0,  # set once all are ranked
                "touchpoint": cell["touchpoint"],
                "name": cell["name"],
                "stage": cell["stage"],
                "stage_name": cell["stage_name"],
                "persons": cell["persons"],
                "reach": round(reach, 4),
                "gap": round(gap, 4),
                "gap_metric": gap_metric,
                "gap_points": round(gap_points, 2),
                "at_stake": round(stake, 2),
                "irritants": [i["theme"] for i in cell["irritants"]],
                "effect": round(effect, 4),
                "effect_outcome": effect_outcome,
                "moment": bool(cell["moment"]),
                "priority": round(priority, 6),
                "_exact": priority,
            }
        )
    rows.sort(key=lambda r: (-r["_exact"], r["touchpoint"]))
    for i, row in enumerate(rows, start=1):
        del row["_exact"]
        row["rank"] = i
    return Opportunities(journey=jmap.journey, rows=rows, targets=goals, moments=jmap.moments)


def opportunities(
    *,
    actor: Any,
    journey: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
    channel: str | None = None,
    targets: Mapping[str, float] | None = None,
    moments: bool = True,
) -> Opportunities:
    """The ranked opportunities of the organisation's journey ``journey`` under the filters."""
    from cxpilot.journeys.map import journey_map

    jmap = journey_map(
        actor=actor,
        journey=journey,
        start=start,
        end=end,
        segment=segment,
        channel=channel,
        moments=moments,
    )
    return rank(jmap, targets)
