"""Dates as survey tools write them: which order (day/month or month/day) an export uses, and
its dates as ISO 8601 text in the warehouse's convention.

The warehouse stores a time without an offset as written, and converts one with an offset to
UTC (``validate``: ``2024-05-01T09:23:58+02:00`` is stored ``2024-05-01 07:23:58``). A tool's
time with a time zone is read the same way: an offset (``+02:00``, ``-0400``, ``GMT+2``,
``UTC-4``, ``Z``), an abbreviation of :data:`ZONE_ABBREVIATIONS`, or the IANA zone Qualtrics
gives a date column (``America/Denver``) makes it a UTC time.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.survey_tools.common import TOOLS, Export, ExportColumn, Layout, shown

#: Time-zone abbreviations read, with their offset from UTC in hours. An abbreviation names
#: different zones in different places (CST is Central Standard Time in North America and
#: China Standard Time; AST is Atlantic and Arabia Standard Time): the table holds the
#: meaning survey tools (Google's North American and European ones) write, and any other
#: abbreviation is refused, never guessed. Write the offset (``+05:30``) for other zones.
ZONE_ABBREVIATIONS: dict[str, float] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 1,
    "BST": 1,  # British Summer Time
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "NST": -3.5,  # Newfoundland
    "NDT": -2.5,
    "AST": -4,  # Atlantic Standard Time (Canada, Caribbean)
    "ADT": -3,
    "EST": -5,
    "EDT": -4,
    "CST": -6,  # Central Standard Time (North America)
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "JST": 9,
    "KST": 9,
    "HKT": 8,
    "SGT": 8,
    "AWST": 8,
    "ACST": 9.5,
    "ACDT": 10.5,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
}
#: Abbreviations that name zones too far apart to pick one: refused with what they may mean.
AMBIGUOUS_ABBREVIATIONS: dict[str, str] = {
    "IST": "India (+05:30), Ireland (+01:00) or Israel (+02:00)",
}

_DATE_TIME = re.compile(
    r"""^
    (?:
        (?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})   # 2024-05-01, 2024/05/01
      | (?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})            # 01/05/2024, 1.5.2024
    )
    (?:
        (?:[T\s]|,\s*)\s*
        (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?P<fraction>[.,]\d{1,6})?)?
        (?:\s*(?P<half>[AaPp])\.?\s?[Mm]\.?)?
        (?:\s*(?P<zone>
            [Zz]
          | [+-]\d{2}(?::?\d{2})?
          | (?:GMT|UTC|gmt|utc)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?
          | [A-Za-z]{2,5}
        ))?
    )?
    $""",
    re.VERBOSE,
)
_OFFSET = re.compile(r"^(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_ORDERS = {"dmy": "day/month/year", "mdy": "month/day/year"}


class DateProblem(ValueError):
    """A value written as a date that is not one: why, in words (after the column name)."""


@dataclass(frozen=True)
class ReadDate:
    """A date read: ISO 8601 text, and what was done to its time zone (None: nothing)."""

    iso: str
    converted: str | None = None  # "offset", "abbreviation", or "zone"
    repeated_hour: bool = False  # a local time the clocks went through twice (fold 0 taken)


# --------------------------------------------------------------------------- the order


def date_order(
    export: Export,
    columns: list[ExportColumn],
    explicit: str | None,
    layout: Layout,
    given: str | None = None,
) -> tuple[str | None, str]:
    """The order of the export's day/month dates, and why: ``given`` with the import
    (``--date-order``), else the mapping's (``explicit``), else told by a day above 12, else
    the tool's."""
    if given in _ORDERS:
        return given, f"--date-order {given} ({_ORDERS[given]})"
    if explicit:
        return explicit, "mapping: date_order"
    day_first: int | None = None
    month_first: int | None = None
    slashed = False
    for col in columns:
        for line, value in zip(export.lines, export.values(col), strict=True):
            match = _DATE_TIME.match(value)
            if not match or match.group("a") is None:
                continue
            slashed = True
            a, b = int(match.group("a")), int(match.group("b"))
            if a > 12 and b <= 12 and day_first is None:
                day_first = line
            if b > 12 and a <= 12 and month_first is None:
                month_first = line
    if not slashed:
        return None, "ISO dates"
    where = f"{export.path}:{columns[0].name}"
    advice = (
        "give date_order: dmy or mdy in --mapping, or --date-order dmy or mdy "
        "('Dates written as' on the Import data page)"
    )
    if day_first and month_first:
        raise ValidationError(
            f"the dates are day/month at line {day_first} and month/day at line {month_first}; "
            + advice,
            where=where,
        )
    if day_first:
        return "dmy", f"day/month/year: a day above 12 at line {day_first}"
    if month_first:
        return "mdy", f"month/day/year: a day above 12 at line {month_first}"
    if layout.date_order:
        return layout.date_order, f"{TOOLS[export.tool]} writes month/day/year"
    raise ValidationError(
        "cannot tell whether the dates are day/month or month/day (no day above 12); " + advice,
        where=where,
    )


# --------------------------------------------------------------------------- one date


def column_zone(name: str | None, where: str) -> zoneinfo.ZoneInfo | None:
    """The IANA time zone a tool gives a date column (Qualtrics), checked."""
    if not name:
        return None
    try:
        if len(name) > 64:  # the longest IANA name is 32 characters
            raise ValueError(name)
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(
            f"the time zone {shown(name)} of this date column is not an IANA time zone "
            "(such as Europe/Paris or America/Denver)",
            where=where,
        ) from None


def convert_date(value: str, order: str | None, zone: str | None = None) -> str:
    """A tool's date as ISO 8601 text (see :func:`read_date`); values that are not a date as
    the tools write them are returned as they are."""
    try:
        return read_date(value, order, zoneinfo.ZoneInfo(zone) if zone else None).iso
    except DateProblem:
        return value.strip()


def read_date(value: str, order: str | None, zone: dt.tzinfo | None = None) -> ReadDate:
    """A tool's date as ISO 8601 text in the warehouse's convention: a time with an offset or
    a time-zone abbreviation, or one written in ``zone`` (a Qualtrics column's), becomes UTC;
    one without stays as written. ``order`` (dmy, mdy) reads ``01/05/2024``; without it such a
    value is returned as it is (validation then refuses it). A value that is not a date as the
    tools write them is returned as it is; one that is written as a date but is none (31/02,
    25:00, 13 PM, an unknown time-zone abbreviation, a time the clocks skipped in ``zone``)
    raises :class:`DateProblem`."""
    text = value.strip()
    match = _DATE_TIME.match(text)
    if not match:
        return ReadDate(text)
    if match.group("a") is not None:
        if order not in _ORDERS:
            return ReadDate(text)
        a, b = int(match.group("a")), int(match.group("b"))
        day, month = (a, b) if order == "dmy" else (b, a)
        year = int(match.group("y"))
        how = f", read as {_ORDERS[order]}"
    else:
        year, month, day = (int(match.group(k)) for k in ("year", "month", "day"))
        how = ""
    if not 1 <= month <= 12:
        raise DateProblem(f"has no month {month}{how}")
    try:
        date = dt.date(year, month, day)
    except ValueError:
        raise DateProblem(
            f"is {day} {_MONTHS[month - 1]} {year}{how}, a day that does not exist"
        ) from None
    if match.group("hour") is None:
        return ReadDate(date.isoformat() + "T00:00:00")
    moment = dt.datetime.combine(date, _time(match))
    written = match.group("zone")
    if written:
        kind = (
            "offset"
            if written.upper() in ("Z", "UTC", "GMT") or not written.isalpha()
            else "abbreviation"
        )
        return ReadDate((moment - _offset(written)).isoformat(), kind)
    if zone is not None:
        return _in_zone(moment, zone)
    return ReadDate(moment.isoformat())


def _time(match: re.Match[str]) -> dt.time:
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    second = int(match.group("second") or 0)
    fraction = match.group("fraction")
    micro = int(fraction[1:].ljust(6, "0")) if fraction else 0
    half = match.group("half")
    if half:
        if not 1 <= hour <= 12:
            raise DateProblem(f"has the hour {hour} with {half.upper()}M (a 12-hour clock)")
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateProblem(f"has no time {hour:02d}:{minute:02d}:{second:02d}")
    return dt.time(hour, minute, second, micro)


def _offset(written: str) -> dt.timedelta:
    """The offset from UTC a value writes: Z, +02:00, -0400, GMT+2, UTC-4, or an abbreviation."""
    upper = written.upper()
    if upper in ZONE_ABBREVIATIONS:
        return dt.timedelta(hours=ZONE_ABBREVIATIONS[upper])
    match = _OFFSET.match(written)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise DateProblem(f"has the offset {written}, beyond UTC±14:00")
        return sign * dt.timedelta(hours=hours, minutes=minutes)
    if upper in AMBIGUOUS_ABBREVIATIONS:
        raise DateProblem(
            f"has the time zone {upper}, which is {AMBIGUOUS_ABBREVIATIONS[upper]}: write the "
            "time with its offset (+05:30)"
        )
    raise DateProblem(
        f"has the time zone {written!r}, which is not an abbreviation CX Pilot reads (CET, "
        "EST, PST… listed in docs/importing.md): write the time with its offset (+02:00, GMT+2)"
    )


def _in_zone(moment: dt.datetime, zone: dt.tzinfo) -> ReadDate:
    """A local time of ``zone`` in UTC; a time the clocks skipped is refused, one they went
    through twice (when they go back) is read as the first (summer time)."""
    local = moment.replace(tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != moment:
        raise DateProblem(f"is a time that does not exist in {zone} (the clocks went forward)")
    repeated = local.replace(fold=1).utcoffset() != local.utcoffset()
    return ReadDate(utc.replace(tzinfo=None).isoformat(), "zone", repeated)
