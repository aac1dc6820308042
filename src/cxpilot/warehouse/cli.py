"""Commands of the warehouse: ``cxpilot import`` and ``cxpilot flush``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from cxpilot.kernel.cli import FormatOpt, err, handle_errors, progress, setup
from cxpilot.kernel.output import Format, emit

if TYPE_CHECKING:
    from cxpilot.warehouse.selectors import ImportPreview
    from cxpilot.warehouse.survey_tools import SurveyPlan

# --------------------------------------------------------------------------- import

TableArg = Annotated[
    str, typer.Argument(help="customers, interactions, responses or transactions.")
]


@handle_errors
def import_cmd(
    table: TableArg,
    file: Annotated[Path, typer.Argument(help="A CSV, Parquet or JSON Lines file.")],
    source: Annotated[
        str | None,
        typer.Option(
            help="Source system of rows without a source column "
            "(default: import; with --from, the survey tool)."
        ),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="Column mapping file (YAML/JSON: import_column: file_column); with --from, "
            "a survey mapping (questions, touchpoint…, see docs/importing.md)."
        ),
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="Load the good rows; write the rejected ones to a file."
        ),
    ] = False,
    rejected: Annotated[
        Path | None, typer.Option(help="Where rejected rows go (default FILE.rejected.csv).")
    ] = None,
    add_touchpoints: Annotated[
        bool,
        typer.Option(
            "--add-touchpoints", help="Create touchpoints the organisation does not know."
        ),
    ] = False,
    from_tool: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The file is a survey tool's CSV export: qualtrics, surveymonkey, typeform or "
            "google-forms (one responses row per scored question).",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show what would be imported (with --from, the column mapping) and the first "
            "rows; write nothing.",
        ),
    ] = False,
    date_order: Annotated[
        str,
        typer.Option(
            help="How the file writes days that are not ISO 8601 (2025-03-14): dmy for "
            "14/03/2025, mdy for 03/14/2025. With --from it overrides the mapping's date_order "
            "and what the dates tell.",
        ),
    ] = "ymd",
    touchpoint: Annotated[
        str | None,
        typer.Option(
            help="With --from: the touchpoint (key or name) of every answer that nothing more "
            "precise places (a question's text naming one, a touchpoint column, the mapping).",
        ),
    ] = None,
    keep_test_responses: Annotated[
        bool,
        typer.Option(
            "--keep-test-responses",
            help="With --from qualtrics: import the test, preview and spam responses too "
            "(Status, DistributionChannel); they are left out by default.",
        ),
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Import a file into the experience warehouse, all or nothing.

    Examples:

      cxpilot import responses answers.csv --source qualtrics

      cxpilot import customers crm.csv --source crm --mapping crm-columns.yaml

      cxpilot import interactions events.jsonl --skip-invalid --add-touchpoints

      cxpilot import responses export.csv --from qualtrics --touchpoint website --dry-run

      cxpilot import responses export.csv --from qualtrics --mapping survey.yaml

      cxpilot import responses answers-fr.csv --date-order dmy

      cxpilot import responses form.csv --from google-forms --date-order dmy
    """
    setup()
    from cxpilot.warehouse.schema import table as table_spec
    from cxpilot.warehouse.selectors import import_preview
    from cxpilot.warehouse.services import table_import

    table_spec(table)
    # the mapping goes to standard output with a table, else to standard error (stdout is data)
    side = err if fmt is not Format.table else Console()

    def show_mapping(plan: SurveyPlan) -> None:
        _show_mapping(side, plan, file.name)

    if dry_run:
        preview = import_preview(
            table=table,
            path=file,
            mapping_path=mapping,
            source=source,
            add_touchpoints=add_touchpoints,
            survey_tool=from_tool,
            date_order=date_order,
            touchpoint=touchpoint,
            keep_test_responses=keep_test_responses,
        )
        _show_preview(side, preview, file.name, fmt)
        preview.raise_if_bad()
        return

    with progress(f"importing {file.name}", steps=3) as step:
        report = table_import(
            table=table,
            path=file,
            source=source or from_tool or "import",
            mapping_path=mapping,
            skip_invalid=skip_invalid,
            rejected_path=rejected,
            add_touchpoints=add_touchpoints,
            progress=step,
            survey_tool=from_tool,
            on_mapping=show_mapping,
            date_order=date_order,
            touchpoint=touchpoint,
            keep_test_responses=keep_test_responses,
        )
    data = report.as_dict()
    if fmt is not Format.json:
        data.pop("problems")
    emit(data, fmt)
    if report.left_out:
        from cxpilot.warehouse.survey_tools import LeftOut, left_out_sentence

        err.print(
            left_out_sentence([LeftOut(**x) for x in report.left_out]),
            highlight=False,
            soft_wrap=True,
        )
    if report.problem_count:
        err.print(
            f"{report.rows_rejected} row(s) rejected, with their reasons, in {report.rejected_file}",
            highlight=False,
        )


def _show_mapping(side: Console, plan: SurveyPlan, name: str) -> None:
    """What each column of a survey tool's export becomes, then the plan's notes."""
    from cxpilot.warehouse.survey_tools import TOOLS

    grid = RichTable(title=Text(f"{TOOLS[plan.tool]} export {name}: what each column becomes"))
    for column in ("column", "question", "becomes", "why"):
        grid.add_column(column, overflow="fold")
    for row in plan.mapping_rows():
        grid.add_row(
            *(Text(v) for v in (row["column"], row["question"][:80], row["becomes"], row["why"]))
        )
    side.print(grid)
    summary = plan.summary()
    questions = RichTable(
        title=f"{summary['scored_question_count']} scored question(s), each its own survey"
    )
    for column in ("key", "metric", "scale", "touchpoint", "verbatim", "survey"):
        questions.add_column(column, overflow="fold")
    for q in summary["scored_questions"]:
        scale = q["scale"]["scale"] if q.get("scale") else ""
        cells = (
            q["key"],
            q["metric"],
            scale,
            q["touchpoint"] or "",
            q["verbatim"] or "",
            q["survey"],
        )
        questions.add_row(*(Text(v) for v in cells))
    side.print(questions)
    for note in plan.notes:
        side.print(Text(f"note: {note}"), highlight=False, soft_wrap=True)


def _show_preview(side: Console, preview: ImportPreview, name: str, fmt: Format) -> None:
    """The dry run: JSON as it is; else the mapping (survey tool's export) and the first rows."""
    if fmt is Format.json:
        emit(preview.as_dict(), fmt)
    else:
        if preview.plan is not None:
            _show_mapping(side, preview.plan, name)
        if fmt is Format.csv:
            emit(preview.preview, fmt)
        elif preview.preview:
            side.print(_preview_grid(preview))
    if not preview.problem_count:
        left_out = _left_out_note(preview.plan)
        err.print(
            f"dry run: {preview.rows} row(s) would be imported into {preview.table}"
            f"{'; ' + left_out if left_out else ''}; nothing was written",
            highlight=False,
            soft_wrap=True,
        )


def _left_out_note(plan: SurveyPlan | None) -> str | None:
    from cxpilot.warehouse.survey_tools import left_out_note

    return left_out_note(plan)


def _preview_grid(preview: ImportPreview) -> RichTable:
    rows = preview.preview
    grid = RichTable(
        title=f"the first {len(rows)} of {preview.rows} row(s), as they would be imported"
    )
    keys = [k for k in rows[0] if any(r.get(k) is not None for r in rows)]
    for key in keys:
        grid.add_column(key, overflow="fold")
    for row in rows:
        grid.add_row(*(Text(_shown_cell(key, row.get(key))) for key in keys))
    return grid


def _shown_cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key == "attributes":  # listed by the mapping; in full with --format json
        return f"{len(json.loads(value))} field(s)"
    return " ".join(str(value).split())[:80]


# --------------------------------------------------------------------------- flush


@handle_errors
def flush_cmd(fmt: FormatOpt = Format.table) -> None:
    """Move collected answers and events from the inbox to the warehouse (idempotent).

    The server does this in the background; run it yourself when no server runs.

    Example:

      cxpilot flush --format json
    """
    setup()
    from cxpilot.warehouse.inbox import inbox_flush

    emit(inbox_flush().as_dict(), fmt)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.command("import")(import_cmd)
    app.command("flush")(flush_cmd)
