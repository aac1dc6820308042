"""The linkage model as a chart (Vega-Lite, through Altair): the match weight of each
comparison level, as Splink charts it. A level's weight is log2(m/u): how many times more
often two records of one person fall in it than two records of different persons, in bits
(positive: evidence for the same person; negative: against)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
from django.utils.translation import gettext

from cxpilot.kernel.charts import DROP, INK, RISE, finish

#: Level labels ("first name · Jaro-Winkler ≥ 0.92") may run this wide (pixels), then end in
#: "…" (the whole label is in the tooltip and the table).
LABEL_LIMIT = 190


def _ratio(weight: float) -> str:
    """2^weight as words: "× 1,024" for the same person, "÷ 8" against."""
    factor = 2 ** abs(weight)
    shown = f"{factor:,.0f}" if factor >= 10 else f"{factor:.1f}"
    return f"× {shown}" if weight >= 0 else f"÷ {shown}"


def match_weights_chart(
    levels: Sequence[Mapping[str, Any]], prior_match_weight: float | None
) -> dict[str, Any]:
    """Horizontal bars, one per comparison level in the model's order (the prior first):
    its match weight, green for evidence of the same person, red against."""
    rows: list[dict[str, Any]] = []
    if prior_match_weight is not None:
        rows.append(
            {
                "comparison": gettext("prior"),
                "level": gettext("two records at random"),
                "match_weight": prior_match_weight,
            }
        )
    rows += [dict(r) for r in levels if r.get("match_weight") is not None]
    data = [
        {
            "label": f"{r['comparison']} · {r['level']}",
            "comparison": r["comparison"],
            "level": r["level"],
            "match_weight": round(float(r["match_weight"]), 3),
            "ratio": _ratio(float(r["match_weight"])),
            "side": gettext("same person")
            if r["match_weight"] >= 0
            else gettext("different persons"),
        }
        for r in rows
    ]
    order = [d["label"] for d in data]
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("label:N", sort=order, title=None),
    )
    tooltip = [
        alt.Tooltip("comparison:N", title=gettext("Comparison")),
        alt.Tooltip("level:N", title=gettext("Level")),
        alt.Tooltip("match_weight:Q", title=gettext("Match weight"), format=".2f"),
        alt.Tooltip("ratio:N", title=gettext("Odds of the same person")),
    ]
    bars = base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X("match_weight:Q", title=gettext("Match weight (bits: log2 m/u)")),
        color=alt.Color(
            "side:N",
            scale=alt.Scale(
                domain=[gettext("same person"), gettext("different persons")], range=[RISE, DROP]
            ),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=tooltip,
    )
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=INK).encode(x="x:Q")
    height = max(120, 18 * len(data))
    return finish(
        alt.layer(bars, zero).properties(width="container", height=height),
        label_limit=LABEL_LIMIT,
    )
