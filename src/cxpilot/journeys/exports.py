"""The journey map as PNG (a chart drawn by vl-convert) and as PDF (fpdf2: the two charts as
images, then the map and the opportunities as tables).

The PDF uses fpdf2's core Helvetica font, which covers Latin-1: every French accent renders;
the few characters outside it (’ – — … œ ★ ▶ ■ and the narrow spaces of French numbers) are
written with Latin-1 equivalents first (:func:`cxpilot.kernel.pdftext.latin1`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from cxpilot.kernel import pdftext
from cxpilot.kernel.pdftext import latin1

#: How much finer than the page the charts are drawn (PNG pixels per Vega pixel).
SCALE = 2.0


def png(spec: Mapping[str, Any], *, scale: float = SCALE) -> bytes:
    """A Vega-Lite spec drawn as PNG."""
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(dict(spec), scale=scale))


def text(value: Any) -> str:
    return latin1(
        str(value).replace("★", "*").replace("▶", ">").replace("■", "#").replace("\u2009", " ")
    )


def map_pdf(
    *,
    title: str,
    subtitle: str,
    charts: Sequence[tuple[str, bytes]],
    tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]],
) -> bytes:
    """A landscape A4 document: ``title``, ``subtitle``, each chart ``(heading, png)`` on a
    page of its own scaled to fit, then each table ``(heading, headers, rows)`` (the first
    column widest; long cells wrap)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(text(title))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(0, 5, text(subtitle), new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for i, (heading, image) in enumerate(charts):
        if i:
            pdf.add_page()
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, text(heading), new_x="LMARGIN", new_y="NEXT")
        room = pdf.h - pdf.get_y() - pdf.b_margin
        from PIL import Image

        with Image.open(io.BytesIO(image)) as im:
            w_px, h_px = im.size
        w = min(width, room * w_px / h_px)
        pdf.image(io.BytesIO(image), x=pdf.l_margin, w=w, h=w * h_px / w_px)
    for heading, headers, rows in tables:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, text(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        pdftext.table(pdf, headers, rows, first=70.0, text=text)
    return bytes(pdf.output())
