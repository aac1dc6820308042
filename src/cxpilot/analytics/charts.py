"""The charts of the VoC dashboard, one function per chart, each returning a Vega-Lite spec
(a dict, built with Altair).

The page renders the specs with vega-embed; PDF/PNG exports can render the same specs with
vl-convert. Each function takes the rows of :mod:`cxpilot.analytics.dashboard` (plain numbers) and
puts every text a reader sees — labels, tooltips, numbers — in the data, formatted for the
active language, so a spec renders the same anywhere.

Altair describes the chart once per metric, period and language (what depends on the data
is a named data set and a few parameters); the rows and parameter values are set on a copy
of that description for each page. Building a spec costs the same for ten rows or ten
thousand.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import altair as alt
from django.utils import numberformat
from django.utils.formats import date_format, get_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel.charts import BRAND, DROP, INK, MUTED, PAPER, RISE, finish

#: Links of a row to the verbatims behind it (None: no links, e.g. in a PDF).
Href = Callable[[Mapping[str, Any]], str] | None


@dataclass(frozen=True)
class MetricInfo:
    label: Promise
    axis: Promise
    decimals: int
    unit: str
    domain: tuple[float, float]


METRIC_INFO: dict[str, MetricInfo] = {
    "nps": MetricInfo(_("NPS"), _("NPS (−100 to 100)"), 1, "", (-100, 100)),
    "ces": MetricInfo(_("CES"), _("CES (mean, 1 to 7)"), 2, "", (1, 7)),
    "csat": MetricInfo(_("CSAT"), _("CSAT (percentage satisfied)"), 1, " %", (0, 100)),
}


# --- Texts ---------------------------------------------------------------------------------


class _Texts:
    """Numbers and periods written as the active language writes them (its formats looked up
    once, not for each of the thousands of numbers a chart may show)."""

    def __init__(self, metric: str) -> None:
        self.info = METRIC_INFO[metric]
        self.decimal = str(get_format("DECIMAL_SEPARATOR"))
        self.thousand = str(get_format("THOUSAND_SEPARATOR"))
        grouping = get_format("NUMBER_GROUPING")
        self.grouping: Any = grouping if grouping else 3

    def plain(self, value: float, decimals: int, grouped: bool = False) -> str:
        return numberformat.format(
            value,
            self.decimal,
            decimals,
            self.grouping if grouped else 0,
            self.thousand if grouped else "",
            force_grouping=grouped,
            use_l10n=True,
        )

    def score(self, value: float | None, signed: bool = False) -> str:
        if value is None:
            return "—"
        decimals = self.info.decimals
        text = self.plain(round(float(value), decimals), decimals)
        if signed and value > 0:
            text = "+" + text
        unit = self.info.unit
        if signed and unit.strip() == "%":
            # a change of a percentage is in points: 72 % → 64.8 % is −7.2 pts, not −7.2 %
            unit = " " + gettext("pts")
        return text.replace("-", "−") + unit

    def change(self, row: Mapping[str, Any]) -> str:
        """The change against the previous period, and whether it is significant."""
        if row.get("delta") is None:
            return "—"
        text = self.score(row["delta"], signed=True)
        if row.get("significant") is True:
            return gettext("%(change)s, significant (p = %(p)s)") % {
                "change": text,
                "p": self.plain(round(float(row["p_value"]), 3), 3),
            }
        if row.get("significant") is False:
            return gettext("%(change)s, not significant") % {"change": text}
        return gettext("%(change)s, too few answers to test") % {"change": text}

    def common(self, row: Mapping[str, Any], href: Href) -> dict[str, Any]:
        """What every chart shows of a row: the score, its interval, the number of answers and
        of the customers (persons) who gave them."""
        out = {
            "score": row["score"],
            "ci_low": row["ci_low"],
            "ci_high": row["ci_high"],
            "n": row["n"],
            "small_sample": bool(row["small_sample"]),
            "score_label": self.score(row["score"]),
            "ci_label": f"{self.score(row['ci_low'])} – {self.score(row['ci_high'])}",
            "n_label": self.plain(int(row["n"]), 0, grouped=True),
        }
        if row.get("customers") is not None:
            out["customers"] = row["customers"]
            out["customers_label"] = self.plain(int(row["customers"]), 0, grouped=True)
        if href is not None:
            out["href"] = href(row)
        return out


def number(value: float | None, metric: str, signed: bool = False) -> str:
    """A score (or a change of score) as the active language writes it."""
    return _Texts(metric).score(value, signed=signed)


def change_label(row: Mapping[str, Any], metric: str) -> str:
    """The change against the previous period, and whether it is significant."""
    return _Texts(metric).change(row)


def period_label(grain: str, start: str) -> str:
    """``March 2026`` for a month, ``week of 2 March 2026`` for the week starting that day."""
    return _period_label(grain, start, get_language())


@functools.lru_cache(maxsize=4096)
def _period_label(grain: str, start: str, language: str | None) -> str:
    day = dt.date.fromisoformat(start)
    if grain == "month":
        return date_format(day, "YEAR_MONTH_FORMAT")
    return gettext("week of %(day)s") % {"day": date_format(day, "DATE_FORMAT")}


def _labels(rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """A distinct label per touchpoint key: its name, with the key when two share a name."""
    names: dict[str, str] = {}
    for row in rows:
        names.setdefault(row["touchpoint"], str(row.get("touchpoint_name") or row["touchpoint"]))
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {k: (f"{v} ({k})" if counts[v] > 1 else v) for k, v in names.items()}


# --- Specs ---------------------------------------------------------------------------------


def _title(text: str, subtitle: str, titled: bool) -> dict[str, Any]:
    """The chart's title as properties (none when the page shows it already)."""
    if not titled:
        return {}
    return {"title": alt.Title(text, subtitle=subtitle, anchor="start")}


def chart_data(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows a spec of this module draws (its one named data set)."""
    (rows,) = spec["datasets"].values()
    return list(rows)


def _fill(
    skeleton: dict[str, Any], datasets: dict[str, Any], params: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A copy of ``skeleton`` with its named data sets and parameter values set."""
    spec = copy.deepcopy(skeleton)
    spec["datasets"] = datasets
    for param in spec.get("params", []):
        if params and param["name"] in params:
            param["value"] = params[param["name"]]
    return spec


# --- Touchpoint × journey stage ------------------------------------------------------------


def touchpoint_stage_data(
    *,
    rows: Sequence[Mapping[str, Any]],
    stages: Sequence[tuple[str, str]],
    metric: str,
    href: Href = None,
) -> list[dict[str, Any]]:
    """The data of :func:`touchpoint_stage_chart` (also the rows of its table)."""
    texts = _Texts(metric)
    labels = _labels(rows)
    stage_names = dict(stages)
    low, high = _score_range(rows, metric)
    span = (high - low) or 1.0
    data = []
    for i, row in enumerate(rows):
        item = texts.common(row, href)
        position = ((row["score"] or 0) - low) / span
        item.update(
            order=i,
            touchpoint_key=row["touchpoint"],
            touchpoint=labels[row["touchpoint"]],
            stage=stage_names.get(row.get("stage") or "", row.get("stage") or gettext("No stage")),
            light_ink=bool(not row["small_sample"] and (position < 0.2 or position > 0.8)),
        )
        data.append(item)
    return data


def _score_range(rows: Sequence[Mapping[str, Any]], metric: str) -> tuple[float, float]:
    """Lowest and highest readable score: the ends of the colour scale."""
    scores = [r["score"] for r in rows if not r["small_sample"] and r["score"] is not None]
    if not scores:
        return METRIC_INFO[metric].domain
    return float(min(scores)), float(max(scores))


@functools.lru_cache(maxsize=64)
def _touchpoint_stage_skeleton(
    metric: str, language: str | None, links: bool, titled: bool
) -> dict[str, Any]:
    info = METRIC_INFO[metric]
    columns = alt.param(name="stage_columns", value=[])
    low = alt.param(name="score_low", value=info.domain[0])
    high = alt.param(name="score_high", value=info.domain[1])
    x = alt.X(
        "stage:N",
        title=gettext("Journey stage"),
        scale=alt.Scale(domain=alt.ExprRef(expr="stage_columns")),
        axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=140),
    )
    y = alt.Y(
        "touchpoint:N",
        title=gettext("Touchpoint"),
        sort=alt.EncodingSortField(field="order", op="min"),
        axis=alt.Axis(labelLimit=220),
    )
    tooltip = [
        alt.Tooltip("touchpoint:N", title=gettext("Touchpoint")),
        alt.Tooltip("stage:N", title=gettext("Journey stage")),
        alt.Tooltip("score_label:N", title=str(info.label)),
        alt.Tooltip("ci_label:N", title=gettext("95 %% interval") % {}),
        alt.Tooltip("n_label:N", title=gettext("Answers")),
        alt.Tooltip("customers_label:N", title=gettext("Customers")),
    ]
    extra: dict[str, Any] = {"href": alt.Href("href:N")} if links else {}
    base = alt.Chart().encode(x=x, y=y, tooltip=tooltip, **extra)
    color = alt.condition(
        "datum.small_sample",
        alt.value(MUTED),
        alt.Color(
            "score:Q",
            title=str(info.label),
            scale=alt.Scale(
                scheme="redblue",
                domain=[alt.ExprRef(expr="score_low"), alt.ExprRef(expr="score_high")],
            ),
            legend=alt.Legend(orient="right", gradientLength=160),
        ),
    )
    cells = base.mark_rect(stroke=PAPER, strokeWidth=2, cursor="pointer").encode(color=color)
    text = base.mark_text(fontSize=12, cursor="pointer").encode(
        text="score_label:N",
        color=alt.condition("datum.light_ink", alt.value(PAPER), alt.value(INK)),
    )
    chart = (
        alt.layer(cells, text, data=alt.NamedData(name="cells"))
        .add_params(columns, low, high)
        .properties(
            width=alt.Step(96),
            height=alt.Step(30),
            **_title(
                gettext("%(metric)s by touchpoint and journey stage") % {"metric": info.label},
                gettext("Grey: fewer than 30 answers, too few to read."),
                titled,
            ),
        )
    )
    return finish(chart)


def touchpoint_stage_chart(
    *,
    rows: Sequence[Mapping[str, Any]],
    stages: Sequence[tuple[str, str]],
    metric: str,
    href: Href = None,
    titled: bool = True,
) -> dict[str, Any]:
    """Heatmap of the score by touchpoint (rows) × journey stage (columns, in journey order).

    ``rows``: the ``cells`` of :func:`cxpilot.analytics.dashboard.dashboard`, in the order to show.
    ``stages``: (key, name) of every stage, in journey order. The colours run from the lowest
    to the highest readable score; cells with too few answers to read are grey. With
    ``href``, a click on a cell opens the verbatims behind it.
    """
    data = touchpoint_stage_data(rows=rows, stages=stages, metric=metric, href=href)
    columns = [name for _key, name in stages]
    if any(not r.get("stage") for r in rows):
        columns.append(gettext("No stage"))
    low, high = _score_range(rows, metric)
    skeleton = _touchpoint_stage_skeleton(metric, get_language(), href is not None, titled)
    return _fill(
        skeleton,
        {"cells": data},
        {"stage_columns": columns, "score_low": low, "score_high": high},
    )


# --- Over time -----------------------------------------------------------------------------


def trend_data(
    *, rows: Sequence[Mapping[str, Any]], metric: str, grain: str, href: Href = None
) -> list[dict[str, Any]]:
    """The data of :func:`trend_chart` and :func:`touchpoint_trends_chart` (and their tables).

    ``change`` names the marker of a significant change (None where the change is noise or
    cannot be tested); ``direction`` is ``rise`` or ``drop`` for those.
    """
    rise, drop = gettext("Significant rise"), gettext("Significant drop")
    language = get_language()
    labels = _labels(rows) if rows and "touchpoint" in rows[0] else {}
    order = {key: i for i, key in enumerate(labels)}
    texts = _Texts(metric)
    data = []
    for row in rows:
        item = texts.common(row, href)
        significant = row.get("significant") is True
        rising = significant and row["delta"] > 0
        item.update(
            period=row["period"],
            period_start=row["period_start"],
            period_label=_period_label(grain, row["period_start"], language),
            significant=significant,
            direction=("rise" if rising else "drop") if significant else None,
            change=(rise if rising else drop) if significant else None,
            change_label=texts.change(row),
        )
        if labels:
            item.update(
                touchpoint_key=row["touchpoint"],
                touchpoint=labels[row["touchpoint"]],
                order=order[row["touchpoint"]],
            )
        data.append(item)
    return data


def _trend_layers(metric: str, grain: str, links: bool, compact: bool) -> list[Any]:
    info = METRIC_INFO[metric]
    unit: Any = "utcyearmonth" if grain == "month" else "utcyearmonthdate"
    x = alt.X(
        "period_start:T",
        timeUnit=unit,
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %Y" if grain == "month" else "%d %b", labelOverlap=True),
    )
    y = alt.Y(
        "score:Q",
        title=None if compact else str(info.axis),
        scale=alt.Scale(zero=False, nice=True),
    )
    tooltip = [
        alt.Tooltip("period_label:N", title=gettext("Period")),
        alt.Tooltip("score_label:N", title=str(info.label)),
        alt.Tooltip("ci_label:N", title=gettext("95 %% interval") % {}),
        alt.Tooltip("n_label:N", title=gettext("Answers")),
        alt.Tooltip("customers_label:N", title=gettext("Customers")),
        alt.Tooltip("change_label:N", title=gettext("Change on the previous period")),
    ]
    band = (
        alt.Chart().mark_area(opacity=0.18, color=BRAND).encode(x=x, y="ci_low:Q", y2="ci_high:Q")
    )
    line = alt.Chart().mark_line(color=BRAND, strokeWidth=2).encode(x=x, y=y)
    rise, drop = gettext("Significant rise"), gettext("Significant drop")
    # Shape and colour share one legend (the same field, title and place).
    legend = alt.Legend(title=None, orient="bottom" if compact else "top")
    markers = (
        alt.Chart()
        .mark_point(filled=True, opacity=1, size=90 if compact else 150, stroke=PAPER)
        .encode(
            x=x,
            y=y,
            shape=alt.Shape(
                "change:N",
                scale=alt.Scale(domain=[rise, drop], range=["triangle-up", "triangle-down"]),
                legend=legend,
            ),
            color=alt.Color(
                "change:N", scale=alt.Scale(domain=[rise, drop], range=[RISE, DROP]), legend=legend
            ),
        )
        .transform_filter("datum.significant === true")
    )
    extra: dict[str, Any] = {"href": alt.Href("href:N")} if links else {}
    # Invisible targets on every period: the tooltip and the link to the verbatims.
    targets = (
        alt.Chart()
        .mark_point(size=260, opacity=0, filled=True, cursor="pointer")
        .encode(x=x, y=y, tooltip=tooltip, **extra)
    )
    return [band, line, markers, targets]


@functools.lru_cache(maxsize=64)
def _trend_skeleton(
    metric: str, grain: str, language: str | None, links: bool, width: int | None, titled: bool
) -> dict[str, Any]:
    info = METRIC_INFO[metric]
    title = (
        gettext("%(metric)s by month") if grain == "month" else gettext("%(metric)s by week")
    ) % {"metric": info.label}
    chart = alt.layer(
        *_trend_layers(metric, grain, links, compact=False), data=alt.NamedData(name="trend")
    ).properties(
        width=width or "container",
        height=260,
        **_title(
            title,
            gettext("Shaded: 95 %% interval. Triangles: significant change on the previous period.")
            % {},
            titled,
        ),
    )
    return finish(chart)


def trend_chart(
    *,
    rows: Sequence[Mapping[str, Any]],
    metric: str,
    grain: str,
    href: Href = None,
    width: int | None = None,
    titled: bool = True,
) -> dict[str, Any]:
    """The score over time with its 95 % band, and a marker on each period whose change on
    the previous one is significant (none where it is noise or cannot be tested).

    ``rows``: the ``trend`` rows of :func:`cxpilot.analytics.dashboard.dashboard`. ``width``: in
    pixels; None fills the container. ``titled=False`` leaves the title to the page.
    """
    data = trend_data(rows=rows, metric=metric, grain=grain, href=href)
    skeleton = _trend_skeleton(metric, grain, get_language(), href is not None, width, titled)
    return _fill(skeleton, {"trend": data})


@functools.lru_cache(maxsize=64)
def _touchpoint_trends_skeleton(
    metric: str, grain: str, language: str | None, links: bool, columns: int, titled: bool
) -> dict[str, Any]:
    info = METRIC_INFO[metric]
    title = (
        gettext("%(metric)s by touchpoint and month")
        if grain == "month"
        else gettext("%(metric)s by touchpoint and week")
    ) % {"metric": info.label}
    chart = (
        alt.layer(
            *_trend_layers(metric, grain, links, compact=True), data=alt.NamedData(name="trends")
        )
        .properties(width=210, height=110)
        .facet(
            facet=alt.Facet(
                "touchpoint:N",
                sort=alt.EncodingSortField(field="order", op="min"),
                title=None,
                header=alt.Header(labelFontWeight="bold", labelFontSize=12, labelLimit=210),
            ),
            columns=columns,
        )
        .properties(**_title(title, str(info.axis), titled))
    )
    return finish(chart)


def touchpoint_trends_chart(
    *,
    rows: Sequence[Mapping[str, Any]],
    metric: str,
    grain: str,
    href: Href = None,
    columns: int = 3,
    titled: bool = True,
) -> dict[str, Any]:
    """One small trend chart per touchpoint (same scales), drawn as :func:`trend_chart`.

    ``rows``: the ``trends`` rows of :func:`cxpilot.analytics.dashboard.dashboard`, in order.
    """
    data = trend_data(rows=rows, metric=metric, grain=grain, href=href)
    skeleton = _touchpoint_trends_skeleton(
        metric, grain, get_language(), href is not None, columns, titled
    )
    return _fill(skeleton, {"trends": data})
