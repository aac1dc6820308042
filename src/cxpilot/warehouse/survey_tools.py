"""Survey tools' CSV exports read as rows of the ``responses`` import format.

Qualtrics, SurveyMonkey, Typeform and Google Forms export one row per respondent and one
column per question, with their own header rows and metadata columns. :func:`read_export`
reads such an export and gives one row per answered scored question (NPS, CES or CSAT), with
the verbatim that goes with it, ready for :func:`cxpilot.warehouse.validate.validate`; every
row keeps the line of the export its respondent starts on.

Which column is which question is detected from the question texts (French and English) and
the answers, and can be overridden by a mapping (:func:`read_survey_mapping`). The plan of
what each column becomes (:class:`SurveyPlan`) is shown to the user before anything is
written. Pure code: no Django, no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import yaml

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import decode_text, read_bytes, read_text
from cxpilot.warehouse.files import CSV_SUFFIXES, RawTable, sniff_delimiter
from cxpilot.warehouse.schema import METRIC_RANGES, RESPONSES
from cxpilot.warehouse.validate import Problem, Validated

#: ``--from`` values and the tools' names.
TOOLS: dict[str, str] = {
    "qualtrics": "Qualtrics",
    "surveymonkey": "SurveyMonkey",
    "typeform": "Typeform",
    "google-forms": "Google Forms",
}
METRICS = tuple(METRIC_RANGES)
#: What a mapping may say a column is.
QUESTION_ROLES = (*METRICS, "verbatim_of:<column>", "attribute", "ignore")
#: The keys of a mapping file, with what they do (documented in docs/importing.md).
MAPPING_KEYS: dict[str, str] = {
    "questions": "column -> nps | ces | csat | verbatim_of:<column> | attribute | ignore",
    "touchpoint": "touchpoint of every answer (key or name) when nothing more precise is known",
    "touchpoint_column": "column holding each respondent's touchpoint",
    "customer_id_column": "column holding the customer id",
    "respondent_id_column": "column holding the respondent (response) id",
    "timestamp_column": "column holding when the respondent answered",
    "language": "language code of every answer (fr, en…)",
    "language_column": "column holding each respondent's language",
    "channel": "channel of every answer",
    "channel_column": "column holding each respondent's channel",
    "survey": "survey name stored with every answer",
    "date_order": "dmy or mdy, for dates such as 05/03/2024",
    "ignore": "list of columns to drop (not kept in attributes)",
}
PREVIEW_ROWS = 5

# --------------------------------------------------------------------------- export layouts

QUALTRICS_METADATA = (
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)
SURVEYMONKEY_METADATA = (
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
)
TYPEFORM_METADATA = (
    "#",
    "Start Date (UTC)",
    "Submit Date (UTC)",
    "Stage Date (UTC)",
    "Network ID",
    "Tags",
    "Ending",
    "Response Type",
)
GOOGLE_FORMS_METADATA = ("Timestamp", "Horodateur", "Email Address", "Adresse e-mail")


@dataclass(frozen=True)
class _Layout:
    header_rows: int
    metadata: tuple[str, ...]
    respondent_id: tuple[str, ...]  # candidates, first present wins; none: a digest of the row
    timestamps: tuple[str, ...]  # first present is the timestamp, the next its fallback
    customer_id: tuple[str, ...]
    language: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    date_order: str | None = None  # for dates such as 03/05/2024 when the data cannot tell
    date_example: str = "2024-03-05 14:02:11"


LAYOUTS: dict[str, _Layout] = {
    "qualtrics": _Layout(
        3,
        QUALTRICS_METADATA,
        respondent_id=("ResponseId", "ResponseID"),
        timestamps=("RecordedDate", "EndDate", "StartDate"),
        customer_id=("ExternalReference", "ExternalDataReference", "RecipientEmail"),
        language=("UserLanguage",),
        channel=("DistributionChannel",),
    ),
    "surveymonkey": _Layout(
        2,
        SURVEYMONKEY_METADATA,
        respondent_id=("Respondent ID",),
        timestamps=("End Date", "Start Date"),
        customer_id=("Custom Data 1", "Email Address"),
        date_order="mdy",
        date_example="03/05/2024 02:02:11 PM",
    ),
    "typeform": _Layout(
        1,
        TYPEFORM_METADATA,
        respondent_id=("#",),
        timestamps=("Submit Date (UTC)", "Start Date (UTC)"),
        customer_id=(),
    ),
    "google-forms": _Layout(
        1,
        GOOGLE_FORMS_METADATA,
        respondent_id=(),
        timestamps=("Timestamp", "Horodateur"),
        customer_id=("Email Address", "Adresse e-mail"),
        date_example="3/5/2024 14:02:11 or 05/03/2024 14:02:11",
    ),
}

# columns any tool may carry (embedded data, hidden fields, form questions), by squashed name
CUSTOMER_NAMES = {"customerid", "customer", "clientid", "idclient", "numeroclient", "userid"}
TOUCHPOINT_NAMES = {"touchpoint", "touchpointkey", "pointdecontact"}
LANGUAGE_NAMES = {"language", "lang", "langue", "locale"}
CHANNEL_NAMES = {"channel", "canal"}

# --------------------------------------------------------------------------- detection rules

#: Question text patterns of each metric (lower-cased, accents kept).
METRIC_PATTERNS: dict[str, tuple[str, ...]] = {
    "nps": (r"\brecommend", r"\brecommand"),
    "ces": (r"\beas(?:y|ily|ier|e)\b", r"\bfacil(?:e|es|ement|ité|iter|ité)\b", r"\bfacilit"),
    "csat": (r"\bsatisf(?:ied|action|actory)", r"\bsatisf(?:ait|aite|aits|aites|action)"),
}
#: The top of the scale a metric's answers must stay within for the text to be trusted.
SCALE_TOP = {"ces": 7, "csat": 5}
OPEN_TEXT_PATTERNS = (
    r"\bwhy\b",
    r"\breasons?\b",
    r"\btell us\b",
    r"\bcomments?\b",
    r"\bimprove",
    r"\banything else\b",
    r"\bsuggest",
    r"\bexplain",
    r"\bpourquoi\b",
    r"\braisons?\b",
    r"\bdites[- ]nous\b",
    r"\bcommentaires?\b",
    r"\bamélior",
    r"\bautre chose\b",
    r"\bprécise",
    r"\bexpliqu",
)
OPEN_ENDED_LABELS = {"open-ended response", "réponse ouverte", "réponse libre"}
GENERIC_SUB_LABELS = {"response", "réponse", *OPEN_ENDED_LABELS}
_FRENCH_WORDS = set(
    "vous votre vos nous notre nos le la les de des du est êtes quelle quel quels quelles "
    "dans pour avec que qui une sur pourquoi comment été avez auriez aurions très".split()
)
_ENGLISH_WORDS = set(
    "you your the to of how what is are with for our why would did was in on it were "
    "have could please tell us very".split()
)
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


# --------------------------------------------------------------------------- data


@dataclass
class ExportColumn:
    """One column of an export, as the tool laid it out."""

    index: int
    name: str  # unique; the key of the column in attributes and in a mapping
    text: str  # the question text (the header when the tool gives no other)
    key: str  # short key of a question in response ids (Q1, Q5_2…)
    question: bool = False  # a survey question (not metadata, hidden field or embedded data)
    import_id: str | None = None  # Qualtrics: the ImportId of the third header row
    time_zone: str | None = None  # Qualtrics: the time zone of a date column
    sub_label: str | None = None  # SurveyMonkey: the second header row
    group_width: int = 1  # SurveyMonkey: columns of the question this column belongs to


@dataclass
class Export:
    """An export's columns and respondent rows (cells as text, '' when empty)."""

    tool: str
    path: str
    columns: list[ExportColumn]
    rows: list[list[str]]
    lines: list[int]  # line of the file each respondent starts on

    def values(self, column: ExportColumn) -> list[str]:
        return [row[column.index].strip() for row in self.rows]


@dataclass(frozen=True)
class QuestionRule:
    """What a mapping says a column is."""

    role: str  # nps | ces | csat | verbatim | attribute | ignore
    verbatim_of: str | None = None
    touchpoint: str | None = None


@dataclass
class SurveyMapping:
    """A survey mapping file (``--mapping`` with ``--from``)."""

    where: str
    questions: dict[str, QuestionRule] = field(default_factory=dict)
    touchpoint: str | None = None
    touchpoint_column: str | None = None
    customer_id_column: str | None = None
    respondent_id_column: str | None = None
    timestamp_column: str | None = None
    language: str | None = None
    language_column: str | None = None
    channel: str | None = None
    channel_column: str | None = None
    survey: str | None = None
    date_order: str | None = None
    ignore: list[str] = field(default_factory=list)


@dataclass
class ScoredQuestion:
    column: ExportColumn
    metric: str
    why: str
    language: str | None = None
    touchpoint: str | None = None  # fixed for this question (mapping or question text)
    touchpoint_why: str = ""
    verbatim: ExportColumn | None = None
    verbatim_why: str = ""


@dataclass
class SurveyPlan:
    """What each column of an export becomes: shown before anything is written."""

    tool: str
    path: str
    respondents: int
    questions: list[ScoredQuestion]
    respondent_id: ExportColumn | None
    timestamp: ExportColumn
    timestamp_fallback: ExportColumn | None
    date_order: str | None
    date_order_why: str
    customer_id: ExportColumn | None
    customer_id_why: str
    customer_id_strict: bool
    touchpoint_column: ExportColumn | None
    touchpoint: str | None
    language_column: ExportColumn | None
    language: str | None
    channel_column: ExportColumn | None
    channel: str | None
    survey: str | None
    attributes: list[tuple[ExportColumn, str]]  # column, its key in attributes
    ignored: list[tuple[ExportColumn, str]]  # column, why
    columns: list[ExportColumn]
    whys: dict[str, str] = field(default_factory=dict)  # column name -> how it was recognised
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    respondents_without_score: int = 0

    def mapping_rows(self) -> list[dict[str, str]]:
        """One row per file column (in file order), then the values given by the mapping."""
        becomes: dict[str, str] = {}
        why = dict(self.whys)
        if self.respondent_id is not None:
            becomes[self.respondent_id.name] = "response_id (<this>:<question key>)"
        becomes[self.timestamp.name] = "timestamp"
        if self.customer_id is not None:
            becomes[self.customer_id.name] = "customer_id"
        for role, col in (
            ("touchpoint", self.touchpoint_column),
            ("language", self.language_column),
            ("channel", self.channel_column),
        ):
            if col is not None:
                becomes[col.name] = role
        for q in self.questions:
            where = f", touchpoint {q.touchpoint}" if q.touchpoint else ""
            becomes[q.column.name] = f"score, metric {q.metric} (key {q.column.key}){where}"
            why[q.column.name] = q.why + (
                f"; touchpoint: {q.touchpoint_why}" if q.touchpoint else ""
            )
            if q.verbatim is not None:
                becomes[q.verbatim.name] = f"verbatim of {q.column.key}"
                why[q.verbatim.name] = q.verbatim_why
        for col, key in self.attributes:
            becomes[col.name] = "attributes" + (f" (as {key!r})" if key != col.name else "")
        for col, reason in self.ignored:
            becomes[col.name] = "ignored"
            why[col.name] = reason
        if self.timestamp_fallback is not None:
            name = self.timestamp_fallback.name
            becomes[name] = f"timestamp where {self.timestamp.name} is empty; attributes"
        out = [
            {
                "column": col.name,
                "question": col.text if col.text != col.name else "",
                "becomes": becomes.get(col.name, "attributes"),
                "why": why.get(col.name, ""),
            }
            for col in self.columns
        ]
        constants = (
            ("touchpoint", self.touchpoint),
            ("language", self.language),
            ("channel", self.channel),
            ("survey", self.survey),
        )
        for name, value in constants:
            if value is not None:
                out.append(
                    {"column": "", "question": "", "becomes": f"{name} = {value}", "why": "mapping"}
                )
        if self.respondent_id is None:
            out.append(
                {
                    "column": "",
                    "question": "",
                    "becomes": "response_id (<digest of the row>:<question key>)",
                    "why": f"{TOOLS[self.tool]} exports no response id",
                }
            )
        if self.customer_id is None:
            out.append(
                {
                    "column": "",
                    "question": "",
                    "becomes": "customer_id = the respondent id",
                    "why": self.customer_id_why,
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "path": self.path,
            "respondents": self.respondents,
            "respondents_without_score": self.respondents_without_score,
            "rows": self.rows,
            "scored_questions": [
                {
                    "key": q.column.key,
                    "column": q.column.name,
                    "metric": q.metric,
                    "verbatim": q.verbatim.name if q.verbatim else None,
                    "touchpoint": q.touchpoint,
                }
                for q in self.questions
            ],
            "date_order": self.date_order,
            "notes": self.notes,
        }


@dataclass
class SurveyRaw(RawTable):
    """The rows of an export in the ``responses`` import format, with the plan that made them."""

    plan: SurveyPlan | None = None
    row_question: list[int] = field(default_factory=list)  # scored question of each row
    row_timestamp: list[str] = field(default_factory=list)  # column each timestamp came from


# --------------------------------------------------------------------------- mapping file


def read_survey_mapping(path: Path) -> SurveyMapping:
    """Read a survey mapping (YAML or JSON); see ``MAPPING_KEYS``."""
    where = str(path)
    if not path.exists():
        raise ValidationError("no such mapping file", where=where)
    try:
        data = yaml.safe_load(read_text(path, kind="YAML or JSON"))
    except yaml.YAMLError as exc:
        raise ValidationError(f"not valid YAML or JSON: {exc}", where=where) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(
            f"a survey mapping is a YAML object with keys {', '.join(MAPPING_KEYS)}", where=where
        )
    unknown = [str(k) for k in data if k not in MAPPING_KEYS]
    if unknown:
        raise ValidationError(
            f"unknown key(s) {', '.join(unknown)}; a survey mapping takes {', '.join(MAPPING_KEYS)}",
            where=where,
        )
    mapping = SurveyMapping(where=where)
    for key in MAPPING_KEYS:
        if key in ("questions", "ignore") or key not in data or data[key] is None:
            continue
        value = data[key]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError(f"{key} must be a text", where=f"{where}:{key}")
        setattr(mapping, key, str(value).strip())
    if mapping.date_order is not None and mapping.date_order.lower() not in ("dmy", "mdy"):
        raise ValidationError(
            f"date_order must be dmy (05/03/2024 is 5 March) or mdy (3 May); got {mapping.date_order!r}",
            where=f"{where}:date_order",
        )
    if mapping.date_order:
        mapping.date_order = mapping.date_order.lower()
    ignore = data.get("ignore") or []
    if isinstance(ignore, str):
        ignore = [ignore]
    if not isinstance(ignore, list) or not all(isinstance(v, str) for v in ignore):
        raise ValidationError("ignore must be a list of columns", where=f"{where}:ignore")
    mapping.ignore = [v.strip() for v in ignore]
    questions = data.get("questions") or {}
    if not isinstance(questions, dict):
        raise ValidationError(
            "questions must map columns to nps, ces, csat, verbatim_of:<column>, attribute or ignore",
            where=f"{where}:questions",
        )
    for column, rule in questions.items():
        mapping.questions[str(column).strip()] = _question_rule(rule, f"{where}:questions.{column}")
    return mapping


def _question_rule(value: object, where: str) -> QuestionRule:
    touchpoint = None
    if isinstance(value, dict):
        allowed = {"metric", "verbatim_of", "touchpoint", "role"}
        if set(value) - allowed or not value:
            raise ValidationError(
                "a question given as an object takes metric (or role), touchpoint or verbatim_of",
                where=where,
            )
        touchpoint = str(value["touchpoint"]).strip() if value.get("touchpoint") else None
        if value.get("verbatim_of"):
            value = f"verbatim_of:{value['verbatim_of']}"
        else:
            value = value.get("metric") or value.get("role")
    if not isinstance(value, str):
        raise ValidationError(
            f"expected one of {', '.join(QUESTION_ROLES)}; got {value!r}", where=where
        )
    text = value.strip()
    lowered = text.lower()
    if lowered.startswith("verbatim_of:"):
        target = text.split(":", 1)[1].strip()
        if not target:
            raise ValidationError("verbatim_of: names the scored column", where=where)
        return QuestionRule("verbatim", verbatim_of=target)
    if lowered not in (*METRICS, "attribute", "ignore"):
        raise ValidationError(
            f"expected one of {', '.join(QUESTION_ROLES)}; got {value!r}", where=where
        )
    if touchpoint and lowered not in METRICS:
        raise ValidationError("only a scored question takes a touchpoint", where=where)
    return QuestionRule(lowered, touchpoint=touchpoint)


# --------------------------------------------------------------------------- reading


def read_export(
    path: Path,
    *,
    tool: str,
    mapping: SurveyMapping | None = None,
    touchpoints: Mapping[str, str] | None = None,
) -> SurveyRaw:
    """Read a survey tool's CSV export into ``responses`` rows (see the module docstring).

    ``touchpoints`` maps lower-cased touchpoint keys and names to keys: a question whose text
    names one touchpoint is about that touchpoint.
    """
    export = load_export(path, tool=tool)
    plan = plan_export(export, mapping=mapping, touchpoints=touchpoints)
    return export_rows(export, plan)


def check_tool(tool: str) -> str:
    if tool not in TOOLS:
        raise ValidationError(
            f"unknown survey tool {tool!r}; expected one of {', '.join(TOOLS)}", where="--from"
        )
    return tool


def load_export(path: Path, *, tool: str) -> Export:
    """Read the export's header rows and respondent rows, checking the tool's layout."""
    check_tool(tool)
    where = str(path)
    if not path.exists():
        raise ValidationError("no such file", where=where)
    if not path.is_file():
        raise ValidationError("not a regular file", where=where)
    if path.suffix.lower() not in CSV_SUFFIXES:
        raise ValidationError(
            f"a {TOOLS[tool]} export is read as CSV; download the responses as a .csv file",
            where=where,
        )
    records, last_line = _records(path)
    if not records:
        raise ValidationError("the file is empty", where=where)
    reader = {
        "qualtrics": _qualtrics_columns,
        "surveymonkey": _surveymonkey_columns,
        "typeform": _typeform_columns,
        "google-forms": _google_forms_columns,
    }[tool]
    columns = reader(records, where, last_line)
    header_rows = LAYOUTS[tool].header_rows
    width = len(records[0][1])
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, row in records[header_rows:]:
        if len(row) != width:
            raise ValidationError(
                f"expected {width} fields (as in the header), found {len(row)}",
                where=f"{where}:line {line}",
            )
        rows.append(row)
        lines.append(line)
    if not rows:
        raise ValidationError(
            f"the export has its header row(s) but no responses (lines 1–{last_line})",
            where=where,
        )
    return Export(tool, where, columns, rows, lines)


def _records(path: Path) -> tuple[list[tuple[int, list[str]]], int]:
    """Every CSV record with the line it starts on (blank lines skipped), and the last line."""
    where = str(path)
    data = read_bytes(path)
    if not data.strip():
        raise ValidationError("the file is empty", where=where)
    text = decode_text(data, where=where, kind="CSV")
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip()):
                out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationError(
            f"not valid CSV: {exc}", where=f"{where}:line {reader.line_num}"
        ) from None
    return out, reader.line_num


def _looks_like(records: list[tuple[int, list[str]]]) -> str | None:
    """Which tool an export looks like, from its header rows."""
    first = [c.strip() for c in records[0][1]]
    third = records[2][1] if len(records) > 2 else []
    if (
        "ResponseId" in first
        and len(third) == len(first)
        and _import_id(third[first.index("ResponseId")])
    ):
        return "qualtrics"
    if "Respondent ID" in first:
        return "surveymonkey"
    if first and first[0] == "#" and ("Submit Date (UTC)" in first or "Start Date (UTC)" in first):
        return "typeform"
    if "Timestamp" in first or "Horodateur" in first:
        return "google-forms"
    if "response_id" in first and "score" in first:
        return "import"
    return None


def _not_this_tool(tool: str, records: list[tuple[int, list[str]]], where: str, why: str) -> None:
    guess = _looks_like(records)
    hint = ""
    if guess == "import":
        hint = "; it is already in the responses import format: import it without --from"
    elif guess and guess != tool:
        hint = f"; it looks like a {TOOLS[guess]} export: use --from {guess}"
    raise ValidationError(f"not a {TOOLS[tool]} export: {why}{hint}", where=where)


def _import_id(cell: str) -> str | None:
    return _import_info(cell).get("ImportId")


def _import_info(cell: str) -> dict[str, str]:
    """A Qualtrics third-row cell: {"ImportId": "QID1"}, with timeZone for dates."""
    try:
        value = json.loads(cell)
    except ValueError:
        return {}
    if isinstance(value, dict) and isinstance(value.get("ImportId"), str):
        return {k: v for k, v in value.items() if isinstance(v, str)}
    return {}


def _unique(names: list[str], where: str) -> list[str]:
    """Disambiguate repeated names ('Comments', 'Comments (2)')."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for i, name in enumerate(names):
        if not name:
            raise ValidationError(f"column {i + 1} of the header has no name", where=where)
        count = seen.get(name.lower(), 0) + 1
        seen[name.lower()] = count
        out.append(name if count == 1 else f"{name} ({count})")
    return out


def _qualtrics_columns(
    records: list[tuple[int, list[str]]], where: str, last_line: int
) -> list[ExportColumn]:
    ids = [" ".join(c.lstrip("\ufeff").split()) for c in records[0][1]]
    if "ResponseId" not in ids and "ResponseID" not in ids:
        _not_this_tool(
            "qualtrics", records, f"{where}:line 1", "the first header row has no ResponseId column"
        )
    for number, label in ((1, "question texts"), (2, "ImportId")):
        if len(records) <= number:
            raise ValidationError(
                f"the export ends before its header row {number + 1} ({label}); a Qualtrics "
                "export has three header rows: question ids, question texts, ImportIds",
                where=f"{where}:line {last_line + 1}",
            )
        if len(records[number][1]) != len(ids):
            raise ValidationError(
                f"header row {number + 1} has {len(records[number][1])} fields, the first {len(ids)}",
                where=f"{where}:line {records[number][0]}",
            )
    texts = [" ".join(c.split()) for c in records[1][1]]
    infos = [_import_info(c) for c in records[2][1]]
    import_ids = [info.get("ImportId") for info in infos]
    if not any(import_ids):
        _not_this_tool(
            "qualtrics",
            records,
            f"{where}:line {records[2][0]}",
            'the third header row should hold the ImportIds ({"ImportId":"QID1"}…); export the '
            "responses as CSV without the legacy format",
        )
    names = _unique(ids, f"{where}:line 1")
    columns = []
    for i, (name, text, info) in enumerate(zip(names, texts, infos, strict=True)):
        import_id = info.get("ImportId")
        question = bool(import_id and import_id.startswith("QID"))
        columns.append(
            ExportColumn(
                i,
                name,
                text or name,
                name,
                question=question,
                import_id=import_id,
                time_zone=info.get("timeZone"),
            )
        )
    return columns


def _surveymonkey_columns(
    records: list[tuple[int, list[str]]], where: str, last_line: int
) -> list[ExportColumn]:
    first = [" ".join(c.lstrip("\ufeff").split()) for c in records[0][1]]
    if "Respondent ID" not in first:
        _not_this_tool(
            "surveymonkey",
            records,
            f"{where}:line 1",
            "the first header row has no 'Respondent ID' column",
        )
    if len(records) < 2:
        raise ValidationError(
            "the export ends before its second header row (Response, Open-Ended Response…); a "
            "SurveyMonkey 'All responses, expanded' export has two header rows",
            where=f"{where}:line {last_line + 1}",
        )
    line2, second = records[1]
    if len(second) != len(first):
        raise ValidationError(
            f"header row 2 has {len(second)} fields, the first {len(first)}",
            where=f"{where}:line {line2}",
        )
    sub = [" ".join(c.split()) for c in second]
    if sub[first.index("Respondent ID")] or not any(sub):
        raise ValidationError(
            "not a SurveyMonkey 'expanded' export: the second header row should hold the answer "
            "labels (Response, Open-Ended Response…), with nothing under Respondent ID",
            where=f"{where}:line {line2}",
        )
    groups: list[tuple[str, list[int]]] = []
    for i, text in enumerate(first):
        if text or not groups:
            groups.append((text, [i]))
        else:
            groups[-1][1].append(i)
    columns: list[ExportColumn | None] = [None] * len(first)
    number = 0
    for text, members in groups:
        metadata = text in SURVEYMONKEY_METADATA or re.fullmatch(r"Custom Data \d+", text)
        if not metadata:
            number += 1
        for position, i in enumerate(members, start=1):
            label = sub[i]
            if metadata:
                name, key = text, text
            elif len(members) == 1:
                key = f"Q{number}"
                generic = not label or label.lower() in GENERIC_SUB_LABELS
                name = text if generic else f"{text} - {label}"
            else:
                key = f"Q{number}_{position}"
                name = f"{text} - {label}" if label else f"{text} - {position}"
            columns[i] = ExportColumn(
                i,
                name,
                name,
                key,
                question=not metadata,
                sub_label=label or None,
                group_width=len(members),
            )
    out = [c for c in columns if c is not None]
    for col, name in zip(out, _unique([c.name for c in out], f"{where}:line 1"), strict=True):
        col.name = name
        if not col.question:
            col.key = name
    return out


def _typeform_columns(
    records: list[tuple[int, list[str]]], where: str, last_line: int
) -> list[ExportColumn]:
    header = [" ".join(c.lstrip("\ufeff").split()) for c in records[0][1]]
    if (
        not header
        or header[0] != "#"
        or not ("Submit Date (UTC)" in header or "Start Date (UTC)" in header)
    ):
        _not_this_tool(
            "typeform",
            records,
            f"{where}:line 1",
            "the header should start with # (the response token) and have Start Date (UTC) "
            "and Submit Date (UTC) columns",
        )
    names = _unique(header, f"{where}:line 1")
    first_meta = next(i for i, n in enumerate(header) if i and n in TYPEFORM_METADATA)
    columns = []
    number = 0
    for i, name in enumerate(names):
        question = 0 < i < first_meta and name not in TYPEFORM_METADATA
        if question:
            number += 1
        columns.append(ExportColumn(i, name, name, f"Q{number}" if question else name, question))
    return columns


def _google_forms_columns(
    records: list[tuple[int, list[str]]], where: str, last_line: int
) -> list[ExportColumn]:
    header = [" ".join(c.lstrip("\ufeff").split()) for c in records[0][1]]
    if "Timestamp" not in header and "Horodateur" not in header:
        _not_this_tool(
            "google-forms",
            records,
            f"{where}:line 1",
            "the header has no Timestamp (Horodateur) column",
        )
    names = _unique(header, f"{where}:line 1")
    columns = []
    number = 0
    for i, name in enumerate(names):
        question = name not in GOOGLE_FORMS_METADATA
        if question:
            number += 1
        columns.append(ExportColumn(i, name, name, f"Q{number}" if question else name, question))
    return columns


# --------------------------------------------------------------------------- planning


def _squash(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").replace("\u00a0", " ").split())


def guess_language(text: str) -> str | None:
    """fr or en from the common words of a text; None when it cannot tell."""
    words = re.findall(r"[a-zà-ÿ]+", _normalise(text))
    french = sum(w in _FRENCH_WORDS for w in words)
    english = sum(w in _ENGLISH_WORDS for w in words)
    if french == english:
        return None
    return "fr" if french > english else "en"


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
    label = _normalise(text).rstrip(".!")
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


def _detect_metric(text: str, values: list[str]) -> tuple[str | None, str, list[str]]:
    """The metric a question's text and answers say it measures, why, and notes.

    NPS: the text asks about recommending. CES: the text speaks of ease and the answers are
    on a 1–7 scale. CSAT: the text speaks of satisfaction and the answers are on a 1–5 scale.
    """
    lowered = _normalise(text)
    matched = {
        metric: next((p for p in patterns if re.search(p, lowered)), None)
        for metric, patterns in METRIC_PATTERNS.items()
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


def _is_open_text(export: Export, col: ExportColumn, values: list[str]) -> tuple[bool, str]:
    if col.import_id is not None:
        if re.fullmatch(r"QID\d+_TEXT", col.import_id):
            return True, f"text entry question (ImportId {col.import_id})"
        return False, ""
    if col.sub_label and col.sub_label.lower() in OPEN_ENDED_LABELS and col.group_width == 1:
        return True, f"open-ended question (sub-label {col.sub_label!r})"
    if col.group_width > 1:
        return False, ""
    answered = [v for v in values if v]
    if answered and all(_PLAIN_NUMBER.match(v) for v in answered):
        return False, ""
    lowered = _normalise(col.text)
    pattern = next((p for p in OPEN_TEXT_PATTERNS if re.search(p, lowered)), None)
    if pattern:
        return True, f"open question ({_quote_match(pattern, lowered)}) with text answers"
    if answered:
        mean = sum(len(v) for v in answered) / len(answered)
        if mean >= 25 and len(set(answered)) >= max(2, len(answered) // 2):
            return True, "free-text answers"
    return False, ""


def _find(export: Export, ref: str, where: str) -> ExportColumn:
    """A column named by a mapping: by name, question key or question text (any case)."""
    wanted = ref.strip().lower()
    for attribute in ("name", "key", "text"):
        found = [c for c in export.columns if getattr(c, attribute).lower() == wanted]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ValidationError(
                f"{ref!r} names several columns ({', '.join(c.name for c in found)}); use the column name",
                where=where,
            )
    listed = ", ".join(
        f"{c.key} ({c.name[:40]})" if c.key != c.name else c.name for c in export.columns
    )
    raise ValidationError(
        f"the export has no column {ref!r}; its columns are: {listed}", where=where
    )


def _named(export: Export, names: tuple[str, ...]) -> ExportColumn | None:
    """The first of ``names`` (in their order) that the export has."""
    by_name = {c.name: c for c in export.columns}
    return next((by_name[n] for n in names if n in by_name), None)


def _squashed(export: Export, names: set[str]) -> ExportColumn | None:
    """The first column whose name, squashed (customer_id -> customerid), is in ``names``."""
    return next((c for c in export.columns if _squash(c.name) in names), None)


def _touchpoint_in_text(text: str, touchpoints: Mapping[str, str] | None) -> tuple[str | None, str]:
    if not touchpoints:
        return None, ""
    lowered = _normalise(text)
    found: dict[str, str] = {}
    for label, key in touchpoints.items():
        for variant in {label.lower(), label.lower().replace("_", " ")}:
            if len(variant) >= 3 and re.search(rf"(?<!\w){re.escape(variant)}s?(?!\w)", lowered):
                found.setdefault(key, variant)
    if len(found) == 1:
        key, variant = next(iter(found.items()))
        return key, f"question text names “{variant}”"
    return None, ""


def plan_export(
    export: Export,
    *,
    mapping: SurveyMapping | None = None,
    touchpoints: Mapping[str, str] | None = None,
) -> SurveyPlan:
    """Decide what each column becomes: detection, then the mapping's overrides."""
    layout = LAYOUTS[export.tool]
    mapping = mapping or SurveyMapping(where="--mapping")
    mwhere = mapping.where
    whys: dict[str, str] = {}
    notes: list[str] = []

    def chosen(
        key: str, defaults: tuple[str, ...], generic: set[str] | None = None
    ) -> ExportColumn | None:
        ref = getattr(mapping, key)
        if ref:
            found = _find(export, ref, f"{mwhere}:{key}")
            whys[found.name] = f"mapping: {key}"
            return found
        col = _squashed(export, generic) if generic else None
        if col is None:
            col = _named(export, defaults)
            if col is not None:
                whys[col.name] = f"{TOOLS[export.tool]} column"
        else:
            whys[col.name] = "column name"
        return col

    respondent = chosen("respondent_id_column", layout.respondent_id)
    if mapping.timestamp_column:
        timestamp = _find(export, mapping.timestamp_column, f"{mwhere}:timestamp_column")
        fallback: ExportColumn | None = None
        whys[timestamp.name] = "mapping: timestamp_column"
    else:
        present = [c for c in (_named(export, (n,)) for n in layout.timestamps) if c]
        if not present:
            raise ValidationError(
                f"no date column ({' or '.join(layout.timestamps)}); name it with timestamp_column "
                "in --mapping",
                where=f"{export.path}:line 1",
            )
        timestamp, fallback = present[0], (present[1] if len(present) > 1 else None)
        whys[timestamp.name] = f"{TOOLS[export.tool]} column"
        if timestamp.time_zone:
            whys[timestamp.name] += f" (times in {timestamp.time_zone}, stored as written)"
        if fallback is not None:
            whys[fallback.name] = f"{TOOLS[export.tool]} column (for unfinished responses)"
    touchpoint_col = chosen("touchpoint_column", (), TOUCHPOINT_NAMES)
    language_col = (
        None if mapping.language else chosen("language_column", layout.language, LANGUAGE_NAMES)
    )
    channel_col = (
        None if mapping.channel else chosen("channel_column", layout.channel, CHANNEL_NAMES)
    )

    customer_strict = bool(mapping.customer_id_column)
    if customer_strict:
        customer = chosen("customer_id_column", ())
        customer_why = "mapping: customer_id_column"
    else:
        customer = None
        generic = _squashed(export, CUSTOMER_NAMES)
        candidates = ([generic] if generic else []) + [
            c for c in (_named(export, (n,)) for n in layout.customer_id) if c
        ]
        for col in candidates:
            if any(export.values(col)):
                customer = col
                whys[col.name] = (
                    "column name" if col is generic else f"{TOOLS[export.tool]} column"
                ) + "; the respondent id where it is empty"
                break
        customer_why = (
            "no customer column with values: each respondent stands for a customer"
            if customer is None
            else whys[customer.name]
        )
        if customer is None:
            notes.append(
                "no customer id column with values: the respondent id is used as customer_id "
                "(name the column with customer_id_column in --mapping)"
            )

    roles = (
        ("response id", respondent),
        ("date", timestamp),
        ("touchpoint", touchpoint_col),
        ("language", language_col),
        ("channel", channel_col),
        ("customer id", customer),
    )
    taken_as = {col.name: role for role, col in reversed(roles) if col is not None}
    taken = set(taken_as)
    ignored: list[tuple[ExportColumn, str]] = []
    for ref in mapping.ignore:
        col = _find(export, ref, f"{mwhere}:ignore")
        ignored.append((col, "mapping: ignore"))

    # the mapping's rules, by column
    rules: dict[str, tuple[QuestionRule, str]] = {}
    for ref, rule in mapping.questions.items():
        col = _find(export, ref, f"{mwhere}:questions.{ref}")
        if col.name in taken:
            raise ValidationError(
                f"{col.name!r} is already the {taken_as[col.name]} column",
                where=f"{mwhere}:questions.{ref}",
            )
        rules[col.name] = (rule, ref)
        if rule.role == "ignore":
            ignored.append((col, "mapping: questions"))

    ignored_names = {c.name for c, _ in ignored}
    # companion NPS group columns (Qualtrics) mark their question as NPS
    nps_groups: dict[str, ExportColumn] = {}
    for col in export.columns:
        if col.name.endswith("_NPS_GROUP") and col.name not in rules:
            base = col.name[: -len("_NPS_GROUP")]
            nps_groups[base] = col
            if col.name not in ignored_names:
                ignored.append((col, f"NPS group of {base} (derived from the score)"))
                ignored_names.add(col.name)

    scored: list[ScoredQuestion] = []
    open_text: dict[str, str] = {}
    undecided: list[str] = []
    for col in export.columns:
        if col.name in taken or col.name in ignored_names:
            continue
        values = export.values(col)
        rule_ref = rules.get(col.name)
        if rule_ref is not None:
            rule, ref = rule_ref
            if rule.role in METRICS:
                scored.append(
                    ScoredQuestion(
                        col, rule.role, f"mapping: questions.{ref}", guess_language(col.text)
                    )
                )
                if rule.touchpoint:
                    scored[-1].touchpoint = rule.touchpoint
                    scored[-1].touchpoint_why = "mapping"
            continue
        if col.name in nps_groups:
            scored.append(
                ScoredQuestion(
                    col,
                    "nps",
                    f"NPS question ({nps_groups[col.name].name})",
                    guess_language(col.text),
                )
            )
            continue
        if not col.question:
            continue
        metric, why, metric_notes = _detect_metric(col.text, values)
        if metric:
            scored.append(ScoredQuestion(col, metric, why, guess_language(col.text)))
            continue
        is_open, open_why = _is_open_text(export, col, values)
        if is_open:
            open_text[col.name] = open_why
            continue
        for note in metric_notes:
            undecided.append(f"{col.key} ({col.text[:60]}): {note}")

    if not scored:
        listed = "; ".join(f"{c.key}: {c.text[:50]}" for c in export.columns if c.question)
        raise ValidationError(
            "no NPS, CES or CSAT question recognised"
            + (f" among the questions ({listed})" if listed else "")
            + "; say which is which in --mapping (questions: {Q1: nps})",
            where=export.path,
        )
    notes.extend(undecided)

    # verbatims: the mapping's, then the first open-text question after each score
    by_name = {q.column.name: q for q in scored}
    claimed: set[str] = set()
    for name, (rule, ref) in rules.items():
        if rule.role != "verbatim" or rule.verbatim_of is None:
            continue
        target = _find(export, rule.verbatim_of, f"{mwhere}:questions.{ref}")
        question = by_name.get(target.name)
        if question is None:
            raise ValidationError(
                f"verbatim_of names {rule.verbatim_of!r}, which is not a scored question",
                where=f"{mwhere}:questions.{ref}",
            )
        if question.verbatim is not None:
            raise ValidationError(
                f"{question.column.key} already has the verbatim {question.verbatim.name!r}",
                where=f"{mwhere}:questions.{ref}",
            )
        question.verbatim = next(c for c in export.columns if c.name == name)
        question.verbatim_why = f"mapping: questions.{ref}"
        claimed.add(name)
    waiting: ScoredQuestion | None = None
    for col in export.columns:
        if col.name in by_name:
            question = by_name[col.name]
            waiting = question if question.verbatim is None else None
        elif col.name in open_text and col.name not in claimed and col.name not in rules:
            if waiting is not None:
                waiting.verbatim = col
                waiting.verbatim_why = (
                    f"{open_text[col.name]}, the first after {waiting.column.key}"
                )
                claimed.add(col.name)
                waiting = None

    # touchpoints
    for question in scored:
        if question.touchpoint is None:
            key, why = _touchpoint_in_text(question.column.text, touchpoints)
            if key:
                question.touchpoint, question.touchpoint_why = key, why
    missing = [q for q in scored if q.touchpoint is None]
    if missing and touchpoint_col is None and not mapping.touchpoint:
        listed = ", ".join(f"{q.column.key} ({q.metric})" for q in missing)
        raise ValidationError(
            f"no touchpoint for {listed}: give touchpoint: KEY (or touchpoint_column: COLUMN, or "
            "questions: {Q1: {metric: nps, touchpoint: KEY}}) in --mapping",
            where=export.path,
        )

    languages = {q.language for q in scored if q.language}
    survey_language = languages.pop() if len(languages) == 1 else None
    for question in scored:
        question.language = question.language or survey_language

    used = taken | ignored_names | set(by_name) | claimed
    used.discard(fallback.name if fallback else "")
    known = set(RESPONSES.column_names) | {"attributes"}
    attributes = []
    for col in export.columns:
        if col.name in used:
            continue
        key = col.name if col.name.lower() not in known else f"{export.tool}_{col.name}"
        attributes.append((col, key))

    date_order, date_why = _date_order(
        export, [c for c in (timestamp, fallback) if c], mapping.date_order, layout
    )
    return SurveyPlan(
        tool=export.tool,
        path=export.path,
        respondents=len(export.rows),
        questions=scored,
        respondent_id=respondent,
        timestamp=timestamp,
        timestamp_fallback=fallback,
        date_order=date_order,
        date_order_why=date_why,
        customer_id=customer,
        customer_id_why=customer_why,
        customer_id_strict=customer_strict,
        touchpoint_column=touchpoint_col,
        touchpoint=mapping.touchpoint,
        language_column=language_col,
        language=mapping.language,
        channel_column=channel_col,
        channel=mapping.channel,
        survey=mapping.survey,
        attributes=attributes,
        ignored=ignored,
        columns=export.columns,
        whys=whys,
        notes=notes,
    )


# --------------------------------------------------------------------------- dates

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T].*)?$")
_SLASHED = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"
    r"(?:[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([AaPp])?\.?[Mm]?\.?)?$"
)
_YEAR_FIRST = re.compile(
    r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp])?\.?[Mm]?\.?)?$"
)


def _date_order(
    export: Export, columns: list[ExportColumn], explicit: str | None, layout: _Layout
) -> tuple[str | None, str]:
    if explicit:
        return explicit, "mapping: date_order"
    day_first: int | None = None
    month_first: int | None = None
    slashed = False
    for col in columns:
        for line, value in zip(export.lines, export.values(col), strict=True):
            match = _SLASHED.match(value)
            if not match:
                continue
            slashed = True
            a, b = int(match.group(1)), int(match.group(2))
            if a > 12 and b <= 12 and day_first is None:
                day_first = line
            if b > 12 and a <= 12 and month_first is None:
                month_first = line
    if not slashed:
        return None, "ISO dates"
    where = f"{export.path}:{columns[0].name}"
    if day_first and month_first:
        raise ValidationError(
            f"the dates are day/month at line {day_first} and month/day at line {month_first}; "
            "give date_order: dmy or mdy in --mapping",
            where=where,
        )
    if day_first:
        return "dmy", f"day/month/year: a day above 12 at line {day_first}"
    if month_first:
        return "mdy", f"month/day/year: a day above 12 at line {month_first}"
    if layout.date_order:
        return layout.date_order, f"{TOOLS[export.tool]} writes month/day/year"
    raise ValidationError(
        "cannot tell whether the dates are day/month or month/day (no day above 12); give "
        "date_order: dmy or mdy in --mapping",
        where=where,
    )


def convert_date(value: str, order: str | None) -> str:
    """A tool's date as ISO 8601 text; unrecognised values are returned as they are."""
    text = value.strip()
    if not text or _ISO_DATE.match(text):
        return text
    match = _SLASHED.match(text)
    if match and order:
        a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        day, month = (a, b) if order == "dmy" else (b, a)
        time = match.group(4, 5, 6, 7)
    else:
        match = _YEAR_FIRST.match(text)
        if not match:
            return text
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        time = match.group(4, 5, 6, 7)
    hour, minute, second = int(time[0] or 0), int(time[1] or 0), int(time[2] or 0)
    if time[3]:
        if not 1 <= hour <= 12:
            return text
        hour = hour % 12 + (12 if time[3].lower() == "p" else 0)
    try:
        return dt.datetime(year, month, day, hour, minute, second).isoformat()
    except ValueError:
        return text


# --------------------------------------------------------------------------- rows


def export_rows(export: Export, plan: SurveyPlan) -> SurveyRaw:
    """One ``responses`` row per answered scored question, in file order."""
    out: dict[str, list[str | None]] = {
        name: []
        for name in (
            "response_id",
            "customer_id",
            "touchpoint",
            "timestamp",
            "metric",
            "score",
            "survey",
            "channel",
            "verbatim",
            "language",
        )
    }
    attribute_keys = [key for _, key in plan.attributes]
    attribute_values: dict[str, list[str | None]] = {key: [] for key in attribute_keys}
    lines: list[int] = []
    row_question: list[int] = []
    row_timestamp: list[str] = []
    seen_digests: dict[str, int] = {}
    without_score = 0
    for row, line in zip(export.rows, export.lines, strict=True):

        def cell(col: ExportColumn | None, row: list[str] = row) -> str:
            return row[col.index].strip() if col is not None else ""

        answered = [(i, q) for i, q in enumerate(plan.questions) if cell(q.column)]
        if not answered:
            without_score += 1
            continue
        if plan.respondent_id is not None:
            respondent = cell(plan.respondent_id)
        else:
            digest = hashlib.sha256("\x1f".join(c.strip() for c in row).encode()).hexdigest()[:16]
            seen_digests[digest] = seen_digests.get(digest, 0) + 1
            count = seen_digests[digest]
            respondent = digest if count == 1 else f"{digest}-{count}"
        stamp_col = plan.timestamp
        stamp = cell(plan.timestamp)
        if not stamp and plan.timestamp_fallback is not None:
            stamp_col, stamp = plan.timestamp_fallback, cell(plan.timestamp_fallback)
        timestamp = convert_date(stamp, plan.date_order)
        customer = cell(plan.customer_id)
        if not customer and not plan.customer_id_strict:
            customer = respondent
        row_touchpoint = cell(plan.touchpoint_column) or plan.touchpoint
        language = (cell(plan.language_column).lower() or None) if plan.language_column else None
        channel = cell(plan.channel_column) or plan.channel
        attributes = [cell(col) or None for col, _ in plan.attributes]
        for i, question in answered:
            out["response_id"].append(f"{respondent}:{question.column.key}" if respondent else None)
            out["customer_id"].append(customer or None)
            out["touchpoint"].append(question.touchpoint or row_touchpoint or None)
            out["timestamp"].append(timestamp or None)
            out["metric"].append(question.metric)
            out["score"].append(parse_score(cell(question.column), question.metric))
            out["survey"].append(plan.survey)
            out["channel"].append(channel or None)
            out["verbatim"].append(cell(question.verbatim) or None if question.verbatim else None)
            out["language"].append(language or plan.language or question.language)
            for key, value in zip(attribute_keys, attributes, strict=True):
                attribute_values[key].append(value)
            lines.append(line)
            row_question.append(i)
            row_timestamp.append(stamp_col.name)
    plan.respondents_without_score = without_score
    plan.rows = len(lines)
    if without_score:
        plan.notes.append(
            f"{without_score} respondent(s) answered no scored question: nothing is imported for them"
        )
    if plan.date_order and plan.date_order_why != "ISO dates":
        plan.notes.append(f"dates: {plan.date_order_why}")
    if not lines:
        raise ValidationError(
            f"none of the {len(export.rows)} respondent(s) answered a scored question "
            f"({', '.join(q.column.key for q in plan.questions)})",
            where=export.path,
        )
    columns = {name: pa.array(values, pa.string()) for name, values in out.items()}
    for key, values in attribute_values.items():
        columns[key] = pa.array(values, pa.string())
    return SurveyRaw(
        export.path,
        columns,
        np.asarray(lines, dtype=np.int64),
        plan=plan,
        row_question=row_question,
        row_timestamp=row_timestamp,
    )


# --------------------------------------------------------------------------- after validation


def relocate_problems(checked: Validated) -> None:
    """Name the export's column in each problem's place, and say dates the tool's way."""
    raw = checked.raw
    if not isinstance(raw, SurveyRaw) or raw.plan is None:
        return
    plan = raw.plan
    example = LAYOUTS[plan.tool].date_example
    if plan.date_order == "dmy":
        example = "05/03/2024 14:02:11, day/month/year"
    elif plan.date_order == "mdy" and plan.tool != "surveymonkey":
        example = "3/5/2024 14:02:11, month/day/year"
    date_reason = f"is not a date as {TOOLS[plan.tool]} writes it (e.g. {example})"
    relocated = []
    for problem in checked.problems:
        origin = _origin(raw, plan, problem.row, problem.column)
        reason = problem.reason
        if problem.column == "timestamp" and reason.startswith("is not an ISO 8601"):
            reason = date_reason
        where = f"{problem.where}:{origin}" if origin else problem.where
        relocated.append(Problem(problem.row, where, problem.column, problem.value, reason))
    checked.problems = relocated
    for reasons in checked.reasons.values():
        for i, text in enumerate(reasons):
            if text.startswith("timestamp is not an ISO 8601"):
                reasons[i] = f"timestamp {date_reason}"


def _origin(raw: SurveyRaw, plan: SurveyPlan, row: int, column: str | None) -> str | None:
    question = plan.questions[raw.row_question[row]]
    origins: dict[str, ExportColumn | None] = {
        "score": question.column,
        "metric": question.column,
        "verbatim": question.verbatim,
        "response_id": plan.respondent_id,
        "customer_id": plan.customer_id,
        "language": plan.language_column,
        "channel": plan.channel_column,
        "touchpoint": None if question.touchpoint else plan.touchpoint_column,
    }
    if column == "timestamp":
        return raw.row_timestamp[row]
    col = origins.get(column or "")
    return col.name if col is not None else None


def plan_of(checked: Validated) -> SurveyPlan | None:
    """The plan behind rows read from a survey tool's export (None for other files)."""
    return checked.raw.plan if isinstance(checked.raw, SurveyRaw) else None


def preview_rows(data: pa.Table, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
    """The first rows as they would be imported (typed values as JSON-friendly text)."""
    rows = data.slice(0, limit).to_pylist()
    out = []
    for row in rows:
        shown: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dt.datetime | dt.date):
                value = value.isoformat()
            shown[key] = value
        out.append(shown)
    return out
