"""SurveyMonkey ("All responses, expanded"): two header rows (question texts, answer labels;
a question answered in several columns spans them), then one row per respondent."""

from __future__ import annotations

import re

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.survey_tools.common import (
    ExportColumn,
    Layout,
    Records,
    first_header,
    unique_names,
)
from cxpilot.warehouse.survey_tools.detection import OPEN_ENDED_LABELS

METADATA = (
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
#: Answer labels that say nothing more than the question (a one-column question keeps its text).
GENERIC_SUB_LABELS = {"response", "réponse", *OPEN_ENDED_LABELS}


def read_columns(records: Records, where: str, last_line: int) -> list[ExportColumn]:
    first = first_header(
        records,
        "surveymonkey",
        where,
        lambda cells: "Respondent ID" in cells,
        "the first header row has no 'Respondent ID' column",
    )
    sub = _answer_labels(records, first, where, last_line)
    columns: list[ExportColumn] = []
    number = 0
    for text, members in _groups(first):
        metadata = text in METADATA or bool(re.fullmatch(r"Custom Data \d+", text))
        if not metadata:
            number += 1
        columns.extend(_group_columns(text, members, sub, number, metadata))
    for col, name in zip(
        columns, unique_names([c.name for c in columns], f"{where}:line 1"), strict=True
    ):
        col.name = name
        if not col.question:
            col.key = name
    return columns


def _answer_labels(records: Records, first: list[str], where: str, last_line: int) -> list[str]:
    """The second header row (Response, Open-Ended Response, an option's label…), checked."""
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
    return sub


def _groups(first: list[str]) -> list[tuple[str, list[int]]]:
    """The columns of each question: a text in the first row, then the empty cells after it."""
    groups: list[tuple[str, list[int]]] = []
    for i, text in enumerate(first):
        if text or not groups:
            groups.append((text, [i]))
        else:
            groups[-1][1].append(i)
    return groups


def _group_columns(
    text: str, members: list[int], sub: list[str], number: int, metadata: bool
) -> list[ExportColumn]:
    """The columns of one question (the ``number``-th) or of one metadata field."""
    out = []
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
        out.append(
            ExportColumn(
                i,
                name,
                name,
                key,
                question=not metadata,
                sub_label=label or None,
                group_width=len(members),
                group=None if metadata else f"Q{number}",
            )
        )
    return out


LAYOUT = Layout(
    2,
    METADATA,
    respondent_id=("Respondent ID",),
    timestamps=("End Date", "Start Date"),
    customer_id=("Custom Data 1", "Email Address"),
    columns=read_columns,
    date_order="mdy",
    date_example="03/05/2024 02:02:11 PM",
)
