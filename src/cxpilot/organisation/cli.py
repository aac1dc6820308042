"""Commands of the organisation: ``cxpilot org …`` and ``cxpilot user …``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, handle_errors, setup
from cxpilot.kernel.output import Format, emit

# --------------------------------------------------------------------------- users

user_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
org_app = typer.Typer(
    help="The organisation model: departments, touchpoints, journeys…", no_args_is_help=True
)


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
    from cxpilot.organisation.users import user_upsert

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
    from cxpilot.kernel.tokens import token_create

    emit(
        {"username": username, "name": name, "token": token_create(username=username, name=name)},
        fmt,
    )


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
    from cxpilot.organisation.services import org_load_file

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
    from cxpilot.organisation.selectors import org_rows

    emit(org_rows(kind=kind), fmt, title=kind)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to ``app``."""
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
