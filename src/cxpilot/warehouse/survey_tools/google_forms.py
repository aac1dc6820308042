"""Google Forms: one header row (Timestamp, then the questions), then one row per respondent;
no response id."""

from __future__ import annotations

from cxpilot.warehouse.survey_tools.common import (
    ExportColumn,
    Layout,
    Records,
    first_header,
    one_row_columns,
)

METADATA = ("Timestamp", "Horodateur", "Email Address", "Adresse e-mail")


def read_columns(records: Records, where: str, last_line: int) -> list[ExportColumn]:
    header = first_header(
        records,
        "google-forms",
        where,
        lambda cells: "Timestamp" in cells or "Horodateur" in cells,
        "the header has no Timestamp (Horodateur) column",
    )
    return one_row_columns(header, f"{where}:line 1", lambda i, name: name not in METADATA)


LAYOUT = Layout(
    1,
    METADATA,
    respondent_id=(),
    timestamps=("Timestamp", "Horodateur"),
    customer_id=("Email Address", "Adresse e-mail"),
    columns=read_columns,
    date_example="3/5/2024 14:02:11 or 05/03/2024 14:02:11",
)
