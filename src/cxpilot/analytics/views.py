"""Pages of the VoC dashboard: the dashboard, the verbatims behind any of its cells, and the
key drivers by touchpoint.

Thin: a GET form checks the filters, :mod:`cxpilot.analytics.dashboard` reads, :mod:`cxpilot.analytics.charts`
turns the rows into Vega-Lite specs. Both pages work without JavaScript: every chart has its
numbers in a table below it, with the same links to the verbatims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from cxpilot.analytics import charts, dashboard, selectors
from cxpilot.analytics.dashboard import Choices, Filters
from cxpilot.kernel import periods, roles, web
from cxpilot.kernel.errors import ValidationError

METRIC_CHOICES = [("nps", _("NPS")), ("ces", _("CES")), ("csat", _("CSAT"))]
GRAIN_CHOICES = [("month", _("Monthly")), ("week", _("Weekly"))]


#: The filters both forms share, as :class:`Filters` names them.
_SLICES = ("channel", "segment", "touchpoint", "language")


class _PeriodForm(forms.Form):
    """A form with a ``from``/``to`` period whose end may not come before its start."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", gettext("The end of the period is before its start."))
        return data

    def _slices(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in _SLICES}


class DashboardForm(_PeriodForm):
    """The dashboard's filters (a GET form; every field optional)."""

    metric = forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES, required=False)
    grain = forms.ChoiceField(label=_("Over time"), choices=GRAIN_CHOICES, required=False)

    def __init__(self, data: QueryDict | Mapping[str, Any], *, choices: Choices) -> None:
        super().__init__(data)
        self.fields["from"] = web.DateField(label=_("From"), required=False)
        self.fields["to"] = web.DateField(label=_("To"), required=False)
        selects = [
            ("channel", _("Channel"), _("All channels"), choices.channels),
            ("segment", _("Segment"), _("All segments"), choices.segments),
            ("touchpoint", _("Touchpoint"), _("All touchpoints"), choices.touchpoints),
            ("language", _("Language"), _("All languages"), [(c, c) for c in choices.languages]),
        ]
        for name, label, everything, options in selects:
            self.fields[name] = forms.ChoiceField(
                label=label, required=False, choices=[("", everything), *options]
            )

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            metric=data["metric"] or "nps",
            grain=data["grain"] or "month",
            start=data["from"],
            end=data["to"],
            **self._slices(),
        )


class VerbatimsForm(_PeriodForm):
    """The cell whose verbatims are listed, and the search. Values need not be choices of the
    organisation: answers may name a touchpoint that is not (yet) in it."""

    metric = forms.ChoiceField(
        label=_("Metric"), choices=[("", _("All metrics")), *METRIC_CHOICES], required=False
    )
    channel = forms.CharField(required=False, max_length=60)
    segment = forms.CharField(required=False, max_length=60)
    touchpoint = forms.CharField(required=False, max_length=60)
    language = forms.CharField(required=False, max_length=20)
    stage = forms.CharField(required=False, max_length=60)
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    week = web.DateField(required=False)
    q = forms.CharField(
        label=_("Search the verbatims"), required=False, max_length=dashboard.MAX_QUERY_LENGTH
    )
    page = web.PageField()

    def __init__(self, data: QueryDict | Mapping[str, Any]) -> None:
        super().__init__(data)
        self.fields["from"] = web.DateField(required=False)
        self.fields["to"] = web.DateField(required=False)

    def clean_month(self) -> str:
        month: str = self.cleaned_data["month"]
        if month and not periods.FIRST_YEAR <= int(month[:4]) <= periods.LAST_YEAR:
            raise web.out_of_range()
        return month

    def filters(self) -> Filters:
        data = self.cleaned_data
        week: dt.date | None = data["week"]
        return Filters(
            metric=data["metric"],
            start=data["from"],
            end=data["to"],
            stage=data["stage"],
            month=data["month"],
            week=week.isoformat() if week else "",
            **self._slices(),
        )


def _require(request: HttpRequest) -> None:
    roles.require(request.user, dashboard.PERMISSION)


def _drill(filters: Filters) -> charts.Href:
    base = reverse("voc_verbatims")

    def href(row: Mapping[str, Any]) -> str:
        return f"{base}?{urlencode(dashboard.cell_params(filters, row))}"

    return href


@require_GET
def voc_dashboard(request: HttpRequest) -> HttpResponse:
    _require(request)
    state = dashboard.warehouse_state()
    choices = dashboard.filter_choices(actor=request.user, state=state)
    data = request.GET.copy()
    if not data.get("from") and not data.get("to"):
        full = selectors.last_full_month(state=state, complete=False) if choices.latest else ""
        start, end = dashboard.default_period(choices.latest, full)
        data["from"] = start.isoformat() if start else ""
        data["to"] = end.isoformat() if end else ""
    form = DashboardForm(data, choices=choices)
    context: dict[str, Any] = {"form": form, "board": None}
    if not form.is_valid():
        return render(request, "analytics/dashboard.html", context, status=400)
    filters = form.filters()
    board = dashboard.dashboard(actor=request.user, filters=filters, state=state)
    metric, grain = filters.metric, filters.grain
    href = _drill(filters)
    stages = [(s.key, s.name) for s in board.stages]
    specs = {
        "stage": charts.touchpoint_stage_chart(
            rows=board.cells, stages=stages, metric=metric, href=href, titled=False
        ),
        "trend": charts.trend_chart(
            rows=board.trend, metric=metric, grain=grain, href=href, titled=False
        ),
        "trends": charts.touchpoint_trends_chart(
            rows=board.trends, metric=metric, grain=grain, href=href, titled=False
        ),
    }
    # The tables under the charts show the very rows the charts draw.
    trends = charts.chart_data(specs["trends"])
    periods = sorted({r["period_start"] for r in trends})
    by_touchpoint: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for item in trends:
        by_touchpoint.setdefault(item["touchpoint_key"], {})[item["period_start"]] = item
        names[item["touchpoint_key"]] = item["touchpoint"]
    context.update(
        board=board,
        metric=charts.METRIC_INFO[metric],
        grain=grain,
        cells=charts.chart_data(specs["stage"]),
        trend=charts.chart_data(specs["trend"]),
        trend_periods=[charts.period_label(grain, p) for p in periods],
        trend_table=[
            (names[key], [cols.get(p) for p in periods]) for key, cols in by_touchpoint.items()
        ],
        specs=specs,
        verbatims_url=f"{reverse('voc_verbatims')}?{filters.query()}",
    )
    return render(request, "analytics/dashboard.html", context)


def _describe(filters: Filters, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The filters of a verbatims page, as (label, value) for the reader."""
    out: list[tuple[str, str]] = []
    if filters.metric:
        out.append((gettext("Metric"), str(charts.METRIC_INFO[filters.metric].label)))
    if filters.touchpoint:
        out.append((gettext("Touchpoint"), names.get(filters.touchpoint, filters.touchpoint)))
    if filters.stage:
        out.append((gettext("Journey stage"), filters.stage))
    if filters.month:
        out.append((gettext("Month"), charts.period_label("month", f"{filters.month}-01")))
    if filters.week:
        out.append((gettext("Week"), charts.period_label("week", filters.week)))
    if filters.start:
        out.append((gettext("From"), filters.start.isoformat()))
    if filters.end:
        out.append((gettext("To"), filters.end.isoformat()))
    for key, label in (
        ("channel", gettext("Channel")),
        ("segment", gettext("Segment")),
        ("language", gettext("Language")),
    ):
        if getattr(filters, key):
            out.append((label, getattr(filters, key)))
    return out


@require_GET
def voc_verbatims(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = VerbatimsForm(request.GET)
    if not form.is_valid():
        return render(
            request, "analytics/verbatims.html", {"form": form, "result": None}, status=400
        )
    filters = form.filters()
    query = form.cleaned_data["q"]
    result = dashboard.verbatims(
        actor=request.user, filters=filters, page=form.cleaned_data["page"] or 1, query=query
    )
    params = filters.params()
    base = urlencode({**params, **({"q": query} if query else {})})
    back = Filters(
        metric=filters.metric or "nps",
        start=filters.start,
        end=filters.end,
        **{key: getattr(filters, key) for key in _SLICES},
    )
    for row in result.rows:
        info = charts.METRIC_INFO.get(row["metric"])
        row["metric_label"] = info.label if info else row["metric"]
    return render(
        request,
        "analytics/verbatims.html",
        {
            "form": form,
            "result": result,
            "filters": filters,
            "described": _describe(filters, result.touchpoint_names),
            "hidden": list(params.items()),
            "query": query,
            "base_query": base,
            "base_query_without_q": urlencode(params),
            "dashboard_url": f"{reverse('voc_dashboard')}?{back.query()}",
        },
    )


class DriversForm(_PeriodForm):
    """The outcome (a relationship survey's touchpoint and metric) and the period."""

    outcome_metric = forms.ChoiceField(
        label=_("Outcome metric"), choices=METRIC_CHOICES, required=False
    )

    def __init__(self, data: QueryDict | Mapping[str, Any], *, touchpoints: list[Any]) -> None:
        super().__init__(data)
        self.fields["outcome"] = forms.ChoiceField(
            label=_("Outcome (relationship survey)"), choices=touchpoints, required=False
        )
        self.fields["from"] = web.DateField(label=_("From"), required=False)
        self.fields["to"] = web.DateField(label=_("To"), required=False)
        self.order_fields(["outcome", "outcome_metric", "from", "to"])


@require_GET
def voc_drivers(request: HttpRequest) -> HttpResponse:
    """Which touchpoints drive the relationship score: LMG shares per person. Without an
    outcome, the first touchpoint outside the journeys (no stage) is the relationship survey."""
    _require(request)
    touchpoints = selectors.touchpoint_choices()
    data = request.GET.copy()
    if not data.get("outcome") and touchpoints.outside_journeys:
        data["outcome"] = touchpoints.outside_journeys[0]
    form = DriversForm(data, touchpoints=touchpoints.choices)
    context: dict[str, Any] = {"form": form, "result": None, "problem": ""}
    if not form.is_valid():
        return render(request, "analytics/drivers.html", context, status=400)
    values = form.cleaned_data
    if values["outcome"]:
        try:
            context["result"] = selectors.touchpoint_drivers(
                actor=request.user,
                outcome=values["outcome"],
                outcome_metric=values["outcome_metric"] or "nps",
                start=values["from"],
                end=values["to"],
            )
        except ValidationError as exc:
            context["problem"] = exc.detail
    return render(request, "analytics/drivers.html", context)
