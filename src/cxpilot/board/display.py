"""A board's figures written for people: values in their unit, intervals, changes with the
significance marker, the red/amber/green status in words. Shared by the page, the PDF, the
e-mail and the home page, so that all four say the same thing in the active language."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cxpilot.board.kpis import Board, Kpi

#: Decimals shown per unit.
DECIMALS = {"nps": 1, "score7": 2, "score5": 2, "percent": 1, "count": 0, "money": 0, "hours": 1}

#: The status in words (never colour alone).
STATUS_TEXT = {
    "green": _("On target"),
    "amber": _("Close to target"),
    "red": _("Off target"),
}

#: The section headings of the KPI groups.
GROUP_TEXT = {
    "voice": _("Voice of the customer"),
    "outcome": _("Outcome KPIs"),
    "effort": _("Effort KPIs"),
    "loop": _("Closed loop"),
}

#: The significance marker next to a change.
MARK = "▲▼"


def number(value: float | None, unit: str, *, sign: bool = False) -> str:
    """``value`` in ``unit`` as the active language writes it; "—" when missing."""
    if value is None:
        return "—"
    text = str(
        number_format(value, DECIMALS.get(unit, 1), use_l10n=True, force_grouping=True)
    ).replace("-", "−")
    if sign and value > 0:
        text = "+" + text
    if unit == "percent":
        text += " %"
    elif unit == "hours":
        text += " h"
    return text


def interval(kpi: Kpi) -> str:
    if kpi.ci_low is None or kpi.ci_high is None:
        return ""
    return f"{number(kpi.ci_low, kpi.unit)} – {number(kpi.ci_high, kpi.unit)}"


def change(delta: float | None, significant: bool | None, kpi: Kpi) -> dict[str, Any]:
    """A change as text, whether it is significant, and whether it is good news."""
    if delta is None:
        return {"text": "—", "significant": False, "good": None, "mark": ""}
    good = (delta > 0) == kpi.higher_is_better if delta else None
    mark = ("▲" if delta > 0 else "▼") if significant else ""
    return {
        "text": number(delta, kpi.unit if kpi.unit != "percent" else "count", sign=True)
        + (" pt" if kpi.unit == "percent" else ""),
        "significant": bool(significant),
        "good": good,
        "mark": mark,
    }


def status_text(status: str | None) -> str:
    return str(STATUS_TEXT[status]) if status in STATUS_TEXT else ""


def kpi_row(kpi: Kpi) -> dict[str, Any]:
    """Everything a tile or a table row shows of ``kpi``, as text."""
    return {
        "kpi": kpi.kpi,
        "label": kpi.label,
        "group": kpi.group,
        "value": number(kpi.value, kpi.unit),
        "available": kpi.value is not None,
        "interval": interval(kpi),
        "n": kpi.n,
        "previous": number(kpi.previous, kpi.unit),
        "change": change(kpi.change, kpi.significant, kpi),
        "year_before": number(kpi.year_before, kpi.unit),
        "year_change": change(kpi.year_change, kpi.year_significant, kpi),
        "target": number(kpi.target, kpi.unit) if kpi.target is not None else "",
        "tolerance": number(kpi.tolerance, kpi.unit) if kpi.tolerance else "",
        "status": kpi.status or "",
        "status_text": status_text(kpi.status),
        "touchpoint": kpi.touchpoint or "",
        "department": kpi.department or "",
        "note": kpi.note,
    }


def headline_keys(board: Board) -> list[Kpi]:
    """The headline of a board: the overall NPS, CES and CSAT, then the other KPIs with a
    target (what the CX lead chose to watch)."""
    first = [k for k in (board.kpi("nps"), board.kpi("ces"), board.kpi("csat")) if k is not None]
    chosen = [k for k in board.kpis if k.target is not None and k not in first]
    return first + chosen


def month_text(month: str) -> str:
    """``2026-03`` as the active language names it (``March 2026`` / ``mars 2026``)."""
    import datetime as dt

    from django.utils.formats import date_format

    try:
        day = dt.date.fromisoformat(f"{month}-01")
    except ValueError:
        return month
    return str(date_format(day, "YEAR_MONTH_FORMAT"))


def share(value: float | None) -> str:
    """A share (0..1) as a percentage."""
    return "—" if value is None else number(100 * value, "percent")


def rule_text(board: Board) -> str:
    return board.rule or gettext(
        "Green when the value meets its target; amber when it misses it by no more than the "
        "tolerance; red beyond. Whether higher or lower is better is the KPI's."
    )
