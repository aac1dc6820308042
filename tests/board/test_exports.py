"""The board's PDF and PNG: the same Vega-Lite specs as the page drawn by vl-convert, placed
with their tables, in French (accents kept) and English."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from PIL import Image

from cxpilot.board.charts import board_charts, for_export
from cxpilot.board.exports import board_pdf, board_png
from cxpilot.kernel.pdftext import latin1
from tests.board.conftest import make_board
from tests.maturity.test_exports import pdf_text

#: The PDF names touchpoints and themes as the database has them.
pytestmark = pytest.mark.django_db


def _images(data: bytes) -> list[Image.Image]:
    """Each image drawn in the PDF, decoded: fpdf2 keeps a PNG's compressed rows as the
    image's stream, so that stream under a PNG header of the image's size is that PNG."""
    found = []
    for chunk in data.split(b" obj\n")[1:]:
        head, _, rest = chunk.partition(b">>\nstream\n")
        if b"/Subtype /Image" not in head or b"/Predictor 15" not in head:
            continue
        width = int(re.search(rb"/Width (\d+)", head).group(1))
        height = int(re.search(rb"/Height (\d+)", head).group(1))
        colours = int(re.search(rb"/Colors (\d+)", head).group(1))
        length = int(re.search(rb"/Length (\d+)", head).group(1))
        kind = {1: 0, 3: 2}[colours]

        def part(name: bytes, body: bytes) -> bytes:
            return (
                struct.pack(">I", len(body)) + name + body
                + struct.pack(">I", zlib.crc32(name + body))
            )  # fmt: skip

        png = (
            b"\x89PNG\r\n\x1a\n"
            + part(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, kind, 0, 0, 0))
            + part(b"IDAT", rest[:length])
            + part(b"IEND", b"")
        )
        image = Image.open(io.BytesIO(png))
        image.load()
        found.append(image)
    return found


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Tableau de bord de direction : mars 2026", "Le site web a reculé",
                "Délais de livraison", "modèle", "Hors cible",
                "Émergent", "Opérations"]),
        ("en", ["Executive board: March 2026", "Top irritants", "Off target",
                "Close to target", "Délais de livraison"]),
    ],
)  # fmt: skip
def test_the_pdf_in_both_languages(language, words) -> None:
    board = make_board()
    data = board_pdf(board, language=language)
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert pages >= 1
    # every chart the page draws is in the PDF as an image of a real size
    images = _images(data)
    assert len(images) == len(board_charts(board)) == 5
    for image in images:  # drawn charts: wide, and not a blank page
        assert image.size[0] >= 640 * 2 and image.size[1] > 50
        assert len(image.convert("L").getcolors(maxcolors=1 << 16) or ()) > 10
    text = pdf_text(data)
    for word in words:
        assert latin1(word) in text, word


def test_a_board_with_nothing_but_its_month_still_renders() -> None:
    from cxpilot.board.kpis import Board

    data = board_pdf(
        Board(month="2026-03", previous_month="2026-02", year_before_month="2025-03"),
        language="fr",
    )
    assert data.startswith(b"%PDF") and _images(data) == []


def test_each_chart_as_png_is_the_page_spec_at_a_fixed_width() -> None:
    specs = board_charts(make_board())
    assert set(specs) == {"voice_nps", "voice_ces", "voice_csat", "irritants", "departments"}
    for name, spec in specs.items():
        assert spec["width"] == "container"
        assert for_export(spec)["width"] == 640
        data = board_png(spec)
        with Image.open(io.BytesIO(data)) as im:
            assert im.format == "PNG" and im.size[0] >= 640, name


def test_the_voice_chart_has_this_month_the_month_before_and_the_intervals() -> None:
    spec = board_charts(make_board())["voice_nps"]
    layers = spec["layer"]
    intervals = layers[0]["data"]["values"]
    points = layers[1]["data"]["values"]
    assert {"Touchpoint": "NPS — Site web", "Low": 4.0, "High": 20.0} in intervals
    assert {"Touchpoint": "NPS — Site web", "which": "Month before", "value": 28.0} in points
    assert {"Touchpoint": "NPS — Site web", "which": "This month", "value": 12.0} in points
