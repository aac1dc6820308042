"""Writes of the warehouse domain: file imports (all-or-nothing), the inbox and its flush, and
the erasure of customer records with every row of theirs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q

from cxpilot.kernel import csvcells, roles
from cxpilot.organisation.models import Touchpoint
from cxpilot.warehouse import ingest, survey_tools, swap
from cxpilot.warehouse.connection import Key, Transaction
from cxpilot.warehouse.models import InboxItem
from cxpilot.warehouse.schema import TABLES
from cxpilot.warehouse.selectors import file_validated, touchpoint_lookup
from cxpilot.warehouse.validate import Validated

Progress = Callable[[str], None]


def derived_replace(con: Any, tables: Mapping[str, Any], schemas: Mapping[str, Any]) -> None:
    """Replace the derived ``tables`` (name → Arrow table) all or nothing: each is cast to
    its Ibis schema in ``schemas`` and written in full under a staging name, then swapped in
    (:func:`cxpilot.warehouse.swap.replace`: one transaction on DuckDB and PostgreSQL, a
    journal on Spark). A table that does not fit its schema fails before anything stored
    changes."""
    swap.replace(con, tables, schemas)


@dataclass
class ImportReport:
    table: str
    path: str
    rows_read: int
    rows_valid: int
    rows_rejected: int
    rows_added: int
    rows_already_present: int
    touchpoints_added: list[str] = field(default_factory=list)
    rejected_file: str | None = None
    problem_count: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    #: survey tool's export: the test, preview and spam responses left out
    left_out: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def table_import(
    *,
    table: str,
    path: Path,
    source: str | None = None,
    mapping_path: Path | None = None,
    skip_invalid: bool = False,
    rejected_path: Path | None = None,
    add_touchpoints: bool = False,
    actor: roles.AbstractBaseUser | roles.AnonymousUser | None = None,
    progress: Progress | None = None,
    survey_tool: str | None = None,
    on_mapping: Callable[[survey_tools.SurveyPlan], None] | None = None,
    date_order: str = "ymd",
    touchpoint: str | None = None,
    keep_test_responses: bool = False,
) -> ImportReport:
    """Import a CSV, Parquet or JSON Lines file into a warehouse table.

    By default a file with any problem is rejected as a whole and nothing is written (the
    ValidationError lists the first 100 problems with line, column and reason). With
    ``skip_invalid`` the good rows are loaded and the rejected ones written, with their
    reasons, to ``rejected_path`` (default: ``<file>.rejected.csv``). Rows already in the
    warehouse (same source and id) are not added again.

    With ``survey_tool`` the file is that tool's CSV export (see ``survey_tools``), read into
    ``responses`` rows; ``on_mapping`` is given the plan of what each column becomes before
    anything is written, whether the rows are valid or not. ``date_order`` reads days written
    ``14/03/2025`` (``dmy``) or ``03/14/2025`` (``mdy``); ISO 8601 dates are read either way.
    ``touchpoint`` (with ``survey_tool``): the touchpoint of the answers that nothing more
    precise places.
    A survey tool's test, preview and spam responses are left out (counted in ``left_out``)
    unless ``keep_test_responses``.
    """
    roles.require(actor, "organisation.import_data")
    step = progress or (lambda _msg: None)
    step("reading and validating")
    checked = file_validated(
        table=table,
        path=path,
        mapping_path=mapping_path,
        source=source,
        touchpoints=touchpoint_lookup(),
        add_touchpoints=add_touchpoints,
        survey_tool=survey_tool,
        date_order=date_order,
        touchpoint=touchpoint,
        keep_test_responses=keep_test_responses,
    )
    plan = survey_tools.plan_of(checked)
    if plan is not None and on_mapping is not None:
        on_mapping(plan)
    if not skip_invalid:
        checked.raise_if_bad()
    rejected_file = None
    if checked.problem_count:
        target = rejected_path or path.with_name(path.name + ".rejected.csv")
        _write_rejected(checked, target)
        rejected_file = str(target)
    good = checked.good
    step("writing to the warehouse")
    with transaction.atomic():
        for key in checked.new_touchpoints:
            Touchpoint.objects.get_or_create(
                key=key, defaults={"name": key.replace("_", " ").capitalize()}
            )
        added = ingest.load_arrow(table=table, data=good)
    step("done")
    return ImportReport(
        table=table,
        path=str(path),
        rows_read=checked.raw.num_rows,
        rows_valid=good.num_rows,
        rows_rejected=int(checked.bad.sum()),
        rows_added=added,
        rows_already_present=good.num_rows - added,
        touchpoints_added=checked.new_touchpoints,
        rejected_file=rejected_file,
        problem_count=checked.problem_count,
        problems=[p.as_dict() for p in checked.problems],
        left_out=plan.summary()["left_out"] if plan is not None else [],
    )


def _write_rejected(checked: Validated, target: Path) -> None:
    raw = checked.raw
    names = list(raw.columns)
    idx = np.flatnonzero(checked.bad)
    columns = [raw.columns[n].take(idx).to_pylist() for n in names]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csvcells.writer(handle)
        writer.writerow([raw.unit, *names, "reason"])
        for pos, i in enumerate(idx):
            reason = "; ".join(checked.reasons.get(int(i), []))
            writer.writerow([int(raw.lines[i]), *(c[pos] for c in columns), reason])


# ------------------------------------------------------------------------------ erasure

#: Inbox rows matched per query.
_INBOX_KEYS = 100


def records_erase(*, tx: Transaction, records: Sequence[Key]) -> dict[str, int]:
    """Delete the customer ``records`` (``(source, customer_id)``) and every row of theirs:
    the warehouse's ``customers``, ``interactions``, ``responses`` and ``transactions`` in the
    warehouse transaction ``tx``, and their answers and events in the inbox, flushed or not,
    in the caller's app-database transaction (which must be open, so that both stores change
    together). Returns the rows deleted per table (the inbox as ``warehouse.inboxitem``).

    The deletes are by ``(source, customer_id)``: an id that another source also uses is
    another customer, left alone."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("records_erase runs in the caller's app-database transaction")
    keys = list(dict.fromkeys((str(s), str(c)) for s, c in records))
    out = {name: tx.delete_keys(name, keys) for name in TABLES}
    deleted = 0
    for start in range(0, len(keys), _INBOX_KEYS):
        match = Q(pk__in=[])
        for source, customer_id in keys[start : start + _INBOX_KEYS]:
            match |= Q(source=source, payload__customer_id=customer_id)
        deleted += InboxItem.objects.filter(match).delete()[0]
    out["warehouse.inboxitem"] = deleted
    return out
