"""The measure of a brand promise: how the data tells whether it is kept.

Two kinds, written as a small mapping (the same in the organisation YAML, the form and the
admin):

- a **delay** between two events of the same case (an order and its delivery)::

      from: {types: [order], touchpoints: [website, app]}
      to: {touchpoints: [delivery]}
      within_hours: 48

  ``from`` and ``to`` each name interaction ``types`` and/or ``touchpoints`` (a text or a
  list; ``type`` and ``touchpoint`` are accepted too); the promise is kept for a start event
  when the next end event of its case comes within ``within_hours``.
- a **score**: the share of answers of ``metric`` (nps, csat or ces) scoring ``at_least``
  on the promise's touchpoints (or on ``touchpoints`` when given)::

      metric: csat
      at_least: 4

:func:`promise_check` checks a mapping and gives it back normalised (lists of
``touchpoints`` and ``types``), raising :class:`~cxpilot.kernel.errors.ValidationError`
naming where the problem is; :func:`validate_promise_check` is the model field's validator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError

from cxpilot.kernel.errors import ValidationError

#: The scale of each metric a score check may name (lowest, highest answer).
SCORE_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
#: The longest delay a check may allow, in hours (a leap year).
MAX_HOURS = 366 * 24
_DELAY_KEYS = {"from", "to", "within_hours"}
_SCORE_KEYS = {"metric", "at_least", "touchpoints"}
_LONGEST = 60  # a touchpoint key or an interaction type, as the models keep them
_MOST = 50  # names in one list


def _names(value: Any, where: str) -> list[str]:
    items = [value] if isinstance(value, str | int) and not isinstance(value, bool) else value
    if not isinstance(items, list) or not items:
        raise ValidationError("a name or a non-empty list of names", where=where)
    if len(items) > _MOST:
        raise ValidationError(f"at most {_MOST} names", where=where)
    names = []
    for item in items:
        if not isinstance(item, str | int) or isinstance(item, bool):
            raise ValidationError(f"{item!r} is not a name", where=where)
        text = str(item).strip()
        if not text or len(text) > _LONGEST or not text.isprintable():
            raise ValidationError(f"{text[:_LONGEST]!r} is not a usable name", where=where)
        names.append(text)
    return sorted(set(names))


def _events(value: Any, where: str) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            "a mapping of types and/or touchpoints (e.g. {types: [order]})", where=where
        )
    aliases = {"type": "types", "types": "types", "touchpoint": "touchpoints"}
    aliases["touchpoints"] = "touchpoints"
    unknown = sorted(str(k) for k in value if k not in aliases)
    if unknown:
        raise ValidationError(
            f"unknown key(s) {', '.join(unknown)}; expected types and/or touchpoints", where=where
        )
    found: dict[str, list[str]] = {}
    for key, item in value.items():
        name = aliases[key]
        if name in found:
            raise ValidationError(f"{name} is given twice", where=f"{where}.{key}")
        found[name] = _names(item, f"{where}.{key}")
    if not found:
        raise ValidationError("name the types and/or the touchpoints of the events", where=where)
    return dict(sorted(found.items()))


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise ValidationError(f"{value!r} is not a number", where=where) from None
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(f"{value!r} is not a number", where=where)
    return number


def promise_check(spec: Any, *, where: str = "measure") -> dict[str, Any] | None:
    """``spec`` checked and normalised; None for no check (None or an empty mapping)."""
    if spec is None or spec == {} or spec == "":
        return None
    if not isinstance(spec, Mapping):
        raise ValidationError(
            "a mapping: from, to and within_hours, or metric and at_least", where=where
        )
    keys = {str(k) for k in spec}
    unknown = sorted(keys - _DELAY_KEYS - _SCORE_KEYS)
    if unknown:
        raise ValidationError(
            f"unknown key(s) {', '.join(unknown)}; expected from, to and within_hours, "
            "or metric, at_least and touchpoints",
            where=where,
        )
    if keys & _DELAY_KEYS and keys & _SCORE_KEYS:
        raise ValidationError(
            "a check is a delay (from, to, within_hours) or a score (metric, at_least), not both",
            where=where,
        )
    if keys & _DELAY_KEYS:
        missing = sorted(_DELAY_KEYS - keys)
        if missing:
            raise ValidationError(f"a delay check needs {', '.join(missing)}", where=where)
        start = _events(spec["from"], f"{where}.from")
        end = _events(spec["to"], f"{where}.to")
        if start == end:
            raise ValidationError("the end events are the start events", where=f"{where}.to")
        hours = _number(spec["within_hours"], f"{where}.within_hours")
        if not 0 < hours <= MAX_HOURS:
            raise ValidationError(
                f"{hours:g} hours: a delay is above 0, up to {MAX_HOURS} hours",
                where=f"{where}.within_hours",
            )
        return {"from": start, "to": end, "within_hours": hours}
    missing = sorted({"metric", "at_least"} - keys)
    if missing:
        raise ValidationError(f"a score check needs {', '.join(missing)}", where=where)
    metric = str(spec["metric"]).strip().lower()
    if metric not in SCORE_SCALES:
        raise ValidationError(
            f"{spec['metric']!r} is not one of {', '.join(SCORE_SCALES)}", where=f"{where}.metric"
        )
    low, high = SCORE_SCALES[metric]
    at_least = _number(spec["at_least"], f"{where}.at_least")
    if not low < at_least <= high:
        raise ValidationError(
            f"{at_least:g} is not above {low} and up to {high}, the {metric.upper()} scale",
            where=f"{where}.at_least",
        )
    checked: dict[str, Any] = {"metric": metric, "at_least": at_least}
    if "touchpoints" in spec:
        checked["touchpoints"] = _names(spec["touchpoints"], f"{where}.touchpoints")
    return checked


def check_touchpoints(check: Mapping[str, Any] | None) -> list[str]:
    """Every touchpoint key a normalised check names."""
    if not check:
        return []
    if "metric" in check:
        return list(check.get("touchpoints", []))
    return sorted({*check["from"].get("touchpoints", []), *check["to"].get("touchpoints", [])})


def validate_promise_check(value: Any) -> None:
    """The model field's validator: a Django ValidationError for a malformed check."""
    try:
        promise_check(value)
    except ValidationError as exc:
        raise DjangoValidationError(str(exc), code="invalid") from None
