"""The charts of the maturity pages, one function per chart, each returning a Vega-Lite spec
(a dict, built with Altair) that the page draws with vega-embed; the numbers are also in an
HTML table under each chart. Every text a reader sees is in the data, already translated and
formatted for the active language."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
from django.utils.formats import number_format
from django.utils.translation import gettext

from cxpilot.kernel.charts import BRAND, MUTED, PAPER, finish

RADAR_RADIUS = 110  # pixels for a score of 100: the chart fits a phone (390 px)


def score_label(value: float | None) -> str:
    return "—" if value is None else str(number_format(round(value, 1), 1))


def radar_spec(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Score per dimension as a radial chart: one equal slice per dimension, its radius the
    score on 0–100. ``rows``: ``label``, ``score`` (None: not shown)."""
    n = max(1, len(rows))
    step = 2 * math.pi / n
    data = [
        {
            "label": r["label"],
            "score": r["score"] if r["score"] is not None else 0,
            "score_label": score_label(r["score"]),
            "start": i * step,
            "end": (i + 1) * step,
            "middle": (i + 0.5) * step,
            "px": (r["score"] or 0) / 100 * RADAR_RADIUS,
            "label_px": min((r["score"] or 0) / 100 * RADAR_RADIUS + 16, RADAR_RADIUS - 12),
        }
        for i, r in enumerate(rows)
    ]
    base = alt.Chart(alt.Data(values=data))
    # each slice's full length (a score of 100) in light grey: the scale a slice is read on
    frame = base.mark_arc(stroke=PAPER, strokeWidth=2, color="#eef0f3").encode(
        theta=alt.Theta("start:Q", scale=None),
        theta2="end:Q",
        radius=alt.value(RADAR_RADIUS),
    )
    arcs = base.mark_arc(stroke=PAPER, strokeWidth=2).encode(
        theta=alt.Theta("start:Q", scale=None),
        theta2="end:Q",
        radius=alt.Radius("px:Q", scale=None),
        color=alt.Color(
            "label:N",
            legend=alt.Legend(title=None, orient="bottom", columns=1, labelLimit=0),
            sort=None,
        ),
        tooltip=[
            alt.Tooltip("label:N", title=gettext("Dimension")),
            alt.Tooltip("score_label:N", title=gettext("Score (0–100)")),
        ],
    )
    # each score just past the end of its slice
    text = base.mark_text(fontSize=12, fontWeight="bold").encode(
        theta=alt.Theta("middle:Q", scale=None),
        radius=alt.Radius("label_px:Q", scale=None),
        text="score_label:N",
    )
    size = 2 * (RADAR_RADIUS + 12)
    return finish((frame + arcs + text).properties(width=size, height=size, padding=10))


def heatmap_spec(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Departments × dimensions; a hidden cell (fewer than 5 respondents) is grey.
    ``rows``: ``department``, ``dimension``, ``score`` (None: hidden)."""
    data = [
        {
            "department": r["department"],
            "dimension": r["dimension"],
            "score": r["score"],
            "score_label": score_label(r["score"]),
            "tip": score_label(r["score"])
            if r["score"] is not None
            else gettext("hidden (fewer than 5)"),
        }
        for r in rows
    ]
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("dimension:N", title=None, sort=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("department:N", title=None, sort=None),
    )
    tooltip = [
        alt.Tooltip("department:N", title=gettext("Department")),
        alt.Tooltip("dimension:N", title=gettext("Dimension")),
        alt.Tooltip("tip:N", title=gettext("Score (0–100)")),
    ]
    hidden = (
        base.transform_filter("datum.score === null")
        .mark_rect(stroke=PAPER, color=MUTED)
        .encode(tooltip=tooltip)
    )
    cells = (
        base.transform_filter("datum.score !== null")
        .mark_rect(stroke=PAPER)
        .encode(
            color=alt.Color(
                "score:Q",
                scale=alt.Scale(domain=[0, 100], scheme="redyellowblue"),
                legend=alt.Legend(title=gettext("Score (0–100)")),
            ),
            tooltip=tooltip,
        )
    )
    labels = base.mark_text(fontSize=11).encode(text="score_label:N")
    return finish(
        (hidden + cells + labels).properties(
            width="container", height=32 * max(1, len({r["department"] for r in rows}))
        )
    )


def history_spec(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Overall score per closed campaign, oldest first, with its level in the tooltip.
    ``rows``: ``campaign``, ``date``, ``score``, ``level_label``."""
    data = [
        {
            "campaign": r["campaign"],
            "date": r["date"],
            "score": r["score"],
            "score_label": score_label(r["score"]),
            "level_label": r["level_label"],
        }
        for r in rows
        if r["score"] is not None
    ]
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("campaign:N", title=None, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "score:Q", title=gettext("Overall score (0–100)"), scale=alt.Scale(domain=[0, 100])
        ),
        tooltip=[
            alt.Tooltip("campaign:N", title=gettext("Campaign")),
            alt.Tooltip("date:N", title=gettext("Start")),
            alt.Tooltip("score_label:N", title=gettext("Score (0–100)")),
            alt.Tooltip("level_label:N", title=gettext("Level")),
        ],
    )
    line = base.mark_line(color=BRAND, point=alt.OverlayMarkDef(color=BRAND, size=80))
    text = base.mark_text(dy=-14).encode(text="level_label:N")
    return finish((line + text).properties(width="container", height=240))
