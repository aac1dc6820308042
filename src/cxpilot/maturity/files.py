"""Reading answer and vote files (CSV), all or nothing, with every problem located.

Pure: no Django. A problem names the file, the line and the column; the whole file is
rejected when there is one (the first 20 problems are listed).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxpilot.kernel.errors import Problem, ProblemList, ValidationError
from cxpilot.kernel.textfiles import csv_error, read_text
from cxpilot.maturity.catalog import LENSES, Model, Value
from cxpilot.maturity.stats import MAX_PICKS, Answer, Vote

ANSWER_COLUMNS = ("respondent", "department", "practice", "rating")
VOTE_COLUMNS = ("respondent", "department", "lens", "value")
MAX_PROBLEMS = 20


class _Problems(ProblemList):
    """Problems of a file of answers or votes, by line and column (the first 20 kept)."""

    def __init__(self, source: str) -> None:
        super().__init__(limit=MAX_PROBLEMS)
        self.source = source

    def add_at(self, line: int, column: str, reason: str, value: Any = None) -> None:
        self.add(f"{self.source}:line {line}", reason, column=column, value=value)

    def check(self) -> None:
        def detail(_count: int, first: Problem) -> str:
            value = f" ({first.value!r})" if first.value is not None else ""
            return (
                f"column {first.column}: {first.reason}{value}; "
                f"{len(self.items)} problem(s), nothing was read"
            )

        self.raise_if_any(detail)


def _rows(text: str, source: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    text = text.lstrip("\ufeff")
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise csv_error(exc, where=f"{source}:line 1") from None
    header = [(h or "").strip().lower() for h in (fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValidationError(
            f"missing column {missing[0]!r}; the file needs the columns {', '.join(columns)}",
            where=f"{source}:line 1",
        )
    reader.fieldnames = header
    out = []
    try:
        for row in reader:
            out.append((reader.line_num, {k: (row.get(k) or "").strip() for k in columns}))
    except csv.Error as exc:
        raise csv_error(exc, where=f"{source}:line {max(reader.reader.line_num, 1)}") from None
    if not out:
        raise ValidationError("the file has no rows", where=source)
    return out


def rating_value(model: Model, raw: str) -> int | None:
    """1–4, or a step name in English or French (``ad hoc``, ``systématique``)."""
    raw = raw.strip()
    if raw.isdigit():
        value = int(raw)
        return value if 1 <= value <= 4 else None
    return model.step_by_key.get(raw.lower().replace(" ", "_"))


def answers_parse(model: Model, text: str, *, source: str = "answers.csv") -> list[Answer]:
    problems = _Problems(source)
    answers: list[Answer] = []
    seen: set[tuple[str, str]] = set()
    for line, row in _rows(text, source, ANSWER_COLUMNS):
        for column in ("respondent", "department"):
            if not row[column]:
                problems.add_at(line, column, "is empty")
        if row["practice"] not in model.practices:
            problems.add_at(line, "practice", "unknown practice", row["practice"])
            continue
        rating = rating_value(model, row["rating"])
        if rating is None:
            problems.add_at(
                line,
                "rating",
                "must be 1 to 4 or undeveloped, ad hoc, repeatable, systematic",
                row["rating"],
            )
            continue
        pair = (row["respondent"], row["practice"])
        if pair in seen:
            problems.add_at(
                line, "practice", "this respondent already rated this practice", row["practice"]
            )
            continue
        seen.add(pair)
        answers.append(Answer(row["respondent"], row["department"], row["practice"], rating))
    problems.check()
    return answers


def answers_read(model: Model, path: Path) -> list[Answer]:
    return answers_parse(model, read_text(path, kind="CSV"), source=path.name)


def votes_parse(
    catalogue: Mapping[str, Value], text: str, *, source: str = "votes.csv"
) -> list[Vote]:
    problems = _Problems(source)
    votes: list[Vote] = []
    picks: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line, row in _rows(text, source, VOTE_COLUMNS):
        for column in ("respondent", "department"):
            if not row[column]:
                problems.add_at(line, column, "is empty")
        lens = row["lens"].lower()
        if lens not in LENSES:
            problems.add_at(line, "lens", "must be current or desired", row["lens"])
            continue
        if row["value"] not in catalogue:
            problems.add_at(line, "value", "unknown value", row["value"])
            continue
        chosen = picks[(row["respondent"], lens)]
        if row["value"] in chosen:
            problems.add_at(
                line, "value", "this respondent already picked this value", row["value"]
            )
            continue
        chosen.add(row["value"])
        if len(chosen) > MAX_PICKS:
            problems.add_at(
                line,
                "value",
                f"respondent {row['respondent']!r} picked more than {MAX_PICKS} {lens} values",
                row["value"],
            )
            continue
        votes.append(Vote(row["respondent"], row["department"], lens, row["value"]))
    problems.check()
    return votes


def votes_read(catalogue: Mapping[str, Value], path: Path) -> list[Vote]:
    return votes_parse(catalogue, read_text(path, kind="CSV"), source=path.name)
