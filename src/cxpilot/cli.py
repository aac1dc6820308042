"""The ``cxpilot`` command: a thin layer over services and selectors.

Every command that prints data takes ``--format table|json|csv``. Bad input exits with code
2 and a one-line error on standard error (an import also lists the problems it found).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from cxpilot.core.errors import CxPilotError
from cxpilot.output import Format, emit

app = typer.Typer(
    help="CX Pilot: voice of the customer, journeys, maturity and governance in one place.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
demo_app = typer.Typer(help="The synthetic demo company.", no_args_is_help=True)
org_app = typer.Typer(
    help="The organisation model: departments, touchpoints, journeys…", no_args_is_help=True
)
app.add_typer(demo_app, name="demo")
app.add_typer(org_app, name="org")

err = Console(stderr=True)
DEMO_STEPS = 16  # organisation, maturity, governance, 7 generation steps, 4 loads, loop, text
F = TypeVar("F", bound=Callable[..., Any])
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def handle_errors(func: F) -> F:
    """Turn a CxPilotError into exit code 2 and a clean message."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CxPilotError as exc:
            problems = exc.extra if isinstance(exc.extra, list) else []
            for problem in problems:
                value = problem.get("value")
                shown = "" if value is None else f" (value {str(value)[:60]!r})"
                column = f"{problem['column']} " if problem.get("column") else ""
                err.print(
                    f"  {problem['where']}: {column}{problem['reason']}{shown}",
                    highlight=False,
                    soft_wrap=True,
                )
            fail(str(exc))

    return wrapper  # type: ignore[return-value]


def setup(migrate: bool = True) -> None:
    """Configure Django from the environment and bring the app database up to date."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()
    if migrate:
        from django.core.management import call_command
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", verbosity=0, interactive=False)


@contextmanager
def progress(label: str, steps: int) -> Iterator[Callable[[str], None]]:
    """A progress bar over the steps of a long command on a terminal; silent when piped."""
    if not err.is_terminal:
        yield lambda _msg: None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=steps)

        def step(message: str) -> None:
            bar.update(task, description=f"{label}: {message}")
            bar.advance(task)

        yield step


# --------------------------------------------------------------------------- settings


@app.command("settings")
@handle_errors
def settings_cmd(fmt: FormatOpt = Format.table) -> None:
    """Show the settings (environment variables), their values and what they are for."""
    from cxpilot import config

    loaded = config.load()
    values = {
        "CXPILOT_HOME": str(loaded.home),
        "CXPILOT_DATABASE_URL": _mask(loaded.database_url),
        "CXPILOT_WAREHOUSE_URL": _mask(loaded.warehouse_url),
        "CXPILOT_SECRET_KEY": "(set)"
        if os.environ.get("CXPILOT_SECRET_KEY")
        else "(kept in the data directory)",
        "CXPILOT_DEBUG": str(loaded.debug).lower(),
        "CXPILOT_ALLOWED_HOSTS": ",".join(loaded.allowed_hosts),
        "CXPILOT_SMTP_URL": _mask(loaded.smtp_url) if loaded.smtp_url else "(unset)",
        "CXPILOT_EMAIL_FROM": loaded.email_from,
        "CXPILOT_MATURITY_MODEL": os.environ.get("CXPILOT_MATURITY_MODEL") or "(shipped model)",
    }
    emit([{"name": s.name, "value": values[s.name], "help": s.help} for s in config.SETTINGS], fmt)


def _mask(url: str) -> str:
    """The URL without its password."""
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if not parsed.password:
        return url
    return url.replace(f":{parsed.password}@", ":***@", 1)


# --------------------------------------------------------------------------- users

user_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
@handle_errors
def user_add_cmd(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="admin, cx_lead, analyst, department_owner or viewer.")],
    department: Annotated[
        str | None, typer.Option(help="Department key (for a department owner).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Create a user with a role (a password is generated and shown once), or change the role.

    Example:

      cxpilot user add claire --role cx_lead
    """
    setup()
    from cxpilot.core.users import user_upsert

    user, password = user_upsert(username=username, role=role, department=department)
    emit({"username": user.username, "role": role, "password": password or "(unchanged)"}, fmt)


@user_app.command("token")
@handle_errors
def user_token_cmd(
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    fmt: FormatOpt = Format.table,
) -> None:
    """Create an API token (shown once) for the HTTP API: Authorization: Bearer <token>.

    Example:

      cxpilot user token claire --name website
    """
    setup()
    from cxpilot.core.tokens import token_create

    emit(
        {"username": username, "name": name, "token": token_create(username=username, name=name)},
        fmt,
    )


# --------------------------------------------------------------------------- import

TableArg = Annotated[
    str, typer.Argument(help="customers, interactions, responses or transactions.")
]


@app.command("import")
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
    fmt: FormatOpt = Format.table,
) -> None:
    """Import a file into the experience warehouse, all or nothing.

    Examples:

      cxpilot import responses answers.csv --source qualtrics

      cxpilot import customers crm.csv --source crm --mapping crm-columns.yaml

      cxpilot import interactions events.jsonl --skip-invalid --add-touchpoints

      cxpilot import responses export.csv --from qualtrics --mapping survey.yaml --dry-run
    """
    setup()
    import json

    from rich.table import Table as RichTable

    from cxpilot.warehouse.schema import table as table_spec
    from cxpilot.warehouse.selectors import file_validated, touchpoint_lookup
    from cxpilot.warehouse.services import table_import
    from cxpilot.warehouse.survey_tools import TOOLS, SurveyPlan, plan_of, preview_rows

    table_spec(table)
    # the mapping goes to standard output with a table, else to standard error (stdout is data)
    side = err if fmt is not Format.table else Console()

    def show_mapping(plan: SurveyPlan) -> None:
        grid = RichTable(title=f"{TOOLS[plan.tool]} export {file.name}: what each column becomes")
        for name in ("column", "question", "becomes", "why"):
            grid.add_column(name, overflow="fold")
        for row in plan.mapping_rows():
            grid.add_row(row["column"], row["question"][:80], row["becomes"], row["why"])
        side.print(grid)
        for note in plan.notes:
            side.print(f"note: {note}", highlight=False, soft_wrap=True)

    def shown_cell(key: str, value: Any) -> str:
        if value is None:
            return ""
        if key == "attributes":  # listed by the mapping; in full with --format json
            return f"{len(json.loads(value))} field(s)"
        return " ".join(str(value).split())[:80]

    if dry_run:
        checked = file_validated(
            table=table,
            path=file,
            mapping_path=mapping,
            source=source or from_tool or "import",
            touchpoints=touchpoint_lookup(),
            add_touchpoints=add_touchpoints,
            survey_tool=from_tool,
        )
        plan = plan_of(checked)
        preview = preview_rows(checked.data)
        summary = {
            "dry_run": True,
            "table": table,
            "path": str(file),
            "rows": checked.raw.num_rows,
            "rows_rejected": int(checked.bad.sum()),
            "touchpoints_added": checked.new_touchpoints,
            "problem_count": checked.problem_count,
            "problems": [p.as_dict() for p in checked.problems],
            "survey": plan.summary() if plan else None,
            "mapping": plan.mapping_rows() if plan else None,
            "preview": preview,
        }
        if fmt is Format.json:
            emit(summary, fmt)
        else:
            if plan is not None:
                show_mapping(plan)
            if fmt is Format.csv:
                emit(preview, fmt)
            elif preview:
                grid = RichTable(
                    title=f"the first {len(preview)} of {checked.raw.num_rows} row(s), "
                    "as they would be imported"
                )
                keys = [k for k in preview[0] if any(r.get(k) is not None for r in preview)]
                for key in keys:
                    grid.add_column(key, overflow="fold")
                for row in preview:
                    grid.add_row(*(shown_cell(key, row.get(key)) for key in keys))
                side.print(grid)
        if not checked.problem_count:
            err.print(
                f"dry run: {checked.raw.num_rows} row(s) would be imported into {table}; "
                "nothing was written",
                highlight=False,
                soft_wrap=True,
            )
        checked.raise_if_bad()
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
        )
    data = report.as_dict()
    if fmt is not Format.json:
        data.pop("problems")
    emit(data, fmt)
    if report.problem_count:
        err.print(
            f"{report.rows_rejected} row(s) rejected, with their reasons, in {report.rejected_file}",
            highlight=False,
        )


# --------------------------------------------------------------------------- metrics


@app.command("metrics")
@handle_errors
def metrics_cmd(
    metric: Annotated[str, typer.Option(help="nps, ces or csat.")],
    by: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated: touchpoint, stage, channel, segment, language, survey, source, month or week."
        ),
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD).")] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Compute over this responses file as it is, importing nothing."),
    ] = None,
    touchpoint: Annotated[str | None, typer.Option(help="Only this touchpoint (key).")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    segment: Annotated[str | None, typer.Option(help="Only this customer segment.")] = None,
    language: Annotated[str | None, typer.Option(help="Only answers in this language.")] = None,
    weights: Annotated[
        Path | None,
        typer.Option(help="Post-stratify by segment: a YAML file of segment: population share."),
    ] = None,
    method: Annotated[str, typer.Option(help="NPS interval: wald or adjusted-wald.")] = "wald",
    fmt: FormatOpt = Format.table,
) -> None:
    """NPS, CES or CSAT per group, with n, standard error, 95 % interval and, over time,
    the change against the previous period and whether it is significant.

    Examples:

      cxpilot metrics --metric nps --by touchpoint,month --format json

      cxpilot metrics --metric ces --by channel --from 2026-01-01 --to 2026-03-31

      cxpilot metrics --metric csat --by month --file answers.csv
    """
    from cxpilot.voc.metrics import parse_by, parse_date

    keys = parse_by(by)
    start, end = parse_date(date_from, "--from"), parse_date(date_to, "--to")
    if method not in ("wald", "adjusted-wald"):
        fail(f"--method: {method!r} is not wald or adjusted-wald")
    shares = _read_shares(weights) if weights else None
    setup(migrate=file is None)
    from cxpilot.voc.metrics import metric_groups

    rows = metric_groups(
        metric=metric.lower(),
        by=keys,
        start=start,
        end=end,
        file=file,
        filters={
            "touchpoint": touchpoint or "",
            "channel": channel or "",
            "segment": segment or "",
            "language": language or "",
        },
        population_shares=shares,
        nps_method=method,
    )
    emit(rows, fmt, title=f"{metric.upper()}")


def _read_shares(path: Path) -> dict[str, float]:
    import yaml

    from cxpilot.core.errors import ValidationError

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(f"cannot read the weights: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or not data:
        raise ValidationError("expected segment: population share pairs", where=str(path))
    shares: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValidationError(f"the share of {key!r} must be a number ≥ 0", where=str(path))
        shares[str(key)] = float(value)
    return shares


# --------------------------------------------------------------------------- cases, alerts

cases_app = typer.Typer(
    help="Follow-up cases: closing the loop with unhappy customers.", no_args_is_help=True
)
alerts_app = typer.Typer(
    help="Alerts on significant drops of NPS, CES or CSAT.", no_args_is_help=True
)
app.add_typer(cases_app, name="cases")
app.add_typer(alerts_app, name="alerts")


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
    from cxpilot.voc.metrics import parse_date

    day = parse_date(since, "--since")
    assert day is not None
    setup()
    from cxpilot.voc.cases import cases_open_from_warehouse

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
    from cxpilot.voc.case_queries import case_list

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
                "touchpoint": c.touchpoint,
                "metric": c.metric,
                "score": c.score,
                "customer_id": c.customer_id,
                "source": c.source,
                "verbatim": c.verbatim,
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
    from cxpilot.voc.metrics import parse_date

    day = parse_date(as_of, "--as-of")
    setup()
    from cxpilot.voc.alerts import alerts_check

    raised = alerts_check(period=period, as_of=day, history=history)
    emit(
        [
            {
                "metric": a.metric,
                "touchpoint": a.touchpoint,
                "period": a.period,
                "previous_score": a.previous_score,
                "score": a.score,
                "delta": a.delta,
                "p_value": a.p_value,
                "n": a.n,
            }
            for a in raised
        ],
        fmt,
        title="new alerts",
    )


# --------------------------------------------------------------------------- flush


@app.command("flush")
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


# --------------------------------------------------------------------------- org


@org_app.command("load")
@handle_errors
def org_load_cmd(
    file: Annotated[Path, typer.Argument(help="organisation.yaml, or a CSV of one kind.")],
    kind: Annotated[
        str | None,
        typer.Option(
            help="For a CSV: departments, journeys, segments, touchpoints or brand_promises."
        ),
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Create or update the organisation from YAML or CSV (matched by key; all or nothing).

    Examples:

      cxpilot org load organisation.yaml

      cxpilot org load touchpoints.csv --kind touchpoints
    """
    setup()
    from cxpilot.core.services import org_load_file

    counts = org_load_file(path=file, kind=kind)
    emit([{"kind": k, "loaded": v} for k, v in counts.items()], fmt)


@org_app.command("show")
@handle_errors
def org_show_cmd(
    kind: Annotated[
        str, typer.Argument(help="departments, touchpoints, journeys, segments or brand_promises.")
    ] = "touchpoints",
    fmt: FormatOpt = Format.table,
) -> None:
    """Show one kind of entity of the organisation.

    Examples:

      cxpilot org show touchpoints

      cxpilot org show journeys --format json
    """
    setup()
    from cxpilot.core.selectors import org_rows

    emit(org_rows(kind=kind), fmt, title=kind)


# --------------------------------------------------------------------------- demo


@demo_app.command("generate")
@handle_errors
def demo_generate_cmd(
    customers: Annotated[int, typer.Option(help="Number of persons in the demo company.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 42,
    fmt: FormatOpt = Format.table,
) -> None:
    """Generate the demo company (a French omnichannel retailer) into the warehouse.

    Replaces the warehouse tables. Example:

      cxpilot demo generate --customers 20000 --seed 42
    """
    setup()
    from cxpilot.demo.services import demo_generate

    with progress("generating the demo company", steps=DEMO_STEPS) as step:
        counts = demo_generate(customers=customers, seed=seed, progress=step)
    emit([{"table": k, "rows": v} for k, v in counts.items()], fmt)


@demo_app.command("start")
@handle_errors
def demo_start_cmd(
    customers: Annotated[int, typer.Option(help="Number of persons in the demo company.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    regenerate: Annotated[
        bool, typer.Option("--regenerate", help="Generate again even if present.")
    ] = False,
) -> None:
    """Generate the demo company (once), create its users, and serve the web app.

    Example:

      cxpilot demo start
    """
    setup()
    from cxpilot.demo.services import demo_generate
    from cxpilot.demo.users import demo_users
    from cxpilot.warehouse.connection import close, counts

    if regenerate or counts()["responses"] == 0:
        with progress("generating the demo company", steps=DEMO_STEPS) as step:
            demo_generate(customers=customers, seed=seed, progress=step)
    logins = demo_users()
    close()
    _serve(host, port, logins)


# --------------------------------------------------------------------------- serve


@app.command("serve")
@handle_errors
def serve_cmd(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    threads: Annotated[int, typer.Option(help="Worker threads.")] = 8,
) -> None:
    """Serve the web app and API with a production WSGI server (waitress).

    Static files are served by the app itself; the inbox is flushed in the background.

    Example:

      CXPILOT_HOME=/srv/cxpilot cxpilot serve --host 0.0.0.0 --port 8000
    """
    setup()
    _serve(host, port, [], threads=threads)


def _serve(host: str, port: int, logins: list[dict[str, str]], threads: int = 8) -> None:
    import waitress
    from django.conf import settings
    from django.core.management import call_command

    from cxpilot.warehouse.connection import warehouse
    from cxpilot.warehouse.inbox import InboxWorker
    from cxpilot.wsgi import application

    call_command("collectstatic", interactive=False, verbosity=0)
    with warehouse():
        pass  # open (and lock) the warehouse now: a second writer learns it at once
    worker = InboxWorker()
    worker.start()
    from cxpilot.core.jobs import Periodic
    from cxpilot.voc.alerts import alerts_check

    alerts = Periodic("alerts", lambda: alerts_check(), every=3600)
    alerts.start()
    out = Console()
    home = settings.CXPILOT_HOME  # type: ignore[misc]
    out.print(f"CX Pilot on [bold]http://{host}:{port}/[/]  (data in {home})")
    for login in logins:
        out.print(
            f"  log in as [bold]{login['username']}[/] / {login['password']}  ({login['role']})"
        )
    out.print("Press Ctrl+C to stop.")
    try:
        waitress.serve(application, host=host, port=port, threads=threads, ident="cxpilot")
    finally:
        alerts.stop()
        worker.stop()


def main() -> None:
    try:
        app()
    except CxPilotError as exc:  # raised while loading settings, before a command runs
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


# --------------------------------------------------------------------------- domain commands
# Each domain keeps its commands in its own ``cli.py`` (they use the helpers above).


def _register_domains() -> None:
    # run as ``python -m cxpilot.cli`` this module is ``__main__``: let the domains find it
    sys.modules.setdefault("cxpilot.cli", sys.modules[__name__])
    from cxpilot.governance.cli import register as governance
    from cxpilot.maturity.cli import register as maturity
    from cxpilot.text.cli import register as text

    for register in (text, maturity, governance):
        register(app)


_register_domains()


if __name__ == "__main__":
    main()
