"""Reads of the journeys domain: the target journeys, and their conformance report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import QuerySet

from cxpilot.journeys.models import TargetJourney
from cxpilot.journeys.targets import Definition, parse
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
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
    responses_file: Path | None = None,
    transactions_file: Path | None = None,
) -> Any:
    """The conformance report of the warehouse's interactions (or a file's) to
    ``definition``: a :class:`cxpilot.journeys.conformance.Report`. With a file, the outcomes
    come from ``responses_file`` and ``transactions_file`` when given (files in the import
    formats)."""
    roles.require(actor, ANALYTICS)
    from cxpilot.journeys.conformance import conformance, file_outcomes
    from cxpilot.journeys.log import LogFilters, event_log, interactions_source

    if file is None:
        for name, given in (("--responses", responses_file), ("--transactions", transactions_file)):
            if given is not None:
                raise ValidationError(
                    "only with --file: the warehouse has its own answers and transactions",
                    where=name,
                )
    filters = LogFilters(start=start, end=end, segment=segment or None)
    with interactions_source(file) as (table, in_warehouse):
        log = event_log(
            table,
            case=definition.case,
            activity=definition.activity,
            filters=filters,
            in_warehouse=in_warehouse,
        )
        data = None
        if not in_warehouse and (responses_file or transactions_file):
            import ibis

            con = ibis.get_backend(table)
            data = file_outcomes(
                _file_table(con, "responses", responses_file),
                _file_table(con, "transactions", transactions_file),
            )
        return conformance(log, definition, outcomes=outcomes, outcome_data=data)


def _file_table(con: Any, name: str, path: Path | None) -> Any:
    """The file ``path`` in the import format of the table ``name``, checked, as a table of
    ``con`` (None without a file)."""
    if path is None:
        return None
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(table=name, path=path)
    checked.raise_if_bad(analysing=True)
    return con.create_table(name, checked.data)
