"""The board by e-mail (locmem backend): the headline and the comment in the message, the PDF
attached, what was sent recorded; bad recipients refused with nothing sent; the monthly
schedule; the ``send`` command."""

from __future__ import annotations

import datetime as dt

import pytest
import typer
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from typer.testing import CliRunner

from cxpilot.board.cli_mail import register_mailing
from cxpilot.board.mailing import board_mail_due, board_mail_job, board_send, last_complete_month
from cxpilot.board.models import BoardMailing
from cxpilot.kernel.errors import ValidationError

pytestmark = pytest.mark.django_db


class Remote(LocmemBackend):
    """A mail server as far as the board knows (not one of Django's local backends); the
    messages land in ``mail.outbox``."""


REMOTE = f"{__name__}.Remote"


def _mailing(**fields) -> BoardMailing:
    row = BoardMailing.current()
    for k, v in {"recipients": "ceo@example.com\ncfo@example.com", "day": 3, **fields}.items():
        setattr(row, k, v)
    row.save()
    return row


def test_the_board_is_sent_with_its_pdf(fake_board, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = "board@example.com"
    _mailing(language="fr")
    sent = board_send()
    assert sent.month == "2026-03" and sent.language == "fr"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ceo@example.com", "cfo@example.com"]
    assert message.from_email == "board@example.com"
    assert "mars 2026" in message.subject
    assert "31,2" in message.body and "Le site web a reculé" in message.body
    html = message.alternatives[0][0]
    assert "31,2" in html and "Hors cible" in html
    name, content, kind = message.attachments[0]
    assert name == "board-2026-03.pdf" and kind == "application/pdf"
    assert content.startswith(b"%PDF")
    row = BoardMailing.current()
    assert row.last_sent_month == "" and row.last_error == ""  # an ad-hoc send records nothing


def test_given_month_recipients_and_language(fake_board) -> None:
    _mailing()
    sent = board_send(month="2026-02", recipients=["x@example.com"], language="en")
    assert sent.recipients == ["x@example.com"]
    assert mail.outbox[0].to == ["x@example.com"]
    assert "February 2026" in mail.outbox[0].subject


@pytest.mark.parametrize(
    ("recipients", "language", "where"),
    [([], None, "recipients"), (["not an address"], None, "recipients, line 1"),
     (["a@example.com"], "de", "language"), (["@"], None, "recipients, line 1"),
     (["a@"], None, "recipients, line 1"), (["ok@example.com", "a@b@c"], None, "recipients, line 2"),
     (["x@example.com,evil@x.com"], None, "recipients, line 1"),
     (["x@a.com;y@b.com"], None, "recipients, line 1"),
     ([f"p{i}@example.com" for i in range(300)], None, "recipients")],
)  # fmt: skip
def test_bad_input_is_refused_and_nothing_sent(fake_board, recipients, language, where) -> None:
    _mailing(recipients="")
    with pytest.raises(ValidationError) as caught:
        board_send(recipients=recipients or None, language=language)
    assert caught.value.where == where
    assert mail.outbox == []
    assert BoardMailing.current().last_sent_month == ""


def test_a_month_without_data_is_refused(fake_board) -> None:
    _mailing()
    with pytest.raises(ValidationError) as caught:
        board_send(month="2030-01")
    assert "no data for 2030-01; months with data: 2026-03, 2026-02, 2026-01" in str(caught.value)
    row = BoardMailing.current()
    assert row.last_error == "" and row.last_sent_month == ""
    assert mail.outbox == []


def test_only_the_schedule_records_the_month_and_only_through_a_server(
    fake_board, settings
) -> None:
    row = _mailing(enabled=True)
    board_mail_job(dt.date(2026, 4, 4))  # the test backend keeps the message here
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.last_sent_month == ""
    settings.EMAIL_BACKEND = REMOTE
    board_send(month="2026-02")  # an ad-hoc send does not count as the monthly one
    row.refresh_from_db()
    assert row.last_sent_month == "" and board_mail_due(dt.date(2026, 4, 4))


def test_the_schedule(fake_board, settings) -> None:
    settings.EMAIL_BACKEND = REMOTE
    assert last_complete_month(dt.date(2026, 4, 2)) == "2026-03"
    assert last_complete_month(dt.date(2026, 1, 15)) == "2025-12"
    row = _mailing(enabled=False)
    assert not board_mail_due(dt.date(2026, 4, 5))
    row = _mailing(enabled=True)
    assert not board_mail_due(dt.date(2026, 4, 2))  # before the day
    assert board_mail_due(dt.date(2026, 4, 3))
    assert board_mail_job(dt.date(2026, 4, 2)) is None and mail.outbox == []
    sent = board_mail_job(dt.date(2026, 4, 4))
    assert sent is not None and sent.month == "2026-03" and len(mail.outbox) == 1
    assert not board_mail_due(dt.date(2026, 4, 20))  # sent once
    assert board_mail_job(dt.date(2026, 4, 21)) is None and len(mail.outbox) == 1
    row.refresh_from_db()
    row.recipients = ""
    row.last_sent_month = ""
    row.save()
    assert not board_mail_due(dt.date(2026, 4, 20))  # nobody to send it to


def test_a_failing_job_is_recorded_and_retried(fake_board) -> None:
    _mailing(enabled=True)
    assert board_mail_job(dt.date(2026, 5, 4)) is None  # no board for 2026-04
    row = BoardMailing.current()
    assert "2026-04" in row.last_error and row.last_sent_month == ""
    assert board_mail_due(dt.date(2026, 5, 5))


def _cli() -> typer.Typer:
    app = typer.Typer()
    group = typer.Typer()
    register_mailing(group)

    @group.command("noop")
    def noop() -> None:  # a group of one command would be flattened by Typer
        pass

    app.add_typer(group, name="board")
    return app


def test_the_send_command(fake_board, settings) -> None:
    settings.EMAIL_BACKEND = REMOTE
    _mailing()
    runner = CliRunner()
    done = runner.invoke(
        _cli(), ["board", "send", "--month", "2026-02", "--to", "a@example.com", "--format", "json"]
    )
    assert done.exit_code == 0, done.output
    assert '"month": "2026-02"' in done.stdout and "a@example.com" in done.stdout
    assert mail.outbox[0].to == ["a@example.com"]
    bad = runner.invoke(_cli(), ["board", "send", "--month", "2026-13"])
    assert bad.exit_code == 2 and "--month" in bad.output
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("to", ["@", "a@", "a@b@c", "x@example.com,evil@x.com", "x@a.com;y@b.com"])
def test_the_send_command_refuses_a_bad_address(fake_board, settings, to) -> None:
    settings.EMAIL_BACKEND = REMOTE
    _mailing()
    bad = CliRunner().invoke(_cli(), ["board", "send", "--to", "a@example.com", "--to", to])
    assert bad.exit_code == 2 and repr(to) in bad.output and "Traceback" not in bad.output
    assert mail.outbox == [] and BoardMailing.current().last_error == ""


def test_the_send_command_too_many_and_no_data(fake_board, settings) -> None:
    settings.EMAIL_BACKEND = REMOTE
    _mailing()
    many = [a for i in range(300) for a in ("--to", f"p{i}@example.com")]
    bad = CliRunner().invoke(_cli(), ["board", "send", *many])
    assert bad.exit_code == 2 and "at most 100 recipients" in bad.output
    bad = CliRunner().invoke(_cli(), ["board", "send", "--month", "2030-01"])
    assert bad.exit_code == 2 and "no data for 2030-01; months with data: 2026-03" in bad.output
    assert mail.outbox == []


def test_the_send_command_without_a_mail_server(fake_board, settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    _mailing(enabled=True)
    done = CliRunner().invoke(_cli(), ["board", "send", "--format", "json"])
    assert done.exit_code == 1
    assert "nothing left this machine" in done.stderr and "CXPILOT_SMTP_URL" in done.stderr
    assert '"sent": false' in done.stdout and "base64" not in done.stdout
    assert len(done.stdout) < 1000
    assert BoardMailing.current().last_sent_month == ""
