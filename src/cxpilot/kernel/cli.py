"""What every domain's commands share: setup, errors as exit code 2, the output format option
and a progress bar. The ``cxpilot`` app itself is assembled in :mod:`cxpilot.cli`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from cxpilot.kernel.errors import CxPilotError
from cxpilot.kernel.output import Format

err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def fail(message: str) -> None:
    # the message may quote a user's file (a question text "[/]", a key ":scales:"): it is
    # printed as it is, never read as Rich markup or emoji codes
    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def handle_errors(func: F) -> F:
    """Turn a CxPilotError into exit code 2 and a clean message."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CxPilotError as exc:
            for problem in exc.problems:
                err.print(Text(f"  {problem}"), highlight=False, soft_wrap=True)
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
            err.print("preparing the app database…", highlight=False)
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


def user_named(name: str | None) -> Any:
    """The user a command's ``--by`` names, or None (the command line itself); an unknown
    name is a ``NotFound`` on ``--by``."""
    if name is None:
        return None
    from django.contrib.auth import get_user_model

    from cxpilot.kernel.errors import NotFound

    user = get_user_model().objects.filter(username=name).first()
    if user is None:
        raise NotFound(f"no user {name!r}", where="--by")
    return user
