"""Charts of the profitability page as Vega-Lite specs (Altair), drawn by vega-embed; the
page shows their numbers in a table beneath. Every text the reader sees is in the data."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext

from cxpilot.kernel import charts as theme


def _money(value: float) -> str:
    return str(number_format(value, 0, use_l10n=True, force_grouping=True)).replace("-", "−")


def histogram_chart(bars: list[dict[str, Any]]) -> dict[str, Any]:
    """A bar per profit band (``low``–``high``, ``customers``), losses in the drop colour."""
    import altair as alt

    loss, gain = gettext("loses money"), gettext("makes money")
    values = [
        {
            "band": f"{'≤ ' if b['open_low'] else ''}{_money(b['low'])} – "
            f"{'≥ ' if b['open_high'] else ''}{_money(b['high'])}",
            "order": i,
            "customers": b["customers"],
            "kind": loss if b["loss"] else gain,
        }
        for i, b in enumerate(bars)
    ]
    customers = gettext("Customers")
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            x=alt.X("band:N", sort=alt.SortField("order"), title=gettext("Profit per customer")),
            y=alt.Y("customers:Q", title=customers),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=[loss, gain], range=[theme.DROP, theme.BRAND]),
                legend=alt.Legend(title=None, orient="top"),
            ),
            tooltip=[alt.Tooltip("band:N"), alt.Tooltip("customers:Q", format=",")],
        )
        .properties(width="container", height=220)
    )
    return theme.finish(chart)


def segment_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A bar per segment: its profit (margin − cost to serve), losses in the drop colour."""
    import altair as alt

    none = gettext("(no segment)")
    values = [
        {
            "segment": r.get("name") or r["segment"] or none,
            "profit": r["profit"],
            "loss": r["profit"] < 0,
        }
        for r in rows
    ]
    chart = (
        alt.Chart(alt.Data(values=values))
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", sort=None, title=None),
            x=alt.X("profit:Q", title=gettext("Profit")),
            color=alt.condition(alt.datum.loss, alt.value(theme.DROP), alt.value(theme.BRAND)),
            tooltip=[alt.Tooltip("segment:N"), alt.Tooltip("profit:Q", format=",.0f")],
        )
        .properties(width="container", height=max(60, 28 * len(rows)))
    )
    return theme.finish(chart, label_limit=150)
