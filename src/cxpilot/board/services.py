"""Writes of the executive board: the targets of its KPIs, the CX lead's comment of a month
and its mailing. Keyword-only, one transaction each, roles checked here; on any error
nothing is stored."""

from __future__ import annotations

import math
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from cxpilot.board.kpis import PATTERNS, spec_of
from cxpilot.board.models import BoardComment, BoardMailing, KpiTarget
from cxpilot.kernel import periods, roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor

TARGET_SET = "board.change_kpitarget"
TARGET_ADD = "board.add_kpitarget"
TARGET_DELETE = "board.delete_kpitarget"
COMMENT = "board.change_boardcomment"
MAILING = "board.change_boardmailing"

#: Control characters: none in a one-line value; the comment and the recipients keep their
#: line breaks (and tabs, in the comment) only.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_COMMENT = 5000
MAX_RECIPIENTS = 100
#: The range a target may take, by the unit of its KPI.
_RANGES = {
    "nps": (-100.0, 100.0),
    "score7": (1.0, 7.0),
    "score5": (1.0, 5.0),
    "percent": (0.0, 100.0),
    "count": (0.0, 1e12),
    "money": (-1e15, 1e15),
    "hours": (0.0, 1e6),
}


def _no_control(text: str, where: str, pattern: re.Pattern[str] = _CONTROL) -> None:
    found = pattern.search(text)
    if found:
        raise ValidationError(
            f"the control character U+{ord(found[0]):04X} is not allowed", where=where
        )


def kpi_checked(kpi: Any) -> str:
    """The KPI key ``kpi`` if the board knows it: a fixed key (``nps``, ``conversion``…) or a
    family's key naming an existing touchpoint (``nps.touchpoint.website``), channel of a
    touchpoint (``conversion.channel.web``) or brand promise (``promise.livraison_48h``)."""
    key = str(kpi or "").strip()
    _no_control(key, "kpi")
    if not key:
        raise ValidationError("give the KPI (e.g. nps, nps.touchpoint.website)", where="kpi")
    found = spec_of(key)
    if found is None:
        families = ", ".join([*(p + "<key>" for p in PATTERNS)])
        raise ValidationError(
            f"unknown KPI {key!r}: use a key of the board (nps, ces, csat, conversion, "
            f"churn.rate, value.equity, loop.*, effort.*…) or one of {families}",
            where="kpi",
        )
    _spec, named = found
    if named is None:
        return key
    from cxpilot.organisation.models import BrandPromise, Touchpoint

    if ".touchpoint." in key:
        if not Touchpoint.objects.filter(key=named).exists():
            raise ValidationError(f"unknown KPI {key!r}: no touchpoint {named!r}", where="kpi")
    elif key.startswith("conversion.channel."):
        channels = set(Touchpoint.objects.exclude(channel="").values_list("channel", flat=True))
        if named not in channels:
            raise ValidationError(
                f"unknown KPI {key!r}: no touchpoint on the channel {named!r}", where="kpi"
            )
    elif key.startswith("promise."):
        if not BrandPromise.objects.filter(key=named).exists():
            raise ValidationError(f"unknown KPI {key!r}: no brand promise {named!r}", where="kpi")
    return key


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ValidationError("must be a number", where=where)
    try:
        number = (
            float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError):
        raise ValidationError(f"{value!r} is not a number", where=where) from None
    if not math.isfinite(number):
        raise ValidationError("must be a finite number", where=where)
    return number


def target_set(*, actor: Actor, kpi: Any, target: Any, tolerance: Any = 0) -> KpiTarget:
    """Set (or change) the target of ``kpi`` and its amber ``tolerance`` (≥ 0, in the KPI's
    unit). The target must lie in the KPI's range (an NPS from −100 to 100, a CES from 1 to
    7, a percentage from 0 to 100, a count or hours at least 0)."""
    roles.require(actor, TARGET_SET)
    key = kpi_checked(kpi)
    spec, _named = spec_of(key)  # type: ignore[misc]
    value = _number(target, "target")
    low, high = _RANGES[spec.unit]
    if not low <= value <= high:
        raise ValidationError(
            f"a target of {key} lies from {low:g} to {high:g} (got {value:g})", where="target"
        )
    slack = _number(tolerance if tolerance not in (None, "") else 0, "tolerance")
    if slack < 0:
        raise ValidationError("the tolerance cannot be negative", where="tolerance")
    if slack > high - low:
        raise ValidationError(
            f"the tolerance of {key} is at most {high - low:g}", where="tolerance"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        row, _created = KpiTarget.objects.update_or_create(
            kpi=key, defaults={"target": value, "tolerance": slack, "updated_by": user}
        )
    return row


def target_delete(*, actor: Actor, kpi: Any) -> None:
    """Remove the target of ``kpi``; NotFound when it has none."""
    roles.require(actor, TARGET_DELETE)
    key = str(kpi or "").strip()
    _no_control(key, "kpi")
    with transaction.atomic():
        deleted, _ = KpiTarget.objects.filter(kpi=key).delete()
    if not deleted:
        raise NotFound(f"no target for the KPI {key!r}", where="kpi")


def month_checked(month: Any, where: str = "month") -> str:
    """``month`` as ``YYYY-MM``; a ValidationError on ``where`` otherwise."""
    text = str(month or "").strip()
    _no_control(text, where)
    return periods.parse_month(text, where=where).strftime("%Y-%m")


def comment_set(*, actor: Actor, month: Any, text: Any) -> BoardComment | None:
    """The CX lead's comment of ``month`` (``YYYY-MM``), a month with a board (answers in
    the warehouse, as the board's page requires); an empty text removes it (None)."""
    roles.require(actor, COMMENT)
    key = month_checked(month)
    body = str(text or "").replace("\r\n", "\n").strip()
    if body:
        from cxpilot.board.selectors import board_months

        known = board_months()
        if key not in known:
            shown = ", ".join(known[:6]) + (" …" if len(known) > 6 else "")
            raise ValidationError(
                f"no board for {key}: no data in that month; months with data: {shown or 'none'}",
                where="month",
            )
    _no_control(body, "text", _CONTROL_IN_TEXT)
    if len(body) > MAX_COMMENT:
        raise ValidationError(
            f"the comment is longer than {MAX_COMMENT:,} characters", where="text"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if not body:
            BoardComment.objects.filter(month=key).delete()
            return None
        row, _created = BoardComment.objects.update_or_create(
            month=key, defaults={"text": body, "author": user}
        )
    return row


def recipients_checked(recipients: Any) -> list[str]:
    """The e-mail addresses of ``recipients`` (one a line, or a list), each checked; the
    error names the bad line."""
    lines = (
        recipients if isinstance(recipients, list | tuple) else str(recipients or "").splitlines()
    )
    found: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = str(raw).strip()
        if not line:
            continue
        _no_control(line, f"recipients, line {number}")
        try:
            validate_email(line)
        except DjangoValidationError:
            raise ValidationError(
                f"{line[:80]!r} is not an e-mail address", where=f"recipients, line {number}"
            ) from None
        if line.casefold() not in {f.casefold() for f in found}:
            found.append(line)
    if len(found) > MAX_RECIPIENTS:
        raise ValidationError(f"at most {MAX_RECIPIENTS} recipients", where="recipients")
    return found


def mailing_set(
    *, actor: Actor, recipients: Any, day: Any, language: Any, enabled: Any
) -> BoardMailing:
    """Who receives the board by e-mail, on which day of the month (1 to 28), in which
    language, and whether it is sent. Enabled needs at least one recipient."""
    roles.require(actor, MAILING)
    addresses = recipients_checked(recipients)
    if isinstance(day, bool):
        raise ValidationError("the day is a number from 1 to 28", where="day")
    try:
        number = int(str(day).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{day!r} is not a day of the month (1 to 28)", where="day") from None
    if not 1 <= number <= 28:
        raise ValidationError("the day is a number from 1 to 28", where="day")
    lang = str(language or "").strip()
    known = [code for code, _name in settings.LANGUAGES]
    if lang not in known:
        raise ValidationError(
            f"unknown language {lang[:20]!r}; use {', '.join(known)}", where="language"
        )
    if not isinstance(enabled, bool):
        raise ValidationError("enabled is true or false", where="enabled")
    if enabled and not addresses:
        raise ValidationError("give at least one recipient to send the board", where="recipients")
    with transaction.atomic():
        row = BoardMailing.current()
        row.recipients = "\n".join(addresses)
        row.day = number
        row.language = lang
        row.enabled = enabled
        row.save()
    return row
