"""Dates as survey tools write them: which order (day/month or month/day) an export uses, and
its dates as ISO 8601 text."""

from __future__ import annotations

import datetime as dt
import re

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.survey_tools.common import TOOLS, Export, ExportColumn, Layout

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T].*)?$")
_SLASHED = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp])?\.?[Mm]?\.?)?$"
)
_YEAR_FIRST = re.compile(
    r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])?\.?[Mm]?\.?)?$"
)


def date_order(
    export: Export, columns: list[ExportColumn], explicit: str | None, layout: Layout
) -> tuple[str | None, str]:
    if explicit:
        return explicit, "mapping: date_order"
    day_first: int | None = None
    month_first: int | None = None
    slashed = False
    for col in columns:
        for line, value in zip(export.lines, export.values(col), strict=True):
            match = _SLASHED.match(value)
            if not match:
                continue
            slashed = True
            a, b = int(match.group(1)), int(match.group(2))
            if a > 12 and b <= 12 and day_first is None:
                day_first = line
            if b > 12 and a <= 12 and month_first is None:
                month_first = line
    if not slashed:
        return None, "ISO dates"
    where = f"{export.path}:{columns[0].name}"
    if day_first and month_first:
        raise ValidationError(
            f"the dates are day/month at line {day_first} and month/day at line {month_first}; "
            "give date_order: dmy or mdy in --mapping",
            where=where,
        )
    if day_first:
        return "dmy", f"day/month/year: a day above 12 at line {day_first}"
    if month_first:
        return "mdy", f"month/day/year: a day above 12 at line {month_first}"
    if layout.date_order:
        return layout.date_order, f"{TOOLS[export.tool]} writes month/day/year"
    raise ValidationError(
        "cannot tell whether the dates are day/month or month/day (no day above 12); give "
        "date_order: dmy or mdy in --mapping",
        where=where,
    )


def convert_date(value: str, order: str | None) -> str:
    """A tool's date as ISO 8601 text; unrecognised values are returned as they are."""
    text = value.strip()
    if not text or _ISO_DATE.match(text):
        return text
    match = _SLASHED.match(text)
    if match and order:
        a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        day, month = (a, b) if order == "dmy" else (b, a)
        time = match.group(4, 5, 6, 7)
    else:
        match = _YEAR_FIRST.match(text)
        if not match:
            return text
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        time = match.group(4, 5, 6, 7)
    hour, minute, second = int(time[0] or 0), int(time[1] or 0), int(time[2] or 0)
    if time[3]:
        if not 1 <= hour <= 12:
            return text
        hour = hour % 12 + (12 if time[3].lower() == "p" else 0)
    try:
        return dt.datetime(year, month, day, hour, minute, second).isoformat()
    except ValueError:
        return text
