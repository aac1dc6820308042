"""The decisions the customer advocate assesses: reads and writes (keyword-only, one
transaction each, roles checked here). The assessment itself is :mod:`cxpilot.value.impact`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.value.impact import (
    MAX_CHURN,
    MAX_NPS,
    Range,
    Scope,
    impact_assessed,
    range_checked,
    scope_checked,
)
from cxpilot.value.models import Decision, DecisionStatus


def churn_checked(low: float | None, high: float | None, *, where: str) -> Range | None:
    """A churn uplift ``low``..``high`` checked: 0 to :data:`MAX_CHURN` points (a decision
    that keeps customers is given as an NPS change, not as negative customers lost)."""
    for end in (low, high):
        if end is not None and end < 0:
            raise ValidationError(
                f"a churn uplift is 0 to {MAX_CHURN:g} points (more customers lost), got {end:g}",
                where=where,
            )
    return range_checked(low, high, where=where, limit=MAX_CHURN, signed=False)


VIEW, ADD, CHANGE, DELETE = (
    "value.view_decision",
    "value.add_decision",
    "value.change_decision",
    "value.delete_decision",
)
TITLE_MAX = 200
#: A decision in one of these statuses keeps the assessment it was settled on.
SETTLED = (DecisionStatus.DECIDED, DecisionStatus.REJECTED, DecisionStatus.WITHDRAWN)


def decision_list(*, actor: Actor, status: str | None = None) -> QuerySet[Decision]:
    roles.require(actor, VIEW)
    found = Decision.objects.select_related("owner")
    if status:
        if status not in DecisionStatus.values:
            raise ValidationError(
                f"{status[:40]!r} is not a status ({', '.join(DecisionStatus.values)})",
                where="status",
            )
        found = found.filter(status=status)
    return found


def decision_get(*, actor: Actor, pk: int) -> Decision:
    roles.require(actor, VIEW)
    found = Decision.objects.select_related("owner").filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no decision {pk}", where="decision")
    return found


def decision_scope(decision: Decision) -> Scope:
    """The decision's scope, read back as it is stored (not checked again: a key removed from
    the organisation model since stays visible, and picks no one)."""
    return Scope(**{k: tuple(getattr(decision, k) or ()) for k in Scope.__dataclass_fields__})


def decision_effects(decision: Decision) -> tuple[Range | None, Range | None]:
    churn = (
        Range(decision.churn_low, decision.churn_high)
        if decision.churn_low is not None and decision.churn_high is not None
        else None
    )
    nps = (
        Range(decision.nps_low, decision.nps_high)
        if decision.nps_low is not None and decision.nps_high is not None
        else None
    )
    return churn, nps


def title_checked(text: str) -> str:
    title = " ".join(str(text or "").split())
    if not title:
        raise ValidationError("give the decision a title", where="title")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"a title has at most {TITLE_MAX} characters", where="title")
    if any(ord(c) < 32 for c in title):
        raise ValidationError("a title holds no control character", where="title")
    return title


@transaction.atomic
def decision_save(
    *,
    actor: Actor,
    title: str,
    scope: dict[str, list[str]],
    churn: tuple[float | None, float | None] = (None, None),
    nps: tuple[float | None, float | None] = (None, None),
    description: str = "",
    status: str = DecisionStatus.PROPOSED,
    owner: Any = None,
    decision_date: dt.date | None = None,
    assessment: dict[str, Any] | None = None,
    decision: Decision | None = None,
) -> Decision:
    """Create a decision (``decision`` None) or change it. The scope's keys must exist in the
    organisation model, the ranges be low ≤ high within bounds; ``assessment`` (an
    :func:`~cxpilot.value.impact.impact_assessed` result) is kept as it is."""
    roles.require(actor, ADD if decision is None else CHANGE)
    checked = scope_checked(
        **{k: scope.get(k, []) for k in ("segments", "touchpoints", "channels", "stages")},
        where={k: k for k in ("segments", "touchpoints", "channels", "stages")},
    )
    if checked.empty:
        raise ValidationError(
            "give the scope: a segment, a touchpoint, a channel or a journey stage",
            where="segments",
        )
    uplift = churn_checked(*churn, where="churn")
    change = range_checked(*nps, where="nps", limit=MAX_NPS, signed=True)
    if uplift is None and change is None:
        raise ValidationError(
            "give the assumed effect: a churn uplift and/or an NPS change", where="churn"
        )
    if status not in DecisionStatus.values:
        raise ValidationError(f"{str(status)[:40]!r} is not a status", where="status")
    effects = (
        (uplift.low, uplift.high) if uplift else (None, None),
        (change.low, change.high) if change else (None, None),
    )
    if decision is None:
        decision = Decision(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    else:
        before = Decision.objects.get(pk=decision.pk)
        moved = decision_scope(before) != checked or effects != (
            (before.churn_low, before.churn_high),
            (before.nps_low, before.nps_high),
        )
        if moved and before.status in SETTLED and before.assessment is not None:
            raise ValidationError(
                "the scope and the assumed effect of a decision that is decided, rejected or "
                "withdrawn stay those it was assessed on",
                where="segments",
            )
        if moved and assessment is None:  # the kept assessment no longer answers it
            decision.assessment, decision.assessed_at = None, None
    decision.title = title_checked(title)
    decision.description = str(description or "")[:20000]
    for kind, keys in checked.as_dict().items():
        setattr(decision, kind, keys)
    (decision.churn_low, decision.churn_high), (decision.nps_low, decision.nps_high) = effects
    decision.status = status
    decision.owner = owner
    decision.decision_date = decision_date
    if assessment is None and decision.assessment is None and status in SETTLED:
        # settled without ever being assessed: it keeps the assessment of the day it settled
        try:
            assessment = impact_assessed(actor=actor, scope=checked, churn=uplift, nps=change)
        except ValidationError:  # nothing to assess (an empty warehouse): kept unassessed
            assessment = None
    if assessment is not None:
        decision.assessment = assessment
        decision.assessed_at = dt.datetime.fromisoformat(assessment["computed_at"])
    decision.save()
    return decision


def decision_assess(*, actor: Actor, decision: Decision, moments: bool = True) -> Decision:
    """Assess the decision again on today's data, and keep that assessment (not for a
    settled decision: it keeps the one it was settled on)."""
    roles.require(actor, CHANGE)
    if decision.status in SETTLED:
        raise ValidationError(
            f"the decision is {decision.status}: it keeps the assessment it was settled on",
            where="status",
        )
    churn, nps = decision_effects(decision)
    found = impact_assessed(
        actor=actor, scope=decision_scope(decision), churn=churn, nps=nps, moments=moments
    )
    with transaction.atomic():
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        locked.assessment = found
        locked.assessed_at = dt.datetime.fromisoformat(found["computed_at"])
        locked.save(update_fields=["assessment", "assessed_at", "updated_at"])
    return locked


@transaction.atomic
def decision_delete(*, actor: Actor, decision: Decision) -> None:
    roles.require(actor, DELETE)
    decision.delete()
