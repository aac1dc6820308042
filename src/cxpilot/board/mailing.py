"""The board by e-mail: the headline and the CX lead's comment in the message, the PDF
attached, sent to the mailing's recipients with the alerts' mail settings
(``CXPILOT_SMTP_URL``, sender ``CXPILOT_EMAIL_FROM``), and the monthly schedule the server
runs (:func:`board_mail_job`): the last complete month's board, once, on or after the
mailing's day."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, override

from cxpilot.board import display
from cxpilot.board.models import BoardMailing
from cxpilot.kernel.errors import ValidationError

log = logging.getLogger("cxpilot.board")


@dataclass(frozen=True)
class Sent:
    """What :func:`board_send` sent: the month, to whom, in which language."""

    month: str
    recipients: list[str]
    language: str


def mailing_get() -> BoardMailing:
    """The mailing settings (one row, made with the defaults the first time)."""
    return BoardMailing.current()


def last_complete_month(today: dt.date) -> str:
    """The month before ``today``'s (``YYYY-MM``)."""
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


#: The mail backends that keep a message on this machine.
LOCAL_BACKENDS = frozenset(
    f"django.core.mail.backends.{name}.EmailBackend"
    for name in ("console", "locmem", "filebased", "dummy")
)


def mail_is_local() -> bool:
    """Whether the configured mail backend keeps messages on this machine (console, locmem,
    file or dummy backend: no ``CXPILOT_SMTP_URL`` set)."""
    return str(settings.EMAIL_BACKEND) in LOCAL_BACKENDS


def month_with_data(month: str | None) -> str | None:
    """``month`` checked as ``YYYY-MM`` and as a month with answers in the warehouse (None
    for the board's default month); a ValidationError naming the months with data
    otherwise."""
    from cxpilot.board import selectors
    from cxpilot.board.services import month_checked

    if month is None or not str(month).strip():
        return None
    key = month_checked(month, "month")
    known = selectors.board_months()
    if key not in known:
        shown = ", ".join(known[:6]) + (" …" if len(known) > 6 else "")
        raise ValidationError(
            f"no data for {key}; months with data: {shown or 'none'}", where="month"
        )
    return key


def board_send(
    *,
    month: str | None = None,
    recipients: list[str] | None = None,
    language: str | None = None,
    scheduled: bool = False,
    connection: Any = None,
) -> Sent:
    """E-mail the board of ``month`` (default: the board's default month; else a month with
    data) to ``recipients`` (default: the mailing's; checked as the settings' form checks
    them) in ``language`` (default: the mailing's), built by the system itself (every
    section, whoever receives it) in that language. Only the monthly job (``scheduled``)
    records the month sent on the mailing, and only when the message left for a mail server
    (not the console or memory backend); an error is recorded and raised again.
    ``connection``: the mail connection (default: the configured backend)."""
    from cxpilot.board import selectors
    from cxpilot.board.exports import board_pdf
    from cxpilot.board.services import recipients_checked

    row = mailing_get()
    to = recipients_checked(recipients if recipients is not None else row.recipients)
    if not to:
        raise ValidationError(
            "no recipient: give addresses, or set them in the board's mailing settings",
            where="recipients",
        )
    lang = language or row.language or settings.LANGUAGE_CODE
    if lang not in dict(settings.LANGUAGES):
        raise ValidationError(f"unknown language {lang!r}", where="language")
    if not scheduled:
        month = month_with_data(month)
    try:
        with override(lang):
            board = selectors.board(actor=None, month=month)
            context = {
                "month_label": display.month_text(board.month),
                "previous_label": display.month_text(board.previous_month),
                "headline": [display.kpi_row(k) for k in display.headline_keys(board)],
                "comment": board.comment,
                "rule": display.rule_text(board),
            }
            subject = gettext("[CX Pilot] Executive board: %(month)s") % {
                "month": context["month_label"]
            }
            text = render_to_string("board/email.txt", context)
            html = render_to_string("board/email.html", context)
            pdf = board_pdf(board, language=lang)
        message = EmailMultiAlternatives(
            subject, text, settings.DEFAULT_FROM_EMAIL, to, connection=connection
        )
        message.attach_alternative(html, "text/html")
        message.attach(f"board-{board.month}.pdf", pdf, "application/pdf")
        message.send()
    except Exception as exc:
        row.last_error = f"{month or 'default month'}: {exc}"[:2000]
        row.save(update_fields=["last_error", "updated_at"])
        raise
    if scheduled and not mail_is_local():
        row.last_sent_month = board.month
        row.last_error = ""
        row.save(update_fields=["last_sent_month", "last_error", "updated_at"])
    return Sent(month=board.month, recipients=to, language=lang)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def board_mail_due(today: dt.date, row: BoardMailing | None = None) -> bool:
    """Whether the board of the last complete month is due on ``today``: the mailing is
    enabled, has recipients, ``today`` is on or after its day, and that month was not sent."""
    row = row or mailing_get()
    return (
        row.enabled
        and bool(_lines(row.recipients))
        and today.day >= row.day
        and row.last_sent_month != last_complete_month(today)
    )


def board_mail_job(today: dt.date | None = None) -> Sent | None:
    """What the server runs every hour: send the last complete month's board when due. A
    failure is recorded on the mailing (:func:`board_send`) and logged; the next run tries
    again."""
    day = today or timezone.localdate()
    if not board_mail_due(day):
        return None
    try:
        return board_send(month=last_complete_month(day), scheduled=True)
    except Exception as exc:  # noqa: BLE001 - recorded on the mailing, retried next run
        log.warning("the board of %s was not sent: %s", last_complete_month(day), exc)
        return None
