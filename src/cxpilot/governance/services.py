"""Writes of governance: keyword-only, one transaction each, roles checked here.

``actor=None`` is the system itself (the CLI, the demo loader).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cxpilot.governance import engine, selectors
from cxpilot.governance.models import (
    ActionStatus,
    Activity,
    BusinessModel,
    ChampionScore,
    Council,
    CouncilAction,
    CouncilMember,
    Decision,
    GovernanceModel,
    GovernanceModelChoice,
    GovernanceSettings,
    Meeting,
    RaciCell,
    ReportingLine,
)
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, Problem, ValidationError, field_problems
from cxpilot.organisation.models import Department, Touchpoint

EDIT = selectors.EDIT


@transaction.atomic
def catalogue_sync(*, actor: Any = None) -> int:
    """Add the catalogue activities not stored yet, and one “closing the loop” activity per
    touchpoint without one; return how many were added. Nothing is changed or removed."""
    roles.require(actor, EDIT)
    data = selectors.catalogue()
    existing = set(Activity.objects.values_list("key", flat=True))
    order = (Activity.objects.aggregate(m=Max("order"))["m"] or 0) + 10
    added = 0
    for item in data["activities"]:
        if item["key"] in existing:
            continue
        Activity.objects.create(
            key=item["key"], name_en=item["en"], name_fr=item["fr"], order=order
        )
        order, added = order + 10, added + 1
    loop = data["close_loop"]
    for touchpoint in Touchpoint.objects.order_by("name"):
        key = f"{loop['key_prefix']}{touchpoint.key}"
        if key in existing:
            continue
        Activity.objects.create(
            key=key,
            name_en=loop["en"].format(touchpoint=touchpoint.name),
            name_fr=loop["fr"].format(touchpoint=touchpoint.name),
            touchpoint=touchpoint,
            order=order,
        )
        order, added = order + 10, added + 1
    return added


def _cell_write(activity: Activity, department: Department, code: str) -> None:
    if code:
        RaciCell.objects.update_or_create(
            activity=activity, department=department, defaults={"code": code}
        )
    else:
        RaciCell.objects.filter(activity=activity, department=department).delete()


@transaction.atomic
def raci_cells_set(*, actor: Any, cells: Mapping[tuple[str, str], str]) -> int:
    """Set cells given as (activity key, department key) → code; blank clears the cell.

    All or nothing: an unknown activity, department or code raises ValidationError whose
    ``extra`` maps each bad cell ``"activity|department"`` to its reason, and nothing is
    written. Returns how many cells changed.
    """
    roles.require(actor, EDIT)
    activities = {a.key: a for a in Activity.objects.all()}
    departments = {d.key: d for d in Department.objects.all()}
    current = {
        (c.activity.key, c.department.key): c.code
        for c in RaciCell.objects.select_related("activity", "department")
    }
    bad: dict[str, list[str]] = {}
    clean: dict[tuple[str, str], str] = {}
    for (activity, department), raw in cells.items():
        name = f"{activity}|{department}"
        if activity not in activities:
            bad[name] = [f"unknown activity {activity!r}"]
        elif department not in departments:
            bad[name] = [f"unknown department {department!r}"]
        else:
            code = engine.normalise_code(raw)
            if code is None:
                bad[name] = [
                    f"“{raw}” is not a RACI code: use R, A, C, I or a combination such as A/R"
                ]
            else:
                clean[(activity, department)] = code
    if bad:
        raise ValidationError(
            f"{len(bad)} cell(s) are not valid; nothing was saved",
            where="raci",
            problems=field_problems(bad),
        )
    changed = 0
    for (activity, department), code in clean.items():
        if current.get((activity, department), "") != code:
            _cell_write(activities[activity], departments[department], code)
            changed += 1
    return changed


@transaction.atomic
def raci_import(*, text: str, source: str = "RACI", actor: Any = None) -> dict[str, Any]:
    """Import a RACI CSV (layout of :func:`engine.raci_csv_read`), all or nothing.

    Each cell of the file replaces the stored one (an empty cell clears it); activities not in
    the file keep their cells; an activity key not stored yet is added (named by the ``name``
    column, else its key). Unknown department columns, unknown codes and an activity listed
    twice refuse the file: ValidationError naming line and column, ``extra`` listing every
    problem (``where``, ``column``, ``reason``, ``value``), and nothing is written.
    """
    roles.require(actor, EDIT)
    table = engine.raci_csv_read(text, source=source)
    departments = {d.key: d for d in Department.objects.all()}
    problems: list[dict[str, Any]] = []
    for head in table.departments:
        if head not in departments:
            problems.append(
                {
                    "where": f"{source}:line 1",
                    "column": head,
                    "reason": "is not a department key of the organisation",
                    "value": None,
                }
            )
    seen: dict[str, int | None] = {}
    for row in table.rows:
        if row.activity in seen:
            problems.append(
                {
                    "where": f"{source}:line {row.line}",
                    "column": engine.ACTIVITY_COLUMN,
                    "reason": f"the activity is already listed at line {seen[row.activity]}",
                    "value": row.activity,
                }
            )
        seen[row.activity] = row.line
        if len(row.activity) > 80 or not row.activity.replace("_", "a").replace("-", "a").isalnum():
            problems.append(
                {
                    "where": f"{source}:line {row.line}",
                    "column": engine.ACTIVITY_COLUMN,
                    "reason": "an activity key is letters, digits, - and _ (at most 80)",
                    "value": row.activity,
                }
            )
        for dept in table.departments:
            raw = row.cells.get(dept, "")
            if engine.normalise_code(raw) is None:
                problems.append(
                    {
                        "where": f"{source}:line {row.line}",
                        "column": dept,
                        "reason": "is not a RACI code (R, A, C, I or a combination such as A/R)",
                        "value": raw,
                    }
                )
    if problems:
        first = problems[0]
        raise ValidationError(
            f"{len(problems)} problem(s), first: column {first['column']} {first['reason']}; "
            "nothing was imported",
            where=first["where"],
            problems=[Problem(**p) for p in problems],
        )
    existing = {a.key: a for a in Activity.objects.all()}
    order = (Activity.objects.aggregate(m=Max("order"))["m"] or 0) + 10
    created = changed = 0
    for row in table.rows:
        activity = existing.get(row.activity)
        if activity is None:
            name = row.name or row.activity
            activity = Activity.objects.create(
                key=row.activity, name_en=name, name_fr=name, order=order
            )
            order, created = order + 10, created + 1
        current = {c.department.key: c.code for c in activity.cells.select_related("department")}
        for dept in table.departments:
            code = engine.normalise_code(row.cells.get(dept, "")) or ""
            if current.get(dept, "") != code:
                _cell_write(activity, departments[dept], code)
                changed += 1
    return {
        "source": source,
        "activities": len(table.rows),
        "departments": len(table.departments),
        "activities_added": created,
        "cells_changed": changed,
    }


@transaction.atomic
def settings_update(*, actor: Any, **values: Any) -> GovernanceSettings:
    """Change governance settings (thresholds, reporting line, CX team, business model)."""
    roles.require(actor, EDIT)
    allowed = {
        "max_r_or_a_per_department",
        "max_consulted",
        "max_informed",
        "reporting_line",
        "reporting_line_note",
        "has_cx_team",
        "business_model",
    }
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(f"unknown setting(s) {', '.join(sorted(unknown))}", where="settings")
    for name in ("max_r_or_a_per_department", "max_consulted", "max_informed"):
        if name in values and (not isinstance(values[name], int) or not 0 <= values[name] <= 1000):
            raise ValidationError("a threshold is a whole number from 0 to 1000", where=name)
    if values.get("reporting_line", "") not in ("", *ReportingLine.values):
        raise ValidationError("unknown reporting line", where="reporting_line")
    if values.get("business_model", "") not in ("", *BusinessModel.values):
        raise ValidationError("unknown business model", where="business_model")
    gov = GovernanceSettings.current()
    for name, value in values.items():
        setattr(gov, name, value)
    gov.save()
    return gov


# --------------------------------------------------------------------------- council


def _text(value: str, where: str, *, required: bool = True, limit: int = 5000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError("this is required", where=where)
    if len(value) > limit:
        raise ValidationError(f"at most {limit} characters", where=where)
    return value


@transaction.atomic
def council_create(*, actor: Any, name: str, purpose: str = "", cadence: str = "") -> Council:
    roles.require(actor, EDIT)
    return Council.objects.create(
        name=_text(name, "name", limit=120),
        purpose=_text(purpose, "purpose", required=False),
        cadence=_text(cadence, "cadence", required=False, limit=80),
    )


@transaction.atomic
def council_update(
    *, actor: Any, council: Council, name: str, purpose: str = "", cadence: str = ""
) -> Council:
    roles.require(actor, EDIT)
    council.name = _text(name, "name", limit=120)
    council.purpose = _text(purpose, "purpose", required=False)
    council.cadence = _text(cadence, "cadence", required=False, limit=80)
    council.save()
    return council


@transaction.atomic
def council_member_add(
    *,
    actor: Any,
    council: Council,
    name: str = "",
    user: Any = None,
    department: Department | None = None,
    role: str = "",
) -> CouncilMember:
    """Add a member: a user of CX Pilot or a name (one of them is needed)."""
    roles.require(actor, EDIT)
    name = _text(name, "name", required=False, limit=120)
    if not name and user is None:
        raise ValidationError("give a name or choose a user", where="name")
    return CouncilMember.objects.create(
        council=council,
        name=name,
        user=user,
        department=department,
        role=_text(role, "role", required=False, limit=120),
    )


@transaction.atomic
def council_member_remove(*, actor: Any, member: CouncilMember) -> None:
    roles.require(actor, EDIT)
    member.delete()


@transaction.atomic
def meeting_add(
    *,
    actor: Any,
    council: Council,
    date: dt.date,
    attendees: list[CouncilMember] | None = None,
    minutes: str = "",
) -> Meeting:
    roles.require(actor, EDIT)
    foreign = [m for m in attendees or [] if m.council_id != council.pk]
    if foreign:
        raise ValidationError("attendees must be members of this council", where="attendees")
    meeting = Meeting.objects.create(
        council=council, date=date, minutes=_text(minutes, "minutes", required=False, limit=20000)
    )
    meeting.attendees.set(attendees or [])
    return meeting


def _same_council(council: Council, meeting: Meeting | None) -> None:
    if meeting is not None and meeting.council_id != council.pk:
        raise ValidationError("the meeting belongs to another council", where="meeting")


@transaction.atomic
def decision_add(
    *, actor: Any, council: Council, date: dt.date, text: str, meeting: Meeting | None = None
) -> Decision:
    roles.require(actor, EDIT)
    _same_council(council, meeting)
    return Decision.objects.create(
        council=council, meeting=meeting, date=date, text=_text(text, "text")
    )


@transaction.atomic
def council_action_add(
    *,
    actor: Any,
    council: Council,
    title: str,
    owner: str,
    due_date: dt.date,
    department: Department | None = None,
    meeting: Meeting | None = None,
) -> CouncilAction:
    roles.require(actor, EDIT)
    _same_council(council, meeting)
    return CouncilAction.objects.create(
        council=council,
        meeting=meeting,
        title=_text(title, "title", limit=300),
        owner=_text(owner, "owner", limit=120),
        department=department,
        due_date=due_date,
    )


@transaction.atomic
def council_action_status_set(*, actor: Any, action: CouncilAction, status: str) -> CouncilAction:
    roles.require(actor, EDIT)
    if status not in ActionStatus.values:
        raise ValidationError(f"unknown status {status!r}", where="status")
    action.status = status
    action.done_at = timezone.now() if status == ActionStatus.DONE else None
    action.save(update_fields=["status", "done_at"])
    return action


def council_action_get(*, council: Council, pk: int) -> CouncilAction:
    found = council.actions.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no action {pk} in this council")
    return found


# --------------------------------------------------------------------------- champion


@transaction.atomic
def champion_scores_set(*, actor: Any, scores: Mapping[str, Mapping[str, Any]]) -> int:
    """Save the champion scores: department key → {kind, customer_data, brand_promise,
    operational_kpis, product_quality, capacity} (scores 0–5). All or nothing."""
    roles.require(actor, EDIT)
    departments = {d.key: d for d in Department.objects.all()}
    bad: dict[str, list[str]] = {}
    for key, values in scores.items():
        if key not in departments:
            bad[key] = [f"unknown department {key!r}"]
            continue
        if values.get("kind", "other") not in engine.DEPARTMENT_KINDS:
            bad[f"{key}|kind"] = ["unknown kind of department"]
        for criterion in selectors.MANUAL_CRITERIA:
            value = values.get(criterion, 0)
            if not isinstance(value, int) or not 0 <= value <= 5:
                bad[f"{key}|{criterion}"] = ["a score is a whole number from 0 to 5"]
    if bad:
        raise ValidationError(
            "some scores are not valid; nothing was saved",
            where="scores",
            problems=field_problems(bad),
        )
    for key, values in scores.items():
        ChampionScore.objects.update_or_create(
            department=departments[key],
            defaults={
                "kind": values.get("kind", "other"),
                **{c: values.get(c, 0) for c in selectors.MANUAL_CRITERIA},
            },
        )
    return len(scores)


@transaction.atomic
def champion_weights_set(*, actor: Any, weights: Mapping[str, float]) -> dict[str, float]:
    """Save the weights of the champion criteria (each 0–10, not all zero)."""
    roles.require(actor, EDIT)
    unknown = set(weights) - set(engine.CHAMPION_CRITERIA)
    if unknown:
        raise ValidationError(f"unknown criteria {', '.join(sorted(unknown))}", where="weights")
    for criterion, weight in weights.items():
        if not 0 <= float(weight) <= 10:
            raise ValidationError("a weight is from 0 to 10", where=criterion)
    gov = GovernanceSettings.current()
    merged = {**gov.weights(), **{c: float(w) for c, w in weights.items()}}
    if not any(merged.values()):
        raise ValidationError("at least one weight must be above 0", where="weights")
    gov.champion_weights = merged
    gov.save(update_fields=["champion_weights", "updated_at"])
    return merged


# --------------------------------------------------------------------------- governance model

NOTE_LIMIT = 2000


@transaction.atomic
def governance_model_record(
    *, actor: Any, model: str, chosen_on: dt.date | None = None, note: str = ""
) -> GovernanceModelChoice:
    """Record the governance model the CX lead chose (centralised, hybrid or decentralised)
    and the day it was chosen (default today; not in the future), with an optional note.
    Earlier choices are kept; the recommendation of the moment is stored beside it."""
    roles.require(actor, EDIT)
    if not isinstance(model, str) or model not in GovernanceModel.values:
        shown = model[:40] if isinstance(model, str) else model
        raise ValidationError(
            f"unknown governance model {shown!r}: choose centralised, hybrid or decentralised",
            where="model",
        )
    today = timezone.localdate()
    day = chosen_on or today
    if day > today:
        raise ValidationError(
            "the day a model was chosen cannot be in the future", where="chosen_on"
        )
    note = _text(note, "note", required=False, limit=NOTE_LIMIT)
    if "\x00" in note:
        raise ValidationError("the note may not hold the character U+0000", where="note")
    _campaign, recommendation = selectors.governance_model_recommendation()
    return GovernanceModelChoice.objects.create(
        model=model,
        chosen_on=day,
        note=note,
        recommended="" if recommendation is None else recommendation.model,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
