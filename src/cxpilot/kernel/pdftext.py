"""Text for PDF exports drawn with fpdf2's core fonts (Helvetica), which cover Latin-1: every
French accent, but not the typographic quotes, dashes, ellipsis, ligature œ or the narrow
spaces that French text and number formats use. :func:`latin1` writes those with their
Latin-1 equivalents first; anything else left becomes ``?``."""

from __future__ import annotations

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
