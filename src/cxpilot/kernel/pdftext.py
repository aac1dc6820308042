"""Text for PDF exports drawn with fpdf2's core fonts (Helvetica), which cover Latin-1: every
French accent, but not the typographic quotes, dashes, ellipsis, ligature œ or the narrow
spaces that French text and number formats use. :func:`latin1` writes those with their
Latin-1 equivalents first; anything else left becomes ``?``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

_LATIN1 = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "—": "-",
        "–": "-",
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "\u202f": " ",
        "\u00a0": " ",
        "−": "-",
    }
)


def latin1(text: str) -> str:
    """``text`` in Latin-1 (what the PDF core fonts can draw); anything else becomes ``?``."""
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def table(
    pdf: Any,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    first: float,
    text: Callable[[Any], str] | None = None,
) -> None:
    """Draw ``rows`` under ``headers`` on ``pdf`` (an fpdf2 document) across the page: the
    first column widest (at most ``first`` mm), long cells wrapping, each cell written by
    ``text`` (by default :func:`latin1` of its string)."""
    cell = text or (lambda value: latin1(str(value)))
    width = pdf.w - pdf.l_margin - pdf.r_margin
    n = max(1, len(headers))
    lead = min(first, width / n * 1.6) if n > 1 else width
    widths = [lead] + [(width - lead) / (n - 1)] * (n - 1) if n > 1 else [width]
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=4, first_row_as_headings=True
    ) as drawn:
        head = drawn.row()
        for h in headers:
            head.cell(cell(h))
        for row in rows:
            line = drawn.row()
            for value in row:
                line.cell(cell(value))
