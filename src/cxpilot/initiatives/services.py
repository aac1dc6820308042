"""Writes of the initiatives domain: the initiatives and the settings of their backlog and
return. Keyword-only, one transaction each, roles checked here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from cxpilot.initiatives.models import Effort, Initiative, InitiativeSettings, Metric, Status
from cxpilot.kernel import roles
from cxpilot.kernel.errors import Problem, ValidationError
from cxpilot.kernel.periods import check_date
from cxpilot.kernel.roles import Actor

ADD, CHANGE, DELETE = (
    "initiatives.add_initiative",
    "initiatives.change_initiative",
    "initiatives.delete_initiative",
)
SETTINGS = "initiatives.change_initiativesettings"

#: Control characters no one-line text holds (tab, newline and carriage return are allowed
#: in the description only).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_MONEY = Decimal("999999999999.99")
MAX_THEMES = 50


@dataclass
class Draft:
    """What an initiative is made of, as a user gives it (checked by :func:`initiative_save`).
    ``touchpoints`` are touchpoint keys, ``department`` a department key ("" = the one the
    RACI or the touchpoint proposes)."""

    name: str
    touchpoints: list[str]
    metric: str
    description: str = ""
    themes: list[str] = field(default_factory=list)
    expected_change: float | None = None
    department: str = ""
    effort: str = Effort.M
    person_days: int | None = None
    cost_one_off: Any = 0
    cost_monthly: Any = 0
    expected_return: Any = None
    customers_reached: int | None = None
    planned_on: dt.date | None = None
    started_on: dt.date | None = None
    done_on: dt.date | None = None
    status: str = ""
    source: str = ""
    #: id of the governance council that decided it (None: none)
    council: int | None = None


def _line(value: str, where: str, limit: int, problems: list[Problem], *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        problems.append(Problem(where, "give a value"))
    elif len(text) > limit:
        problems.append(Problem(where, f"at most {limit} characters ({len(text)} given)"))
    elif _CONTROL.search(text):
        problems.append(Problem(where, "may not hold control characters"))
    return text


def _money(value: Any, where: str, problems: list[Problem], *, optional: bool = False) -> Any:
    if value is None or value == "":
        if optional:
            return None
        value = 0
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(Problem(where, f"{str(value)[:40]!r} is not an amount"))
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        problems.append(Problem(where, f"an amount from 0 to {MAX_MONEY}"))
        return None
    return amount.quantize(Decimal("0.01"))


def _check(draft: Draft) -> dict[str, Any]:
    """The model fields of ``draft``, checked; a ValidationError listing every problem."""
    from cxpilot.organisation.models import Department, Touchpoint

    problems: list[Problem] = []
    out: dict[str, Any] = {
        "name": _line(draft.name, "name", 200, problems, required=True),
        "source": _line(draft.source, "source", 500, problems, required=False),
    }
    description = (draft.description or "").strip()
    if len(description) > 20_000:
        problems.append(Problem("description", "at most 20000 characters"))
    elif re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", description):
        problems.append(Problem("description", "may not hold control characters"))
    out["description"] = description
    themes = [t.strip() for t in draft.themes if t and t.strip()]
    if len(themes) > MAX_THEMES:
        problems.append(Problem("themes", f"at most {MAX_THEMES} themes"))
    out["themes"] = [_line(t, "themes", 200, problems, required=False) for t in themes]
    if draft.metric not in Metric.values:
        problems.append(
            Problem("metric", f"unknown KPI {draft.metric[:40]!r}; use nps, ces or csat")
        )
    out["metric"] = draft.metric
    keys = list(dict.fromkeys(k.strip() for k in draft.touchpoints if k and k.strip()))
    found = {t.key: t for t in Touchpoint.objects.filter(key__in=keys)}
    unknown = [k for k in keys if k not in found]
    if not keys:
        problems.append(Problem("touchpoints", "give at least one touchpoint"))
    elif unknown:
        known = ", ".join(Touchpoint.objects.order_by("key").values_list("key", flat=True)[:40])
        problems.append(
            Problem(
                "touchpoints",
                f"unknown touchpoint {unknown[0][:60]!r} (known: {known or 'none yet'})",
            )
        )
    out["touchpoints"] = [found[k] for k in keys if k in found]
    if draft.expected_change is not None:
        change = float(draft.expected_change)
        if not -200 <= change <= 200:
            problems.append(Problem("expected_change", "a change of −200 to +200 KPI points"))
    out["expected_change"] = draft.expected_change
    department = None
    if draft.department:
        department = Department.objects.filter(key=draft.department).first()
        if department is None:
            known = ", ".join(Department.objects.order_by("key").values_list("key", flat=True))
            problems.append(
                Problem(
                    "department",
                    f"unknown department {draft.department[:60]!r} (known: {known or 'none yet'})",
                )
            )
    elif out["touchpoints"]:
        from cxpilot.initiatives.selectors import proposed_department

        department = proposed_department([t.key for t in out["touchpoints"]])
    out["department"] = department
    if draft.effort not in Effort.values:
        problems.append(Problem("effort", f"unknown effort {draft.effort[:20]!r}; use S, M or L"))
    out["effort"] = draft.effort
    for name, limit in (("person_days", 1_000_000), ("customers_reached", 2_000_000_000)):
        value = getattr(draft, name)
        if value is not None and not 0 <= int(value) <= limit:
            problems.append(Problem(name, f"a whole number from 0 to {limit}"))
        out[name] = value
    out["cost_one_off"] = _money(draft.cost_one_off, "cost_one_off", problems)
    out["cost_monthly"] = _money(draft.cost_monthly, "cost_monthly", problems)
    out["expected_return"] = _money(
        draft.expected_return, "expected_return", problems, optional=True
    )
    for name in ("planned_on", "started_on", "done_on"):
        day = getattr(draft, name)
        if day is not None:
            try:
                check_date(day, name)
            except ValidationError as exc:
                problems.append(Problem(name, exc.detail))
        out[name] = day
    if draft.started_on and draft.done_on and draft.done_on < draft.started_on:
        problems.append(
            Problem(
                "done_on",
                f"done on {draft.done_on.isoformat()}, before it started "
                f"({draft.started_on.isoformat()})",
            )
        )
    status = draft.status or (
        Status.DONE if draft.done_on else Status.STARTED if draft.started_on else Status.PROPOSED
    )
    if status not in Status.values:
        problems.append(Problem("status", f"unknown status {status[:20]!r}"))
    elif status in (Status.STARTED, Status.DONE) and not draft.started_on:
        problems.append(Problem("started_on", "a started or done initiative has a start date"))
    out["status"] = status
    out["council"] = None
    if draft.council is not None:
        from cxpilot.governance.models import Council

        try:
            out["council"] = Council.objects.filter(pk=int(draft.council)).first()
        except (TypeError, ValueError):
            out["council"] = None
        if out["council"] is None:
            known = ", ".join(
                f"{pk} ({name})" for pk, name in Council.objects.values_list("pk", "name")[:20]
            )
            problems.append(
                Problem(
                    "council",
                    f"no council {str(draft.council)[:20]!r} (known: {known or 'none yet'})",
                )
            )
    if problems:
        raise ValidationError(problems[0].reason, where=problems[0].where, problems=problems)
    return out


@transaction.atomic
def initiative_save(
    *, actor: Actor, draft: Draft, initiative: Initiative | None = None
) -> Initiative:
    """Create an initiative from ``draft`` (``initiative`` None) or update ``initiative``.
    Nothing is stored when any field is wrong."""
    roles.require(actor, ADD if initiative is None else CHANGE)
    fields = _check(draft)
    touchpoints = fields.pop("touchpoints")
    if initiative is None:
        initiative = Initiative(
            created_by=actor if actor is not None and actor.is_authenticated else None
        )
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.save()
    initiative.touchpoints.set(touchpoints)
    return initiative


@transaction.atomic
def initiative_delete(*, actor: Actor, initiative: Initiative) -> None:
    roles.require(actor, DELETE)
    initiative.delete()


SETTING_FIELDS = (
    "weight_stake",
    "weight_reach",
    "weight_effect",
    "weight_effort",
    "value_nps",
    "value_ces",
    "value_csat",
    "window_months",
    "horizon_months",
)


@transaction.atomic
def settings_update(*, actor: Actor, **values: Any) -> InitiativeSettings:
    """Change the backlog's weights (0 to 10 each), the value of a KPI point, the effect's
    window (2 to 36 months) or the months of return counted (1 to 120)."""
    roles.require(actor, SETTINGS)
    from cxpilot.initiatives.selectors import settings_get

    current = settings_get()
    problems: list[Problem] = []
    for name, value in values.items():
        if name not in SETTING_FIELDS:
            raise ValidationError(f"no setting {name!r}", where=name)
        if name.startswith("weight_"):
            if value is None or not 0 <= float(value) <= 10:
                problems.append(Problem(name, "a weight from 0 to 10"))
                continue
            value = float(value)
        elif name.startswith("value_"):
            value = _money(value, name, problems)
        else:
            low, high = (2, 36) if name == "window_months" else (1, 120)
            if value is None or not low <= int(value) <= high:
                problems.append(Problem(name, f"a whole number from {low} to {high}"))
                continue
            value = int(value)
        setattr(current, name, value)
    if problems:
        raise ValidationError(problems[0].reason, where=problems[0].where, problems=problems)
    current.save()
    return current
