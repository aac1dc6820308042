"""Commands of the closed loop: ``cxpilot cases …`` and ``cxpilot alerts …``."""

from __future__ import annotations

from typing import Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit, fields

# --------------------------------------------------------------------------- cases, alerts

cases_app = typer.Typer(
    help="Follow-up cases: closing the loop with unhappy customers.", no_args_is_help=True
)
alerts_app = typer.Typer(
    help="Alerts on significant drops of NPS, CES or CSAT.", no_args_is_help=True
)


@cases_app.command("open")
@handle_errors
def cases_open_cmd(
    since: Annotated[
        str, typer.Option(help="Open cases for qualifying answers since this day (YYYY-MM-DD).")
    ],
    fmt: FormatOpt = Format.table,
) -> None:
    """Open follow-up cases for imported answers (live answers open theirs by themselves).

    Example:

      cxpilot cases open --since 2026-10-01
    """
    from cxpilot.analytics.metrics import parse_date

    day = parse_date(since, "--since")
    assert day is not None
    setup()
    from cxpilot.loop.services import cases_open_from_warehouse

    emit({"opened": cases_open_from_warehouse(since=day)}, fmt)


@cases_app.command("list")
@handle_errors
def cases_list_cmd(
    status: Annotated[str, typer.Option(help="open, in_progress or closed (default: all).")] = "",
    department: Annotated[str, typer.Option(help="Department key.")] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only cases past their SLA.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    fmt: FormatOpt = Format.table,
) -> None:
    """List follow-up cases.

    Example:

      cxpilot cases list --status open --overdue --format csv
    """
    setup()
    from cxpilot.loop.selectors import case_list

    rows = case_list(actor=None, status=status, department=department, overdue=overdue)[
        : max(limit, 0)
    ]
    emit(
        [
            {
                "id": c.pk,
                "opened_at": c.opened_at.isoformat(timespec="seconds"),
                "due_at": c.due_at.isoformat(timespec="seconds"),
                "status": c.status,
                "department": c.department.key if c.department else None,
                **fields(c, "touchpoint", "metric", "score", "customer_id", "source", "verbatim"),
            }
            for c in rows
        ],
        fmt,
        title="cases",
    )


@alerts_app.command("check")
@handle_errors
def alerts_check_cmd(
    period: Annotated[str, typer.Option(help="month or week.")] = "month",
    as_of: Annotated[
        str | None, typer.Option(help="Check the last complete period before this day.")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Check every past period, not only the last.")
    ] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Raise an alert (once) for each significant drop, and send it by e-mail and webhook.

    The server runs this every hour. Examples:

      cxpilot alerts check

      cxpilot alerts check --period week --as-of 2026-04-01 --history
    """
    from cxpilot.analytics.metrics import parse_date

    day = parse_date(as_of, "--as-of")
    setup()
    from cxpilot.loop.alerts import alerts_check

    raised = alerts_check(period=period, as_of=day, history=history)
    emit(
        [
            fields(
                a,
                "metric",
                "touchpoint",
                "period",
                "previous_score",
                "score",
                "delta",
                "p_value",
                "n",
            )
            for a in raised
        ],
        fmt,
        title="new alerts",
    )


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(cases_app, name="cases")
    app.add_typer(alerts_app, name="alerts")
