"""The board's charts as Vega-Lite specs (Altair): NPS, CES and CSAT per touchpoint this month
against the month before, with their intervals; the top irritants by NPS points at stake; each
department's share of the month's efforts. Drawn by vega-embed in the page and by vl-convert
in the PDF and PNG exports (:func:`for_export`), one definition for both; the numbers are in a
table beneath each chart."""

from __future__ import annotations

import copy
from typing import Any

import altair as alt
from django.utils.translation import gettext

from cxpilot.board.kpis import Board, Kpi
from cxpilot.kernel.charts import BRAND, INK, finish

#: The charts of a board, in the order they are shown; a board has those it has data for.
VOICE = ("nps", "ces", "csat")
NAMES = ("voice_nps", "voice_ces", "voice_csat", "irritants", "departments")

#: The width a chart is drawn at in exports (pixels), where the page fits it to its container.
EXPORT_WIDTH = 640

PREVIOUS = "#8a94a6"


def voice_kpis(board: Board, metric: str) -> list[Kpi]:
    """The overall ``metric`` then the same per touchpoint, those with a value this month."""
    overall = board.kpi(metric)
    rows = [overall] if overall is not None else []
    rows += [k for k in board.kpis if k.kpi.startswith(f"{metric}.touchpoint.")]
    return [k for k in rows if k.value is not None]


def voice_chart(board: Board, metric: str) -> dict[str, Any] | None:
    """``metric`` overall and per touchpoint: this month's value as a dot on its 95 % interval,
    the month before as a hollow dot; None when no touchpoint has a value."""
    kpis = voice_kpis(board, metric)
    if not kpis:
        return None
    name, low, high = gettext("Touchpoint"), gettext("Low"), gettext("High")
    this, before = gettext("This month"), gettext("Month before")
    order = [k.label for k in kpis]
    rows: list[dict[str, Any]] = []
    bars: list[dict[str, Any]] = []
    for k in kpis:
        rows.append({name: k.label, "which": this, "value": k.value})
        if k.previous is not None:
            rows.append({name: k.label, "which": before, "value": k.previous})
        if k.ci_low is not None and k.ci_high is not None:
            bars.append({name: k.label, low: k.ci_low, high: k.ci_high})
    label = kpis[0].label if kpis[0].kpi == metric else metric.upper()
    y = alt.Y(f"{name}:N", sort=order, title=None)
    points = (
        alt.Chart(alt.Data(values=rows))
        .mark_point(size=80, filled=True)
        .encode(
            y=y,
            x=alt.X("value:Q", title=label, scale=alt.Scale(zero=False)),
            color=alt.Color(
                "which:N",
                title=None,
                scale=alt.Scale(domain=[this, before], range=[BRAND, PREVIOUS]),
                legend=alt.Legend(orient="bottom"),
            ),
            shape=alt.Shape(
                "which:N",
                scale=alt.Scale(domain=[this, before], range=["circle", "diamond"]),
                legend=None,
            ),
            tooltip=[f"{name}:N", "which:N", alt.Tooltip("value:Q", format=".2f")],
        )
    )
    layers: Any = points
    if bars:
        interval = (
            alt.Chart(alt.Data(values=bars))
            .mark_rule(color=BRAND, strokeWidth=2, opacity=0.5)
            .encode(y=y, x=f"{low}:Q", x2=f"{high}:Q")
        )
        layers = interval + points
    return finish(layers.properties(width="container", height=28 * len(kpis) + 20))


def irritants_chart(board: Board) -> dict[str, Any] | None:
    """The month's top irritants by NPS points at stake; None without irritants."""
    from cxpilot.board.display import irritant_rows

    rows = [i for i in board.irritants if i.get("points_at_stake") is not None]
    if not rows:
        return None
    rows = [i for i in irritant_rows(board) if i.get("points_at_stake") is not None]
    theme, stake = gettext("Irritant"), gettext("NPS points at stake")
    data = [{theme: i["label"], stake: i["points_at_stake"]} for i in rows]
    bars = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color="#a4161a")
        .encode(
            y=alt.Y(f"{theme}:N", sort="-x", title=None),
            x=alt.X(f"{stake}:Q"),
            tooltip=[f"{theme}:N", alt.Tooltip(f"{stake}:Q", format=".1f")],
        )
    )
    return finish(bars.properties(width="container", height=26 * len(data) + 20), label_limit=260)


def departments_chart(board: Board) -> dict[str, Any] | None:
    """Each department's share of the month's efforts (its ``share`` is already a percentage,
    0..100); None without departments."""
    rows = [d for d in board.departments if d.get("share") is not None]
    if not rows:
        return None
    dept, share = gettext("Department"), gettext("Share of the efforts (%)")
    data = [{dept: d.get("name") or d.get("department"), share: d["share"]} for d in rows]
    bars = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=BRAND)
        .encode(
            y=alt.Y(f"{dept}:N", sort="-x", title=None),
            x=alt.X(f"{share}:Q", title=share, scale=alt.Scale(domain=[0, 100])),
            tooltip=[f"{dept}:N", alt.Tooltip(f"{share}:Q", format=".1f")],
        )
    )
    return finish(bars.properties(width="container", height=26 * len(data) + 20), label_limit=220)


def board_charts(board: Board) -> dict[str, dict[str, Any]]:
    """The charts ``board`` has data for, by name (:data:`NAMES`), in the order shown."""
    found: dict[str, dict[str, Any] | None] = {f"voice_{m}": voice_chart(board, m) for m in VOICE}
    found["irritants"] = irritants_chart(board)
    found["departments"] = departments_chart(board)
    return {name: spec for name, spec in found.items() if spec is not None}


def chart_title(name: str) -> str:
    titles = {
        "voice_nps": gettext("NPS by touchpoint"),
        "voice_ces": gettext("CES by touchpoint"),
        "voice_csat": gettext("CSAT by touchpoint"),
        "irritants": gettext("Top irritants by NPS points at stake"),
        "departments": gettext("Each department's share of the efforts"),
    }
    return titles.get(name, name)


def for_export(spec: dict[str, Any], *, width: int = EXPORT_WIDTH) -> dict[str, Any]:
    """``spec`` with a fixed width where the page fits it to its container (vl-convert has no
    container), the whole drawing fitted to that width (labels and legends included, so an
    export is never wider than ``width`` pixels times its scale), and a white background and
    padding for paper."""
    out = copy.deepcopy(spec)

    def fix(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("width") == "container":
                node["width"] = width
            for value in node.values():
                fix(value)
        elif isinstance(node, list):
            for value in node:
                fix(value)

    fix(out)
    out["autosize"] = {"type": "fit-x", "contains": "padding"}
    out.setdefault("background", "white")
    out.setdefault("padding", 8)
    out.setdefault("config", {}).setdefault("text", {"color": INK})
    return out
