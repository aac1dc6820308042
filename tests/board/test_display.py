"""The board's figures as people read them: rounded (never truncated), grouped, never "−0";
shares on their scale; names instead of keys; errors that say what was wrong."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from PIL import Image

from cxpilot.board import display
from cxpilot.board.charts import EXPORT_WIDTH, board_charts
from cxpilot.board.exports import SCALE, board_png, section_tables
from cxpilot.board.kpis import Kpi
from tests.board import conftest


@pytest.mark.parametrize(
    ("value", "unit", "english", "french"),
    [
        (-8.997, "nps", "−9.0", "−9,0"),
        (-21.47, "nps", "−21.5", "−21,5"),
        (6.95, "nps", "7.0", "7,0"),
        (-4.55, "nps", "−4.6", "−4,6"),
        (-0.04, "nps", "0.0", "0,0"),
        (2.345, "score7", "2.35", "2,35"),
        (144000, "money", "144,000", "144\u202f000"),
        (62.06, "percent", "62.1 %", "62,1 %"),
    ],
)
def test_numbers_are_rounded_then_localised(value, unit, english, french) -> None:
    with translation.override("en"):
        assert display.number(value, unit) == english
    with translation.override("fr"):
        assert display.number(value, unit) == french


def _kpi(unit: str, delta: float, higher: bool = True) -> Kpi:
    return Kpi("x", "outcome", "X", unit, higher_is_better=higher)


def test_changes_keep_their_decimal_and_are_never_minus_zero() -> None:
    with translation.override("en"):
        pct = _kpi("percent", 0)
        assert display.change(-7.2, False, pct)["text"] == "−7.2 pt"
        assert display.change(-10.76, True, pct)["text"] == "−10.8 pt"
        tiny = display.change(-0.02, False, pct)
        assert tiny["text"] == "0.0 pt" and tiny["good"] is None
        assert display.change(0.03, False, _kpi("nps", 0))["text"] == "0.0"
        assert display.change(1.25, False, _kpi("nps", 0))["text"] == "+1.3"


def test_roi_and_amounts_are_labelled_and_grouped() -> None:
    with translation.override("en"):
        assert display.roi(2.5) == "250 %" and display.roi(None) == "—"
        assert display.amount(1234567) == "1,234,567"


def test_a_kpi_without_value_says_why() -> None:
    kpi = Kpi("loop.median_hours_to_close", "loop", "Median time to close", "hours")
    with translation.override("en"):
        row = display.kpi_row(kpi)
    assert row["value"] == "—" and row["note"] == "no case closed this month"


@pytest.mark.django_db
def test_sections_show_names_statuses_and_shares_on_their_scale() -> None:
    from cxpilot.organisation.models import Touchpoint

    Touchpoint.objects.create(key="delivery", name="Livraison à domicile")
    board = conftest.make_board()
    with translation.override("fr"):
        irritants = display.irritant_rows(board)
        assert irritants[0]["touchpoint"] == "Livraison à domicile"
        departments = display.department_rows(board)
        assert departments[0]["share_label"] == "60,5 %"
        initiatives = display.initiative_rows(board)
        assert initiatives[0]["status_label"] == "Faite"
        assert initiatives[0]["roi_label"] == "250 %"
        gm = display.governance(board)
        assert gm is not None and gm["chosen"] != "hybrid" and "10" in gm["chosen_on"]
        tables = {title: rows for title, _h, rows in section_tables(board)}
    shares = tables["Part de chaque service dans les efforts"]
    assert [r[-1] for r in shares] == ["60,5 %", "39,5 %"]


def test_a_theme_is_named_in_the_active_language_when_the_row_carries_its_id() -> None:
    labels = {7: {"label": "Livraison · retard"}}
    assert display.theme_label({"theme": 7, "label": "delivery · late"}, labels) == (
        "Livraison · retard"
    )
    assert display.theme_label({"theme": "stock", "label": "Stock"}, labels) == "Stock"


@pytest.mark.django_db
def test_the_departments_chart_is_in_percent_with_bars_and_a_bounded_png() -> None:
    spec = board_charts(conftest.make_board())["departments"]
    x = spec["encoding"]["x"]
    assert x["scale"]["domain"] == [0, 100] and x["title"] == "Share of the efforts (%)"
    values = spec["data"]["values"]
    assert [v["Share of the efforts (%)"] for v in values] == [60.5, 39.5]
    for name, chart in board_charts(conftest.make_board()).items():
        with Image.open(io.BytesIO(board_png(chart))) as im:
            width, height = im.size
            assert width == EXPORT_WIDTH * SCALE and height < 1200, (name, im.size)
            if name == "departments":
                # the bars are drawn: a row through the first bar is mostly the brand colour
                pixels = im.convert("RGB")
                row = [pixels.getpixel((x, y)) for y in range(height) for x in range(width)]
                coloured = sum(1 for p in row if p[2] > 100 and p[0] < 100)
                assert coloured > width * 20, coloured


def test_the_home_tiles_read_as_the_pulse_beneath_them() -> None:
    """The headline tiles (board) and the pulse block (analytics) write the same figures the
    same way: 6.9809 and −4.5506 are 7.0 and −4.6 in both."""
    from cxpilot.analytics.charts import number as pulse_number

    with translation.override("en"):
        for value in (6.980946123521682, -4.550585408009849, -8.997, 31.26):
            assert display.number(value, "nps") == pulse_number(value, "nps").replace("+", "")
