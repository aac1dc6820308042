"""Commands of the customer 360: ``cxpilot customers erase``, the right to erasure. It joins
the customers domain's command group, where people look for what concerns a person."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, err, fail, handle_errors, setup, user_named
from cxpilot.kernel.output import Format, emit


def register(app: typer.Typer) -> None:
    """Add ``erase`` to the ``customers`` group of ``app`` (registered before this domain's
    commands, as the domains are in dependency order)."""
    group = next((g.typer_instance for g in app.registered_groups if g.name == "customers"), None)
    if group is None:
        raise RuntimeError("the customers commands must be registered before customer360's")
    group.command("erase")(erase_cmd)


def _interactive() -> bool:
    """Whether a person can answer a question on standard input."""
    return sys.stdin is not None and sys.stdin.isatty()


@handle_errors
def erase_cmd(
    person_id: Annotated[str, typer.Argument(metavar="PERSON_ID", help="The person's id (PER-…).")],
    reason: Annotated[
        str,
        typer.Option(help="Why (kept in the erasure log; without the person's name or contact)."),
    ] = "",
    by: Annotated[
        str | None,
        typer.Option(help="The user erasing (one who may erase customers: the CX lead, admin)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Erase without asking for confirmation.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Erase a person from the warehouse and the app database (GDPR art. 17, right to erasure).

    Every record of the person and every row of theirs goes: customer records, interactions,
    answers and their verbatim analyses, purchases, the person, golden record and scored
    pairs, the inbox, follow-up cases and their notes, survey submissions and contacts,
    decisions on their records and the audit events naming them. One line is kept in the
    erasure log: who, when, why, the person id and the rows erased per table. It cannot be
    undone; re-importing the source files would bring the person back. On a terminal it asks
    for confirmation unless --yes; piped, it needs --yes. Prints the rows erased per table.
    Example:

      cxpilot customers erase PER-00000042 --reason "request of 2025-03-02, ticket 1234" --yes
    """
    setup()
    from cxpilot.customer360.services import erasure_checked, person_erase

    actor = user_named(by)
    checked = erasure_checked(actor=actor, person_id=person_id, reason=reason)
    if not yes:
        if not _interactive():
            fail(
                "erasing a person cannot be undone: give --yes to erase without confirmation "
                "(nothing was erased)"
            )
        records = checked["records"]
        shown = ", ".join(records[:5]) + (
            f" and {len(records) - 5} more" if len(records) > 5 else ""
        )
        question = (
            f"Erase person {checked['person_id']} and their {len(records)} record(s) ({shown}) "
            "from the warehouse and the app database? This cannot be undone"
        )
        if not typer.confirm(question, default=False, err=True):
            err.print("nothing was erased", highlight=False, markup=False)
            raise typer.Exit(1)
    done = person_erase(actor=actor, person_id=person_id, reason=reason)
    if fmt is Format.json:
        emit(done, fmt)
        return
    rows = [
        {
            "person_id": done["person_id"],
            "store": "app" if "." in table else "warehouse",
            "table": table,
            "rows": n,
        }
        for table, n in done["rows"].items()
    ]
    emit(rows, fmt, title=f"{done['person_id']} erased: {done['records']} record(s)")
