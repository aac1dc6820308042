"""Reading an export: its records, header rows checked against the tool's layout, then the
plan of what each column becomes, the scale of each scored question and the rows it gives."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.textfiles import csv_error, decode_text, read_bytes
from cxpilot.warehouse.files import CSV_SUFFIXES, check_width, sniff_delimiter
from cxpilot.warehouse.survey_tools.common import TOOLS, Export, Records, SurveyRaw
from cxpilot.warehouse.survey_tools.layouts import LAYOUTS
from cxpilot.warehouse.survey_tools.mapping import SurveyMapping
from cxpilot.warehouse.survey_tools.planning import plan_export
from cxpilot.warehouse.survey_tools.rows import export_rows
from cxpilot.warehouse.survey_tools.scales import read_scales
from cxpilot.warehouse.survey_tools.screening import screen_export

#: More columns than any survey tool exports (Qualtrics's largest surveys have a few thousand).
MAX_COLUMNS = 10_000


def read_export(
    path: Path,
    *,
    tool: str,
    mapping: SurveyMapping | None = None,
    touchpoints: Mapping[str, str] | None = None,
    date_order: str | None = None,
    keep_test_responses: bool = False,
) -> SurveyRaw:
    """Read a survey tool's CSV export into ``responses`` rows (see the module docstring).

    ``touchpoints`` maps lower-cased touchpoint keys and names to keys: a question whose text
    names one touchpoint is about that touchpoint. ``date_order`` (dmy, mdy) reads dates such
    as 01/05/2024, over the mapping's and what the dates tell. Test, preview and spam
    responses (Qualtrics) are left out unless ``keep_test_responses``.
    """
    export = load_export(path, tool=tool)
    plan = plan_export(export, mapping=mapping, touchpoints=touchpoints, date_order=date_order)
    screen_export(export, plan, keep=keep_test_responses)
    read_scales(_kept(export, plan.left_out_rows), plan, mapping)
    return export_rows(export, plan)


def _kept(export: Export, left_out: set[int] | frozenset[int] | list[int]) -> Export:
    """The export without the responses left out (test, preview, spam): the scale of a
    question is read from the answers that are imported."""
    if not left_out:
        return export
    gone = set(left_out)
    kept = [i for i in range(len(export.rows)) if i not in gone]
    return Export(
        export.tool,
        export.path,
        export.columns,
        [export.rows[i] for i in kept],
        [export.lines[i] for i in kept],
    )


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
    layout = LAYOUTS[tool]
    if len(records[0][1]) > MAX_COLUMNS:
        raise ValidationError(
            f"the header has {len(records[0][1]):,} columns; a survey export has at most "
            f"{MAX_COLUMNS:,} (is this the right file?)",
            where=f"{where}:line 1",
        )
    columns = layout.columns(records, where, last_line)
    header_rows = layout.header_rows
    width = len(records[0][1])
    rows: list[list[str]] = []
    lines: list[int] = []
    for line, row in records[header_rows:]:
        check_width(row, width, f"{where}:line {line}")
        rows.append(row)
        lines.append(line)
    if not rows:
        raise ValidationError(
            f"the export has its header row(s) but no responses (lines 1–{last_line})",
            where=where,
        )
    return Export(tool, where, columns, rows, lines)


def _records(path: Path) -> tuple[Records, int]:
    """Every CSV record with the line it starts on (blank lines skipped), and the last line."""
    where = str(path)
    data = read_bytes(path)
    if not data.strip():
        raise ValidationError("the file is empty", where=where)
    text = decode_text(data, where=where, kind="CSV")
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    out: Records = []
    start = 1
    try:
        for row in reader:
            if row and not (len(row) == 1 and not row[0].strip()):
                out.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        line = max(reader.line_num, 1)
        raise csv_error(exc, where=f"{where}:line {line}", row_start=start) from None
    return out, reader.line_num
