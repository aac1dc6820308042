"""Charts of the value page as Vega-Lite specs (Altair), drawn by vega-embed; every text the
reader sees is in the data or translated here; the page shows the numbers in a table under
each chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext

from cxpilot.kernel.charts import BRAND, DROP, INK, finish


def segment_label(segment: str | None, names: Mapping[str, str] | None = None) -> str:
    """A segment as a reader knows it: its name in ``names`` (key -> name), else its key;
    None is all the customers, "" those of no segment."""
    if segment is None:
        return gettext("All customers")
    return (names or {}).get(segment, segment) or gettext("No segment")


def equity_bars(
    segments: Sequence[dict[str, Any]], names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The equity of each segment with its 95 % interval."""
    data = [
        {
            "segment": segment_label(s["segment"], names),
            "equity": s["equity"],
            "low": s["equity_low"],
            "high": s["equity_high"],
        }
        for s in segments
    ]
    y = alt.Y("segment:N", sort=None, title=None)
    bars = alt.Chart(alt.Data(values=data)).mark_bar(color=BRAND).encode(
        x=alt.X("equity:Q", title=gettext("Customer equity (sum of CLV)")),
        y=y,
        tooltip=[alt.Tooltip("segment:N", title=gettext("Segment")),
                 alt.Tooltip("equity:Q", title=gettext("Equity"), format=",.0f")],
    )  # fmt: skip
    rules = (
        alt.Chart(alt.Data(values=data)).mark_rule(color=INK).encode(x="low:Q", x2="high:Q", y=y)
    )
    chart = alt.layer(bars, rules).properties(
        width="container", height=max(60, 28 * len(data)), title=gettext("Equity by segment")
    )
    return finish(chart, label_limit=160)


def equity_lines(
    history: Sequence[dict[str, Any]], names: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The equity over time: all customers and each segment."""
    data = [
        {
            "as_of": e["as_of"].isoformat(),
            "segment": segment_label(e["segment"], names),
            "equity": e["equity"],
        }
        for e in history
    ]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of:T", title=gettext("As of")),
            y=alt.Y("equity:Q", title=gettext("Customer equity")),
            color=alt.Color(
                "segment:N", title=gettext("Segment"), legend=alt.Legend(orient="bottom", columns=2)
            ),
            tooltip=[
                alt.Tooltip("as_of:T", title=gettext("As of")),
                alt.Tooltip("segment:N", title=gettext("Segment")),
                alt.Tooltip("equity:Q", title=gettext("Equity"), format=",.0f"),
            ],
        )  # fmt: skip
        .properties(width="container", height=260, title=gettext("Customer equity over time"))
    )
    return finish(chart, label_limit=160)


def clv_histogram(bins: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How many customers in each CLV band."""
    chart = (
        alt.Chart(alt.Data(values=list(bins)))
        .mark_bar(color=BRAND)
        .encode(
            x=alt.X("low:Q", bin="binned", title=gettext("CLV")),
            x2="high:Q",
            y=alt.Y("customers:Q", title=gettext("Customers")),
            tooltip=[
                alt.Tooltip("low:Q", title=gettext("From"), format=",.0f"),
                alt.Tooltip("high:Q", title=gettext("To"), format=",.0f"),
                alt.Tooltip("customers:Q", title=gettext("Customers")),
            ],
        )  # fmt: skip
        .properties(width="container", height=220, title=gettext("Distribution of CLV"))
    )
    return finish(chart)


def holdout_lines(weekly: Sequence[dict[str, Any]], calibration_end: str) -> dict[str, Any]:
    """Cumulative repeat purchases by week, predicted and made, the calibration end marked."""
    predicted, made = gettext("Predicted"), gettext("Actual")
    data = [
        {"end": w["end"], "series": name, "purchases": w[key]}
        for w in weekly
        for name, key in ((predicted, "predicted"), (made, "actual"))
    ]
    lines = (
        alt.Chart(alt.Data(values=data))
        .mark_line()
        .encode(
            x=alt.X("end:T", title=gettext("Week ending")),
            y=alt.Y("purchases:Q", title=gettext("Cumulative repeat purchases")),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=[predicted, made], range=[BRAND, DROP]),
                legend=alt.Legend(orient="bottom"),
            ),
            strokeDash=alt.StrokeDash("series:N", legend=None),
        )  # fmt: skip
    )
    rule = (
        alt.Chart(alt.Data(values=[{"end": calibration_end}]))
        .mark_rule(color=INK, strokeDash=[2, 2])
        .encode(x="end:T")
    )
    chart = alt.layer(lines, rule).properties(
        width="container", height=240, title=gettext("Holdout check: repeat purchases")
    )
    return finish(chart)
