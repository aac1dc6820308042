"""The chart of an initiative's measured effect as a Vega-Lite spec (Altair): the KPI month
by month on the touched touchpoints and on the comparison, the start marked. Drawn by
vega-embed in the page; the numbers are in a table beneath it."""

from __future__ import annotations

from typing import Any

import altair as alt
from django.utils.translation import gettext, pgettext

from cxpilot.initiatives.effect import Effect
from cxpilot.kernel.charts import BRAND, INK, finish

COMPARISON = "#8a94a6"


def effect_chart(effect: Effect) -> dict[str, Any] | None:
    """Monthly KPI, touched vs comparison, with a rule at the start; None without data."""
    if not effect.series:
        return None
    names = {"touched": gettext("Touched touchpoints"), "comparison": gettext("Comparison")}
    kpi = gettext("Mean KPI") if effect.metric != "nps" else "NPS"
    month = gettext("Month from")
    answers = gettext("Answers")
    data = [
        {month: s["month"], kpi: s["kpi"], "group": names[s["group"]], answers: s["n"]}
        for s in effect.series
    ]
    groups = [
        names[g] for g in ("touched", "comparison") if any(s["group"] == g for s in effect.series)
    ]
    lines = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{month}:T", title=None),
            y=alt.Y(f"{kpi}:Q", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=groups, range=[BRAND, COMPARISON][: len(groups)]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[f"{month}:T", "group:N", f"{kpi}:Q", f"{answers}:Q"],
        )
    )
    start = [
        {
            "start": effect.start.isoformat(),
            "label": pgettext("the start of an initiative", "Start"),
        }
    ]
    rule = (
        alt.Chart(alt.Data(values=start))
        .mark_rule(color=INK, strokeDash=[4, 3])
        .encode(x="start:T")
    )
    label = (
        alt.Chart(alt.Data(values=start))
        .mark_text(align="left", dx=4, dy=-4, color=INK, baseline="bottom")
        .encode(x="start:T", y=alt.value(0), text="label:N")
    )
    return finish((lines + rule + label).properties(width="container", height=260))
