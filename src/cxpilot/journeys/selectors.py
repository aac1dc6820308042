"""Reads of the journeys domain: the target journeys, and their conformance report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from cxpilot.journeys.models import TargetJourney
from cxpilot.journeys.targets import Definition, parse
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor

if TYPE_CHECKING:
    from cxpilot.journeys.moments import Moments
    from cxpilot.journeys.promises import PromisesChecked

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


def moments_at(
    *, actor: Actor, touchpoints: list[str], segment: str | None = None
) -> dict[str, Any]:
    """The moments-of-truth estimates (:func:`cxpilot.journeys.moments.moments_of_truth`) of
    ``touchpoints`` for churn, repeat purchase and the relationship NPS, on the persons of
    ``segment``: ``rows`` (each with ``outcome``, ``unit``, ``touchpoint``,
    ``touchpoint_name``, ``effect``, ``ci_low``, ``ci_high``, ``n``, ``exposed`` and
    ``moment``: whether the journey map marks it, :func:`cxpilot.journeys.map.is_moment`
    against the outcome's most harmful estimate), ``not_estimated`` (with the ``reason``) and
    ``missing`` (outcome -> why the data cannot measure it)."""
    from cxpilot.journeys.map import HARMFUL_SIGN, is_moment
    from cxpilot.journeys.moments import moments_of_truth

    wanted = set(touchpoints)
    rows: list[dict[str, Any]] = []
    not_estimated: list[dict[str, Any]] = []
    missing: dict[str, str] = {}
    for outcome in HARMFUL_SIGN:
        try:
            found = moments_of_truth(actor=actor, outcome=outcome, segment=segment)
        except ValidationError as error:
            missing[outcome] = error.detail
            continue
        harmful = [row for row in found.rows if is_moment(row, outcome)]
        leader = max(
            harmful, key=lambda r: HARMFUL_SIGN[outcome] * float(r["effect"]), default=None
        )
        for row in found.rows:
            if row["touchpoint"] not in wanted:
                continue
            kept = {"outcome": outcome, "unit": found.unit} | {
                k: row.get(k)
                for k in (
                    "touchpoint", "touchpoint_name", "effect", "ci_low", "ci_high", "n", "exposed"
                )
            }  # fmt: skip
            kept["moment"] = bool(
                leader is not None
                and is_moment(row, outcome)
                and is_moment(row, outcome, leader=leader)
            )
            rows.append(kept)
        not_estimated += [
            {"outcome": outcome, "touchpoint": r["touchpoint"], "reason": r["reason"]}
            for r in found.not_estimated
            if r["touchpoint"] in wanted
        ]
    return {"rows": rows, "not_estimated": not_estimated, "missing": missing}


def promises_checked(
    *,
    actor: Actor,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
) -> PromisesChecked:
    """The measured brand promises checked on the data of ``start``..``end``: see
    :func:`cxpilot.journeys.promises.promises_checked` (for the other domains: the board)."""
    from cxpilot.journeys import promises

    return promises.promises_checked(actor=actor, start=start, end=end, segment=segment)


def moments_of_truth(
    *,
    actor: Actor,
    outcome: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    segment: str | None = None,
) -> Moments:
    """The moments of truth of the warehouse's data for ``outcome``: see
    :func:`cxpilot.journeys.moments.moments_of_truth` (for the other domains: the board)."""
    from cxpilot.journeys import moments

    return moments.moments_of_truth(
        actor=actor, outcome=outcome, start=start, end=end, segment=segment
    )
