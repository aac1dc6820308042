"""A decision's impact as PDF (fpdf2: a title, a subtitle, then tables).

The PDF uses fpdf2's core Helvetica font, which covers Latin-1: every French accent renders;
the few characters outside it (’ – — … œ and the narrow spaces of French numbers) are written
with Latin-1 equivalents first (:func:`cxpilot.kernel.pdftext.latin1`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxpilot.kernel import pdftext
from cxpilot.kernel.pdftext import latin1


def text(value: Any) -> str:
    return latin1(str(value).replace("★", "*").replace("\u2009", " "))


def tables_pdf(
    *,
    title: str,
    subtitle: str,
    paragraphs: Sequence[str] = (),
    tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]],
) -> bytes:
    """A portrait A4 document: ``title``, ``subtitle``, ``paragraphs``, then each table
    ``(heading, headers, rows)`` (the first column widest; long cells wrap)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(text(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 7, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 5, text(subtitle), new_x="LMARGIN", new_y="NEXT")
    for paragraph in paragraphs:
        pdf.ln(2)
        pdf.multi_cell(0, 5, text(paragraph), new_x="LMARGIN", new_y="NEXT")
    for heading, headers, rows in tables:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 11)
        pdf.multi_cell(0, 7, text(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        pdftext.table(pdf, headers, rows, first=75.0, text=text)
    return bytes(pdf.output())
