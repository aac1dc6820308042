"""Commands of the executive board: ``cxpilot board``, ``board targets list|set|delete`` and
``board comment``."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit


class BoardFormat(enum.StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    pdf = "pdf"


board_app = typer.Typer(
    help="The monthly executive board: NPS, CES, CSAT, outcome, effort and closed-loop KPIs "
    "against the month before and a year before, with targets.",
    invoke_without_command=True,
    no_args_is_help=False,
)
targets_app = typer.Typer(
    help="The targets of the board's KPIs (red/amber/green).", no_args_is_help=True
)
board_app.add_typer(targets_app, name="targets")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    from cxpilot.board.cli_mail import register_mailing

    register_mailing(board_app)
    app.add_typer(board_app, name="board")


#: The columns of the KPI table (the JSON holds every field of a KPI).
TABLE_COLUMNS = (
    "kpi", "label", "value", "ci_low", "ci_high", "n", "previous", "change", "significant",
    "year_before", "year_change", "year_significant", "target", "status", "note",
)  # fmt: skip


def board_json(found: Any) -> dict[str, Any]:
    """The JSON of ``cxpilot board`` (the contract of docs/board.md)."""
    return found.as_dict()  # type: ignore[no-any-return]


@board_app.callback()
@handle_errors
def board_cmd(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Option(help="The month (YYYY-MM); default: the last complete month with data."),
    ] = None,
    fmt: Annotated[
        BoardFormat, typer.Option("--format", "-f", help="Output format.")
    ] = BoardFormat.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file (required with --format pdf)."),
    ] = None,
    language: Annotated[str, typer.Option(help="Language of the PDF: en or fr.")] = "en",
) -> None:
    """The board of a month: each KPI with its 95 % interval, its change against the month
    before and the same month a year before (marked significant only when the test says so
    at 5 %), its target and red/amber/green status; then the irritants, moments of truth,
    alerts, closed loop, maturity, initiatives, departments and governance model.

    Examples:

      cxpilot board --month 2026-03 --format json

      cxpilot board --month 2026-03 --format pdf --output board-2026-03.pdf
    """
    if ctx.invoked_subcommand is not None:
        return
    from cxpilot.kernel.errors import ValidationError

    if fmt is BoardFormat.pdf and output is None:
        raise ValidationError("give the file to write the PDF to", where="--output")
    if language not in ("en", "fr"):
        raise ValidationError(f"unknown language {language!r}; use en or fr", where="--language")
    if output is not None and output.is_dir():
        raise ValidationError(f"{output} is a folder: name the file to write", where="--output")
    setup()
    from django.utils.translation import override

    from cxpilot.board.selectors import board

    if fmt is BoardFormat.pdf:
        from cxpilot.board.exports import board_pdf  # type: ignore[import-not-found,unused-ignore]

        assert output is not None
        with override(language):  # the labels, notes and rule in the PDF's language
            pdf = board_pdf(board(actor=None, month=month), language=language)
        _write(output, pdf)
        typer.echo(f"wrote {output}", err=True)
        return
    found = board(actor=None, month=month)
    if output is not None:
        _to_file(found, fmt, output)
        return
    if fmt is BoardFormat.json:
        emit(board_json(found), Format.json)
        return
    rows = [{c: k.as_dict()[c] for c in TABLE_COLUMNS} for k in found.kpis]
    emit(rows, Format(fmt.value), title=f"board {found.month}")


def _to_file(found: Any, fmt: BoardFormat, output: Path) -> None:
    """The JSON, the CSV or the table written to ``output`` instead of the screen."""
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        if fmt is BoardFormat.json:
            emit(board_json(found), Format.json)
        else:
            rows = [{c: k.as_dict()[c] for c in TABLE_COLUMNS} for k in found.kpis]
            emit(rows, Format.csv if fmt is BoardFormat.csv else Format.table)
    _write(output, buffer.getvalue().encode("utf-8"))
    print(f"wrote {output}", file=sys.stderr)


def _write(output: Path, content: bytes) -> None:
    """``content`` written to ``output``, whole or not at all (a file beside it, renamed)."""
    import os
    import tempfile

    from cxpilot.kernel.errors import ValidationError

    if output.is_dir():
        raise ValidationError(f"{output} is a folder: name the file to write", where="--output")
    folder = output.parent
    if not folder.is_dir():
        raise ValidationError(f"cannot write {output}: no folder {folder}", where="--output")
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{output.name}.")
    except OSError as exc:
        raise ValidationError(f"cannot write {output}: {exc.strerror}", where="--output") from None
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, output)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ValidationError(f"cannot write {output}: {exc.strerror}", where="--output") from None


def _target_row(t: Any) -> dict[str, Any]:
    return {
        "kpi": t.kpi,
        "target": t.target,
        "tolerance": t.tolerance,
        "updated_at": t.updated_at.isoformat(timespec="seconds") if t.updated_at else None,
    }


@targets_app.command("list")
@handle_errors
def targets_list_cmd(fmt: FormatOpt = Format.table) -> None:
    """List the targets of the board's KPIs."""
    setup()
    from cxpilot.board.models import KpiTarget

    emit([_target_row(t) for t in KpiTarget.objects.all()], fmt, title="targets")


@targets_app.command("set")
@handle_errors
def targets_set_cmd(
    kpi: Annotated[str, typer.Argument(help="The KPI's key, e.g. nps or nps.touchpoint.website.")],
    value: Annotated[str, typer.Argument(help="The target, in the KPI's unit.")],
    tolerance: Annotated[
        str, typer.Option(help="How far short of the target is still amber (≥ 0).")
    ] = "0",
    fmt: FormatOpt = Format.table,
) -> None:
    """Set the target of a KPI (green at or beyond it, amber within the tolerance, red
    beyond). Nothing is stored when a value is wrong.

    Example:

      cxpilot board targets set nps.touchpoint.website 15 --tolerance 5
    """
    setup()
    from cxpilot.board.services import target_set

    emit(_target_row(target_set(actor=None, kpi=kpi, target=value, tolerance=tolerance)), fmt)


@targets_app.command("delete")
@handle_errors
def targets_delete_cmd(
    kpi: Annotated[str, typer.Argument(help="The KPI's key.")],
) -> None:
    """Remove the target of a KPI."""
    setup()
    from cxpilot.board.services import target_delete

    target_delete(actor=None, kpi=kpi)
    typer.echo(f"removed the target of {kpi}", err=True)


@board_app.command("comment")
@handle_errors
def comment_cmd(
    month: Annotated[str, typer.Option(help="The month (YYYY-MM).")],
    text: Annotated[str, typer.Option(help="The comment; empty to remove it.")],
    fmt: FormatOpt = Format.table,
) -> None:
    """Write the CX lead's comment of a month's board (an empty text removes it).

    Example:

      cxpilot board comment --month 2026-03 --text "The new carrier is being replaced."
    """
    setup()
    from cxpilot.board.services import comment_set, month_checked

    key = month_checked(month, "--month")
    row = comment_set(actor=None, month=key, text=text)
    emit({"month": key, "text": row.text if row else ""}, fmt)


# --- the mailing
