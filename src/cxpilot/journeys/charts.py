"""Charts of the journeys pages (Vega-Lite specs from Altair, the app's theme)."""

from __future__ import annotations

from typing import Any

from cxpilot.kernel import charts as theme


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
