"""The one look of CX Pilot's charts: colours, font and the Vega-Lite ``config`` every chart
module applies through :func:`finish`, so that the dashboard, the verbatims and the maturity
pages draw alike in the page (vega-embed) and in exports (vl-convert)."""

from __future__ import annotations

from typing import Any

#: The brand colour: lines, areas and points of a single series.
BRAND = "#1d4f91"
#: A significant rise, a strength.
RISE = "#1e6b34"
#: A significant drop, an irritant.
DROP = "#a4161a"
#: Cells with too few answers, or with nothing to show.
MUTED = "#e4e7ec"
#: Text drawn on the chart.
INK = "#1c2430"
#: Cell borders and text on dark cells.
PAPER = "#ffffff"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
LABEL_FONT_SIZE = 11
TITLE_FONT_SIZE = 12


def config(*, label_limit: int | None = None) -> dict[str, Any]:
    """The Vega-Lite ``config`` of every chart; ``label_limit`` (pixels) lets long axis and
    legend labels (theme names) run wider than Vega-Lite's default."""
    labels: dict[str, Any] = {"labelFontSize": LABEL_FONT_SIZE, "titleFontSize": TITLE_FONT_SIZE}
    if label_limit is not None:
        labels["labelLimit"] = label_limit
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": dict(labels),
        "header": {"labelFontSize": TITLE_FONT_SIZE},
        "legend": dict(labels),
    }


def finish(chart: Any, *, label_limit: int | None = None) -> dict[str, Any]:
    """The Vega-Lite spec (a dict) of an Altair chart, with the theme's config."""
    theme = config(label_limit=label_limit)
    spec: dict[str, Any] = (
        chart.configure(font=theme["font"])
        .configure_view(**theme["view"])
        .configure_axis(**theme["axis"])
        .configure_header(**theme["header"])
        .configure_legend(**theme["legend"])
        .to_dict()
    )
    return spec
