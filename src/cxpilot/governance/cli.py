"""``cxpilot governance``: check, export and import the RACI of CX activities; the governance
model recommended by the latest maturity campaign and the one recorded.

Registered on the ``cxpilot`` app by :func:`register` (called at the end of
:mod:`cxpilot.cli`, once its helpers exist).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup, user_named
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


model_app = typer.Typer(
    help="The governance model (centralised, hybrid, decentralised): recommended and recorded.",
    invoke_without_command=True,
)


def _choice(choice: Any) -> dict[str, Any] | None:
    if choice is None:
        return None
    return {
        "model": choice.model,
        "chosen_on": choice.chosen_on.isoformat(),
        "note": choice.note,
        "recommended_then": choice.recommended or None,
        "recorded_by": choice.recorded_by.get_username() if choice.recorded_by else None,
        "recorded_at": choice.recorded_at.isoformat(),
    }


def _model_report() -> dict[str, Any]:
    from cxpilot.governance import engine, selectors

    view = selectors.governance_model_view(actor=None)
    rec = view.recommendation
    campaign = view.campaign
    return {
        "campaign": None
        if campaign is None
        else {
            "id": campaign.pk,
            "name": campaign.name,
            "starts_on": campaign.starts_on.isoformat(),
        },
        "recommended": None if rec is None else rec.model,
        "by_level": None if rec is None else rec.by_level,
        "reasoning": [] if rec is None else [r.as_dict() for r in rec.reasons],
        "facts": None
        if rec is None
        else {
            "level": rec.facts.level,
            "score": rec.facts.score,
            "alignment_gap": rec.facts.alignment_gap,
            "alignment_gap_dimension": rec.facts.alignment_gap_dimension,
            "governance_level": rec.facts.governance_level,
            "governance_score": rec.facts.governance_score,
        },
        "message": None
        if rec is not None
        else (
            "no closed maturity campaign yet: no recommendation"
            if campaign is None
            else "the latest closed maturity campaign has fewer than 5 respondents: "
            "its scores are hidden, no recommendation"
        ),
        "recorded": _choice(view.current),
        "differs": view.differs,
        "thresholds": {
            "centralised_up_to_level": engine.CENTRALISED_UP_TO_LEVEL,
            "decentralised_from_level": engine.DECENTRALISED_FROM_LEVEL,
            "large_alignment_gap": engine.LARGE_ALIGNMENT_GAP,
            "weak_governance_up_to_level": engine.WEAK_GOVERNANCE_UP_TO_LEVEL,
        },
        "history": [_choice(c) for c in view.history],
    }


@model_app.callback()
@handle_errors
def model_cmd(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Show the governance model the latest closed maturity campaign recommends, with its
    reasoning, beside the one recorded (and whether they differ). JSON keys: campaign,
    recommended, by_level, reasoning [{code, detail}], facts, message, recorded, differs,
    thresholds, history.

    Example:

      cxpilot governance model --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    setup()
    report = _model_report()
    if fmt is Format.json:
        emit(report, fmt)
        return
    rows = [
        {"what": "recommended", "value": report["recommended"] or report["message"]},
        *({"what": "reason", "value": r["detail"]} for r in report["reasoning"]),
        {
            "what": "recorded",
            "value": "none"
            if report["recorded"] is None
            else f"{report['recorded']['model']} (chosen on {report['recorded']['chosen_on']})",
        },
        {"what": "differs", "value": report["differs"]},
    ]
    emit(rows, fmt, title="governance model")


@model_app.command("set")
@handle_errors
def model_set_cmd(
    model: Annotated[str, typer.Argument(help="centralised, hybrid or decentralised.")],
    chosen_on: Annotated[
        str | None,
        typer.Option("--chosen-on", help="The day it was chosen, YYYY-MM-DD (default today)."),
    ] = None,
    note: Annotated[str, typer.Option(help="Who decided, and why.")] = "",
    by: Annotated[str | None, typer.Option(help="The user recording it (a CX lead).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Record the governance model chosen (centralised, hybrid or decentralised) and when;
    earlier choices are kept as history.

    Example:

      cxpilot governance model set hybrid --chosen-on 2026-11-02 --note "council decision"
    """
    from cxpilot.kernel.errors import ValidationError

    day = None
    if chosen_on is not None:
        try:
            day = dt.date.fromisoformat(chosen_on)
        except ValueError:
            raise ValidationError(
                f"{chosen_on[:40]!r} is not a date (YYYY-MM-DD)", where="--chosen-on"
            ) from None
    setup()
    from cxpilot.governance.services import governance_model_record

    choice = governance_model_record(actor=user_named(by), model=model, chosen_on=day, note=note)
    emit(_choice(choice) or {}, fmt)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    governance_app.add_typer(model_app, name="model")
    app.add_typer(governance_app, name="governance")
