"""The definition of a target journey: its steps, their order and time limits, read from and
written to YAML (or a dict), checked thoroughly. Pure: no Django, no I/O.

A definition::

    key: commande_en_ligne          # a slug: letters, digits, - and _
    name: Commande en ligne
    description: …                  # optional
    journey: achat                  # optional: a journey of the organisation model (key)
    case: journey                   # person | record | journey (what one path is)
    activity: type                  # touchpoint | type (what a step's activities are)
    allow_other: true               # events whose activity is in no step: ignored (true) or
                                    # deviations (false, the default)
    cases_with: [order]             # optional: only the cases with one of these activities
    steps:
      - key: visite
        name: Visite du site
        activities: [visit]
        required: false             # default true
      - key: commande
        name: Commande
        activities: [order]         # after: [visite], the previous step, by default
      - key: livraison
        name: Livraison ou retrait
        activities: [delivery, pickup]
        within_hours: 96            # from the latest step before it that the case reached

``after`` lists the steps that must come before a step (default: the previous step, so the
steps form a strict chain; ``after: []`` lets the step come anywhere; two steps with the same
``after`` may come in either order).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import yaml

from cxpilot.kernel.errors import ProblemList, ValidationError
from cxpilot.kernel.textfiles import yaml_load

CASES = ("person", "journey")
ACTIVITIES = ("touchpoint", "type")
TOP_KEYS = (
    "key",
    "name",
    "description",
    "journey",
    "case",
    "activity",
    "allow_other",
    "cases_with",
    "steps",
)
STEP_KEYS = ("key", "name", "activities", "required", "after", "within_hours")

#: Limits that keep a definition a definition: a YAML text larger than this, or with more
#: steps or activities, is refused before it is read.
MAX_YAML_BYTES = 100_000
MAX_STEPS = 40
MAX_ACTIVITIES = 200
MAX_HOURS = 24 * 366 * 5  # five years
MAX_NAME = 120
MAX_DESCRIPTION = 2_000
MAX_ACTIVITY = 60

_SLUG = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
#: Control characters (C0, DEL, C1) and the Unicode direction overrides that can make a
#: name read differently from what it is.
_HOSTILE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    activities: tuple[str, ...]
    required: bool = True
    after: tuple[str, ...] = ()
    within_hours: float | None = None


@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    steps: tuple[Step, ...]
    description: str = ""
    journey: str | None = None
    case: str = "person"
    activity: str = "touchpoint"
    allow_other: bool = False
    cases_with: tuple[str, ...] = ()

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def ancestors(self) -> dict[str, list[str]]:
        """For each step, every step that must come before it, directly or through others,
        in the definition's order."""
        direct = {s.key: s.after for s in self.steps}
        order = [s.key for s in self.steps]
        found: dict[str, list[str]] = {}
        for key in order:
            seen: set[str] = set()
            todo = list(direct[key])
            while todo:
                k = todo.pop()
                if k not in seen:
                    seen.add(k)
                    todo.extend(direct[k])
            found[key] = [k for k in order if k in seen]
        return found

    def activity_steps(self) -> dict[str, str]:
        """activity -> the key of the step it belongs to."""
        return {a: s.key for s in self.steps for a in s.activities}

    def as_dict(self) -> dict[str, Any]:
        """The definition as plain data, defaults left out: :func:`parse` reads it back to an
        equal definition."""
        out: dict[str, Any] = {"key": self.key, "name": self.name}
        if self.description:
            out["description"] = self.description
        if self.journey:
            out["journey"] = self.journey
        out["case"] = self.case
        out["activity"] = self.activity
        out["allow_other"] = self.allow_other
        if self.cases_with:
            out["cases_with"] = list(self.cases_with)
        steps = []
        previous: str | None = None
        for s in self.steps:
            item: dict[str, Any] = {"key": s.key, "name": s.name, "activities": list(s.activities)}
            if not s.required:
                item["required"] = False
            if s.after != ((previous,) if previous else ()):
                item["after"] = list(s.after)
            if s.within_hours is not None:
                item["within_hours"] = (
                    int(s.within_hours) if float(s.within_hours).is_integer() else s.within_hours
                )
            steps.append(item)
            previous = s.key
        out["steps"] = steps
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(
            self.as_dict(), allow_unicode=True, sort_keys=False, default_flow_style=None, width=88
        )


def _text(
    value: Any,
    where: str,
    problems: ProblemList,
    *,
    limit: int,
    required: bool = True,
    multiline: bool = False,
) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add(where, "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.add(where, f"must be a text, not {type(value).__name__}")
        return ""
    text = str(value).strip()
    if len(text) > limit:
        problems.add(where, f"is longer than {limit} characters ({len(text)})")
        return ""
    bad = _HOSTILE.search(
        text.replace("\r\n", "\n").replace("\n", "").replace("\t", "") if multiline else text
    )
    if bad:
        problems.add(where, f"may not hold the control character U+{ord(bad[0]):04X}")
        return ""
    return text


def _slug(value: Any, where: str, problems: ProblemList) -> str:
    text = _text(value, where, problems, limit=60)
    if text and not _SLUG.match(text):
        problems.add(
            where, f"{text[:60]!r} is not a key: use letters, digits, - and _ (60 at most)"
        )
        return ""
    return text


def _text_list(value: Any, where: str, problems: ProblemList, *, limit: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        problems.add(where, "must be a list of texts")
        return []
    if len(value) > MAX_ACTIVITIES:
        problems.add(where, f"has more than {MAX_ACTIVITIES} items ({len(value)})")
        return []
    out: list[str] = []
    for i, item in enumerate(value):
        text = _text(item, f"{where}[{i + 1}]", problems, limit=limit)
        if text and text in out:
            problems.add(where, f"lists {text!r} twice")
        elif text:
            out.append(text)
    return out


def _bool(value: Any, where: str, problems: ProblemList, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        problems.add(where, f"must be true or false, not {str(value)[:40]!r}")
        return default
    return value


def _choice(value: Any, allowed: tuple[str, ...], where: str, problems: ProblemList) -> str:
    if value is None:
        return allowed[0]
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if text not in allowed:
        problems.add(where, f"must be one of {', '.join(allowed)}, not {str(value)[:40]!r}")
        return allowed[0]
    return text


def _hours(value: Any, where: str, problems: ProblemList) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(where, f"must be a number of hours, not {str(value)[:40]!r}")
        return None
    try:
        number = float(value)
    except OverflowError:  # a whole number of hundreds of digits
        number = math.inf
    if math.isnan(number) or number <= 0:
        problems.add(where, f"must be more than 0 hours, not {value}")
        return None
    if number > MAX_HOURS:
        shown = str(value) if len(str(value)) <= 20 else str(value)[:20] + "…"
        problems.add(where, f"must be at most {MAX_HOURS} hours (five years), not {shown}")
        return None
    return number


def _unknown(
    data: dict[Any, Any], allowed: tuple[str, ...], where: str, problems: ProblemList
) -> None:
    unknown = [str(k)[:40] for k in data if k not in allowed]
    if unknown:
        problems.add(
            where,
            f"unknown key(s) {', '.join(map(repr, unknown))}; expected {', '.join(allowed)}",
        )


def parse(data: Any, *, where: str = "target") -> Definition:
    """A definition from plain data (a YAML document's value, a form's), checked: every
    problem is collected and raised at once as a ValidationError whose problems name the
    step and field (``steps[2].after``)."""
    problems = ProblemList(limit=50)
    if not isinstance(data, dict):
        raise ValidationError(
            f"a target journey is an object with the keys {', '.join(TOP_KEYS)}", where=where
        )
    _unknown(data, TOP_KEYS, where, problems)
    key = _slug(data.get("key"), "key", problems)
    name = _text(data.get("name"), "name", problems, limit=MAX_NAME)
    description = _text(
        data.get("description"),
        "description",
        problems,
        limit=MAX_DESCRIPTION,
        required=False,
        multiline=True,
    )
    journey = _slug(data["journey"], "journey", problems) if data.get("journey") else None
    case = _choice(data.get("case"), CASES, "case", problems)
    activity = _choice(data.get("activity"), ACTIVITIES, "activity", problems)
    allow_other = _bool(data.get("allow_other"), "allow_other", problems, False)
    cases_with = _text_list(data.get("cases_with"), "cases_with", problems, limit=MAX_ACTIVITY)
    raw_steps = data.get("steps")
    steps: list[Step] = []
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.add("steps", "must be a list of one step or more")
        raw_steps = []
    if len(raw_steps) > MAX_STEPS:
        problems.add("steps", f"has more than {MAX_STEPS} steps ({len(raw_steps)})")
        raw_steps = []
    keys = [s.get("key") if isinstance(s, dict) else None for s in raw_steps]
    seen_activities: dict[str, str] = {}
    previous: str | None = None
    for i, raw in enumerate(raw_steps):
        at = f"steps[{i + 1}]"
        if not isinstance(raw, dict):
            problems.add(at, "a step is an object with key, name, activities…")
            continue
        _unknown(raw, STEP_KEYS, at, problems)
        skey = _slug(raw.get("key"), f"{at}.key", problems)
        if skey and keys.index(raw.get("key")) != i:
            problems.add(f"{at}.key", f"{skey!r} is the key of an earlier step too")
        at = f"steps[{i + 1}] ({skey})" if skey else at
        sname = _text(raw.get("name"), f"{at}.name", problems, limit=MAX_NAME)
        before = problems.count
        acts = _text_list(raw.get("activities"), f"{at}.activities", problems, limit=MAX_ACTIVITY)
        if not acts and problems.count == before:
            problems.add(f"{at}.activities", "needs one touchpoint or event type or more")
        for a in acts:
            if a in seen_activities:
                problems.add(
                    f"{at}.activities",
                    f"{a!r} is an activity of step {seen_activities[a]!r} too: "
                    "an activity belongs to one step",
                )
            else:
                seen_activities[a] = skey or str(i + 1)
        required = _bool(raw.get("required"), f"{at}.required", problems, True)
        if "after" in raw:
            after = _text_list(raw.get("after"), f"{at}.after", problems, limit=60)
            for a in after:
                if a not in keys:
                    problems.add(f"{at}.after", f"{a!r} is not the key of a step")
                elif a == raw.get("key"):
                    problems.add(f"{at}.after", "a step cannot come after itself")
        else:
            after = [previous] if previous else []
        hours = _hours(raw.get("within_hours"), f"{at}.within_hours", problems)
        if hours is not None and not after:
            problems.add(
                f"{at}.within_hours",
                "a time limit counts from the steps before it: this step has none (after)",
            )
        steps.append(Step(skey, sname, tuple(acts), required, tuple(after), hours))
        previous = skey or previous
    if steps and not problems and not any(s.required for s in steps):
        problems.add("steps", "at least one step must be required")
    if not problems:
        cycle = _cycle(steps)
        if cycle:
            problems.add(
                f"steps ({cycle[0]})",
                f"the steps' after make a cycle: {' → '.join(cycle)}: no order can satisfy it",
            )
    problems.raise_if_any(
        lambda count, first: (
            f"the target journey has {count} problem(s), the first: {first.where}: {first.reason}"
        ),
    )
    return Definition(
        key=key,
        name=name,
        steps=tuple(steps),
        description=description,
        journey=journey,
        case=case,
        activity=activity,
        allow_other=allow_other,
        cases_with=tuple(cases_with),
    )


def _cycle(steps: list[Step]) -> list[str]:
    """A cycle in the steps' ``after`` (as the keys along it, the first repeated at the end),
    or an empty list."""
    after = {s.key: s.after for s in steps}
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(key: str, path: list[str]) -> list[str]:
        state[key] = 1
        for a in after.get(key, ()):
            if state.get(a) == 1:
                return [*path[path.index(a) :], a]
            if state.get(a) is None:
                found = visit(a, [*path, a])
                if found:
                    return found
        state[key] = 2
        return []

    for s in steps:
        if s.key not in state:
            found = visit(s.key, [s.key])
            if found:
                # read in time order: each step comes after the next one listed
                return list(reversed(found))
    return []


def from_yaml(text: str | bytes, *, where: str = "target") -> Definition:
    """A definition from a YAML (or JSON) text, refusing a text larger than
    :data:`MAX_YAML_BYTES`, aliases and anything :func:`parse` refuses."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_YAML_BYTES:
        raise ValidationError(
            f"the YAML is {size:,} bytes; a target journey takes at most {MAX_YAML_BYTES:,}",
            where=where,
        )
    if isinstance(text, bytes):
        from cxpilot.kernel.textfiles import decode_text

        text = decode_text(text, where=where, kind="YAML")
    try:
        data = yaml_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationError(f"not valid YAML: {problem}", where=f"{where}{line}") from None
    except RecursionError:
        raise ValidationError("the YAML nests too deeply", where=where) from None
    return parse(data, where=where)
