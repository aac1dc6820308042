"""Consistency across touchpoints: do the persons who met both a human and a digital
touchpoint at the same stage of a journey rate them alike?

A touchpoint is **human** or **digital** by its ``mode`` in the organisation model, or else by
its channel (store, phone, partner: human; web, app, e-mail: digital; product and connected
object: neither, left out). Every answer (NPS, CES, CSAT) is put on a 0–100 scale (as the
touchpoint drivers do: NPS ×10, CES (s−1)/6×100, CSAT (s−1)/4×100) and given the person of
its record (``customer_persons``; a record not resolved yet is its own person).

For each stage, each person's mean score on the stage's human touchpoints and on its digital
ones; the persons with both are the pairs, and the **gap** is human − digital (positive: the
people serve better than the screens). Its mean has a paired t interval
(:mod:`cxpilot.journeys.paired`). **Overall**, each person counts once: their gap is the
mean of their stages' gaps (and each side the mean of their stages' means), over the stages
where they have both.

Everything up to the count, mean and standard deviation of the gaps runs in the warehouse
engine (two grouped queries); only the interval is computed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from cxpilot.journeys.paired import paired_t
from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.roles import Actor

PERMISSION = "organisation.view_analytics"
#: Fewer pairs than this: the gap is shown, flagged as a small sample.
SMALL_SAMPLE = 30


@dataclass(frozen=True)
class Gap:
    """The paired gap of one stage (``stage`` None: overall)."""

    journey: str | None
    journey_name: str | None
    stage: str | None
    stage_name: str | None
    human_touchpoints: list[str]
    digital_touchpoints: list[str]
    n: int  # persons with both
    human_mean: float | None
    digital_mean: float | None
    gap: float | None
    ci_low: float | None
    ci_high: float | None
    p: float | None

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    @property
    def significant(self) -> bool:
        return self.p is not None and self.p < 0.05

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"small_sample": self.small_sample, "significant": self.significant}


@dataclass(frozen=True)
class Consistency:
    start: dt.date | None
    end: dt.date | None
    segment: str | None
    stages: list[Gap] = field(default_factory=list)
    overall: Gap | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "segment": self.segment,
            "stages": [g.as_dict() for g in self.stages],
            "overall": self.overall.as_dict() if self.overall else None,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class _Stage:
    pk: int
    journey: str
    journey_name: str
    key: str
    name: str
    human: list[str]
    digital: list[str]


def _stages() -> tuple[list[_Stage], dict[str, tuple[int, str]]]:
    """The stages with both human and digital touchpoints, in journey and stage order, and
    every touchpoint of those stages: key → (stage pk, mode)."""
    from cxpilot.organisation.models import Touchpoint

    by_stage: dict[int, dict[str, Any]] = {}
    for tp in Touchpoint.objects.select_related("stage__journey").filter(stage__isnull=False):
        mode = tp.effective_mode
        stage = tp.stage
        if not mode or stage is None:
            continue
        entry = by_stage.setdefault(stage.pk, {"stage": stage, "human": [], "digital": []})
        entry[mode].append(tp.key)
    stages = [
        _Stage(
            pk=pk,
            journey=e["stage"].journey.key,
            journey_name=e["stage"].journey.name,
            key=e["stage"].key,
            name=e["stage"].name,
            human=sorted(e["human"]),
            digital=sorted(e["digital"]),
        )
        for pk, e in by_stage.items()
        if e["human"] and e["digital"]
    ]
    stages.sort(key=lambda s: (s.journey_name, s.journey, by_stage[s.pk]["stage"].position))
    touchpoints = {
        key: (s.pk, mode)
        for s in stages
        for mode, keys in (("human", s.human), ("digital", s.digital))
        for key in keys
    }
    return stages, touchpoints


def _scaled(t: Any) -> Any:
    from cxpilot.analytics.selectors import _SCALE

    low = t.metric.cases(*((m, lo) for m, (lo, _w) in _SCALE.items()), else_=0)
    width = t.metric.cases(*((m, w) for m, (_lo, w) in _SCALE.items()), else_=1)
    return (t.score - low).cast("float64") * 100.0 / width.cast("float64")


def _summary(t: Any) -> Any:
    return dict(
        n=t.count(),
        gap=t.gap.mean(),
        sd=t.gap.std(how="sample"),
        human=t.human.mean(),
        digital=t.digital.mean(),
    )


def _gap(
    row: dict[str, Any] | None, stage: _Stage | None, touchpoints: tuple[list[str], ...]
) -> Gap:
    n = int(row["n"]) if row else 0
    test = paired_t(n, row["gap"] if row else None, row["sd"] if row else None)

    def r(value: Any) -> float | None:
        if value is None:
            return None
        number = float(value)
        return None if number != number else round(number, 2)

    return Gap(
        journey=stage.journey if stage else None,
        journey_name=stage.journey_name if stage else None,
        stage=stage.key if stage else None,
        stage_name=stage.name if stage else None,
        human_touchpoints=touchpoints[0],
        digital_touchpoints=touchpoints[1],
        n=n,
        human_mean=r(row["human"]) if row else None,
        digital_mean=r(row["digital"]) if row else None,
        gap=r(test.mean),
        ci_low=r(test.ci_low),
        ci_high=r(test.ci_high),
        p=None if test.p is None else round(test.p, 6),
    )


def consistency(
    *,
    actor: Actor,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
) -> Consistency:
    """The human − digital gap per stage and overall, over the answers of ``start`` to
    ``end`` (days, both included) of the persons of ``segment`` (when given)."""
    roles.require(actor, PERMISSION)
    if start and end and end < start:
        raise ValidationError("--to is before --from", where="--to")
    segment = (segment or "").strip() or None
    if segment is not None:
        from cxpilot.organisation.models import Segment

        if not Segment.objects.filter(key=segment).exists():
            raise ValidationError(
                f"no segment {segment!r} in the organisation model", where="--segment"
            )
    stages, touchpoints = _stages()
    result = Consistency(start=start, end=end, segment=segment)
    if not stages:
        result.notes.append(
            "no journey stage has both a human and a digital touchpoint in the organisation model"
        )
        return result
    from cxpilot.analytics.selectors import _SCALE
    from cxpilot.customers.selectors import answers_with_person
    from cxpilot.journeys.log import with_segment
    from cxpilot.warehouse.connection import answers, warehouse

    with warehouse() as con:
        t = answers(con)
        if start:
            t = t.filter(t.timestamp >= dt.datetime.combine(start, dt.time()))
        if end:
            t = t.filter(t.timestamp < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
        t = t.filter(t.touchpoint.isin(list(touchpoints)) & t.metric.isin(list(_SCALE)))
        t = t.filter(t.score.notnull())
        t = answers_with_person(con, t)
        if segment:
            t = with_segment(t.view(), by_person=True)  # a new relation: not the join of t
            t = t.filter(t.segment == segment)
        t = t.mutate(
            stage=t.touchpoint.cases(*((k, pk) for k, (pk, _m) in touchpoints.items())),
            human=t.touchpoint.isin([k for k, (_p, m) in touchpoints.items() if m == "human"]),
            scaled=_scaled(t),
        )
        per = t.group_by(["person", "stage"]).aggregate(
            human=t.scaled.mean(where=t.human),
            digital=t.scaled.mean(where=~t.human),
        )
        pairs = per.filter(per.human.notnull() & per.digital.notnull())
        pairs = pairs.mutate(gap=pairs.human - pairs.digital)
        by_stage = pairs.group_by("stage").aggregate(**_summary(pairs))
        persons = pairs.group_by("person").aggregate(
            human=pairs.human.mean(), digital=pairs.digital.mean(), gap=pairs.gap.mean()
        )
        overall = persons.aggregate(**_summary(persons))
        stage_rows = {int(r["stage"]): r for r in by_stage.to_pyarrow().to_pylist()}
        overall_row = overall.to_pyarrow().to_pylist()[0]
    gaps = [_gap(stage_rows.get(s.pk), s, (s.human, s.digital)) for s in stages]
    every = (
        sorted({k for s in stages for k in s.human}),
        sorted({k for s in stages for k in s.digital}),
    )
    return Consistency(
        start=start,
        end=end,
        segment=segment,
        stages=gaps,
        overall=_gap(overall_row if overall_row["n"] else None, None, every),
        notes=result.notes,
    )
