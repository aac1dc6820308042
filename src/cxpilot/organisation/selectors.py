"""Reads of the organisation model, and the summary the home page shows.

Each read takes the ``actor`` and checks their view permission (``None`` is the system).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from django.db.models import Count, Model, Prefetch, QuerySet

from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.organisation.models import (
    BrandPromise,
    Channel,
    Department,
    Journey,
    JourneyStage,
    Segment,
    Touchpoint,
)

M = TypeVar("M", bound=Model)


def _touchpoints() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.select_related("stage__journey", "department")


def _one(query: QuerySet[M], pk: int, what: str) -> M:
    """The row ``pk`` of ``query``; NotFound names ``what`` was looked for."""
    found = query.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no {what} with id {pk}", where=what)
    return found


def department_list(*, actor: Actor) -> QuerySet[Department]:
    roles.require(actor, "organisation.view_department")
    return Department.objects.annotate(touchpoint_count=Count("touchpoints")).order_by("name")


def department_get(*, actor: Actor, pk: int) -> Department:
    """A department with its touchpoints (``touchpoints.all`` is prefetched)."""
    roles.require(actor, "organisation.view_department")
    query = Department.objects.prefetch_related(Prefetch("touchpoints", queryset=_touchpoints()))
    return _one(query, pk, "department")


def touchpoint_list(
    *,
    actor: Actor,
    channel: str = "",
    phase: str = "",
    department: Department | None = None,
) -> QuerySet[Touchpoint]:
    """Touchpoints, filtered by channel, purchase phase and owning department when given."""
    roles.require(actor, "organisation.view_touchpoint")
    query = _touchpoints().order_by("name")
    if channel:
        query = query.filter(channel=channel)
    if phase:
        query = query.filter(phase=phase)
    if department is not None:
        query = query.filter(department=department)
    return query


def touchpoint_get(*, actor: Actor, pk: int) -> Touchpoint:
    roles.require(actor, "organisation.view_touchpoint")
    return _one(_touchpoints().prefetch_related("promises"), pk, "touchpoint")


def touchpoint_choices() -> QuerySet[Touchpoint]:
    """Every touchpoint, for a form's choices (the form's page checks the permission)."""
    return Touchpoint.objects.order_by("name")


def stage_choices() -> QuerySet[JourneyStage]:
    """Every journey stage in journey order, for a form's choices."""
    return JourneyStage.objects.select_related("journey").order_by("journey__name", "position")


def journey_list(*, actor: Actor) -> QuerySet[Journey]:
    """Journeys with their stages in order (``stages.all`` is prefetched)."""
    roles.require(actor, "organisation.view_journey")
    return Journey.objects.prefetch_related(
        Prefetch("stages", queryset=JourneyStage.objects.order_by("position"))
    ).order_by("name")


def journey_get(*, actor: Actor, pk: int) -> Journey:
    """A journey with its ordered stages and each stage's touchpoints prefetched."""
    roles.require(actor, "organisation.view_journey")
    stages = JourneyStage.objects.order_by("position").prefetch_related(
        Prefetch("touchpoints", queryset=Touchpoint.objects.select_related("department"))
    )
    return _one(
        Journey.objects.prefetch_related(Prefetch("stages", queryset=stages)), pk, "journey"
    )


def segment_list(*, actor: Actor) -> QuerySet[Segment]:
    roles.require(actor, "organisation.view_segment")
    return Segment.objects.order_by("name")


def segment_names() -> dict[str, str]:
    """The organisation's segments, key -> name: the warehouse knows a segment by its key,
    a page shows its name (a key the organisation does not know is shown as it is)."""
    return dict(Segment.objects.values_list("key", "name"))


def segment_get(*, actor: Actor, pk: int) -> Segment:
    roles.require(actor, "organisation.view_segment")
    return _one(Segment.objects.all(), pk, "segment")


def brand_promise_list(*, actor: Actor) -> QuerySet[BrandPromise]:
    """Brand promises with their touchpoints (``touchpoints.all`` is prefetched)."""
    roles.require(actor, "organisation.view_brandpromise")
    return BrandPromise.objects.prefetch_related(
        Prefetch("touchpoints", queryset=Touchpoint.objects.order_by("name"))
    ).order_by("key")


def brand_promise_get(*, actor: Actor, pk: int) -> BrandPromise:
    roles.require(actor, "organisation.view_brandpromise")
    return _one(brand_promise_list(actor=actor), pk, "brand promise")


ORG_ROW_KINDS = ("departments", "touchpoints", "journeys", "segments", "brand_promises")


def org_rows(*, kind: str, actor: Actor = None) -> list[dict[str, Any]]:
    """One kind of organisation entity as flat rows with stable snake_case keys.

    The columns are those ``org_load`` reads from a CSV of the same kind, so a listing can be
    edited and loaded back. Journeys give one row per stage, in order; a touchpoint names its
    department, journey and stage by key; a brand promise its touchpoint keys joined by ``|``
    and its measure as JSON.
    """
    if kind not in ORG_ROW_KINDS:
        raise ValidationError(
            f"unknown kind {kind!r}; expected one of {', '.join(ORG_ROW_KINDS)}", where="kind"
        )
    if kind == "departments":
        return [
            {
                "key": d.key,
                "name": d.name,
                "description": d.description,
                "touchpoints": d.touchpoint_count,
            }
            for d in department_list(actor=actor)
        ]
    if kind == "touchpoints":
        return [
            {
                "key": t.key,
                "name": t.name,
                "channel": t.channel,
                "mode": t.mode,
                "phase": t.phase,
                "journey": t.stage.journey.key if t.stage else "",
                "stage": t.stage.key if t.stage else "",
                "department": t.department.key if t.department else "",
            }
            for t in touchpoint_list(actor=actor)
        ]
    if kind == "journeys":
        rows: list[dict[str, Any]] = []
        for journey in journey_list(actor=actor):
            stages: list[JourneyStage | None] = [*journey.stages.all()] or [None]
            rows.extend(
                {
                    "journey": journey.key,
                    "journey_name": journey.name,
                    "position": stage.position if stage else None,
                    "stage": stage.key if stage else "",
                    "stage_name": stage.name if stage else "",
                    "phase": stage.phase if stage else "",
                }
                for stage in stages
            )
        return rows
    if kind == "segments":
        return [
            {"key": s.key, "name": s.name, "persona": s.is_persona, "description": s.description}
            for s in segment_list(actor=actor)
        ]
    return [
        {
            "key": p.key,
            "statement": p.statement,
            "touchpoints": "|".join(t.key for t in p.touchpoints.all()),
            "measure": json.dumps(p.measure, ensure_ascii=False) if p.measure else "",
        }
        for p in brand_promise_list(actor=actor)
    ]


_ORG_COUNTED = {
    "departments": (Department, "organisation.view_department"),
    "touchpoints": (Touchpoint, "organisation.view_touchpoint"),
    "journeys": (Journey, "organisation.view_journey"),
    "journey_stages": (JourneyStage, "organisation.view_journeystage"),
    "segments": (Segment, "organisation.view_segment"),
    "brand_promises": (BrandPromise, "organisation.view_brandpromise"),
}


def org_counts(*, actor: Actor) -> dict[str, int]:
    """How many of each organisation entity there are, for those the actor may see."""
    return {
        name: model.objects.count()
        for name, (model, perm) in _ORG_COUNTED.items()
        if roles.may(actor, perm)
    }


def journey_touchpoints(journey: Journey) -> QuerySet[Touchpoint]:
    """The touchpoints of a journey, in the order of its stages."""
    return Touchpoint.objects.filter(stage__journey=journey).order_by("stage__position", "name")


def filters_known(**filters: str) -> None:
    """A filter naming no touchpoint, channel or segment of the organisation is a
    ``ValidationError`` on its parameter (the pages' forms refuse it too), not an empty
    answer that reads as "no data"."""
    known = {
        "touchpoint": lambda: set(Touchpoint.objects.values_list("key", flat=True)),
        "channel": lambda: set(Channel.values),
        "segment": lambda: set(Segment.objects.values_list("key", flat=True)),
    }
    for name, value in filters.items():
        if value and value not in known[name]():
            raise ValidationError(f"no {name} {value[:100]!r} in the organisation", where=name)
