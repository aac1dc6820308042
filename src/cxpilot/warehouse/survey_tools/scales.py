"""The scale of each scored question: which scale its answers are on, what its word labels
mean, and how its scores reach the metric's scale. A score is stored only on its metric's
scale (NPS 0–10, CES 1–7, CSAT 1–5), and nothing is dropped or rescaled silently.

The scale of a question, first found wins:

1. the mapping's ``scales: {Q1: {scale: 1-5}}``;
2. the question's text or the tool's sub-label stating it: ``(1 = Very difficult, 5 = Very
   easy)``, ``on a scale from 1 to 10``, ``sur une échelle de 1 à 7``;
3. answers written as the metric's own labels (``Strongly agree``…): the metric's scale;
4. the answers alone: the metric's scale, except a CES question none of whose answers is
   above 5, which may be a 1–5 ease scale and is refused until the mapping says which.
   Answers alone never make an NPS question anything but 0–10: people rarely answer 0, so
   answers from 1 to 10 are still an NPS scale; it takes the text, the tool's labels or the
   mapping to say the scale starts at 1.

A scale that is not the metric's is refused, naming the scale and the fixes (convert it with
``convert: linear`` or a table of points, keep it as an attribute, or ignore it).

Answers that are neither numbers nor the metric's labels are the scale's end labels when
there are one or two of them. Each is read as the score the mapping gives it, else the one
the question text gives it (``10 = Absolutely``), else the standard NPS anchor it is (``Not
at all likely`` 0, ``Extremely likely`` 10); else, when it is the only label left, every score
between the scale's ends appears among the answers and exactly one end is missing, it is that
end. Labels left unread stop the import, with their counts and the mapping that reads them.
More than two distinct labels are not a scale's ends: validation rejects those rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from cxpilot.kernel.errors import ProblemList, ValidationError
from cxpilot.warehouse.schema import METRIC_RANGES
from cxpilot.warehouse.survey_tools.common import Export, ScoredQuestion, SurveyPlan, shown
from cxpilot.warehouse.survey_tools.detection import SCORE_LABELS, normalise, parse_score

if TYPE_CHECKING:
    from cxpilot.warehouse.survey_tools.mapping import SurveyMapping, shown

#: The standard anchors of the NPS question (Reichheld), English and French.
NPS_ANCHORS = {
    "not at all likely": 0,
    "extremely likely": 10,
    "pas du tout probable": 0,
    "extrêmement probable": 10,
}
#: A metric whose answers never above this may be on a shorter scale: CES asked on 1–5.
SHORTER_SCALE_TOP = {"ces": 5}
#: A label's value in the mapping that says the answer is no score at all.
SKIP = "skip"

_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_RANGE_PATTERNS = (
    re.compile(
        r"\b(?:from|de|between|entre)\s+(\d{1,2})\b(?:\s*\([^)]*\))?\s*(?:to|à|and|et)\s+(\d{1,2})\b"
    ),
    re.compile(r"\b(?:scale|échelle)\s*(?:of|from|de)?\s*(\d{1,2})\s*(?:-|–|to|à)\s*(\d{1,2})\b"),
)
_POINT = re.compile(r"(?<![\w.])(\d{1,2})\s*=\s*([^,;()=]+?)\s*(?=[,;)]|$)")


# --------------------------------------------------------------------------- the mapping


@dataclass(frozen=True)
class ScaleRule:
    """What a mapping's ``scales: {<column>: …}`` says of a scored question."""

    ref: str
    where: str
    scale: tuple[int, int] | None = None
    convert: str | dict[int, int] | None = None  # "linear" or {point: score}
    labels: dict[str, int | None] = field(default_factory=dict)  # label key -> score (None: skip)
    spellings: dict[str, str] = field(default_factory=dict)  # label key -> as written


def read_scale_rules(value: object, where: str) -> dict[str, ScaleRule]:
    """The mapping's ``scales`` key: column -> {scale, convert, labels}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(
            "scales maps scored columns to {scale: 1-5, convert: linear, labels: {label: score}}",
            where=where,
        )
    return {
        str(ref).strip(): _scale_rule(str(ref).strip(), rule, f"{where}.{ref}")
        for ref, rule in value.items()
    }


def _scale_rule(ref: str, value: object, where: str) -> ScaleRule:
    allowed = {"scale", "convert", "labels"}
    if not isinstance(value, dict) or not value or set(value) - allowed:
        raise ValidationError(
            "a question's scale takes scale (1-5), convert (linear or {point: score}) and "
            "labels ({label: score or skip})",
            where=where,
        )
    scale = _read_scale(value["scale"], f"{where}.scale") if "scale" in value else None
    convert = _read_convert(value.get("convert"), f"{where}.convert")
    if convert is not None and scale is None:
        raise ValidationError(
            "convert needs the scale it converts from (scale: 1-5)", where=f"{where}.convert"
        )
    labels: dict[str, int | None] = {}
    spellings: dict[str, str] = {}
    raw_labels = value.get("labels") or {}
    if not isinstance(raw_labels, dict):
        raise ValidationError(
            "labels maps each label to its score (Absolutely: 10) or to skip",
            where=f"{where}.labels",
        )
    for label, score in raw_labels.items():
        key = label_key(str(label))
        if isinstance(score, str) and score.strip().lower() == SKIP:
            labels[key] = None
        elif isinstance(score, int) and not isinstance(score, bool):
            labels[key] = score
        else:
            raise ValidationError(
                f"a label's score is a whole number or skip; got {score!r}",
                where=f"{where}.labels.{label}",
            )
        spellings[key] = str(label)
    return ScaleRule(ref, where, scale, convert, labels, spellings)


def _read_scale(value: object, where: str) -> tuple[int, int]:
    if isinstance(value, list) and len(value) == 2:
        ends = value
    else:
        match = re.fullmatch(r"\s*(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\s*", str(value))
        ends = [match.group(1), match.group(2)] if match else []
    try:
        low, high = (int(v) for v in ends)
    except (TypeError, ValueError):
        low = high = 0
    if not ends or low >= high:
        raise ValidationError(
            f"a scale is written low-high (1-5, 0-10); got {shown(value)}", where=where
        )
    return low, high


def _read_convert(value: object, where: str) -> str | dict[int, int] | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "linear":
        return "linear"
    if isinstance(value, dict) and all(
        isinstance(k, int) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in value.items()
    ):
        return {int(k): int(v) for k, v in value.items()}
    raise ValidationError(
        f"convert is linear or a table of points ({{1: 1, 2: 3, …}}); got {shown(value)}",
        where=where,
    )


# --------------------------------------------------------------------------- a question's scale


@dataclass
class LabelReading:
    """A word label among a question's answers and the score it is read as."""

    label: str  # as written (its first spelling)
    count: int
    score: int | None  # on the question's scale; None: not a score, the answer gives no row
    why: str


@dataclass
class QuestionScale:
    """The scale a scored question was answered on, its labels and its conversion."""

    key: str
    metric: str
    low: int
    high: int
    why: str
    labels: dict[str, LabelReading] = field(default_factory=dict)  # by label key
    conversion: dict[int, int] | None = None  # question's point -> score on the metric's scale
    conversion_why: str = ""

    @property
    def metric_scale(self) -> tuple[int, int]:
        return METRIC_RANGES[self.metric]

    def score(self, cell: str) -> str | None:
        """The score stored for an answer (as text, for validation); None: no row."""
        reading = self.labels.get(label_key(cell))
        if reading is not None:
            if reading.score is None:
                return None
            value = str(reading.score)
        else:
            value = parse_score(cell, self.metric)
        if self.conversion is not None and re.fullmatch(r"[+-]?\d+", value):
            return str(self.conversion.get(int(value), value))
        return value

    def describe(self) -> str:
        """The scale, how it was found, its conversion: for the plan's table."""
        text = f"scale {self.low}–{self.high} ({self.why})"
        if self.conversion is not None:
            text += f", converted to {self.metric.upper()} {_span(self.metric_scale)}: " + (
                f"{self.conversion_why} ({_points(self.conversion)})"
            )
        return text

    def notes(self) -> list[str]:
        out = []
        for reading in self.labels.values():
            answers = f"{reading.count} answer{'s' if reading.count != 1 else ''}"
            if reading.score is None:
                out.append(f"{self.key}: {answers} {reading.label!r} not imported ({reading.why})")
            else:
                out.append(
                    f"{self.key}: {reading.label!r} ({answers}) read as {reading.score}: {reading.why}"
                )
        if self.conversion is not None:
            out.append(
                f"{self.key}: answers on {self.low}–{self.high} converted to {self.metric.upper()} "
                f"{_span(self.metric_scale)}, {self.conversion_why}: {_points(self.conversion)}"
            )
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "scale": f"{self.low}-{self.high}",
            "why": self.why,
            "metric_scale": "{}-{}".format(*self.metric_scale),
            "labels": [
                {"label": r.label, "count": r.count, "score": r.score, "why": r.why}
                for r in self.labels.values()
            ],
            "conversion": None
            if self.conversion is None
            else {
                "how": self.conversion_why,
                "points": {str(k): v for k, v in self.conversion.items()},
            },
        }


def label_key(text: str) -> str:
    return normalise(text).rstrip(".!")


def _span(scale: tuple[int, int]) -> str:
    return f"{scale[0]}–{scale[1]}"


def _points(table: dict[int, int]) -> str:
    return ", ".join(f"{k}→{v}" for k, v in sorted(table.items()))


def linear_table(scale: tuple[int, int], target: tuple[int, int]) -> dict[int, int]:
    """Each point of ``scale`` placed at the same position on ``target``, rounded to the
    nearest whole score, halves toward the middle of ``target`` (1–5 on 1–7: 1, 3, 4, 5, 7)."""
    (a, b), (lo, hi) = scale, target
    middle = Fraction(lo + hi, 2)
    table = {}
    for point in range(a, b + 1):
        exact = lo + Fraction((point - a) * (hi - lo), b - a)
        down = exact.numerator // exact.denominator
        if exact - down == Fraction(1, 2):
            table[point] = down if exact > middle else down + 1
        else:
            table[point] = round(exact)
    return table


# --------------------------------------------------------------------------- reading the scales


def read_scales(export: Export, plan: SurveyPlan, mapping: SurveyMapping | None) -> None:
    """Find each scored question's scale (``question.scale``), add its labels and conversion
    to the plan's notes; refuse, naming every question in doubt, what cannot be read."""
    from cxpilot.warehouse.survey_tools.planning import find_column  # planning imports mapping

    rules: dict[str, ScaleRule] = {}
    if mapping is not None:
        scored = {q.column.name for q in plan.questions}
        for ref, rule in mapping.scales.items():
            col = find_column(export, ref, rule.where)
            if col.name not in scored:
                raise ValidationError(
                    f"{ref!r} is not a scored question (scales are for NPS, CES and CSAT "
                    "questions; name its metric in questions)",
                    where=rule.where,
                )
            rules[col.name] = rule
    problems = ProblemList()
    for question in plan.questions:
        where = f"{export.path}:{question.column.name}"
        try:
            question.scale = _question_scale(export, question, rules.get(question.column.name))
        except ValidationError as exc:
            problems.add(exc.where or where, exc.detail)
            continue
        plan.notes.extend(question.scale.notes())
    problems.raise_if_any(
        lambda count, first: (
            first.reason
            if count == 1
            else f"{count} scored questions cannot be read on their metric's scale; first: {first.reason}"
        )
    )


@dataclass
class _Answers:
    numbers: Counter[int] = field(default_factory=Counter)
    labels: dict[str, list[Any]] = field(default_factory=dict)  # key -> [spelling, count]
    metric_labels: int = 0  # answers that are the metric's own labels (Strongly agree…)


def _answers(values: list[str], metric: str, rule: ScaleRule | None) -> _Answers:
    found = _Answers()
    for value in values:
        if not value:
            continue
        key = label_key(value)
        if rule is not None and key in rule.labels:
            found.labels.setdefault(key, [value, 0])[1] += 1
            continue
        parsed = parse_score(value, metric)
        if re.fullmatch(r"[+-]?\d+", parsed):
            found.numbers[int(parsed)] += 1
            if key in SCORE_LABELS.get(metric, {}):
                found.metric_labels += 1
        elif not _NUMBER.match(parsed):  # a number such as 7.5 is left to validation
            found.labels.setdefault(key, [value, 0])[1] += 1
    return found


def stated_scale(text: str) -> tuple[tuple[int, int], dict[str, int], str] | None:
    """The scale a question's text (or sub-label) states: its ends, the labels it gives
    points (``10 = Absolutely``), and the words that say so."""
    points = {label_key(m.group(2)): int(m.group(1)) for m in _POINT.finditer(text)}
    numbers = sorted(set(points.values()))
    if len(numbers) >= 2 and numbers[0] in (0, 1) and numbers[-1] > numbers[0] + 1:
        said = ", ".join(f"{n} = {label}" for label, n in sorted(points.items(), key=_by_point))
        return (numbers[0], numbers[-1]), points, said
    lowered = text.lower()
    for pattern in _RANGE_PATTERNS:
        match = pattern.search(lowered)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if low in (0, 1) and high > low + 1:
                return (low, high), {}, f"“{match.group(0)}”"
    return None


def _by_point(item: tuple[str, int]) -> int:
    return item[1]


def _question_scale(
    export: Export, question: ScoredQuestion, rule: ScaleRule | None
) -> QuestionScale:
    col, metric = question.column, question.metric
    short = col.text if len(col.text) <= 60 else col.text[:57].rstrip() + "…"
    name = f"{col.key} ({short})" if col.text != col.key else col.key
    answers = _answers(export.values(col), metric, rule)
    metric_scale = METRIC_RANGES[metric]
    stated = None
    for source, text in (("question text", col.text), ("sub-label", col.sub_label or "")):
        found = stated_scale(text)
        if found:
            stated = (source, *found)
            break
    # the scale
    declared = rule is not None and rule.scale is not None
    if rule is not None and rule.scale is not None:
        scale, why = rule.scale, f"mapping: scales.{rule.ref}.scale"
    elif stated is not None:
        scale, why = stated[1], f"the {stated[0]} says {stated[3]}"
    elif answers.metric_labels:
        scale, why = metric_scale, f"answers are {metric.upper()} labels"
    else:
        scale, why = metric_scale, _from_answers(metric, answers)
    reading = QuestionScale(col.key, metric, scale[0], scale[1], why)
    if rule is not None:
        for key, score in rule.labels.items():
            if score is not None and not scale[0] <= score <= scale[1]:
                raise ValidationError(
                    f"{name}: {rule.spellings[key]!r} is given {score}, outside the question's "
                    f"{_span(scale)} scale ({why})",
                    where=f"{rule.where}.labels",
                )
    # the labels, then the answers against the scale
    _read_labels(reading, answers, rule, stated[2] if stated else {}, name)
    if declared or stated is not None:
        outside = sorted(n for n in answers.numbers if not scale[0] <= n <= scale[1])
        if outside:
            listed = ", ".join(f"{n} ({answers.numbers[n]}×)" for n in outside)
            raise ValidationError(
                f"{name}: answers outside the {_span(scale)} scale ({why}): {listed}; say the "
                f"scale in --mapping (scales: {{{col.key}: {{scale: LOW-HIGH}}}})"
            )
    elif metric in SHORTER_SCALE_TOP:
        _refuse_shorter_scale(reading, answers, name)
    # the scale against the metric's
    _convert(reading, rule, name)
    return reading


def _from_answers(metric: str, answers: _Answers) -> str:
    low, high = METRIC_RANGES[metric]
    if not answers.numbers:
        return f"{metric.upper()} is {low}–{high}; no numeric answers"
    seen = f"numeric answers {min(answers.numbers)} to {max(answers.numbers)}"
    if metric == "nps":
        return f"NPS is 0–10 by definition; {seen}"
    return f"{metric.upper()} is {low}–{high}; {seen}"


def _read_labels(
    reading: QuestionScale,
    answers: _Answers,
    rule: ScaleRule | None,
    stated: dict[str, int],
    name: str,
) -> None:
    """Read each word label (see the module docstring); refuse the labels left unread."""
    low, high = reading.low, reading.high
    unread: dict[str, list[Any]] = {}
    for key, (spelling, count) in answers.labels.items():
        if rule is not None and key in rule.labels:
            score = rule.labels[key]
            why = f"mapping: scales.{rule.ref}.labels" if score is not None else "mapping: skip"
        elif key in stated:
            score, why = stated[key], f"the question text says {stated[key]} = {spelling}"
        elif reading.metric == "nps" and (low, high) == (0, 10) and key in NPS_ANCHORS:
            score = NPS_ANCHORS[key]
            side = "bottom" if score == 0 else "top"
            why = f"the standard {side} label of the NPS scale"
        else:
            unread[key] = [spelling, count]
            continue
        reading.labels[key] = LabelReading(spelling, count, score, why)
    if len(unread) > 2:
        return  # not a scale's end labels: validation rejects those rows, each where it is
    if len(unread) == 1:
        key, (spelling, count) = next(iter(unread.items()))
        end = _missing_end(reading, answers)
        if end is not None:
            which = "top" if end == high else "bottom"
            reading.labels[key] = LabelReading(
                spelling, count, end, f"the scale's {which} label, no {end} among the answers"
            )
            return
    if unread:
        listed = ", ".join(
            f"{count} {'answers are' if count != 1 else 'answer is'} {spelling!r}"
            for spelling, count in sorted(unread.values(), key=lambda v: -v[1])
        )
        example = ", ".join(f"{spelling!r}: <score>" for spelling, _ in unread.values())
        raise ValidationError(
            f"{name}: {listed}, not a score of its {low}–{high} scale: say which score each is "
            f"with scales in --mapping (scales: {{{reading.key}: {{labels: {{{example}}}}}}}; "
            "skip for an answer that is no score)"
        )


def _missing_end(reading: QuestionScale, answers: _Answers) -> int | None:
    """The one end of the scale a lone label must stand for: every score between the ends is
    among the answers, one end is (as a number or another label's score), the other is not."""
    low, high = reading.low, reading.high
    seen = set(answers.numbers) | {r.score for r in reading.labels.values()}
    if not all(point in seen for point in range(low + 1, high)):
        return None
    missing = [end for end in (low, high) if end not in seen]
    return missing[0] if len(missing) == 1 else None


def _refuse_shorter_scale(reading: QuestionScale, answers: _Answers, name: str) -> None:
    """A CES none of whose answers is above 5: 1–5 or 1–7 cannot be told; refuse."""
    top = SHORTER_SCALE_TOP[reading.metric]
    scores = set(answers.numbers) | {
        r.score for r in reading.labels.values() if r.score is not None
    }
    if not scores or max(scores) > top or answers.metric_labels:
        return
    low, high = METRIC_RANGES[reading.metric]
    table = _points(linear_table((low, top), (low, high)))
    key = reading.key
    raise ValidationError(
        f"{name}: no answer above {top} and no scale stated: a {low}–{top} ease scale is not "
        f"CES ({low}–{high}). In --mapping, say scales: {{{key}: {{scale: {low}-{high}}}}} if it "
        f"was asked on {low}–{high}; scales: {{{key}: {{scale: {low}-{top}, convert: linear}}}} "
        f"to convert a {low}–{top} scale ({table}; not a standard CX practice); or questions: "
        f"{{{key}: attribute}} to keep it unscored"
    )


def _convert(reading: QuestionScale, rule: ScaleRule | None, name: str) -> None:
    """The conversion of a scale that is not the metric's (the mapping's), or the refusal."""
    scale, target = (reading.low, reading.high), reading.metric_scale
    metric, key = reading.metric.upper(), reading.key
    convert = rule.convert if rule is not None else None
    if scale == target:
        if convert is not None and rule is not None:
            raise ValidationError(
                f"{name}: the scale is already {metric}'s ({_span(target)}): nothing to convert",
                where=f"{rule.where}.convert",
            )
        return
    if convert is None:
        table = _points(linear_table(scale, target))
        definition = " by definition (Reichheld)" if reading.metric == "nps" else ""
        raise ValidationError(
            f"{name}: a {_span(scale)} scale ({reading.why}), but {metric} is {_span(target)}"
            f"{definition}. In --mapping, convert it (scales: {{{key}: {{scale: "
            f"{scale[0]}-{scale[1]}, convert: linear}}}}: {table}, or a table of your own), "
            f"keep it unscored (questions: {{{key}: attribute}}) or drop it (ignore: [{key}])"
        )
    assert rule is not None
    if convert == "linear":
        reading.conversion = linear_table(scale, target)
        reading.conversion_why = "linearly (mapping), halves toward the middle"
        return
    assert isinstance(convert, dict)
    where = f"{rule.where}.convert"
    missing = [p for p in range(scale[0], scale[1] + 1) if p not in convert]
    extra = [p for p in convert if not scale[0] <= p <= scale[1]]
    off = [v for v in convert.values() if not target[0] <= v <= target[1]]
    if missing or extra or off:
        raise ValidationError(
            f"the table must give every point of {_span(scale)} a score within {metric}'s "
            f"{_span(target)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; not on the scale {extra}" if extra else "")
            + (f"; out of {metric}'s range {off}" if off else ""),
            where=where,
        )
    reading.conversion = dict(sorted(convert.items()))
    reading.conversion_why = "by the mapping's table"
