"""Charts of the journey map as Vega-Lite specs (Altair), drawn alike in the page (vega-embed)
and in the exports (vl-convert): the map itself (a grid of cells) and the flow (the
directly-follows graph laid on the same grid); and the deviations from a target journey. Every text the reader sees is in the data,
formatted for the active language; the page shows the numbers in a table under each chart.

Layout shared by both: a stage is a column (in the journey's order), a touchpoint a row within
its stage's column (in the map's order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext

from cxpilot.analytics.charts import METRIC_INFO, number
from cxpilot.journeys.map import JourneyMap
from cxpilot.kernel import charts as theme
from cxpilot.kernel.charts import BRAND, DROP, INK, MUTED, PAPER, RISE, finish

#: The flow chart draws at most this many edges: the most frequent (ties by source, then
#: target); an edge from a touchpoint to itself (a repeat) is never drawn, only counted.
TOP_EDGES = 25
COLUMN = 150  # pixels per stage
ROW = 90  # pixels per touchpoint row (flow); the map's cells are taller


def positions(jmap: JourneyMap) -> dict[str, tuple[int, int]]:
    """Touchpoint → (stage column, row)."""
    return {
        cell["touchpoint"]: (x, y)
        for x, stage in enumerate(jmap.stages)
        for y, cell in enumerate(stage["touchpoints"])
    }


def _rows(jmap: JourneyMap) -> int:
    return max([len(s["touchpoints"]) for s in jmap.stages] + [1])


def _js(text: str) -> str:
    """``text`` inside a single-quoted Vega expression string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def plain(value: float | int | None, decimals: int = 0) -> str:
    """A count or a figure as the active language writes it (grouped thousands)."""
    from django.utils.formats import number_format

    if value is None:
        return "—"
    return str(number_format(value, decimals, use_l10n=True, force_grouping=True)).replace("-", "−")


def percent(share: float | None) -> str:
    return "—" if share is None else f"{plain(100 * share, 0)} %"


def score_text(score: Mapping[str, Any]) -> str:
    """``NPS 4.7 (−2.9 – 12.3)`` in the active language."""
    metric = score["metric"]
    return (
        f"{METRIC_INFO[metric].label} {number(score['score'], metric)}"
        f" ({number(score['ci_low'], metric)} – {number(score['ci_high'], metric)})"
    )


def _stage_headers(jmap: JourneyMap, y: float) -> list[dict[str, Any]]:
    return [
        {
            "x": x,
            "y": y,
            "label": stage["name"],
            "empty": not stage["touchpoints"],
        }
        for x, stage in enumerate(jmap.stages)
    ]


def map_data(jmap: JourneyMap) -> list[dict[str, Any]]:
    """One row per cell, with the lines of text the map chart writes in it."""
    at = positions(jmap)
    data = []
    for cell in jmap.cells:
        x, y = at[cell["touchpoint"]]
        lines = [
            cell["name"],
            gettext("%(persons)s persons, %(events)s interactions")
            % {"persons": plain(cell["persons"]), "events": plain(cell["interactions"])},
        ]
        lines += [score_text(s) for s in cell["scores"]]
        senti = cell["sentiment"]
        if senti:
            lines.append(
                gettext("%(share)s negative") % {"share": percent(senti["negative_share"])}
            )
        if cell["irritants"]:
            lines.append("! " + cell["irritants"][0]["theme"])
        if cell["moment"]:
            lines.append("★ " + gettext("moment of truth"))
        polarity = senti["mean_polarity"] if senti else None
        data.append(
            {
                "x": x,
                "y": y,
                "text": "\n".join(line[:38] for line in lines),
                "polarity": polarity,
                "has_sentiment": polarity is not None,
                "moment": bool(cell["moment"]),
                "name": cell["name"],
            }
        )
    return data


def map_chart(jmap: JourneyMap) -> dict[str, Any]:
    """The journey map as a grid: one box per touchpoint at its stage, coloured by the mean
    sentiment of its verbatims (red negative, green positive, grey none), framed in red when
    it is a moment of truth; a stage with no touchpoint shows its name over an empty column."""
    rows = _rows(jmap)
    cell_h = 150
    width = COLUMN * 1.35 * max(1, len(jmap.stages))
    x_scale = alt.Scale(domain=[-0.5, len(jmap.stages) - 0.5])
    y_scale = alt.Scale(domain=[-0.7, rows - 0.5], reverse=True)
    x = alt.X("x:Q", scale=x_scale, axis=None)
    y = alt.Y("y:Q", scale=y_scale, axis=None)
    data = map_data(jmap)
    cells = alt.Chart(alt.Data(values=data))
    corners = {
        "x0": "datum.x - 0.48",
        "x1": "datum.x + 0.48",
        "y0": "datum.y - 0.48",
        "y1": "datum.y + 0.48",
    }
    where = {
        "x": alt.X("x0:Q", scale=x_scale, axis=None),
        "x2": "x1:Q",
        "y": alt.Y("y0:Q", scale=y_scale, axis=None),
        "y2": "y1:Q",
    }
    # every cell in grey, then those with a sentiment in its colour over it
    grey = cells.mark_rect(fill=MUTED).encode(**where).transform_calculate(**corners)
    boxes = (
        cells.transform_filter("datum.has_sentiment")
        .mark_rect(stroke=PAPER, strokeWidth=2)
        .encode(
            **where,
            color=alt.Color(
                "polarity:Q",
                scale=alt.Scale(domain=[-1, 0, 1], range=[DROP, "#f2f2f2", RISE]),
                legend=alt.Legend(title=gettext("Mean sentiment"), orient="bottom"),
            ),
            tooltip=[alt.Tooltip("name:N", title=gettext("Touchpoint"))],
        )
        .transform_calculate(**corners)
    )
    frames = (
        cells.transform_filter("datum.moment")
        .mark_rect(fill=None, stroke=DROP, strokeWidth=4)
        .encode(
            x=alt.X("x0:Q", scale=x_scale, axis=None),
            x2="x1:Q",
            y=alt.Y("y0:Q", scale=y_scale, axis=None),
            y2="y1:Q",
        )
        .transform_calculate(
            x0="datum.x - 0.46", x1="datum.x + 0.46", y0="datum.y - 0.46", y1="datum.y + 0.46"
        )
    )
    # the lines flow down from the top of the box (a multi-line text "middle" is not
    # centred as a block: a long one would run out of the box at the bottom)
    texts = (
        cells.mark_text(color=INK, fontSize=10, lineBreak="\n", align="center", baseline="top")
        .encode(x=x, y=alt.Y("ty:Q", scale=y_scale, axis=None), text="text:N")
        .transform_calculate(ty="datum.y - 0.4")
    )
    headers = (
        alt.Chart(alt.Data(values=_stage_headers(jmap, -0.6)))
        .mark_text(color=INK, fontWeight="bold", fontSize=12, lineBreak="\n")
        .encode(x=x, y=y, text="label:N")
    )
    empty = [
        {"x": h["x"], "y": 0, "label": gettext("no touchpoint")}
        for h in _stage_headers(jmap, 0)
        if h["empty"]
    ]
    layers = [grey, boxes, frames, texts, headers]
    if empty:
        layers.append(
            alt.Chart(alt.Data(values=empty))
            .mark_text(color=INK, fontStyle="italic", fontSize=10)
            .encode(x=x, y=y, text="label:N")
        )
    chart = alt.layer(*layers).properties(
        width=width, height=cell_h * rows + 40, title=gettext("Journey map: %s") % jmap.name
    )
    return finish(chart)


def flow_data(
    jmap: JourneyMap, dfg: Any, *, top: int = TOP_EDGES
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(nodes, edges) of the flow chart: every touchpoint of the map with its events, starts
    and ends; the ``top`` most frequent edges between two touchpoints of the map."""
    at = positions(jmap)
    names = {c["touchpoint"]: c["name"] for c in jmap.cells}
    events = {c["touchpoint"]: c["interactions"] for c in jmap.cells}
    repeats = {e["source"]: int(e["count"]) for e in dfg.edges if e["source"] == e["target"]}
    nodes = [
        {
            "touchpoint": tp,
            "name": names[tp],
            "x": x,
            "y": y,
            "events": events.get(tp, 0),
            "starts": int(dfg.starts.get(tp, 0)),
            "ends": int(dfg.ends.get(tp, 0)),
            "events_label": plain(events.get(tp, 0)),
            "starts_label": plain(dfg.starts.get(tp, 0)),
            "ends_label": plain(dfg.ends.get(tp, 0)),
            "repeats": repeats.get(tp, 0),
            "repeats_label": plain(repeats.get(tp, 0)),
        }
        for tp, (x, y) in at.items()
    ]
    drawn = [
        e
        for e in dfg.edges
        if e["source"] != e["target"] and e["source"] in at and e["target"] in at
    ][:top]
    edges = []
    for e in drawn:
        (x1, y1), (x2, y2) = at[e["source"]], at[e["target"]]
        # a pair drawn both ways: each direction a little off the straight line
        shift = 0.08 if (x1, y1) < (x2, y2) else -0.08
        edges.append(
            {
                "source": names[e["source"]],
                "target": names[e["target"]],
                "x": x1,
                "y": y1 + shift,
                "x2": x2,
                "y2": y2 + shift,
                "count": e["count"],
                "count_label": plain(e["count"]),
                "median_label": _duration(e["median_seconds"]),
                "p90_label": _duration(e["p90_seconds"]),
            }
        )
    return nodes, edges


def _duration(seconds: float | None) -> str:
    """A time between two steps, in days (or hours under a day)."""
    if seconds is None:
        return "—"
    if seconds < 86_400:
        return gettext("%(n)s h") % {"n": plain(seconds / 3600, 1)}
    return gettext("%(n)s d") % {"n": plain(seconds / 86_400, 1)}


def flow_chart(
    jmap: JourneyMap, nodes: Sequence[Mapping[str, Any]], edges: Sequence[Any]
) -> dict[str, Any]:
    """The directly-follows graph on the map's grid: a line per edge, as wide as its count; a
    point per touchpoint, as large as its events, labelled with its name and its starts and
    ends."""
    rows = _rows(jmap)
    x_scale = alt.Scale(domain=[-0.5, len(jmap.stages) - 0.5])
    y_scale = alt.Scale(domain=[-0.8, rows - 0.4], reverse=True)
    x = alt.X("x:Q", scale=x_scale, axis=None)
    y = alt.Y("y:Q", scale=y_scale, axis=None)
    edge_tip = [
        alt.Tooltip("source:N", title=gettext("From")),
        alt.Tooltip("target:N", title=gettext("To")),
        alt.Tooltip("count_label:N", title=gettext("Count")),
        alt.Tooltip("median_label:N", title=gettext("Median time")),
        alt.Tooltip("p90_label:N", title=gettext("90th percentile")),
    ]
    lines = (
        alt.Chart(alt.Data(values=list(edges)))
        .mark_rule(color=BRAND, opacity=0.45, strokeCap="round")
        .encode(
            x=x,
            y=y,
            x2="x2:Q",
            y2="y2:Q",
            strokeWidth=alt.StrokeWidth(
                "count:Q",
                scale=alt.Scale(range=[1, 14]),
                legend=alt.Legend(title=gettext("Count"), orient="bottom"),
            ),
            tooltip=edge_tip,
        )
    )
    node_tip = [
        alt.Tooltip("name:N", title=gettext("Touchpoint")),
        alt.Tooltip("events_label:N", title=gettext("Interactions")),
        alt.Tooltip("starts_label:N", title=gettext("Starts here")),
        alt.Tooltip("ends_label:N", title=gettext("Ends here")),
    ]
    base = alt.Chart(alt.Data(values=list(nodes)))
    # the cases starting and ending at a touchpoint (words: the export's fonts lack arrows)
    starts_word, ends_word = gettext("in"), gettext("out")
    points = base.mark_circle(color=INK, opacity=0.9).encode(
        x=x,
        y=y,
        size=alt.Size("events:Q", scale=alt.Scale(range=[60, 600]), legend=None),
        tooltip=node_tip,
    )
    names = base.mark_text(
        color=INK, fontSize=10, dy=20, fontWeight="bold", limit=COLUMN - 8
    ).encode(x=x, y=y, text=alt.Text("name:N"))
    counts = (
        base.transform_calculate(
            label=f"'{_js(starts_word)} ' + datum.starts_label"
            f" + ' · {_js(ends_word)} ' + datum.ends_label"
        )
        .mark_text(color=INK, fontSize=9, dy=32)
        .encode(x=x, y=y, text="label:N")
    )
    headers = (
        alt.Chart(alt.Data(values=_stage_headers(jmap, -0.65)))
        .mark_text(color=INK, fontWeight="bold", fontSize=11)
        .encode(x=x, y=y, text="label:N")
    )
    chart = alt.layer(lines, points, names, counts, headers).properties(
        width=COLUMN * max(1, len(jmap.stages)),
        height=ROW * rows + 60,
        title={
            "text": gettext("Flow between touchpoints"),
            "subtitle": gettext("in: cases starting here · out: cases ending here"),
        },
    )
    return finish(chart)


# --- target journeys


def deviations_chart(rows: list[dict[str, Any]], *, title: str = "") -> dict[str, Any]:
    """A bar per deviation (``label``, ``share`` of the cases, ``cases``), largest first."""
    import altair as alt

    data = alt.Data(values=[{k: r[k] for k in ("label", "share", "cases")} for r in rows])
    chart = (
        alt.Chart(data, title=title or alt.Undefined)
        .mark_bar(color=theme.DROP)
        .encode(
            y=alt.Y("label:N", sort=None, title=None),
            x=alt.X("share:Q", title="%", scale=alt.Scale(domain=[0, 100])),
            tooltip=[
                alt.Tooltip("label:N"),
                alt.Tooltip("share:Q", format=".1f"),
                alt.Tooltip("cases:Q", format=","),
            ],
        )
        .properties(width="container", height=max(60, 28 * len(rows)))
    )
    return theme.finish(chart, label_limit=150)
