"""Calendar periods: months and ISO weeks, their keys, bounds and neighbours. Pure: no Django.

A period is named by a *key*: a month by ``YYYY-MM``, a week by the ISO date of its Monday
(``YYYY-MM-DD``; ISO 8601 weeks start on Monday, and week 1 of a year is the one holding its
first Thursday, so 2026-W01 starts on Monday 2025-12-29). These are the keys the warehouse
groups answers by (``strftime('%Y-%m')`` and ``truncate('W')``).

Every date read from a user lies in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`: wide
enough for any real answer, and far enough inside Python's calendar (years 1 to 9999) that a
period around it, its neighbours and the day after its end all exist.
"""

from __future__ import annotations

import datetime as dt
import re

from cxpilot.kernel.errors import ValidationError

GRAINS = ("month", "week")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")

#: The years a date read from a user may fall in (both included).
FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_DAY, LAST_DAY = dt.date(FIRST_YEAR, 1, 1), dt.date(LAST_YEAR, 12, 31)


def utc(moment: dt.datetime) -> dt.datetime:
    """A warehouse time (naive, in UTC) made aware, so that pages show it in the time zone of
    the settings like every other time."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def in_range(day: dt.date) -> bool:
    """Whether ``day`` falls in the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`."""
    return FIRST_DAY <= day <= LAST_DAY


def check_date(day: dt.date, where: str, raw: str | None = None) -> dt.date:
    """``day`` itself if it is in range; a ValidationError naming ``where`` otherwise."""
    if not in_range(day):
        raise _out_of_range(raw or day.isoformat(), where)
    return day


def _out_of_range(raw: str, where: str) -> ValidationError:
    return ValidationError(
        f"{raw!r} is out of range: a date falls in the years {FIRST_YEAR} to {LAST_YEAR}",
        where=where,
    )


def parse_date(raw: str | None, where: str) -> dt.date | None:
    """The day written ``YYYY-MM-DD`` (None for an empty value); a ValidationError naming
    ``where`` otherwise."""
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{raw!r} is not a date (YYYY-MM-DD)", where=where) from None
    return check_date(day, where, raw)


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    """The first day of the month of ``day``, ``shift`` months later (earlier if negative)."""
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    """The last day of the month of ``day``."""
    return month_start(day, 1) - dt.timedelta(days=1)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


def iso_week(day: dt.date) -> str:
    """The ISO week of ``day`` as ``YYYY-Www`` (its year may differ from the day's)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def parse_month(raw: str, where: str = "month") -> dt.date:
    """The first day of the month ``YYYY-MM``."""
    match = _MONTH.match(raw)
    if not match:
        raise ValidationError(f"{raw!r} is not a month (YYYY-MM)", where=where)
    year = int(match[1])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _out_of_range(raw, where)
    return dt.date(year, int(match[2]), 1)


def parse_week(raw: str, where: str = "week") -> dt.date:
    """The Monday of a week given by any of its days (``YYYY-MM-DD``) or as ``YYYY-Www``."""
    match = _ISO_WEEK.match(raw)
    if match:
        try:
            monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ValidationError(f"{raw!r} is not an ISO week", where=where) from None
        return check_date(monday, where, raw)
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            f"{raw!r} is not a week (a date YYYY-MM-DD or YYYY-Www)", where=where
        ) from None
    return week_start(check_date(day, where, raw))


def _grain(grain: str) -> str:
    if grain not in GRAINS:
        raise ValidationError(f"the period is month or week, not {grain!r}", where="period")
    return grain


def period_key(grain: str, day: dt.date) -> str:
    """The key of the month or week holding ``day``."""
    if _grain(grain) == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return week_start(day).isoformat()


def period_start(grain: str, key: str, where: str | None = None) -> dt.date:
    """The first day of the period ``key``."""
    if _grain(grain) == "month":
        return parse_month(key, where or grain)
    return parse_week(key, where or grain)


def period_bounds(grain: str, key: str, where: str | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of the period ``key``."""
    first = period_start(grain, key, where)
    if grain == "month":
        return first, month_end(first)
    return first, first + dt.timedelta(days=6)


def shift_start(grain: str, day: dt.date, periods: int) -> dt.date:
    """The first day of the period ``periods`` away from the one holding ``day``."""
    if _grain(grain) == "month":
        return month_start(day, periods)
    return week_start(day) + dt.timedelta(weeks=periods)


def previous_key(grain: str, key: str) -> str:
    """The key of the period before ``key``."""
    return period_key(grain, shift_start(grain, period_start(grain, key), -1))


def last_complete(grain: str, as_of: dt.date) -> tuple[dt.date, dt.date, str]:
    """The last period that ended before ``as_of``: its first day, last day and key."""
    first = shift_start(grain, as_of, -1)
    last = shift_start(grain, as_of, 0) - dt.timedelta(days=1)
    return first, last, period_key(grain, first)
