"""The roadmap as CSV and PDF.

The PDF uses fpdf2's core Helvetica font, which covers Latin-1: every French accent
(é, è, à, ç, ô, ù, ë…) renders; the few characters outside Latin-1 (’, œ, —, …) are written
with their Latin-1 equivalents first.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, cast

from fpdf import FPDF

from cxpilot.kernel import csvcells
from cxpilot.kernel.pdftext import latin1

COLUMNS = (
    "horizon",
    "priority",
    "action",
    "name",
    "dimension",
    "impact",
    "effort",
    "quick_win",
    "owner",
    "prerequisites",
)


def roadmap_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """``rows``: already labelled (``name``, ``horizon``, ``owner`` as text)."""
    out = io.StringIO()
    writer = csvcells.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            ["yes" if row[c] is True else "no" if row[c] is False else row[c] for c in COLUMNS]
        )
    return out.getvalue()


def roadmap_pdf(
    *,
    title: str,
    subtitle: str,
    headers: Mapping[str, str],
    groups: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
) -> bytes:
    """A printable roadmap: one section per horizon, one row per action.

    ``headers`` labels the columns ``name``, ``owner``, ``impact``, ``effort``;
    ``groups`` is (horizon label, rows) in order; a row has ``priority``, ``name``,
    ``owner``, ``impact``, ``effort`` and ``quick_win`` (bool) and ``quick_win_label``.
    """
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(latin1(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, latin1(subtitle), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = (10, 100, 45, 17, 18)
    for label, rows in groups:
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, latin1(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 9)
        for width, head in zip(
            widths,
            ("#", headers["name"], headers["owner"], headers["impact"], headers["effort"]),
            strict=True,
        ):
            pdf.cell(width, 6, latin1(head), border="B")
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)
        for row in rows:
            name = row["name"] + (f" ({row['quick_win_label']})" if row["quick_win"] else "")
            cells = (
                str(row["priority"]),
                name,
                row["owner"],
                str(row["impact"]),
                str(row["effort"]),
            )
            # the action name may wrap: draw it first to know the row height
            x, y = pdf.get_x(), pdf.get_y()
            pdf.set_xy(x + widths[0], y)
            pdf.multi_cell(widths[1], 5, latin1(cells[1]), new_x="RIGHT", new_y="TOP")
            lines = pdf.multi_cell(widths[1], 5, latin1(cells[1]), dry_run=True, output="LINES")
            height = max(5 * len(cast(list[str], lines)), 5)
            pdf.set_xy(x, y)
            pdf.cell(widths[0], height, cells[0])
            pdf.set_xy(x + widths[0] + widths[1], y)
            pdf.cell(widths[2], height, latin1(cells[2]))
            pdf.cell(widths[3], height, cells[3], align="C")
            pdf.cell(widths[4], height, cells[4], align="C")
            pdf.set_xy(x, y + height + 1)
            if pdf.get_y() > pdf.h - 25:
                pdf.add_page()
        pdf.ln(3)
    return bytes(pdf.output())
