"""How a column is recognised: which metric a question measures, which answers are free text,
which touchpoint or language a question speaks of, and scores written as words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from cxpilot.kernel.language import detect_one
from cxpilot.warehouse.survey_tools.common import Export, ExportColumn

# columns any tool may carry (embedded data, hidden fields, form questions), by squashed name
CUSTOMER_NAMES = {"customerid", "customer", "clientid", "idclient", "numeroclient", "userid"}
TOUCHPOINT_NAMES = {"touchpoint", "touchpointkey", "pointdecontact"}
LANGUAGE_NAMES = {"language", "lang", "langue", "locale"}
CHANNEL_NAMES = {"channel", "canal"}

# --------------------------------------------------------------------------- detection rules

#: Question text patterns of each metric, by the language of the text (lower-cased, accents
#: kept). A text is matched with its own language's patterns only (both when its language
#: cannot be told): the French "facilit…" must not read the English "Facilities" as ease.
METRIC_PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "nps": {"en": (r"\brecommend",), "fr": (r"\brecommand",)},
    "ces": {
        "en": (r"\beas(?:y|ily|ier|e)\b",),
        "fr": (r"\bfacil(?:e|es|ement|ité|iter|itée?s?|itant)\b",),
    },
    "csat": {
        "en": (r"\bsatisf(?:ied|action|actory)",),
        "fr": (r"\bsatisf(?:ait|aite|aits|aites|action)",),
    },
}
#: The top of the scale a metric's answers must stay within for the text to be trusted.
SCALE_TOP = {"ces": 7, "csat": 5}
#: Question text patterns of an open question, by language (as METRIC_PATTERNS): the French
#: "Comment avez-vous…" (how did you…) is not the English "comments".
OPEN_TEXT_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\bwhy\b",
        r"\breasons?\b",
        r"\btell us\b",
        r"\bcomments?\b",
        r"\bimprove",
        r"\banything else\b",
        r"\bsuggest",
        r"\bexplain",
    ),
    "fr": (
        r"\bpourquoi\b",
        r"\braisons?\b",
        r"\bdites[- ]nous\b",
        r"\bcommentaires?\b",
        r"\bamélior",
        r"\bautre chose\b",
        r"\bprécise",
        r"\bexpliqu",
    ),
}
#: The free text typed in a choice question's "Other" option: that question's, never the
#: verbatim of another question (Typeform's "Other" column, SurveyMonkey's "Other (please
#: specify)" answer label).
OTHER_TEXT = re.compile(
    r"^(?:other|others|autres?)(?:\s*[(:].*)?$|\b(?:please specify|veuillez préciser)\b"
)
OPEN_ENDED_LABELS = {"open-ended response", "réponse ouverte", "réponse libre"}
#: Answer labels without a number, per metric (lower-cased, straight apostrophes).
SCORE_LABELS: dict[str, dict[str, int]] = {
    "ces": {
        "strongly disagree": 1,
        "disagree": 2,
        "somewhat disagree": 3,
        "neither agree nor disagree": 4,
        "somewhat agree": 5,
        "agree": 6,
        "strongly agree": 7,
        "very difficult": 1,
        "difficult": 2,
        "somewhat difficult": 3,
        "neither easy nor difficult": 4,
        "somewhat easy": 5,
        "easy": 6,
        "very easy": 7,
        "pas du tout d'accord": 1,
        "pas d'accord": 2,
        "plutôt pas d'accord": 3,
        "ni d'accord ni pas d'accord": 4,
        "plutôt d'accord": 5,
        "d'accord": 6,
        "tout à fait d'accord": 7,
        "très difficile": 1,
        "difficile": 2,
        "plutôt difficile": 3,
        "ni facile ni difficile": 4,
        "plutôt facile": 5,
        "facile": 6,
        "très facile": 7,
    },
    "csat": {
        "very dissatisfied": 1,
        "dissatisfied": 2,
        "somewhat dissatisfied": 2,
        "neither satisfied nor dissatisfied": 3,
        "neutral": 3,
        "somewhat satisfied": 4,
        "satisfied": 4,
        "very satisfied": 5,
        "très insatisfait": 1,
        "très insatisfaite": 1,
        "pas du tout satisfait": 1,
        "insatisfait": 2,
        "insatisfaite": 2,
        "peu satisfait": 2,
        "ni satisfait ni insatisfait": 3,
        "neutre": 3,
        "satisfait": 4,
        "satisfaite": 4,
        "plutôt satisfait": 4,
        "très satisfait": 5,
        "très satisfaite": 5,
    },
    "nps": {},
}
_LEADING_NUMBER = re.compile(r"^(\d{1,3})(?:\s*[-–—:(]|\s+(?=[^\d\s.,]))")
_TRAILING_NUMBER = re.compile(r"(?:\((\d{1,3})\)|[-–—:]\s*(\d{1,3}))\s*$")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def squash(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").replace("\u00a0", " ").split())


def patterns_for(by_language: Mapping[str, tuple[str, ...]], text: str) -> tuple[str, ...]:
    """The patterns of ``text``'s language (fr or en), or of every language when it cannot be
    told."""
    language = guess_language(text)
    if language is not None and language in by_language:
        return by_language[language]
    return tuple(p for patterns in by_language.values() for p in patterns)


def is_other_text(col: ExportColumn) -> bool:
    """A column holding what respondents typed in a choice question's "Other" option."""
    label = normalise(col.sub_label or "") if col.sub_label else normalise(col.name)
    return bool(OTHER_TEXT.search(label)) or bool(
        col.import_id and re.fullmatch(r"QID\d+_\d+_TEXT", col.import_id)
    )


def looks_like_choices(answered: list[str]) -> bool:
    """Answers picked from a list (a handful of values, each given many times), not typed."""
    distinct = len(set(answered))
    return len(answered) >= 6 and distinct <= max(2, len(answered) // 3)


def guess_language(text: str) -> str | None:
    """fr or en, as the kernel's language detection reads a question's text; None when it
    tells neither (no evidence, or another language)."""
    found = detect_one(text)
    return found if found in ("fr", "en") else None


def parse_score(value: str, metric: str) -> str:
    """A score as a number ('10 - Extremely likely' -> '10', 'Très satisfait' -> '5').

    Values that are not recognised are returned as they are, for validation to report.
    """
    text = value.strip()
    if not text or _PLAIN_NUMBER.match(text):
        return text
    match = _LEADING_NUMBER.match(text)
    if match:
        return match.group(1)
    match = _TRAILING_NUMBER.search(text)
    if match:
        return match.group(1) or match.group(2)
    label = normalise(text).rstrip(".!")
    number = SCORE_LABELS.get(metric, {}).get(label)
    return str(number) if number is not None else text


def _numbers(values: list[str], metric: str) -> list[float]:
    out = []
    for value in values:
        parsed = parse_score(value, metric).replace(",", ".")
        try:
            out.append(float(parsed))
        except ValueError:
            continue
    return out


def detect_metric(text: str, values: list[str]) -> tuple[str | None, str, list[str]]:
    """The metric a question's text and answers say it measures, why, and notes.

    NPS: the text asks about recommending. CES: the text speaks of ease and the answers are
    on a 1–7 scale. CSAT: the text speaks of satisfaction and the answers are on a 1–5 scale.
    """
    lowered = normalise(text)
    matched = {
        metric: next((p for p in patterns_for(by_language, text) if re.search(p, lowered)), None)
        for metric, by_language in METRIC_PATTERNS.items()
    }
    if matched["nps"]:
        return "nps", f"question text ({_quote_match(matched['nps'], lowered)})", []
    answered = [v for v in values if v]
    fits: dict[str, str] = {}
    notes: list[str] = []
    tops: dict[str, float] = {}
    for metric in ("ces", "csat"):
        if not matched[metric]:
            continue
        top = SCALE_TOP[metric]
        numbers = _numbers(answered, metric)
        if len(numbers) < len(answered):
            notes.append(
                f"speaks of {'ease' if metric == 'ces' else 'satisfaction'} but has answers "
                f"that are not scores: not read as {metric.upper()}"
            )
        elif numbers and (max(numbers) > top or min(numbers) < 0):
            notes.append(
                f"speaks of {'ease' if metric == 'ces' else 'satisfaction'} but has answers up "
                f"to {max(numbers):g}, not on a 1–{top} scale: not read as {metric.upper()}"
            )
        else:
            scale = f"answers within 1–{top}" if numbers else "no answers yet"
            fits[metric] = f"question text ({_quote_match(matched[metric], lowered)}), {scale}"
            tops[metric] = max(numbers) if numbers else 0
    if len(fits) == 2:  # both words: the scale decides, 1–5 is satisfaction
        metric = "ces" if tops["ces"] > 5 else "csat"
        return metric, fits[metric], []
    if fits:
        metric = next(iter(fits))
        return metric, fits[metric], []
    return None, "", notes


def _quote_match(pattern: str | None, text: str) -> str:
    match = re.search(pattern or "$^", text)
    return f"“{match.group(0)}…”" if match else "pattern"


def is_open_text(export: Export, col: ExportColumn, values: list[str]) -> tuple[bool, str]:
    if col.import_id is not None:
        if re.fullmatch(r"QID\d+_TEXT", col.import_id):
            return True, f"text entry question (ImportId {col.import_id})"
        return False, ""
    if col.sub_label and col.sub_label.lower() in OPEN_ENDED_LABELS and col.group_width == 1:
        return True, f"open-ended question (sub-label {col.sub_label!r})"
    answered = [v for v in values if v]
    if answered and all(_PLAIN_NUMBER.match(v) for v in answered):
        return False, ""
    if col.group_width > 1:
        return is_comment(col, answered)
    if looks_like_choices(answered):
        return False, ""
    lowered = normalise(col.text)
    pattern = next(
        (p for p in patterns_for(OPEN_TEXT_PATTERNS, col.text) if re.search(p, lowered)), None
    )
    if pattern:
        return True, f"open question ({_quote_match(pattern, lowered)}) with text answers"
    if answered:
        mean = sum(len(v) for v in answered) / len(answered)
        if mean >= 25 and len(set(answered)) >= max(2, len(answered) // 2):
            return True, "free-text answers"
    return False, ""


def is_comment(col: ExportColumn, answered: list[str]) -> tuple[bool, str]:
    """A column of a multi-column question (SurveyMonkey) that holds typed text: the comment
    field of a rating question ("Why?"), or the "Other (please specify)" of a choice one."""
    label = col.sub_label or ""
    lowered = normalise(label)
    asks = any(re.search(p, lowered) for p in patterns_for(OPEN_TEXT_PATTERNS, label))
    if lowered in OPEN_ENDED_LABELS or is_other_text(col) or asks:
        return True, f"free text of its question (answer label {label!r})"
    if not answered:
        return False, ""
    # a choice's column holds its own label; a comment field holds what people typed, which
    # no metric reads as a score (even when the same few comments come back)
    typed = [
        v
        for v in answered
        if normalise(v) != lowered
        and not any(_PLAIN_NUMBER.match(parse_score(v, metric)) for metric in SCORE_LABELS)
    ]
    if len(typed) == len(answered):
        return True, f"free text of its question (answer label {label!r}, typed answers)"
    return False, ""


def touchpoint_in_text(text: str, touchpoints: Mapping[str, str] | None) -> tuple[str | None, str]:
    if not touchpoints:
        return None, ""
    lowered = normalise(text)
    found: dict[str, str] = {}
    for label, key in touchpoints.items():
        for variant in {label.lower(), label.lower().replace("_", " ")}:
            if len(variant) >= 3 and re.search(rf"(?<!\w){re.escape(variant)}s?(?!\w)", lowered):
                found.setdefault(key, variant)
    if len(found) == 1:
        key, variant = next(iter(found.items()))
        return key, f"question text names “{variant}”"
    return None, ""
