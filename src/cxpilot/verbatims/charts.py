"""Charts of verbatim analytics as Vega-Lite specs (Altair): the irritants with their
intervals, and the monthly impact of the top themes. Every text the reader sees is in the
data, formatted for the active language; each page also shows the numbers in a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext

from cxpilot.analytics.charts import number
from cxpilot.kernel.charts import DROP, INK, RISE, finish

#: Theme names are long: their labels may run this wide (pixels) on axes and in legends, then
#: end in "…" (the full name is in the tooltip and the table), so that bars keep room on a phone.
LABEL_LIMIT = 160


def _spec(chart: Any) -> dict[str, Any]:
    return finish(chart, label_limit=LABEL_LIMIT)


def irritants_chart(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Horizontal bars: NPS points at stake per theme, with the 95 % interval."""
    data = [
        {
            "theme": r["theme"],
            "impact": r["impact"],
            "low": r["ci_low"],
            "high": r["ci_high"],
            "label": number(r["impact"], "nps", signed=True),
            "interval": f"{number(r['ci_low'], 'nps', True)} … {number(r['ci_high'], 'nps', True)}",
            "mentions": r["mentions"],
            "kind": gettext("irritant") if (r["impact"] or 0) > 0 else gettext("strength"),
        }
        for r in rows
    ]
    order = [d["theme"] for d in data]
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("theme:N", sort=order, title=None),
    )
    tooltip = [
        alt.Tooltip("theme:N", title=gettext("Theme")),
        alt.Tooltip("label:N", title=gettext("NPS points at stake")),
        alt.Tooltip("interval:N", title=gettext("95 % interval")),
        alt.Tooltip("mentions:Q", title=gettext("Mentions")),
    ]
    bars = base.mark_bar(height={"band": 0.6}).encode(
        x=alt.X("impact:Q", title=gettext("NPS points at stake")),
        color=alt.Color(
            "kind:N",
            scale=alt.Scale(domain=[gettext("irritant"), gettext("strength")], range=[DROP, RISE]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=tooltip,
    )
    rules = base.mark_rule(color=INK).encode(x="low:Q", x2="high:Q", tooltip=tooltip)
    height = max(120, 26 * len(data))
    return _spec(alt.layer(bars, rules).properties(width="container", height=height))


def trend_chart(points: Sequence[Mapping[str, Any]], names: Mapping[int, str]) -> dict[str, Any]:
    """Lines: NPS points at stake per month for a few themes."""
    data = [
        {
            "month": f"{p['month']}-01",
            "theme": names.get(p["theme_id"], f"#{p['theme_id']}"),
            "impact": p["impact"],
            "label": number(p["impact"], "nps", signed=True),
            "mentions": p["mentions"],
        }
        for p in points
        if p["impact"] is not None
    ]
    # One tick per month, on the first of the month where its points are. The months are
    # UTC dates: read and drawn in UTC, a reader west of Greenwich does not see March 2026
    # at the end of February.
    x = alt.X(
        "month:T",
        timeUnit="utcyearmonth",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(
            format="%b %Y",
            tickCount={"interval": "month", "step": 1},
            labelOverlap=True,
            labelSeparation=6,
        ),
    )
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("impact:Q", title=gettext("NPS points at stake")),
            # one column, labels cut at 220 px: two columns of long theme names, or one of
            # 260 px, are wider than a phone
            color=alt.Color(
                "theme:N",
                legend=alt.Legend(title=None, orient="bottom", columns=1, labelLimit=220),
            ),
            tooltip=[
                alt.Tooltip("theme:N", title=gettext("Theme")),
                alt.Tooltip(
                    "month:T", timeUnit="utcyearmonth", title=gettext("Month"), format="%B %Y"
                ),
                alt.Tooltip("label:N", title=gettext("NPS points at stake")),
                alt.Tooltip("mentions:Q", title=gettext("Mentions")),
            ],
        )
        .properties(width="container", height=260)
    )
    return _spec(chart)


def quadrant_chart(predictors: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Importance (share of R², LMG) × performance (mean score 0–100) of each theme."""
    mean_share = 100 / max(1, len(predictors))
    perf = [p["performance"] for p in predictors]
    mean_perf = sum(perf) / max(1, len(perf))
    data = [
        {
            "theme": p["theme"],
            "importance": p.get("lmg_share", p.get("relative_weight_share")),
            "performance": p["performance"],
            "quadrant": p["quadrant_label"],
        }
        for p in predictors
    ]
    _place_labels(data)
    points = (
        alt.Chart(alt.Data(values=data))
        .mark_circle(size=120)
        .encode(
            x=alt.X("importance:Q", title=gettext("Importance (share of R², %)")),
            y=alt.Y(
                "performance:Q", title=gettext("Performance (0–100)"), scale=alt.Scale(zero=False)
            ),
            color=alt.Color(
                "quadrant:N",
                legend=alt.Legend(title=None, orient="bottom", columns=2, labelLimit=0),
            ),
            tooltip=[
                alt.Tooltip("theme:N", title=gettext("Theme")),
                alt.Tooltip(
                    "importance:Q", title=gettext("Importance (share of R², %)"), format=".1f"
                ),
                alt.Tooltip("performance:Q", title=gettext("Performance (0–100)"), format=".1f"),
            ],
        )
    )
    # a label beside its point, on the side with room, moved down when it would cover the one
    # before it
    labels = [
        points.mark_text(align=side, dx=8 if side == "left" else -8, dy=dy, fontSize=11, color=INK)
        .encode(text="theme:N", color=alt.value(INK))
        .transform_filter((alt.datum.align == side) & (alt.datum.dy == dy))
        for side in ("left", "right")
        for dy in sorted({d["dy"] for d in data if d["align"] == side})
    ]
    vline = (
        alt.Chart(alt.Data(values=[{"x": mean_share}])).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    )
    hline = (
        alt.Chart(alt.Data(values=[{"y": mean_perf}])).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    )
    return _spec(alt.layer(points, *labels, vline, hline).properties(width="container", height=320))


def _place_labels(data: list[dict[str, Any]]) -> None:
    """Set each point's label side (``align``: the right-hand third of the importance axis
    writes to the left of its point, so that the label stays in the chart) and vertical
    offset ``dy`` (a label that would sit on a neighbour's, close in both axes, goes below)."""
    if not data:
        return
    imp = [d["importance"] or 0 for d in data]
    perf = [d["performance"] or 0 for d in data]
    x_span = (max(imp) - min(imp)) or 1
    y_span = (max(perf) - min(perf)) or 1
    placed: list[dict[str, Any]] = []
    for d in sorted(data, key=lambda d: -(d["performance"] or 0)):
        x = ((d["importance"] or 0) - min(imp)) / x_span
        d["align"] = "right" if x > 2 / 3 else "left"
        d["dy"] = 0
        for other in placed:
            close_x = abs(((other["importance"] or 0) - (d["importance"] or 0)) / x_span) < 0.2
            close_y = abs(((other["performance"] or 0) - (d["performance"] or 0)) / y_span) < 0.05
            if close_x and close_y and other["align"] == d["align"] and other["dy"] == d["dy"]:
                d["dy"] += 12
        placed.append(d)
