"""Pages of the journeys domain. Thin: forms shape the input, services write, selectors
read."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.journeys.forms import JourneyMapForm
from cxpilot.kernel import roles
from cxpilot.kernel.errors import CxPilotError, ValidationError
from cxpilot.kernel.memo import Memo
from cxpilot.organisation.forms import PeriodSegmentForm

# --- target journeys


def _choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]], list[tuple[str, str]]]:
    """The organisation's journeys, touchpoints and segments, as (key, name) choices."""
    from cxpilot.organisation import selectors as org

    return (
        [(j.key, j.name) for j in org.journey_list(actor=None)],
        [(t.key, f"{t.name} ({t.key})") for t in org.touchpoint_choices()],
        [(s.key, s.name) for s in org.segment_list(actor=None)],
    )


def _deviation_label(d: dict[str, Any]) -> str:
    if d["kind"] == "missing_step":
        return gettext("Missing step: %(step)s") % {"step": d["step_name"]}
    if d["kind"] == "wrong_order":
        return gettext("Wrong order: %(step)s before %(before)s") % {
            "step": d["step_name"],
            "before": d["before_name"],
        }
    if d["kind"] == "time_limit":
        return gettext("Time limit breached: %(step)s (%(hours)s h)") % {
            "step": d["step_name"],
            "hours": f"{d['within_hours']:g}",
        }
    return gettext("Unexpected activity: %(activity)s") % {"activity": d["activity"]}


def _outcome_label(name: str) -> str:
    return {
        "nps": gettext("NPS (latest answer, start to 30 days after the end)"),
        "repeat_purchase": gettext("Repeat purchase within 90 days (%)"),
        "churn": gettext("Churn: no purchase after the case (%)"),
    }.get(name, name)


@require_GET
def target_list(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys import selectors, services

    targets = selectors.target_list(actor=request.user)
    may = {
        verb: roles.may(request.user, perm)
        for verb, perm in (
            ("add", services.ADD),
            ("change", services.CHANGE),
            ("delete", services.DELETE),
        )
    }
    return render(request, "journeys/target_list.html", {"targets": targets, "may": may})


def _target_form(request: HttpRequest, target: Any) -> HttpResponse:
    from cxpilot.journeys import selectors, services
    from cxpilot.journeys.forms import (
        StepFormSet,
        TargetForm,
        definition_data,
        initial_data,
        put_errors,
    )
    from cxpilot.journeys.targets import parse

    journeys, touchpoints, _segments = _choices()
    initial: dict[str, Any] = {"case": "person", "activity": "touchpoint"}
    steps: list[dict[str, Any]] = []
    if target is not None:
        initial, steps = initial_data(
            selectors.target_definition(target), {k for k, _n in touchpoints}
        )
    data = request.POST if request.method == "POST" else None
    form = TargetForm(data, initial=initial, journeys=journeys)
    formset = StepFormSet(data, initial=steps or None, prefix="steps", touchpoints=touchpoints)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and formset.is_valid():
            raw, rows = definition_data(form, formset)
            try:
                saved = services.target_save(
                    actor=request.user, definition=parse(raw), target=target
                )
            except ValidationError as exc:
                put_errors(exc, form, formset, rows)
            else:
                messages.success(request, gettext("“%(name)s” was saved.") % {"name": saved.name})
                return redirect("journeys:target_report", key=saved.key)
    if target is None:
        title, cancel = gettext("New target journey"), reverse("journeys:target_list")
    else:
        title = gettext("Edit target journey")
        cancel = reverse("journeys:target_report", args=[target.key])
    return render(
        request,
        "journeys/target_form.html",
        {"form": form, "formset": formset, "title": title, "cancel_url": cancel, "no_step": "-"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def target_create(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys import services

    roles.require(request.user, services.ADD)
    return _target_form(request, None)


@require_http_methods(["GET", "POST"])
def target_update(request: HttpRequest, key: str) -> HttpResponse:
    from cxpilot.journeys import selectors, services

    target = selectors.target_get(actor=request.user, key=key)
    roles.require(request.user, services.CHANGE)
    return _target_form(request, target)


@require_http_methods(["GET", "POST"])
def target_import(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys import services
    from cxpilot.journeys.forms import ImportForm

    roles.require(request.user, services.ADD)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            upload = data.get("upload")
            text: str | bytes = upload.read() if upload is not None else data["text"]
            where = upload.name if upload is not None else gettext("the YAML")
            try:
                target, created = services.target_load(
                    actor=request.user, text=text, where=str(where)[:80], replace=data["replace"]
                )
            except ValidationError as exc:
                for problem in exc.problems or ():
                    form.add_error(None, str(problem))
                if not exc.problems:
                    form.add_error(None, str(exc))
            else:
                text_done = (
                    gettext("“%(name)s” was created.")
                    if created
                    else gettext("“%(name)s” was replaced.")
                )
                messages.success(request, text_done % {"name": target.name})
                return redirect("journeys:target_report", key=target.key)
    return render(
        request,
        "journeys/target_import.html",
        {
            "form": form,
            "title": gettext("Import a target journey"),
            "cancel_url": reverse("journeys:target_list"),
        },
        status=status,
    )


@require_GET
def target_yaml(request: HttpRequest, key: str) -> HttpResponse:
    from cxpilot.journeys import selectors

    target = selectors.target_get(actor=request.user, key=key)
    response = HttpResponse(
        selectors.target_definition(target).to_yaml(),
        content_type="application/yaml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{target.key}.yaml"'
    return response


@require_http_methods(["GET", "POST"])
def target_delete(request: HttpRequest, key: str) -> HttpResponse:
    from cxpilot.journeys import selectors, services

    target = selectors.target_get(actor=request.user, key=key)
    roles.require(request.user, services.DELETE)
    if request.method == "POST":
        services.target_delete(actor=request.user, target=target)
        messages.success(request, gettext("“%(name)s” was deleted.") % {"name": target.name})
        return redirect("journeys:target_list")
    return render(
        request,
        "journeys/target_delete.html",
        {"target": target, "cancel_url": reverse("journeys:target_report", args=[key])},
    )


@require_GET
def target_report(request: HttpRequest, key: str) -> HttpResponse:
    """A target journey: its steps, and the conformance of the warehouse's journeys to it."""
    from cxpilot.journeys import charts, selectors, services
    from cxpilot.journeys.forms import ReportForm

    target = selectors.target_get(actor=request.user, key=key)
    definition = selectors.target_definition(target)
    _j, _t, segments = _choices()
    form = ReportForm(request.GET or None)
    context: dict[str, Any] = {
        "target": target,
        "definition": definition,
        "form": form,
        "segments": segments,
        "may_change": roles.may(request.user, services.CHANGE),
        "may_delete": roles.may(request.user, services.DELETE),
        "may_analyse": roles.may(request.user, selectors.ANALYTICS),
        "report": None,
    }
    if context["may_analyse"] and (not request.GET or form.is_valid()):
        data = form.cleaned_data if request.GET else {}
        try:
            report = selectors.target_conformance(
                actor=request.user,
                definition=definition,
                start=data.get("from"),
                end=data.get("to"),
                segment=data.get("segment") or None,
            )
        except CxPilotError as exc:
            context["problem"] = str(exc)
        else:
            for d in report.deviations:
                d["label"] = _deviation_label(d)
            for o in report.outcomes or []:
                o["label"] = _outcome_label(o["outcome"])
            context["report"] = report
            if report.deviations:
                context["chart"] = charts.deviations_chart(report.deviations)
    return render(
        request,
        "journeys/target_report.html",
        context,
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


# --- consistency and promises --------------------------------------------------------------

ANALYTICS = "organisation.view_analytics"


def _checked(request: HttpRequest, template: str, read: Any) -> HttpResponse:
    """The page of ``template``: the filters checked, then ``read`` (a selector)."""
    roles.require(request.user, ANALYTICS)
    form = PeriodSegmentForm(request.GET)
    from cxpilot.organisation.models import Touchpoint

    names = dict(Touchpoint.objects.values_list("key", "name"))
    context: dict[str, Any] = {"form": form, "result": None, "problem": "", "names": names}
    if not form.is_valid():
        return render(request, template, context, status=400)
    values = form.cleaned_data
    try:
        context["result"] = read(
            actor=request.user,
            start=values["from"],
            end=values["to"],
            segment=values["segment"] or None,
        )
    except ValidationError as exc:
        context["problem"] = exc.detail
    return render(request, template, context)


@require_GET
def consistency_page(request: HttpRequest) -> HttpResponse:
    """The human − digital gap per stage, paired per person."""
    from cxpilot.journeys.consistency import consistency

    return _checked(request, "journeys/consistency.html", consistency)


@require_GET
def promises_page(request: HttpRequest) -> HttpResponse:
    """The measured brand promises, kept or not, per touchpoint and month."""
    from cxpilot.journeys.promises import promises_checked

    return _checked(request, "journeys/promises.html", promises_checked)


# --- journey map

MAP_PERMISSION = "organisation.view_analytics"
RULE_TEXT = _(
    "priority = reach × (score gap + NPS points at stake / 100) × (1 + moment-of-truth effect)"
)


#: The map's figures by filters and language, while the warehouse stays the same.
JOURNEY_MAPS: Memo[dict[str, Any]] = Memo(size=32)


def _map_form(request: HttpRequest) -> JourneyMapForm:
    from cxpilot.analytics import selectors as analytics
    from cxpilot.journeys.map import journey_choices

    roles.require(request.user, MAP_PERMISSION)
    choices = analytics.filter_choices(actor=request.user)
    return JourneyMapForm(request.GET, journeys=journey_choices(), choices=choices)


def _map_figures(request: HttpRequest, chosen: dict[str, Any]) -> dict[str, Any]:
    from cxpilot.analytics import selectors as analytics
    from cxpilot.verbatims.selectors import data_version

    state = analytics.warehouse_state()
    key = (
        tuple(sorted((k, repr(v)) for k, v in chosen.items())),
        get_language(),
    )
    version = (state.key("journey_map"), data_version()[0])
    return JOURNEY_MAPS.get(key, version, lambda: _compute_map(request.user, chosen))


def _compute_map(actor: Any, chosen: dict[str, Any]) -> dict[str, Any]:
    from cxpilot.journeys import charts
    from cxpilot.journeys.flows import dfg
    from cxpilot.journeys.log import LogFilters, event_log, interactions_source
    from cxpilot.journeys.map import journey_map
    from cxpilot.journeys.opportunities import rank

    filters = {k: chosen[k] for k in ("start", "end", "segment", "channel")}
    jmap = journey_map(actor=actor, journey=chosen["journey"], **filters)
    with interactions_source(None) as (table, in_warehouse):
        log = event_log(
            table,
            case=chosen["case"],
            filters=LogFilters(journey=chosen["journey"], **filters),
            in_warehouse=in_warehouse,
        )
        flow = dfg(log)
    nodes, edges = charts.flow_data(jmap, flow)
    ranked = rank(jmap, chosen["targets"])
    return {
        "moment_outcomes": [_moment_outcome_label(o) for o in jmap.moment_outcomes],
        "moments_missing": [
            (_moment_outcome_label(o), reason) for o, reason in jmap.moments_missing.items()
        ],
        "jmap": jmap,
        "flow": flow,
        "nodes": nodes,
        "edges": edges,
        "opportunities": ranked,
        "grid": _grid(jmap),
        "specs": {
            "map": charts.map_chart(jmap),
            "flow": charts.flow_chart(jmap, nodes, edges),
        },
        "opportunity_rows": _opportunity_rows(ranked),
        "targets": _target_rows(ranked),
    }


def _cell_texts(cell: dict[str, Any]) -> dict[str, Any]:
    from cxpilot.analytics.charts import METRIC_INFO, number
    from cxpilot.journeys.charts import percent, plain

    return {
        **cell,
        "persons_label": plain(cell["persons"]),
        "interactions_label": plain(cell["interactions"]),
        "reach_label": percent(cell["reach"]),
        "score_rows": [
            {
                "label": METRIC_INFO[s["metric"]].label,
                "score": number(s["score"], s["metric"]),
                "interval": f"{number(s['ci_low'], s['metric'])} – "
                f"{number(s['ci_high'], s['metric'])}",
                "n": plain(s["n"]),
                "small": s["small_sample"],
            }
            for s in cell["scores"]
        ],
        "sentiment_label": (
            {
                "mean": plain(cell["sentiment"]["mean_polarity"], 2),
                "negative": percent(cell["sentiment"]["negative_share"]),
                "n": plain(cell["sentiment"]["n"]),
            }
            if cell["sentiment"]
            else None
        ),
        "irritant_rows": [
            {"theme": i["theme"], "impact": number(i["impact"], "nps", signed=True)}
            for i in cell["irritants"]
        ],
        "moment_rows": [
            {
                "outcome": _moment_outcome_label(m["outcome"]),
                "effect": _effect_text(m["effect"], m["outcome"]),
                "interval": f"{plain(m['ci_low'], 1)} – {plain(m['ci_high'], 1)}",
            }
            for m in cell["moment"] or []
        ],
    }


def _effect_text(effect: float, outcome: str) -> str:
    """A moment-of-truth effect in its unit: percentage points, or NPS points for the NPS."""
    from cxpilot.journeys.charts import plain

    value = ("+" if effect > 0 else "") + plain(effect, 1)
    if outcome == "nps":
        return gettext("%(value)s NPS points") % {"value": value}
    return gettext("%(value)s pts") % {"value": value}


def _moment_outcome_label(outcome: str) -> str:
    return {
        "churn": gettext("churn"),
        "repeat": gettext("repeat purchase"),
        "nps": gettext("overall NPS"),
    }.get(outcome, outcome)


def _grid(jmap: Any) -> dict[str, Any]:
    """The map as rows of a table: one column per stage, one row per touchpoint rank."""
    depth = max([len(s["touchpoints"]) for s in jmap.stages] + [1])
    rows = []
    for i in range(depth):
        row = []
        for stage in jmap.stages:
            cells = stage["touchpoints"]
            if i < len(cells):
                row.append({"kind": "cell", "cell": _cell_texts(cells[i])})
            elif i == 0:
                row.append({"kind": "none"})
            else:
                row.append({"kind": "blank"})
        rows.append(row)
    return {"stages": jmap.stages, "rows": rows}


def _opportunity_rows(ranked: Any) -> list[dict[str, Any]]:
    from cxpilot.analytics.charts import METRIC_INFO, number
    from cxpilot.journeys.charts import percent, plain

    return [
        {
            **row,
            "reach_label": percent(row["reach"]),
            "gap_label": plain(row["gap"], 3),
            "gap_points_label": (
                gettext("%(points)s %(metric)s points")
                % {
                    "points": plain(row["gap_points"], METRIC_INFO[row["gap_metric"]].decimals),
                    "metric": METRIC_INFO[row["gap_metric"]].label,
                }
                if row["gap_metric"]
                else "—"
            ),
            "stake_label": number(row["at_stake"], "nps"),
            "effect_label": plain(row["effect"], 2),
            "effect_outcome_label": _moment_outcome_label(row["effect_outcome"])
            if row["effect_outcome"]
            else "",
            "priority_label": plain(row["priority"], 4),
        }
        for row in ranked.rows
    ]


def _target_rows(ranked: Any) -> list[dict[str, Any]]:
    from cxpilot.analytics.charts import METRIC_INFO, number

    names = {r["touchpoint"]: r["name"] for r in ranked.rows}
    return [
        {
            "metric": METRIC_INFO[metric].label,
            "value": number(goal["value"], metric),
            "source": goal["source"],
            "touchpoint": names.get(goal["touchpoint"] or "", goal["touchpoint"]),
        }
        for metric, goal in ranked.targets.items()
    ]


@require_GET
def journey_map_page(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys.charts import plain

    form = _map_form(request)
    context: dict[str, Any] = {"nav_current": "journeys:map", "form": form, "figures": None}
    if not form.default_journey:
        return render(request, "journeys/map.html", context)
    if not form.is_valid():
        return render(request, "journeys/map.html", context, status=400)
    chosen = form.chosen()
    figures = _map_figures(request, chosen)
    context.update(
        figures=figures,
        chosen=chosen,
        query=request.GET.urlencode(),
        persons_label=plain(figures["jmap"].persons),
        period_query=urlencode(
            {k: chosen[v].isoformat() for k, v in (("from", "start"), ("to", "end")) if chosen[v]}
        ),
    )
    return render(request, "journeys/map.html", context)


def _bad_export(form: JourneyMapForm) -> HttpResponse:
    problems = "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items())
    return HttpResponse(
        problems or gettext("No journey yet."), status=400, content_type="text/plain"
    )


@require_GET
def journey_map_png(request: HttpRequest, chart: str) -> HttpResponse:
    from django.http import Http404

    from cxpilot.journeys.exports import png

    form = _map_form(request)
    if chart not in ("map", "flow"):
        raise Http404
    if not form.default_journey or not form.is_valid():
        return _bad_export(form)
    chosen = form.chosen()
    figures = _map_figures(request, chosen)
    response = HttpResponse(png(figures["specs"][chart]), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(chosen)}-{chart}.png"'
    return response


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in key)[:60] or "journey"


def _export_name(chosen: dict[str, Any]) -> str:
    """``journey-<key>`` and the filters that narrow it (period, segment, channel), so that
    two exports of one journey under other filters do not take each other's name."""
    parts = [f"journey-{_safe(chosen['journey'])}"]
    if chosen.get("start") or chosen.get("end"):
        parts.append("_".join(d.isoformat() if d else "" for d in (chosen["start"], chosen["end"])))
    parts += [_safe(str(chosen[k])) for k in ("segment", "channel") if chosen.get(k)]
    return "-".join(parts)


@require_GET
def journey_map_pdf(request: HttpRequest) -> HttpResponse:
    from cxpilot.journeys.charts import plain
    from cxpilot.journeys.exports import map_pdf, png

    form = _map_form(request)
    if not form.default_journey or not form.is_valid():
        return _bad_export(form)
    chosen = form.chosen()
    figures = _map_figures(request, chosen)
    jmap = figures["jmap"]
    cells = [_cell_texts(c) for c in jmap.cells]
    map_rows = [
        [
            f"{c['stage_name']} / {c['name']}",
            c["persons_label"],
            c["interactions_label"],
            c["reach_label"],
            "; ".join(f"{s['label']} {s['score']} ({s['interval']})" for s in c["score_rows"]),
            (
                f"{c['sentiment_label']['mean']} ({c['sentiment_label']['negative']})"
                if c["sentiment_label"]
                else "—"
            ),
            "; ".join(f"{i['theme']} {i['impact']}" for i in c["irritant_rows"]) or "—",
            *(
                ["; ".join(f"{m['outcome']} {m['effect']}" for m in c["moment_rows"]) or "—"]
                if jmap.moments
                else []
            ),
        ]
        for c in cells
    ]
    empty = [s["name"] for s in jmap.stages if not s["touchpoints"]]
    opp_rows = [
        [
            f"{r['rank']}. {r['name']}",
            r["reach_label"],
            r["gap_points_label"],
            r["stake_label"],
            r["effect_label"],
            r["priority_label"],
        ]
        for r in figures["opportunity_rows"]
    ]
    period = (
        " – ".join(d.isoformat() if d else "…" for d in (chosen["start"], chosen["end"]))
        if chosen["start"] or chosen["end"]
        else gettext("all")
    )
    subtitle = gettext(
        "%(persons)s persons, %(events)s interactions. Period: %(period)s. Segment: %(segment)s. "
        "Channel: %(channel)s."
    ) % {
        "persons": plain(jmap.persons),
        "events": plain(jmap.interactions),
        "period": period,
        "segment": chosen["segment"] or gettext("all"),
        "channel": chosen["channel"] or gettext("all"),
    }
    if empty:
        subtitle += " " + gettext("Stages without a touchpoint: %s.") % ", ".join(empty)
    body = map_pdf(
        title=gettext("Journey map: %s") % jmap.name,
        subtitle=subtitle,
        charts=[
            (gettext("Journey map"), png(figures["specs"]["map"])),
            (gettext("Flow between touchpoints"), png(figures["specs"]["flow"])),
        ],
        tables=[
            (
                gettext("Journey map"),
                [
                    gettext("Stage / touchpoint"),
                    gettext("Persons"),
                    gettext("Interactions"),
                    gettext("Reach"),
                    gettext("Scores (their interval at 95 %)"),
                    gettext("Mean sentiment (negative)"),
                    gettext("Top irritants (NPS points at stake)"),
                    *([gettext("Moment of truth")] if jmap.moments else []),
                ],
                map_rows,
            ),
            (
                gettext("Priority opportunities") + " — " + str(RULE_TEXT),
                [
                    gettext("Touchpoint"),
                    gettext("Reach"),
                    gettext("Score gap to target"),
                    gettext("NPS points at stake"),
                    gettext("Moment-of-truth effect"),
                    gettext("Priority"),
                ],
                opp_rows,
            ),
        ],
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(chosen)}.pdf"'
    return response
