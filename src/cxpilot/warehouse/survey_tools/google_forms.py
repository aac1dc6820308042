"""Google Forms: one header row (Timestamp, then the questions), then one row per respondent;
no response id."""

from __future__ import annotations

from cxpilot.warehouse.survey_tools.common import (
    ExportColumn,
    Layout,
    Records,
    header_cells,
    not_this_tool,
    unique_names,
)

METADATA = ("Timestamp", "Horodateur", "Email Address", "Adresse e-mail")


def read_columns(records: Records, where: str, last_line: int) -> list[ExportColumn]:
    header = header_cells(records[0][1])
    if "Timestamp" not in header and "Horodateur" not in header:
        not_this_tool(
            "google-forms",
            records,
            f"{where}:line 1",
            "the header has no Timestamp (Horodateur) column",
        )
    names = unique_names(header, f"{where}:line 1")
    columns = []
    number = 0
    for i, name in enumerate(names):
        question = name not in METADATA
        if question:
            number += 1
        columns.append(ExportColumn(i, name, name, f"Q{number}" if question else name, question))
    return columns


LAYOUT = Layout(
    1,
    METADATA,
    respondent_id=(),
    timestamps=("Timestamp", "Horodateur"),
    customer_id=("Email Address", "Adresse e-mail"),
    columns=read_columns,
    date_example="3/5/2024 14:02:11 or 05/03/2024 14:02:11",
)
