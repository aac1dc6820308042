"""A board's figures written for people: values in their unit, intervals, changes with the
significance marker, the red/amber/green status in words. Shared by the page, the PDF, the
e-mail and the home page, so that all four say the same thing in the active language."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
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


def rounded(value: float, decimals: int) -> Decimal:
    """``value`` rounded half away from zero to ``decimals`` places (Django's
    ``number_format`` truncates: −8.997 would read −8.9), never a negative zero."""
    quantum = Decimal(1).scaleb(-decimals)
    out = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    return out.copy_abs() if out.is_zero() else out


def number(
    value: float | None, unit: str, *, sign: bool = False, decimals: int | None = None
) -> str:
    """``value`` in ``unit`` as the active language writes it, rounded (not truncated) to the
    unit's decimals, with thousands grouped; "—" when missing; never "−0"."""
    if value is None:
        return "—"
    places = DECIMALS.get(unit, 1) if decimals is None else decimals
    exact = rounded(value, places)
    text = str(number_format(exact, places, use_l10n=True, force_grouping=True)).replace("-", "−")
    if sign and exact > 0:
        text = "+" + text
    if unit == "percent":
        text += " %"
    elif unit == "hours":
        text += " h"
    return text


def amount(value: float | None) -> str:
    """A sum of money, whole, with its thousands grouped as the active language groups them."""
    return number(value, "money")


def roi(value: float | None) -> str:
    """A return on investment (a ratio: (value − cost) / cost) as a percentage of the cost."""
    return "—" if value is None else number(100 * value, "percent", decimals=0)


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
    if kpi.unit == "percent":  # a change of a percentage is in points, with one decimal
        text = number(delta, "count", sign=True, decimals=DECIMALS["percent"]) + " pt"
    else:
        text = number(delta, kpi.unit, sign=True)
    if rounded(delta, 1 if kpi.unit == "percent" else DECIMALS.get(kpi.unit, 1)).is_zero():
        good = None  # shown as 0: neither good nor bad news
    return {
        "text": text,
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
        "note": kpi.note or missing_reason(kpi),
    }


#: Why a KPI has no value this month, when its row does not say.
MISSING = {
    "loop.median_hours_to_close": _("no case closed this month"),
    "loop.within_sla_pct": _("no case closed this month"),
    "loop.cases_closed": _("no case closed this month"),
    "loop.cases_opened": _("no case opened this month"),
}


def missing_reason(kpi: Kpi) -> str:
    """Why ``kpi`` shows "—": empty when it has a value."""
    if kpi.value is not None:
        return ""
    return str(MISSING.get(kpi.kpi, _("no data for this month")))


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


def percent_share(value: float | None) -> str:
    """A share already in percent (0..100), as the active language writes it."""
    return number(value, "percent")


def rule_text(board: Board) -> str:
    return board.rule or gettext(
        "Green when the value meets its target; amber when it misses it by no more than the "
        "tolerance; red beyond. Whether higher or lower is better is the KPI's."
    )


def touchpoint_names() -> dict[str, str]:
    """Touchpoint key -> its name, to show names where the board's rows carry keys."""
    from cxpilot.organisation.models import Touchpoint

    return dict(Touchpoint.objects.values_list("key", "name"))


def theme_label(row: dict[str, Any], labels: dict[int, dict[str, Any]]) -> str:
    """An irritant's theme in the active language (its row carries the theme's id)."""
    theme = row.get("theme")
    found = labels.get(theme) if isinstance(theme, int) else None
    if found and found.get("label"):
        return str(found["label"])
    return str(row.get("label") or row.get("theme") or "—")


def irritant_rows(board: Board) -> list[dict[str, Any]]:
    from django.utils.translation import get_language

    from cxpilot.verbatims.selectors import theme_labels

    names = touchpoint_names()
    labels = theme_labels(get_language())
    return [
        {
            **i,
            "label": theme_label(i, labels),
            "touchpoint": names.get(i.get("touchpoint") or "", i.get("touchpoint") or ""),
            "points_label": number(i.get("points_at_stake"), "nps"),
            "share_label": share(i.get("share")),
            "n_label": number(i.get("n"), "count"),
        }
        for i in board.irritants
    ]


def moment_rows(board: Board) -> list[dict[str, Any]]:
    names = touchpoint_names()
    return [
        {**m, "touchpoint": names.get(m.get("touchpoint") or "", m.get("touchpoint") or "")}
        for m in board.moments
    ]


def initiative_rows(board: Board) -> list[dict[str, Any]]:
    from cxpilot.initiatives.models import Status

    statuses = dict(Status.choices)
    return [
        {
            **i,
            "status_label": str(statuses.get(i.get("status"), i.get("status") or "—")),
            "roi_label": roi(i.get("roi")),
        }
        for i in board.initiatives
    ]


def department_rows(board: Board) -> list[dict[str, Any]]:
    """Departments; their ``share`` is already a percentage (0..100)."""
    return [
        {
            **d,
            "name": d.get("name") or d.get("department"),
            "share_label": percent_share(d.get("share")),
            "cases_label": number(d.get("cases_closed"), "count"),
            "initiatives_label": number(d.get("initiatives"), "count"),
        }
        for d in board.departments
    ]


def governance(board: Board) -> dict[str, Any] | None:
    """The governance model chosen and recommended, by their names in the active language."""
    from cxpilot.governance.models import GovernanceModel

    gm = board.governance_model
    if not gm:
        return None
    models = dict(GovernanceModel.choices)
    chosen, recommended = gm.get("chosen"), gm.get("recommended")
    return {
        "chosen": str(models.get(chosen, chosen)) if chosen else "",
        "chosen_on": date_text(gm.get("chosen_on")),
        "recommended": str(models.get(recommended, recommended)) if recommended else "",
    }


def date_text(day: str | None) -> str:
    import datetime as dt

    from django.utils.formats import date_format

    if not day:
        return ""
    try:
        return str(date_format(dt.date.fromisoformat(day), "DATE_FORMAT"))
    except ValueError:
        return day
