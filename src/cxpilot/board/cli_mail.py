"""``cxpilot board send``: e-mail the board now (the server also sends it each month on the
mailing's day). Added to the ``board`` command group by :func:`register_mailing`."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from cxpilot.kernel.cli import FormatOpt, fail, handle_errors, setup
from cxpilot.kernel.errors import CxPilotError, ValidationError
from cxpilot.kernel.output import Format, emit

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def register_mailing(group: typer.Typer) -> None:
    """Add ``send`` to the ``board`` command group ``group``."""
    group.command("send")(send_cmd)


@handle_errors
def send_cmd(
    month: Annotated[
        str | None,
        typer.Option(help="The month of the board (YYYY-MM; default: the board's default)."),
    ] = None,
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="An address to send it to (repeatable; default: the mailing's)."),
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="en or fr (default: the mailing's language).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """E-mail the board of a month, its PDF attached, through the alerts' mail settings.

    Example:

      cxpilot board send --month 2026-03 --to ceo@example.com
    """
    if month is not None and not MONTH.match(month):
        raise ValidationError(f"{month!r} is not a month: write YYYY-MM", where="--month")
    setup()
    from django.core.mail import get_connection

    from cxpilot.board.mailing import board_send, mail_is_local

    local = mail_is_local()
    # without a mail server the message would only be printed (a PDF in base64): it is built
    # and checked, kept in memory, and the command says that nothing was sent
    connection = get_connection("django.core.mail.backends.locmem.EmailBackend") if local else None
    try:
        sent = board_send(
            month=month, recipients=to or None, language=language, connection=connection
        )
    except CxPilotError:
        raise
    except Exception as exc:  # noqa: BLE001 - the mail server's refusal, said plainly
        fail(f"the board could not be sent: {exc}")
        return
    emit(
        {
            "month": sent.month,
            "recipients": sent.recipients,
            "language": sent.language,
            "sent": not local,
        },
        fmt,
    )
    if local:
        typer.echo(
            "warning: no mail server is configured (CXPILOT_SMTP_URL, sender "
            "CXPILOT_EMAIL_FROM): the board was built but nothing left this machine",
            err=True,
        )
        raise typer.Exit(1)
