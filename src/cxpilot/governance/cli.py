"""``cxpilot governance``: check, export and import the RACI of CX activities.

Registered on the ``cxpilot`` app by :func:`register` (called at the end of
:mod:`cxpilot.cli`, once its helpers exist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit
from cxpilot.kernel.textfiles import read_text

governance_app = typer.Typer(
    help="Governance: the RACI of CX activities across departments and its defects.",
    no_args_is_help=True,
)

MaxRA = Annotated[
    int | None,
    typer.Option(
        "--max-r-or-a",
        min=0,
        help="A department with more R or A cells than this is overloaded (default 8).",
    ),
]
MaxC = Annotated[
    int | None,
    typer.Option(
        "--max-consulted", min=0, help="More Consulted than this on one activity (default 4)."
    ),
]
MaxI = Annotated[
    int | None,
    typer.Option(
        "--max-informed", min=0, help="More Informed than this on one activity (default 6)."
    ),
]


@governance_app.command("check")
@handle_errors
def check_cmd(
    file: Annotated[
        Path | None,
        typer.Argument(help="A RACI CSV (activity,<department keys>…); none: the stored RACI."),
    ] = None,
    max_r_or_a: MaxRA = None,
    max_consulted: MaxC = None,
    max_informed: MaxI = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Check a RACI for defects: no or several Accountables, no Responsible, overloaded or
    idle departments, too many Consulted or Informed, nobody Consulted or Informed, the same
    activity twice, unknown codes. Prints {"problems": [...]}, each with code, activity,
    department (null for an activity's problem) and detail.

    Examples:

      cxpilot governance check raci.csv --format json

      cxpilot governance check --max-r-or-a 10
    """
    from dataclasses import replace

    from cxpilot.governance import engine

    if file is not None:
        table = engine.raci_csv_read(read_text(file, kind="CSV"), source=str(file))
        thresholds = engine.Thresholds()
        rows, departments = table.rows, table.departments
    else:
        setup()
        from cxpilot.governance import selectors

        thresholds = selectors.thresholds_get()
        rows, departments = selectors.raci_rows()
    overrides = {
        "max_r_or_a_per_department": max_r_or_a,
        "max_consulted": max_consulted,
        "max_informed": max_informed,
    }
    thresholds = replace(thresholds, **{k: v for k, v in overrides.items() if v is not None})
    problems = [p.as_dict() for p in engine.raci_check(rows, departments, thresholds)]
    if fmt is Format.json:
        emit({"problems": problems}, fmt)
    else:
        emit(problems, fmt, title="problems")


@governance_app.command("export")
@handle_errors
def export_cmd(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the CSV to this file.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Export the stored RACI: activities as rows (by key), departments as columns (by key).
    With --format csv (or --output) it is the layout `governance import` reads.

    Examples:

      cxpilot governance export --format csv > raci.csv

      cxpilot governance export --output raci.csv
    """
    setup()
    from cxpilot.governance import engine, selectors

    table = selectors.raci_table()
    if output is not None:
        output.write_text(engine.raci_csv_write(table), encoding="utf-8")
        emit({"path": str(output), "activities": len(table.rows)}, fmt)
        return
    if fmt is Format.csv:
        typer.echo(engine.raci_csv_write(table), nl=False)
        return
    emit(
        [
            {
                "activity": r.activity,
                "name": r.name,
                **{d: r.cells.get(d, "") for d in table.departments},
            }
            for r in table.rows
        ],
        fmt,
        title="RACI",
    )


@governance_app.command("import")
@handle_errors
def import_cmd(
    file: Annotated[Path, typer.Argument(help="A RACI CSV (activity[,name],<department keys>…).")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Import a RACI CSV, all or nothing: every cell of the file replaces the stored one (an
    empty cell clears it); activities not in the file are left as they are; an unknown
    activity key adds the activity (named by the name column). Unknown departments, unknown
    codes or an activity listed twice refuse the whole file, with line and column.

    Example:

      cxpilot governance import raci.csv --format json
    """
    setup()
    from cxpilot.governance.services import raci_import

    emit(raci_import(text=read_text(file, kind="CSV"), source=str(file)), fmt)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(governance_app, name="governance")
