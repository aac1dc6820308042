"""Reads of the journeys domain: the target journeys, and their conformance report."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cxpilot.journeys.models import TargetJourney
from cxpilot.journeys.targets import Definition, parse
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound
from cxpilot.kernel.roles import Actor

VIEW = "journeys.view_targetjourney"
ANALYTICS = "organisation.view_analytics"


def target_list(*, actor: Actor) -> QuerySet[TargetJourney]:
    roles.require(actor, VIEW)
    return TargetJourney.objects.select_related("journey").order_by("name", "key")


def target_get(*, actor: Actor, key: str) -> TargetJourney:
    roles.require(actor, VIEW)
    found = TargetJourney.objects.select_related("journey").filter(key=key).first()
    if found is None:
        known = ", ".join(TargetJourney.objects.values_list("key", flat=True)[:20]) or "none yet"
        raise NotFound(f"no target journey {key!r} (known: {known})", where="--target")
    return found


def target_definition(target: TargetJourney) -> Definition:
    """The stored definition, read back (checked again). Its journey is the organisation's
    journey it links to now (renamed, or deleted since: none)."""
    data = {**target.definition, "journey": target.journey.key if target.journey else None}
    return parse(data, where=target.key)


def target_conformance(
    *,
    actor: Actor,
    definition: Definition,
    file: Any = None,
    start: Any = None,
    end: Any = None,
    segment: str | None = None,
    outcomes: bool = True,
) -> Any:
    """The conformance report of the warehouse's interactions (or a file's) to
    ``definition``: a :class:`cxpilot.journeys.conformance.Report`."""
    roles.require(actor, ANALYTICS)
    from cxpilot.journeys.conformance import conformance
    from cxpilot.journeys.log import LogFilters, event_log, interactions_source

    filters = LogFilters(start=start, end=end, segment=segment or None)
    with interactions_source(file) as (table, in_warehouse):
        log = event_log(
            table,
            case=definition.case,
            activity=definition.activity,
            filters=filters,
            in_warehouse=in_warehouse,
        )
        return conformance(log, definition, outcomes=outcomes)
