"""Commands of the closed loop: ``cxpilot cases …`` and ``cxpilot alerts …``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

if TYPE_CHECKING:
    from cxpilot.loop.models import Alert

# --------------------------------------------------------------------------- cases, alerts

cases_app = typer.Typer(
    help="Follow-up cases: closing the loop with unhappy customers.", no_args_is_help=True
)
alerts_app = typer.Typer(
    help="Alerts on drops of NPS, CES or CSAT: period to period, and sustained shifts (CUSUM).",
    no_args_is_help=True,
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
    touchpoint: Annotated[str, typer.Option(help="Touchpoint key.")] = "",
    assignee: Annotated[
        str, typer.Option(help="A username, or none for the unassigned cases.")
    ] = "",
    age: Annotated[
        str,
        typer.Option(
            help="Opened: day (last 24 h), week (1–7 days ago), month (7–30 days ago), older."
        ),
    ] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Only cases past their SLA.")] = False,
    kind: Annotated[
        str, typer.Option(help="answer (from a survey answer) or retention (from customer value).")
    ] = "",
    sort: Annotated[
        str,
        typer.Option(help="-opened (newest first), opened, due, -due, score, -score, touchpoint."),
    ] = "-opened",
    limit: Annotated[int, typer.Option(min=0, help="At most this many (0: all).")] = 100,
    fmt: FormatOpt = Format.table,
) -> None:
    """List follow-up cases (times in UTC).

    Examples:

      cxpilot cases list --status open --overdue --format csv

      cxpilot cases list --touchpoint website --age week --sort due --limit 0
    """
    setup()
    from cxpilot.loop.selectors import case_list, case_rows

    found = case_list(
        actor=None,
        status=status,
        department=department,
        touchpoint=touchpoint,
        assignee=assignee,
        age=age,
        overdue=overdue,
        sort=sort,
        kind=kind,
    )
    if limit > 0:
        found = found[:limit]
    emit(case_rows(found), fmt, title="cases")


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
    """Raise an alert (once) for each new drop, and send it by e-mail and webhook.

    Two methods run side by side: the significant drops from one period to the next, and the
    sustained shifts found week by week by a CUSUM (those detected since the start of the last
    complete period; every one with --history). Prints the alerts just raised; `alerts list`
    shows them all. The server runs this every hour. Examples:

      cxpilot alerts check

      cxpilot alerts check --period week --as-of 2026-04-01 --history
    """
    from cxpilot.analytics.metrics import parse_date

    day = parse_date(as_of, "--as-of")
    setup()
    from cxpilot.loop.alerts import alerts_check

    _emit_alerts(alerts_check(period=period, as_of=day, history=history), fmt, "new alerts")


@alerts_app.command("list")
@handle_errors
def alerts_list_cmd(
    since: Annotated[
        str | None, typer.Option(help="Only alerts detected on or after this day (YYYY-MM-DD).")
    ] = None,
    touchpoint: Annotated[str, typer.Option(help="Only this touchpoint (key).")] = "",
    metric: Annotated[str, typer.Option(help="Only this metric: nps, ces or csat.")] = "",
    method: Annotated[
        str, typer.Option(help="Only this method: period (period to period) or cusum.")
    ] = "",
    fmt: FormatOpt = Format.table,
) -> None:
    """List every alert raised so far, the latest detected first, with its method, scores and
    evidence.

    Examples:

      cxpilot alerts list

      cxpilot alerts list --metric csat --since 2026-03-01 --format json
    """
    from cxpilot.analytics.metrics import parse_date

    day = parse_date(since, "--since")
    setup()
    from cxpilot.loop.selectors import alert_list

    alerts = alert_list(
        actor=None,
        since=day,
        touchpoint=touchpoint,
        metric=metric.lower(),
        method=method.lower(),
    )
    _emit_alerts(list(alerts), fmt, "alerts")


def _emit_alerts(alerts: list[Alert], fmt: Format, title: str) -> None:
    """Every field in JSON and CSV; in a table, the main ones and the evidence in a few words."""
    from cxpilot.loop.alerts import alert_row, evidence_text

    rows = [alert_row(a) for a in alerts]
    if fmt is not Format.json:  # a table or CSV cell would round a p-value to 2 decimals
        for row in rows:
            row["p_value"] = None if row["p_value"] is None else f"{row['p_value']:.3g}"
    if fmt is Format.table:
        rows = [
            {
                "detected": row["detected_on"],
                "method": row["method"],
                "metric": row["metric"],
                "touchpoint": row["touchpoint"],
                "before": row["previous_score"],
                "after": row["score"],
                "n": row["n"],
                "evidence": evidence_text(alert),
            }
            for alert, row in zip(alerts, rows, strict=True)
        ]
    emit(rows, fmt, title=title)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(cases_app, name="cases")
    app.add_typer(alerts_app, name="alerts")
