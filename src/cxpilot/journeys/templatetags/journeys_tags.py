"""Template filters of the journeys pages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def named(key: Any, names: Mapping[str, str] | None) -> Any:
    """A touchpoint's name from its key (``names``: key → name), or the key itself."""
    return (names or {}).get(str(key), key) if key is not None else key


@register.filter
def named_all(keys: Iterable[Any], names: Mapping[str, str] | None) -> str:
    """The names of touchpoints from their keys, separated by commas."""
    return ", ".join(str(named(k, names)) for k in keys or ())


@register.filter
def signed(value: Any, decimals: int = 1) -> str:
    """A figure with ``decimals`` decimals as ``floatformat`` writes it (rounded half up, in
    the active language), its sign a true minus (−2.6, not -2.6); a dash for none."""
    if value is None or value == "":
        return "—"
    from django.template.defaultfilters import floatformat

    return str(floatformat(value, int(decimals))).replace("-", "−")
