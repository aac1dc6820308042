"""Qualtrics: three header rows (question ids, question texts, ImportIds), then one row per
respondent."""

from __future__ import annotations

import re

from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.survey_tools.common import (
    ExportColumn,
    Layout,
    Records,
    first_header,
    import_info,
    not_this_tool,
    unique_names,
)
from cxpilot.warehouse.survey_tools.dates import column_zone

METADATA = (
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


def read_columns(records: Records, where: str, last_line: int) -> list[ExportColumn]:
    ids = first_header(
        records,
        "qualtrics",
        where,
        lambda cells: "ResponseId" in cells or "ResponseID" in cells,
        "the first header row has no ResponseId column",
    )
    _check_header_rows(records, len(ids), where, last_line)
    texts = [" ".join(c.split()) for c in records[1][1]]
    infos = [import_info(c) for c in records[2][1]]
    if not any(info.get("ImportId") for info in infos):
        not_this_tool(
            "qualtrics",
            records,
            f"{where}:line {records[2][0]}",
            'the third header row should hold the ImportIds ({"ImportId":"QID1"}…); export the '
            "responses as CSV without the legacy format",
        )
    names = unique_names(ids, f"{where}:line 1")
    columns = []
    for i, (name, text, info) in enumerate(zip(names, texts, infos, strict=True)):
        column_zone(info.get("timeZone"), f"{where}:line {records[2][0]}:{name}")
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
                group=_question_of(import_id),
            )
        )
    return columns


def _question_of(import_id: str | None) -> str | None:
    """The question an ImportId belongs to: QID5 for QID5, QID5_TEXT and QID5_NPS_GROUP, but
    not for QID5_4_TEXT (the text typed in choice 4, "Other", of a choice question)."""
    match = re.fullmatch(r"(QID\d+)(?:_TEXT|_NPS_GROUP)?", import_id or "")
    return match.group(1) if match else None


def _check_header_rows(records: Records, width: int, where: str, last_line: int) -> None:
    """The second and third header rows are there, as wide as the first."""
    for number, label in ((1, "question texts"), (2, "ImportId")):
        if len(records) <= number:
            raise ValidationError(
                f"the export ends before its header row {number + 1} ({label}); a Qualtrics "
                "export has three header rows: question ids, question texts, ImportIds",
                where=f"{where}:line {last_line + 1}",
            )
        if len(records[number][1]) != width:
            raise ValidationError(
                f"header row {number + 1} has {len(records[number][1])} fields, the first {width}",
                where=f"{where}:line {records[number][0]}",
            )


LAYOUT = Layout(
    3,
    METADATA,
    respondent_id=("ResponseId", "ResponseID"),
    timestamps=("RecordedDate", "EndDate", "StartDate"),
    customer_id=("ExternalReference", "ExternalDataReference", "RecipientEmail"),
    columns=read_columns,
    language=("UserLanguage",),
    channel=("DistributionChannel",),
)
