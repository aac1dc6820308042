"""The journey map: one journey of the organisation model drawn from the data.

Stages across, in their order (a stage with no touchpoint is kept, and says so), the
touchpoints of each stage down. Each cell (a touchpoint at its stage) holds:

- the **volume**: interactions at the touchpoint and distinct persons who had one, and the
  **reach** (those persons over the persons with any interaction in the journey), from the
  event log with ``case="person"`` (:func:`cxpilot.journeys.log.event_log`, one grouping in
  the engine);
- the **scores**: each metric answered there, with its 95 % interval
  (:func:`cxpilot.analytics.metrics.metric_groups` by touchpoint);
- the **sentiment** of its verbatims: mean polarity and share negative
  (:func:`cxpilot.verbatims.selectors.sentiment_by_touchpoint`);
- the **top irritants**: the three themes with the most NPS points at stake there, positive
  ones only (:func:`cxpilot.verbatims.selectors.irritants`, one ranking per touchpoint);
- the **moment-of-truth mark**: the touchpoint's effect on churn, repeat purchase or the
  overall NPS (:mod:`cxpilot.journeys.moments`: a poor answer there against the others, with
  controls) is significant — its 95 % interval excludes 0 —, harmful, and not told apart
  from the most harmful one of that outcome (the intervals overlap; :func:`is_moment`).

Filters: period (days, both included), segment and channel. The volume and the scores follow
all three (the volume takes the person's golden segment; the scores the answering record's
segment, as the dashboard does); the moments of truth the period and segment; the sentiment
and the irritants the period only: the verbatim analytics have no segment or channel slice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cxpilot.journeys.moments import HARM
from cxpilot.kernel import roles

PERMISSION = "organisation.view_analytics"
#: The outcomes a moment of truth is estimated on, and the sign of a harmful effect (churn
#: up; repeat purchase, NPS down), as the moments of truth rank them.
HARMFUL_SIGN = HARM
TOP_IRRITANTS = 3
#: Themes named fewer times at a touchpoint are not ranked (as on the irritants page).
MIN_MENTIONS = 10


@dataclass(frozen=True)
class JourneyMap:
    """``stages``: dicts ``key, name, touchpoints`` (the cells of the stage, in order);
    ``cells``: every cell, stage by stage; ``persons``: distinct persons with an interaction in
    the journey; ``moments``: whether the moment-of-truth marks were computed (for the outcomes
    ``moment_outcomes``; ``moments_missing``: outcome → why it was not)."""

    journey: str
    name: str
    stages: list[dict[str, Any]]
    cells: list[dict[str, Any]]
    persons: int
    interactions: int
    moments: bool
    moment_outcomes: list[str] = field(default_factory=list)
    moments_missing: dict[str, str] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)

    def cell(self, touchpoint: str) -> dict[str, Any]:
        return next(c for c in self.cells if c["touchpoint"] == touchpoint)


def journey_choices() -> list[tuple[str, str]]:
    """The organisation's journeys, ``(key, name)``, in the order of their keys' creation."""
    from cxpilot.organisation.models import Journey

    return list(Journey.objects.order_by("pk").values_list("key", "name"))


def _volumes(
    journey: str,
    start: dt.date | None,
    end: dt.date | None,
    segment: str | None,
    channel: str | None,
) -> tuple[dict[str, dict[str, int]], int, int]:
    """Per touchpoint: interactions and distinct persons; and the journey's persons and
    interactions in all."""
    from cxpilot.journeys.log import LogFilters, event_log, interactions_source

    filters = LogFilters(start=start, end=end, segment=segment, channel=channel, journey=journey)
    with interactions_source(None) as (table, in_warehouse):
        log = event_log(table, case="person", filters=filters, in_warehouse=in_warehouse)
        t = log.table
        rows = (
            t.group_by("touchpoint")
            .aggregate(interactions=t.count(), persons=t.person.nunique())
            .to_pyarrow()
            .to_pylist()
        )
        total = t.aggregate(persons=t.person.nunique(), interactions=t.count()).to_pyarrow()
    totals = total.to_pylist()[0]
    return (
        {
            str(r["touchpoint"]): {
                "interactions": int(r["interactions"]),
                "persons": int(r["persons"]),
            }
            for r in rows
        },
        int(totals["persons"] or 0),
        int(totals["interactions"] or 0),
    )


def _scores(
    touchpoints: list[str],
    start: dt.date | None,
    end: dt.date | None,
    segment: str | None,
    channel: str | None,
) -> dict[str, list[dict[str, Any]]]:
    """Per touchpoint, one row per metric answered there (NPS, CSAT, CES in that order)."""
    from cxpilot.analytics.metrics import metric_groups

    filters = {"segment": segment or "", "channel": channel or ""}
    out: dict[str, list[dict[str, Any]]] = {}
    for metric in ("nps", "csat", "ces"):
        for row in metric_groups(
            metric=metric, by=["touchpoint"], start=start, end=end, filters=filters
        ):
            if row["touchpoint"] in touchpoints:
                out.setdefault(row["touchpoint"], []).append(
                    {
                        k: row.get(k)
                        for k in (
                            "metric",
                            "n",
                            "customers",
                            "score",
                            "ci_low",
                            "ci_high",
                            "small_sample",
                        )
                    }
                )
    return out


def _verbatims(
    touchpoints: list[str], start: dt.date | None, end: dt.date | None
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Per touchpoint: the sentiment of its verbatims, and its top irritants."""
    from cxpilot.verbatims.selectors import Scope, irritants, sentiment_by_touchpoint

    scope = Scope(start=start, end=end)
    sentiment = sentiment_by_touchpoint(scope=scope, touchpoints=touchpoints)
    top: dict[str, list[dict[str, Any]]] = {}
    for row in irritants(scope=scope, each_touchpoint=True, min_mentions=MIN_MENTIONS, examples=0):
        shown = top.setdefault(str(row["touchpoint"]), [])
        if (row["impact"] or 0) > 0 and len(shown) < TOP_IRRITANTS:
            shown.append(
                {
                    k: row[k]
                    for k in ("theme", "theme_id", "mentions", "impact", "ci_low", "ci_high")
                }
            )
    return sentiment, {k: v for k, v in top.items() if k in touchpoints}


@dataclass(frozen=True)
class MomentMarks:
    """``marks``: touchpoint → the outcomes on which it is a moment of truth (each ``outcome,
    effect, ci_low, ci_high, p_value, rank``, the effect in the outcome's unit); ``estimated``:
    the outcomes whose moments of truth were estimated; ``missing``: outcome → why not."""

    marks: dict[str, list[dict[str, Any]]]
    estimated: list[str]
    missing: dict[str, str]


def moment_marks(
    *,
    actor: Any,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
) -> MomentMarks:
    """The moments of truth of the period and segment, for churn, repeat purchase and the
    overall NPS (:func:`cxpilot.journeys.moments.moments_of_truth`: the effect of a poor
    answer at the touchpoint on the outcome, controlled for segment, channel, tenure and
    activity). A touchpoint is marked for an outcome by :func:`is_moment`. An outcome the data
    cannot measure (no purchases, no relationship NPS…) is left out, with the reason."""
    from cxpilot.journeys.moments import moments_of_truth
    from cxpilot.kernel.errors import ValidationError

    marks: dict[str, list[dict[str, Any]]] = {}
    estimated: list[str] = []
    missing: dict[str, str] = {}
    for outcome in HARMFUL_SIGN:
        try:
            found = moments_of_truth(
                actor=actor, outcome=outcome, start=start, end=end, segment=segment
            )
        except ValidationError as error:
            missing[outcome] = error.detail
            continue
        estimated.append(outcome)
        harmful = [row for row in found.rows if is_moment(row, outcome)]
        leader = max(
            harmful, key=lambda r: HARMFUL_SIGN[outcome] * float(r["effect"]), default=None
        )
        for row in harmful:
            if leader is not None and is_moment(row, outcome, leader=leader):
                marks.setdefault(str(row["touchpoint"]), []).append(
                    {"outcome": outcome}
                    | {k: row.get(k) for k in ("effect", "ci_low", "ci_high", "p_value", "rank")}
                )
    return MomentMarks(marks=marks, estimated=estimated, missing=missing)


def is_moment(row: dict[str, Any], outcome: str, *, leader: dict[str, Any] | None = None) -> bool:
    """The mark's rule: the interval excludes 0 and the effect goes the harmful way for
    ``outcome`` (churn up; repeat purchase or NPS down); and, given the ``leader`` (the
    outcome's most harmful such effect), the row cannot be told apart from it: their 95 %
    intervals overlap. A moment of truth is one of the moments that matter *most*: on the
    demo a poor answer anywhere lowers the later NPS somewhat (it also tells of the person's
    mood), the delivery's far more, and only the delivery is marked."""
    low, high, effect = row.get("ci_low"), row.get("ci_high"), row.get("effect")
    if low is None or high is None or effect is None:
        return False
    harmful = float(low) > 0 if HARMFUL_SIGN[outcome] > 0 else float(high) < 0
    if not harmful or leader is None:
        return harmful
    if HARMFUL_SIGN[outcome] > 0:
        return float(high) >= float(leader["ci_low"])
    return float(low) <= float(leader["ci_high"])


def journey_map(
    *,
    actor: Any,
    journey: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
    channel: str | None = None,
    moments: bool = True,
) -> JourneyMap:
    """The map of the organisation's journey ``journey`` (its key) under these filters.
    ``moments=False`` leaves the moment-of-truth marks out (they cost a regression per
    outcome)."""
    roles.require(actor, PERMISSION)
    from cxpilot.journeys.log import stage_touchpoints
    from cxpilot.kernel.errors import ValidationError
    from cxpilot.organisation.models import Journey, Touchpoint

    if start and end and end < start:
        raise ValidationError("--to is before --from", where="--to")
    stages = stage_touchpoints(journey)
    name = Journey.objects.get(key=journey).name
    keys = [tp for _k, _n, tps in stages for tp in tps]
    names = dict(Touchpoint.objects.filter(key__in=keys).values_list("key", "name"))
    channels = dict(Touchpoint.objects.filter(key__in=keys).values_list("key", "channel"))
    volumes, persons, interactions = _volumes(journey, start, end, segment, channel)
    scores = _scores(keys, start, end, segment, channel) if keys else {}
    sentiment, top = _verbatims(keys, start, end) if keys else ({}, {})
    found = moment_marks(actor=actor, start=start, end=end, segment=segment) if moments else None
    marks = found.marks if found is not None and found.estimated else None
    cells: list[dict[str, Any]] = []
    shown: list[dict[str, Any]] = []
    for stage_key, stage_name, tps in stages:
        stage_cells = []
        for tp in tps:
            volume = volumes.get(tp, {"interactions": 0, "persons": 0})
            cell = {
                "touchpoint": tp,
                "name": names.get(tp, tp),
                "channel": channels.get(tp, ""),
                "stage": stage_key,
                "stage_name": stage_name,
                **volume,
                "reach": round(volume["persons"] / persons, 4) if persons else None,
                "scores": scores.get(tp, []),
                "sentiment": sentiment.get(tp),
                "irritants": top.get(tp, []),
                "moment": (marks.get(tp, []) if marks is not None else None),
            }
            stage_cells.append(cell)
        cells.extend(stage_cells)
        shown.append({"key": stage_key, "name": stage_name, "touchpoints": stage_cells})
    return JourneyMap(
        journey=journey,
        name=name,
        stages=shown,
        cells=cells,
        persons=persons,
        interactions=interactions,
        moments=marks is not None,
        moment_outcomes=found.estimated if found is not None else [],
        moments_missing=found.missing if found is not None else {},
        filters={"start": start, "end": end, "segment": segment, "channel": channel},
    )
