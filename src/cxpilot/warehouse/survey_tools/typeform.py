"""Typeform: one header row (# the response token, the questions, then metadata), then one
row per respondent."""

from __future__ import annotations

from cxpilot.warehouse.survey_tools.common import (
    ExportColumn,
    Layout,
    Records,
    first_header,
    one_row_columns,
)

METADATA = (
    "#",
    "Start Date (UTC)",
    "Submit Date (UTC)",
    "Stage Date (UTC)",
    "Network ID",
    "Tags",
    "Ending",
    "Response Type",
)


def read_columns(records: Records, where: str, last_line: int) -> list[ExportColumn]:
    header = first_header(
        records,
        "typeform",
        where,
        lambda cells: (
            bool(cells)
            and cells[0] == "#"
            and ("Submit Date (UTC)" in cells or "Start Date (UTC)" in cells)
        ),
        "the header should start with # (the response token) and have Start Date (UTC) "
        "and Submit Date (UTC) columns",
    )
    first_meta = next(i for i, n in enumerate(header) if i and n in METADATA)
    return one_row_columns(
        header, f"{where}:line 1", lambda i, name: 0 < i < first_meta and name not in METADATA
    )


LAYOUT = Layout(
    1,
    METADATA,
    respondent_id=("#",),
    timestamps=("Submit Date (UTC)", "Start Date (UTC)"),
    customer_id=(),
    columns=read_columns,
)
