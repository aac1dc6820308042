"""The cost rules: what one interaction of a type, on a channel, costs to serve when the data
gives it no cost. Checked, listed (a read) and saved or deleted (writes: keyword-only, one
transaction each, roles checked here); the profitability applies them
(:mod:`cxpilot.value.profitability`)."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.value.models import CostRule

VIEW, ADD, CHANGE, DELETE = (
    "value.view_costrule",
    "value.add_costrule",
    "value.change_costrule",
    "value.delete_costrule",
)
#: The largest cost of one interaction a rule may give (the column holds 12 digits, 2 after
#: the point).
MAX_COST = Decimal("9999999999.99")
NAME_LENGTH = 60
NOTE_LENGTH = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _name(value: Any, where: str) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > NAME_LENGTH:
        raise ValidationError(f"is longer than {NAME_LENGTH} characters", where=where)
    if _CONTROL.search(text):
        raise ValidationError("may not hold control or direction characters", where=where)
    return text


def cost_checked(value: Any, where: str = "cost") -> Decimal:
    """``value`` as a cost of one interaction: a number from 0 to :data:`MAX_COST`, rounded
    to the cent."""
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is not a number", where=where)
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{str(value)[:40]!r} is not a number", where=where) from None
    if not number.is_finite() or not math.isfinite(float(number)):
        raise ValidationError(f"{str(value)[:40]!r} is not a number", where=where)
    if number < 0:
        raise ValidationError("a cost may not be negative", where=where)
    if number > MAX_COST:
        raise ValidationError(f"a cost may not exceed {MAX_COST}", where=where)
    return number.quantize(Decimal("0.01"))


def cost_rule_checked(
    *, type: Any, channel: Any, cost: Any, note: Any = ""
) -> tuple[str, str, Decimal, str]:
    """The fields of a rule, checked: ``type`` and ``channel`` ("" = any), ``cost``,
    ``note``."""
    note_text = "" if note is None else str(note).strip()
    if len(note_text) > NOTE_LENGTH:
        raise ValidationError(f"is longer than {NOTE_LENGTH} characters", where="note")
    if _CONTROL.search(note_text):
        raise ValidationError("may not hold control or direction characters", where="note")
    return _name(type, "type"), _name(channel, "channel"), cost_checked(cost), note_text


def cost_rule_list(*, actor: Actor) -> list[CostRule]:
    roles.require(actor, VIEW)
    return list(CostRule.objects.order_by("type", "channel"))


def cost_rule_get(*, actor: Actor, pk: int) -> CostRule:
    roles.require(actor, VIEW)
    found = CostRule.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"no cost rule {pk}", where="cost rule")
    return found


def cost_rule_find(*, actor: Actor, type: str, channel: str) -> CostRule:
    """The rule of ``type`` and ``channel`` (names checked as a rule's are)."""
    roles.require(actor, VIEW)
    t, c = _name(type, "--type"), _name(channel, "--channel")
    found = CostRule.objects.filter(type=t, channel=c).first()
    if found is None:
        raise NotFound(
            f"no cost rule for type {t or '(any)'!r} and channel {c or '(any)'!r}",
            where="cost rule",
        )
    return found


def cost_rule_unseen(*, type: str, channel: str) -> list[str]:
    """What a rule names that the warehouse's interactions never had: ``type`` and/or
    ``channel`` (each "" = any, always seen). None when there are no interactions yet (a rule
    may be set before the first import). A read: a rule for a new type or channel is kept,
    and the caller warns that it applies to nothing yet."""
    from cxpilot.warehouse.connection import warehouse

    asked = {k: v for k, v in (("type", type), ("channel", channel)) if v}
    if not asked:
        return []
    with warehouse() as con:
        if "interactions" not in con.list_tables():
            return []
        t = con.table("interactions")
        if int(t.count().to_pyarrow().as_py()) == 0:
            return []
        return [
            k
            for k, v in asked.items()
            if k in t.columns and int(t.filter(t[k] == v).count().to_pyarrow().as_py()) == 0
        ]


@transaction.atomic
def cost_rule_save(
    *,
    actor: Actor,
    type: Any,
    channel: Any,
    cost: Any,
    note: Any = "",
    rule: CostRule | None = None,
) -> tuple[CostRule, bool]:
    """Create a rule, or change ``rule``; without ``rule``, the rule of the same type and
    channel is changed if there is one. Gives the rule and whether it was created."""
    t, c, amount, text = cost_rule_checked(type=type, channel=channel, cost=cost, note=note)
    clash = CostRule.objects.filter(type=t, channel=c)
    if rule is None:
        rule = clash.first()
    elif clash.exclude(pk=rule.pk).exists():
        raise ValidationError(
            f"a rule for type {t or '(any)'!r} and channel {c or '(any)'!r} exists already",
            where="type",
        )
    created = rule is None
    roles.require(actor, ADD if created else CHANGE)
    if rule is None:
        rule = CostRule()
    rule.type, rule.channel, rule.cost, rule.note = t, c, amount, text
    rule.save()
    return rule, created


@transaction.atomic
def cost_rule_delete(*, actor: Actor, rule: CostRule) -> None:
    roles.require(actor, DELETE)
    rule.delete()
