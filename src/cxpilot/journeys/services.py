"""Writes of the journeys domain: the target journeys. Keyword-only, one transaction each,
roles checked here."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cxpilot.journeys.models import TargetJourney
from cxpilot.journeys.targets import Definition, from_yaml
from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.roles import Actor

ADD, CHANGE, DELETE = (
    "journeys.add_targetjourney",
    "journeys.change_targetjourney",
    "journeys.delete_targetjourney",
)


def _journey(key: str | None) -> Any:
    """The organisation's journey of key ``key`` (None for none); an error naming the known
    ones if there is no such journey."""
    if not key:
        return None
    from cxpilot.organisation.selectors import journey_list

    journeys = journey_list(actor=None)
    found = journeys.filter(key=key).first()
    if found is None:
        known = ", ".join(journeys.values_list("key", flat=True)) or "none yet"
        raise ValidationError(
            f"no journey {key!r} in the organisation model (known: {known})", where="journey"
        )
    return found


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


@transaction.atomic
def target_save(
    *, actor: Actor, definition: Definition, target: TargetJourney | None = None
) -> TargetJourney:
    """Create a target journey from ``definition`` (``target`` None) or replace ``target``'s.
    Its key must not be another target's."""
    roles.require(actor, ADD if target is None else CHANGE)
    clash = TargetJourney.objects.filter(key=definition.key)
    if target is not None:
        clash = clash.exclude(pk=target.pk)
    if clash.exists():
        raise ValidationError(
            f"a target journey with the key {definition.key!r} exists already", where="key"
        )
    journey = _journey(definition.journey)
    if target is None:
        target = TargetJourney(created_by=_user(actor))
    target.key = definition.key
    target.name = definition.name
    target.description = definition.description
    target.journey = journey
    target.case = definition.case
    target.activity = definition.activity
    target.definition = definition.as_dict()
    target.updated_by = _user(actor)
    target.save()
    return target


def target_load(
    *, actor: Actor, text: str | bytes, where: str = "target", replace: bool = True
) -> tuple[TargetJourney, bool]:
    """Create a target journey from a YAML text, or replace the one of the same key (unless
    not ``replace``: then that is an error). Gives the target and whether it was created."""
    definition = from_yaml(text, where=where)
    existing = TargetJourney.objects.filter(key=definition.key).first()
    if existing is not None and not replace:
        raise ValidationError(
            f"a target journey with the key {definition.key!r} exists already: "
            "tick replace to replace it",
            where="key",
        )
    saved = target_save(actor=actor, definition=definition, target=existing)
    return saved, existing is None


@transaction.atomic
def target_delete(*, actor: Actor, target: TargetJourney) -> None:
    roles.require(actor, DELETE)
    target.delete()
