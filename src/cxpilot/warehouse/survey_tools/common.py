"""What every survey tool's export shares: the tools, an export's columns and rows, the plan
of what each column becomes, and the header checks each tool's reader uses."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.files import RawTable
from cxpilot.warehouse.schema import METRIC_RANGES

if TYPE_CHECKING:
    from cxpilot.warehouse.survey_tools.scales import QuestionScale

#: ``--from`` values and the tools' names.
TOOLS: dict[str, str] = {
    "qualtrics": "Qualtrics",
    "surveymonkey": "SurveyMonkey",
    "typeform": "Typeform",
    "google-forms": "Google Forms",
}
METRICS = tuple(METRIC_RANGES)

#: Every CSV record of an export with the line it starts on.
Records = list[tuple[int, list[str]]]


def shown(value: object, limit: int = 80) -> str:
    """A value of the user's file as an error quotes it: at most ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    #: the question this column is one of the columns of (SurveyMonkey's Q5 for Q5_1 and its
    #: comment Q5_2; Qualtrics's QID5 for QID5 and QID5_TEXT); None: a question of its own
    group: str | None = None


#: A tool's reader of header rows: (records, where, last line) -> the columns.
ColumnReader = Callable[[Records, str, int], list[ExportColumn]]


@dataclass(frozen=True)
class Layout:
    """How a tool lays out its export."""

    header_rows: int
    metadata: tuple[str, ...]
    respondent_id: tuple[str, ...]  # candidates, first present wins; none: a digest of the row
    timestamps: tuple[str, ...]  # first present is the timestamp, the next its fallback
    customer_id: tuple[str, ...]
    columns: ColumnReader  # reads the header rows into columns, checking they are the tool's
    language: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    date_order: str | None = None  # for dates such as 03/05/2024 when the data cannot tell
    date_example: str = "2024-03-05 14:02:11"


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
    survey: str = ""  # stored with each answer: the export's survey and this question
    scale: QuestionScale | None = None  # the scale its answers are on (scales.read_scales)


@dataclass(frozen=True)
class LeftOut:
    """Respondents left out of an import: how many, what they are (test, preview, spam) and
    the column that says so."""

    kind: str
    column: str
    respondents: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "respondents": self.respondents}


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
    survey: str | None  # the export's survey name (mapping, else the file's name)
    touchpoint_why: str
    attributes: list[tuple[ExportColumn, str]]  # column, its key in attributes
    ignored: list[tuple[ExportColumn, str]]  # column, why
    columns: list[ExportColumn]
    whys: dict[str, str] = field(default_factory=dict)  # column name -> how it was recognised
    notes: list[str] = field(default_factory=list)
    rows: int = 0
    respondents_without_score: int = 0
    #: test, preview and spam responses left out (or kept, with ``test_responses_kept``)
    left_out: list[LeftOut] = field(default_factory=list)
    left_out_rows: set[int] = field(default_factory=set)  # indices in the export's rows
    test_responses_kept: bool = False

    def mapping_rows(self) -> list[dict[str, str]]:
        """One row per file column (in file order), then the values given by the mapping."""
        becomes, why = self._becomes()
        out = [
            {
                "column": col.name,
                "question": col.text if col.text != col.name else "",
                "becomes": becomes.get(col.name, "attributes"),
                "why": why.get(col.name, ""),
            }
            for col in self.columns
        ]
        return out + self._given_rows()

    def _becomes(self) -> tuple[dict[str, str], dict[str, str]]:
        """What each column becomes, and why, by column name."""
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
            becomes[q.column.name] = (
                f"score, metric {q.metric} (key {q.column.key}){where}, survey “{q.survey}”"
            )
            why[q.column.name] = (
                q.why
                + (f"; touchpoint: {q.touchpoint_why}" if q.touchpoint else "")
                + (f"; {q.scale.describe()}" if q.scale else "")
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
        return becomes, why

    def _given_rows(self) -> list[dict[str, str]]:
        """The rows of values that no column holds: the mapping's constants, the ids made up."""
        out = []
        constants = (
            ("touchpoint", self.touchpoint, self.touchpoint_why),
            ("language", self.language, "mapping"),
            ("channel", self.channel, "mapping"),
        )
        for name, value, why in constants:
            if value is not None:
                if name == "touchpoint" and self.touchpoint_column is not None:
                    why += f", where {self.touchpoint_column.name} is empty"
                out.append(
                    {"column": "", "question": "", "becomes": f"{name} = {value}", "why": why}
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
            "survey": self.survey,
            "touchpoint": self.touchpoint,
            "scored_question_count": len(self.questions),
            "scored_questions": [
                {
                    "key": q.column.key,
                    "column": q.column.name,
                    "metric": q.metric,
                    "survey": q.survey,
                    "verbatim": q.verbatim.name if q.verbatim else None,
                    "verbatim_why": q.verbatim_why or None,
                    "touchpoint": q.touchpoint or self.touchpoint,
                    "scale": q.scale.summary() if q.scale else None,
                }
                for q in self.questions
            ],
            "date_order": self.date_order,
            "left_out": [] if self.test_responses_kept else [x.as_dict() for x in self.left_out],
            "notes": self.notes,
        }


@dataclass
class SurveyRaw(RawTable):
    """The rows of an export in the ``responses`` import format, with the plan that made them."""

    plan: SurveyPlan | None = None
    row_question: list[int] = field(default_factory=list)  # scored question of each row
    row_timestamp: list[str] = field(default_factory=list)  # column each timestamp came from
    date_reasons: dict[int, str] = field(default_factory=dict)  # line -> why its date is none


# --------------------------------------------------------------------------- header rows


def header_cells(row: list[str]) -> list[str]:
    """A header row's cells, byte-order mark and extra white space removed."""
    return [" ".join(c.lstrip("\ufeff").split()) for c in row]


def first_header(
    records: Records, tool: str, where: str, fits: Callable[[list[str]], bool], why: str
) -> list[str]:
    """The cells of the first header row, if ``fits`` finds them laid out as ``tool`` lays
    them out; else the export is refused (:func:`not_this_tool`, ``why`` says what is off)."""
    header = header_cells(records[0][1])
    if not fits(header):
        not_this_tool(tool, records, f"{where}:line 1", why)
    return header


def import_id(cell: str) -> str | None:
    return import_info(cell).get("ImportId")


def import_info(cell: str) -> dict[str, str]:
    """A Qualtrics third-row cell: {"ImportId": "QID1"}, with timeZone for dates."""
    try:
        value = json.loads(cell)
    except ValueError:
        return {}
    if isinstance(value, dict) and isinstance(value.get("ImportId"), str):
        return {k: v for k, v in value.items() if isinstance(v, str)}
    return {}


def unique_names(names: list[str], where: str) -> list[str]:
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


def one_row_columns(
    header: list[str], where: str, is_question: Callable[[int, str], bool]
) -> list[ExportColumn]:
    """The columns of a one-header-row export: named by the header (made unique), the
    questions (``is_question(index, name)``) keyed Q1, Q2… in order."""
    columns = []
    number = 0
    for i, name in enumerate(unique_names(header, where)):
        question = is_question(i, name)
        if question:
            number += 1
        columns.append(ExportColumn(i, name, name, f"Q{number}" if question else name, question))
    return columns


def looks_like(records: Records) -> str | None:
    """Which tool an export looks like, from its header rows."""
    first = [c.strip() for c in records[0][1]]
    third = records[2][1] if len(records) > 2 else []
    if (
        "ResponseId" in first
        and len(third) == len(first)
        and import_id(third[first.index("ResponseId")])
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


def not_this_tool(tool: str, records: Records, where: str, why: str) -> NoReturn:
    """Refuse an export that is not ``tool``'s, saying what it looks like instead."""
    guess = looks_like(records)
    hint = ""
    if guess == "import":
        hint = "; it is already in the responses import format: import it without --from"
    elif guess and guess != tool:
        hint = f"; it looks like a {TOOLS[guess]} export: use --from {guess}"
    raise ValidationError(f"not a {TOOLS[tool]} export: {why}{hint}", where=where)
