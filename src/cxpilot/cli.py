"""The ``cxpilot`` command, assembled from the domains' commands (:mod:`cxpilot.domains`):
a thin layer over services and selectors.

Every command that prints data takes ``--format table|json|csv``. Bad input exits with code
2 and a one-line error on standard error (an import also lists the problems it found).
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated

import typer
from rich.console import Console

from cxpilot.domains import DOMAINS
from cxpilot.kernel.cli import FormatOpt, err, handle_errors, progress, setup
from cxpilot.kernel.errors import CxPilotError
from cxpilot.kernel.output import Format, emit

app = typer.Typer(
    help="CX Pilot: voice of the customer, journeys, maturity and governance in one place.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
demo_app = typer.Typer(help="The synthetic demo company.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")

DEMO_STEPS = 16  # organisation, maturity, governance, 7 generation steps, 4 loads, loop, text
#: waitress worker threads: with 8, concurrent answers made batches of a few; with 32, of up
#: to 30 (bench/bench_collect.py: 300 answers/s against 530 on two cores).
SERVE_THREADS = 32
#: Open connections the server keeps (waitress's default, 100, let 101 idle connections shut
#: every other client out), and the seconds a connection may send nothing before it is
#: closed (its default, 120, let a few hundred slow clients hold them all that long).
SERVE_CONNECTIONS = 1000
SERVE_IDLE_SECONDS = 30
#: The largest request body read (waitress's default is 1 GB): the web import's largest file
#: and its form around it.
SERVE_MAX_BODY = 210 * 1024 * 1024


# --------------------------------------------------------------------------- settings


@app.command("settings")
@handle_errors
def settings_cmd(fmt: FormatOpt = Format.table) -> None:
    """Show the settings (environment variables), their values and what they are for."""
    from cxpilot import config

    emit(config.describe(config.load()), fmt)


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
    err.print("starting CX Pilot's demo company…", highlight=False)
    setup()
    from cxpilot.demo.services import demo_generate
    from cxpilot.demo.users import demo_users
    from cxpilot.warehouse.connection import close, counts

    if regenerate or counts()["responses"] == 0:
        err.print(
            f"generating the demo company ({customers:,} customers): a few minutes on a laptop, "
            "once; the next start reuses it",
            highlight=False,
        )
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
    threads: Annotated[
        int,
        typer.Option(help="Worker threads: concurrent requests, and so answers per commit."),
    ] = SERVE_THREADS,
) -> None:
    """Serve the web app and API with a production WSGI server (waitress).

    Static files are served by the app itself; the inbox is flushed in the background.
    Answers that arrive together are committed together (one disk flush for a batch), so
    more threads give larger batches under load.

    Example:

      CXPILOT_HOME=/srv/cxpilot cxpilot serve --host 0.0.0.0 --port 8000
    """
    setup()
    _serve(host, port, [], threads=threads)


def _serve(
    host: str, port: int, logins: list[dict[str, str]], threads: int = SERVE_THREADS
) -> None:
    import waitress
    from django.conf import settings
    from django.core.management import call_command

    from cxpilot.board.mailing import board_mail_job
    from cxpilot.kernel.jobs import Periodic
    from cxpilot.loop.alerts import alerts_check
    from cxpilot.verbatims.services import model_warm
    from cxpilot.warehouse.connection import warehouse
    from cxpilot.warehouse.inbox import inbox_worker
    from cxpilot.wsgi import application

    err.print("preparing the web app…", highlight=False)
    call_command("collectstatic", interactive=False, verbosity=0)
    with warehouse():
        pass  # open (and lock) the warehouse now: a second writer learns it at once
    model_warm()
    jobs = [
        inbox_worker(),
        Periodic("alerts", alerts_check, every=3600),
        Periodic("board-mail", board_mail_job, every=3600),
    ]
    for job in jobs:
        job.start()
    out = Console()
    home = settings.CXPILOT_HOME  # type: ignore[misc]
    out.print(f"CX Pilot on [bold]http://{host}:{port}/[/]  (data in {home})")
    for login in logins:
        out.print(
            f"  log in as [bold]{login['username']}[/] / {login['password']}  ({login['role']})"
        )
    out.print("Press Ctrl+C to stop.")
    try:
        waitress.serve(
            application,
            host=host,
            port=port,
            threads=threads,
            ident="cxpilot",
            connection_limit=SERVE_CONNECTIONS,
            channel_timeout=SERVE_IDLE_SECONDS,
            max_request_body_size=SERVE_MAX_BODY,
        )
    finally:
        for job in jobs:
            job.stop()


def main() -> None:
    try:
        app()
    except CxPilotError as exc:  # raised while loading settings, before a command runs
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)


# --------------------------------------------------------------------------- domain commands


for _domain in DOMAINS:
    if _domain.cli:
        import_module(f"cxpilot.{_domain.name}.cli").register(app)


if __name__ == "__main__":
    main()
