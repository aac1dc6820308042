"""The rows an export gives in the ``responses`` import format, and what validation says of
them put back in the export's terms."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.survey_tools.common import (
    TOOLS,
    Export,
    ExportColumn,
    ScoredQuestion,
    SurveyPlan,
    SurveyRaw,
)
from cxpilot.warehouse.survey_tools.dates import DateProblem, read_date
from cxpilot.warehouse.survey_tools.detection import parse_score
from cxpilot.warehouse.survey_tools.layouts import LAYOUTS
from cxpilot.warehouse.validate import MAX_REPORTED, Problem, Validated

PREVIEW_ROWS = 5
_COLUMNS = (
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


def export_rows(export: Export, plan: SurveyPlan) -> SurveyRaw:
    """One ``responses`` row per answered scored question, in file order."""
    out: dict[str, list[str | None]] = {name: [] for name in _COLUMNS}
    attribute_keys = [key for _, key in plan.attributes]
    attribute_values: dict[str, list[str | None]] = {key: [] for key in attribute_keys}
    lines: list[int] = []
    row_question: list[int] = []
    row_timestamp: list[str] = []
    respondent_ids = _RespondentIds(plan)
    dates = _Dates(plan)
    without_score = 0
    for index, (row, line) in enumerate(zip(export.rows, export.lines, strict=True)):
        if index in plan.left_out_rows:
            continue
        answered = [(i, q) for i, q in enumerate(plan.questions) if _score(row, q) is not None]
        if not answered:
            without_score += 1
            continue
        respondent = respondent_ids.of(row)
        stamp_col, shared = _respondent_values(row, plan, respondent, dates, line)
        attributes = [_cell(row, col) or None for col, _ in plan.attributes]
        for i, question in answered:
            for name, value in _answer_values(row, plan, question, respondent, shared).items():
                out[name].append(value)
            for key, value in zip(attribute_keys, attributes, strict=True):
                attribute_values[key].append(value)
            lines.append(line)
            row_question.append(i)
            row_timestamp.append(stamp_col.name)
    _count(export, plan, without_score, len(lines))
    plan.notes.extend(dates.notes())
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
        date_reasons=dates.reasons,
    )


@dataclass
class _Dates:
    """Reads the respondents' dates (:func:`read_date`), with the time zone of the column each
    comes from; keeps why a date is none, by line, and counts what was converted."""

    plan: SurveyPlan
    zones: dict[str, zoneinfo.ZoneInfo] = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)
    converted: dict[str, int] = field(default_factory=dict)  # kind -> count
    repeated: list[int] = field(default_factory=list)  # lines of times in a repeated hour

    def __post_init__(self) -> None:
        for col in (self.plan.timestamp, self.plan.timestamp_fallback):
            if col is not None and col.time_zone:
                self.zones[col.name] = zoneinfo.ZoneInfo(col.time_zone)

    def read(self, value: str, column: ExportColumn, line: int) -> str:
        try:
            read = read_date(value, self.plan.date_order, self.zones.get(column.name))
        except DateProblem as problem:
            self.reasons[line] = str(problem)
            return value
        if read.converted:
            key = f"zone:{column.name}" if read.converted == "zone" else read.converted
            self.converted[key] = self.converted.get(key, 0) + 1
        if read.repeated_hour:
            self.repeated.append(line)
        return read.iso

    def notes(self) -> list[str]:
        out = []
        for col in (self.plan.timestamp, self.plan.timestamp_fallback):
            if col is not None and self.converted.get(f"zone:{col.name}"):
                out.append(
                    f"dates: {col.name} is written in {col.time_zone} (the export's time zone): "
                    "converted to UTC"
                )
        written = self.converted.get("offset", 0) + self.converted.get("abbreviation", 0)
        if written:
            out.append(
                f"dates: {written} respondent(s) with a time zone or offset written with the time "
                "(AST, +02:00, GMT+2…): converted to UTC"
            )
        if self.repeated:
            shown = ", ".join(str(line) for line in self.repeated[:5])
            out.append(
                f"dates: {len(self.repeated)} time(s) in the hour the clocks go through twice "
                f"when they go back (line {shown}): read as the first, summer time"
            )
        return out


def _cell(row: list[str], col: ExportColumn | None) -> str:
    return row[col.index].strip() if col is not None else ""


def _score(row: list[str], question: ScoredQuestion) -> str | None:
    """The score of an answer as text (None: unanswered, or a label the mapping skips)."""
    cell = _cell(row, question.column)
    if not cell:
        return None
    if question.scale is not None:
        return question.scale.score(cell)
    return parse_score(cell, question.metric)


class _RespondentIds:
    """Each respondent's id: the tool's, or a digest of the row (numbered when repeated)."""

    def __init__(self, plan: SurveyPlan) -> None:
        self.column = plan.respondent_id
        self.seen: dict[str, int] = {}

    def of(self, row: list[str]) -> str:
        if self.column is not None:
            return _cell(row, self.column)
        digest = hashlib.sha256("\x1f".join(c.strip() for c in row).encode()).hexdigest()[:16]
        self.seen[digest] = self.seen.get(digest, 0) + 1
        count = self.seen[digest]
        return digest if count == 1 else f"{digest}-{count}"


def _respondent_values(
    row: list[str], plan: SurveyPlan, respondent: str, dates: _Dates, line: int
) -> tuple[ExportColumn, dict[str, str | None]]:
    """What every answer of a respondent shares, and the column its timestamp came from."""
    stamp_col = plan.timestamp
    stamp = _cell(row, plan.timestamp)
    if not stamp and plan.timestamp_fallback is not None:
        stamp_col, stamp = plan.timestamp_fallback, _cell(row, plan.timestamp_fallback)
    customer = _cell(row, plan.customer_id)
    if not customer and not plan.customer_id_strict:
        customer = respondent
    language = (_cell(row, plan.language_column).lower() or None) if plan.language_column else None
    return stamp_col, {
        "customer_id": customer or None,
        "touchpoint": _cell(row, plan.touchpoint_column) or plan.touchpoint,
        "timestamp": dates.read(stamp, stamp_col, line) or None,
        "channel": _cell(row, plan.channel_column) or plan.channel or None,
        "language": language or plan.language,
    }


def _answer_values(
    row: list[str],
    plan: SurveyPlan,
    question: ScoredQuestion,
    respondent: str,
    shared: dict[str, str | None],
) -> dict[str, str | None]:
    """The ``responses`` row of one answered question."""
    verbatim = _cell(row, question.verbatim) or None if question.verbatim else None
    return {
        "response_id": f"{respondent}:{question.column.key}" if respondent else None,
        "customer_id": shared["customer_id"],
        "touchpoint": question.touchpoint or shared["touchpoint"] or None,
        "timestamp": shared["timestamp"],
        "metric": question.metric,
        "score": _score(row, question),
        "survey": question.survey,
        "channel": shared["channel"],
        "verbatim": verbatim,
        "language": shared["language"] or question.language,
    }


def _count(export: Export, plan: SurveyPlan, without_score: int, rows: int) -> None:
    """Note the counts in the plan; refuse an export that gives no row."""
    plan.respondents_without_score = without_score
    plan.rows = rows
    if without_score:
        plan.notes.append(
            f"{without_score} respondent(s) answered no scored question: nothing is imported for them"
        )
    if plan.date_order and plan.date_order_why != "ISO dates":
        plan.notes.append(f"dates: {plan.date_order_why}")
    if not rows and plan.left_out_rows and len(plan.left_out_rows) == len(export.rows):
        raise ValidationError(
            f"all {len(export.rows)} respondent(s) are test, preview or spam responses: "
            "--keep-test-responses imports them",
            where=export.path,
        )
    if not rows:
        raise ValidationError(
            f"none of the {len(export.rows)} respondent(s) answered a scored question "
            f"({', '.join(q.column.key for q in plan.questions)})",
            where=export.path,
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
    _add_date_problems(checked, raw, date_reason)
    relocated = []
    for problem in checked.problems:
        origin = _origin(raw, plan, problem.row, problem.column)
        reason = problem.reason
        if problem.column == "timestamp" and reason.startswith("is not an ISO 8601"):
            reason = _date_reason(raw, problem.row, date_reason)
        elif problem.column == "timestamp" and reason.startswith("is written as an ISO 8601"):
            reason = f"{date_reason}: no such day or time exists"
        where = f"{problem.where}:{origin}" if origin else problem.where
        relocated.append(
            Problem(
                row=problem.row,
                where=where,
                column=problem.column,
                value=problem.value,
                reason=reason,
            )
        )
    checked.problems = relocated
    for row, reasons in checked.reasons.items():
        for i, text in enumerate(reasons):
            if text.startswith("timestamp is not an ISO 8601"):
                reasons[i] = f"timestamp {_date_reason(raw, row, date_reason)}"


def _add_date_problems(checked: Validated, raw: SurveyRaw, date_reason: str) -> None:
    """Refuse the dates written as dates that are none which validation could not see: a
    local time the clocks skipped reads as a valid ISO 8601 time."""
    if not raw.date_reasons:
        return
    rows = np.flatnonzero(np.isin(raw.lines, list(raw.date_reasons)))
    values = raw.columns["timestamp"]
    added: list[Problem] = []
    for i in (int(r) for r in rows):
        reasons = checked.reasons.setdefault(i, [])
        if any(text.startswith("timestamp ") for text in reasons):
            continue  # validation refused it already
        reason = _date_reason(raw, i, date_reason)
        reasons.append(f"timestamp {reason}")
        checked.bad[i] = True
        checked.problem_count += 1
        if len(added) < MAX_REPORTED:
            added.append(
                Problem(
                    row=i,
                    where=raw.where(i),
                    column="timestamp",
                    value=values[i].as_py(),
                    reason=reason,
                )
            )
    problems = sorted([*checked.problems, *added], key=lambda p: p.row)
    checked.problems = problems[:MAX_REPORTED]


def _date_reason(raw: SurveyRaw, row: int, general: str) -> str:
    """Why a row's date is none: the tool's way of writing dates, and what is wrong with this
    one when it is written as a date."""
    specific = raw.date_reasons.get(int(raw.lines[row]))
    return f"{general}: it {specific}" if specific else general


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
