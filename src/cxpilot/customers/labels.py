"""The fitted model's comparisons and levels as the pages name them, in the user's language.

The model keeps its labels as the linkage wrote them (Splink's own, such as ``Exact match on
email``, and ours, such as ``same by nickname``): the command line and the saved runs print
them so. The pages translate them here; a label not known (a model fitted by an older
version) is shown as it is."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext, gettext_lazy, ngettext

from cxpilot.customers.models import RECORD_LABELS

__all__ = ["comparison_label", "level_label"]

_PLACE = gettext_lazy("Place (postcode and city)")
_HOUSEHOLD = gettext_lazy("Household rule")

_FIXED = {
    "All other comparisons": gettext_lazy("all other comparisons"),
    "first names wholly different, birth dates or e-mails too": gettext_lazy(
        "first names wholly different, and birth dates or e-mails too (fixed, not learnt)"
    ),
    "same by nickname": gettext_lazy("the same by a nickname"),
    "first and last names swapped (Jaro-Winkler >= 0.9 each)": gettext_lazy(
        "first and last names swapped (Jaro-Winkler ≥ 0.9 each)"
    ),
    "day and month swapped": gettext_lazy("day and month swapped"),
    "same local part": gettext_lazy("the same before the @"),
    "same number, street Jaro-Winkler >= 0.9": gettext_lazy(
        "the same number, street Jaro-Winkler ≥ 0.9"
    ),
    "same number, street Jaro-Winkler >= 0.7": gettext_lazy(
        "the same number, street Jaro-Winkler ≥ 0.7"
    ),
    "street Jaro-Winkler >= 0.9": gettext_lazy("street Jaro-Winkler ≥ 0.9"),
    "postcode and city equal": gettext_lazy("postcode and city equal"),
    "postcode equal": gettext_lazy("postcode equal"),
    "city equal, postcode 1 off": gettext_lazy("city equal, postcode one character off"),
    "city equal": gettext_lazy("city equal"),
    "postcode 1 off or city Jaro-Winkler >= 0.9": gettext_lazy(
        "postcode one character off, or city Jaro-Winkler ≥ 0.9"
    ),
}

_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Exact match on \w+"), lambda m: gettext("equal")),
    (
        re.compile(r"\w+ Jaro-Winkler >= ([\d.]+)"),
        lambda m: gettext("Jaro-Winkler ≥ %(at)s") % {"at": m.group(1)},
    ),
    (
        re.compile(r"Damerau-Levenshtein distance of \w+ <= (\d+)"),
        lambda m: (
            ngettext(
                "%(n)s typing error at most (Damerau-Levenshtein)",
                "%(n)s typing errors at most (Damerau-Levenshtein)",
                int(m.group(1)),
            )
            % {"n": m.group(1)}
        ),
    ),
    (
        re.compile(r"Levenshtein distance of \w+ <= (\d+)"),
        lambda m: gettext("Levenshtein distance ≤ %(n)s") % {"n": m.group(1)},
    ),
]


def comparison_label(name: str) -> str:
    """A comparison (a field, or ``place``) as the pages name it."""
    if name == "place":
        return str(_PLACE)
    if name == "household":
        return str(_HOUSEHOLD)
    label = RECORD_LABELS.get(name)
    return str(label) if label is not None else name


def level_label(text: str) -> str:
    """A level's label as the pages name it; unknown labels as they are."""
    if text in _FIXED:
        return str(_FIXED[text])
    for pattern, say in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return say(match)
    return text
