"""Pages of the customer-value domain. Thin: forms shape the input, services write,
selectors read."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import csvcells, roles, web
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.forms import PeriodSegmentForm
from cxpilot.organisation.selectors import segment_names

VIEW_VALUE = "value.view_value"


def _name_segments(
    rows: list[dict[str, Any]], names: dict[str, str], *, into: str = "segment_name"
) -> None:
    """Give each row its segment's name (``names``: key -> name; an unknown key as it is)."""
    for row in rows:
        row[into] = names.get(row["segment"], row["segment"])


# --- customer value


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Customer equity (total, by segment, over time), the CLV distribution, the holdout
    check and the models' parameters; how to compute them when none are stored."""
    roles.require(request.user, VIEW_VALUE)
    from cxpilot.value import charts, selectors
    from cxpilot.warehouse.connection import warehouse

    context: dict[str, Any] = {"nav_current": "dashboard", "found": None}
    try:
        with warehouse() as con:
            found = selectors.value_dashboard(con)
    except ValidationError:
        return render(request, "value/dashboard.html", context)
    model = found["model"]
    holdout = model.get("holdout") or {}
    names = segment_names()
    specs = {
        "equity": charts.equity_bars(found["segments"], names),
        "history": charts.equity_lines(found["history"], names),
        "clv": charts.clv_histogram(found["bins"]),
    }
    if holdout.get("weekly"):
        specs["holdout"] = charts.holdout_lines(holdout["weekly"], holdout["calibration_end"])
    history = [
        dict(e, label=charts.segment_label(e["segment"], names)) for e in reversed(found["history"])
    ]
    context.update(_dashboard_matrix(), **_dashboard_profit(request.user))
    if context.get("matrix_spec"):
        specs["value_risk"] = context.pop("matrix_spec")
    if context.get("profit_spec"):
        specs["profit"] = context.pop("profit_spec")
    context.update(
        found=found,
        model=model,
        holdout=holdout,
        specs=specs,
        segments=[
            dict(s, label=charts.segment_label(s["segment"], names)) for s in found["segments"]
        ],
        history=history,
        edge=model["gamma_gamma"]["p"] > selectors.EDGE_P,
    )
    return render(request, "value/dashboard.html", context)


def _dashboard_matrix() -> dict[str, Any]:
    """The value × risk matrix of every customer, for the value page (empty when it cannot
    be read)."""
    from cxpilot.value import segments
    from cxpilot.warehouse.connection import warehouse

    try:
        with warehouse() as con:
            matrix = segments.value_risk_matrix(con)
    except ValidationError:
        return {}
    labels = dict(TIER_CHOICES)
    rows = [
        {**r, "value_label": labels[r["value"]], "risk_label": labels[r["risk"]]}
        for r in matrix.rows()
    ]
    return {"matrix": matrix, "number_rows": rows, "matrix_spec": segments.matrix_spec(matrix)}


def _dashboard_profit(actor: Any) -> dict[str, Any]:
    """The profitability totals and the distribution of profit per customer over all the
    data, for the value page (empty when it cannot be read)."""
    from cxpilot.value import profit_charts
    from cxpilot.value.profitability import profitability

    try:
        found = profitability(actor=actor, views=("totals", "histogram"))
    except ValidationError:
        return {}
    out: dict[str, Any] = {"result": found}
    if found.histogram:
        out["profit_spec"] = profit_charts.histogram_chart(found.histogram)
    return out


# --- profitability ---------------------------------------------------------------------------


@require_GET
def profitability_page(request: HttpRequest) -> HttpResponse:
    """Margin minus cost to serve per customer, segment and touchpoint; who loses money, and
    which costs make them lose it."""
    from cxpilot.value import profit_charts
    from cxpilot.value.costing import VIEW as VIEW_RULES
    from cxpilot.value.profitability import profitability

    roles.require(request.user, VIEW_VALUE)
    form = PeriodSegmentForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "result": None,
        "problem": "",
        "may_see_rules": roles.may(request.user, VIEW_RULES),
    }
    if not form.is_valid():
        return render(request, "value/profitability.html", context, status=400)
    values = form.cleaned_data
    try:
        found = profitability(
            actor=request.user,
            start=values["from"],
            end=values["to"],
            segment=values["segment"] or None,
        )
    except ValidationError as exc:
        context["problem"] = exc.detail
    else:
        from cxpilot.organisation.models import Touchpoint

        names = dict(Touchpoint.objects.values_list("key", "name"))
        for row in found.touchpoints + found.why_touchpoints:
            row["name"] = names.get(row["touchpoint"], row["touchpoint"])
        _name_segments(found.segments, segment_names(), into="name")
        context["result"] = found
        if found.histogram:
            context["histogram_chart"] = profit_charts.histogram_chart(found.histogram)
        if found.segments:
            context["segment_chart"] = profit_charts.segment_chart(found.segments)
    return render(request, "value/profitability.html", context)


class CostRuleForm(forms.Form):
    type = forms.CharField(
        label=_("Interaction type"),
        required=False,
        max_length=60,
        help_text=_("Empty: any type."),
    )
    channel = forms.CharField(
        label=_("Channel"), required=False, max_length=60, help_text=_("Empty: any channel.")
    )
    cost = forms.CharField(label=_("Cost per interaction"), max_length=40)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


def _save_rule(request: HttpRequest, form: CostRuleForm, rule: Any) -> bool:
    """Save the form's rule through the service; its errors go to the field they name."""
    from cxpilot.value.costing import cost_rule_save

    if not form.is_valid():
        return False
    try:
        saved, created = cost_rule_save(actor=request.user, rule=rule, **form.cleaned_data)
    except ValidationError as exc:
        field = exc.where if exc.where in form.fields else None
        form.add_error(field, exc.detail)
        return False
    text = gettext("The rule was added.") if created else gettext("The rule was saved.")
    messages.success(request, text)
    from cxpilot.value.costing import cost_rule_unseen

    for kind in cost_rule_unseen(type=saved.type, channel=saved.channel):
        if kind == "type":
            unseen = gettext(
                "No interaction in the warehouse has the type “%(name)s”: the rule costs "
                "nothing until such interactions are imported."
            ) % {"name": saved.type}
        else:
            unseen = gettext(
                "No interaction in the warehouse has the channel “%(name)s”: the rule costs "
                "nothing until such interactions are imported."
            ) % {"name": saved.channel}
        messages.warning(request, unseen)
    return True


@require_http_methods(["GET", "POST"])
def cost_rule_list(request: HttpRequest) -> HttpResponse:
    """The cost rules, and a form to add one (or replace the rule of the same type and
    channel)."""
    from cxpilot.value import costing

    rules = costing.cost_rule_list(actor=request.user)
    may = {
        verb: roles.may(request.user, perm)
        for verb, perm in (
            ("add", costing.ADD),
            ("change", costing.CHANGE),
            ("delete", costing.DELETE),
        )
    }
    form = CostRuleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        roles.require(request.user, costing.ADD)
        if _save_rule(request, form, None):
            return redirect("value:cost_rule_list")
        status = 400
    return render(
        request,
        "value/cost_rules.html",
        {"rules": rules, "may": may, "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def cost_rule_update(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import costing

    rule = costing.cost_rule_get(actor=request.user, pk=pk)
    roles.require(request.user, costing.CHANGE)
    initial = {"type": rule.type, "channel": rule.channel, "cost": rule.cost, "note": rule.note}
    form = CostRuleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if _save_rule(request, form, rule):
            return redirect("value:cost_rule_list")
        status = 400
    return render(request, "value/cost_rule_form.html", {"form": form, "rule": rule}, status=status)


@require_http_methods(["GET", "POST"])
def cost_rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import costing

    rule = costing.cost_rule_get(actor=request.user, pk=pk)
    roles.require(request.user, costing.DELETE)
    if request.method == "POST":
        costing.cost_rule_delete(actor=request.user, rule=rule)
        messages.success(request, gettext("The rule was deleted."))
        return redirect("value:cost_rule_list")
    return render(request, "value/cost_rule_delete.html", {"rule": rule})


# --- the customer advocate: decisions and their impact


@require_GET
def decision_list(request: HttpRequest) -> HttpResponse:
    from cxpilot.value import decisions
    from cxpilot.value.models import DecisionStatus

    status = request.GET.get("status") or ""
    if status not in DecisionStatus.values:
        status = ""
    found = decisions.decision_list(actor=request.user, status=status or None)
    return render(
        request,
        "value/decision_list.html",
        {
            "nav_current": "decisions",
            "decisions": found,
            "statuses": DecisionStatus.choices,
            "status": status,
            "may_add": roles.may(request.user, decisions.ADD),
        },
    )


def _decision_form(request: HttpRequest, decision: Any) -> HttpResponse:
    from cxpilot.value import decisions
    from cxpilot.value.forms import DecisionForm

    initial: dict[str, Any] = {"status": "proposed", "owner": request.user.pk}
    if decision is not None:
        initial = {
            name: getattr(decision, name)
            for name in (
                "title", "description", "segments", "touchpoints", "channels", "stages",
                "churn_low", "churn_high", "nps_low", "nps_high", "status", "decision_date",
            )
        }  # fmt: skip
        initial["owner"] = decision.owner_id
    form = DecisionForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            where = {"churn": "churn_low", "nps": "nps_low"}
            try:
                saved = decisions.decision_save(
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    scope={k: data[k] for k in ("segments", "touchpoints", "channels", "stages")},
                    churn=(data["churn_low"], data["churn_high"]),
                    nps=(data["nps_low"], data["nps_high"]),
                    status=data["status"],
                    owner=data["owner"],
                    decision_date=data["decision_date"],
                    decision=decision,
                )
            except ValidationError as exc:
                web.form_errors(form, exc, lambda w: where.get(w, w))
            else:
                messages.success(request, gettext("“%(name)s” was saved.") % {"name": saved.title})
                if saved.assessment is None:
                    _assess(request, saved)
                return redirect("value:decision_detail", pk=saved.pk)
    if decision is None:
        title, cancel = gettext("New decision"), reverse("value:decisions")
    else:
        title = gettext("Edit decision")
        cancel = reverse("value:decision_detail", args=[decision.pk])
    return render(
        request,
        "value/decision_form.html",
        {"form": form, "title": title, "cancel_url": cancel},
        status=status,
    )


def _assess(request: HttpRequest, decision: Any) -> None:
    from cxpilot.value import decisions

    try:
        decisions.decision_assess(actor=request.user, decision=decision)
    except ValidationError as exc:
        messages.error(request, gettext("Not assessed: %(reason)s") % {"reason": str(exc)})


@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest) -> HttpResponse:
    from cxpilot.value import decisions

    roles.require(request.user, decisions.ADD)
    return _decision_form(request, None)


@require_http_methods(["GET", "POST"])
def decision_update(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions

    decision = decisions.decision_get(actor=request.user, pk=pk)
    roles.require(request.user, decisions.CHANGE)
    return _decision_form(request, decision)


@require_POST
def decision_reassess(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions

    decision = decisions.decision_get(actor=request.user, pk=pk)
    roles.require(request.user, decisions.CHANGE)
    _assess(request, decision)
    return redirect("value:decision_detail", pk=decision.pk)


def _names() -> dict[str, dict[str, str]]:
    from cxpilot.value.impact import KINDS, known_keys

    return {kind: known_keys(kind) for kind in KINDS}


def _moment(text: Any) -> dt.datetime | None:
    """An ISO 8601 time kept in an assessment as an aware datetime (None if none)."""
    try:
        found = dt.datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    if found is not None and timezone.is_naive(found):
        found = timezone.make_aware(found, dt.UTC)
    return found


def _data_moment(text: Any) -> dt.datetime | None:
    """The data's last time kept in an assessment: a time of the data, shown as it is."""
    try:
        return dt.datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _local(moment: dt.datetime | None) -> str:
    """``moment`` in the configured time zone, as the locale writes it, with the zone."""
    if moment is None:
        return "—"
    return f"{formats.date_format(timezone.localtime(moment), 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"


def _page(decision: Any) -> dict[str, Any]:
    """What the impact page and its PDF show: the scope with names, and the kept
    assessment."""
    names = _names()
    scope = [
        (kind, [(k, names[kind].get(k, k)) for k in getattr(decision, kind) or []])
        for kind in ("segments", "touchpoints", "channels", "stages")
    ]
    labels = {
        "segments": gettext("Segments"),
        "touchpoints": gettext("Touchpoints"),
        "channels": gettext("Channels"),
        "stages": gettext("Journey stages"),
    }
    a = decision.assessment or {}
    return {
        "scope": [(labels[kind], keys) for kind, keys in scope if keys],
        "a": decision.assessment,
        # the times are kept in UTC (ISO 8601); the page shows them in the time zone
        "assessed_at": _moment(a.get("computed_at")),
        "data_end": _data_moment(a.get("data_end")),
        "cases": [
            {**c, "due": _moment(c.get("due_at"))}
            for c in (a.get("open_cases") or {}).get("rows") or []
        ],
        "outcomes": {
            "churn": gettext("Churn"),
            "repeat": gettext("Repeat purchase"),
            "nps": gettext("Relationship NPS"),
        },
    }


@require_GET
def decision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions

    decision = decisions.decision_get(actor=request.user, pk=pk)
    return render(
        request,
        "value/decision_detail.html",
        {
            "nav_current": "decisions",
            "decision": decision,
            "may_change": roles.may(request.user, decisions.CHANGE),
            "settled": decision.status in decisions.SETTLED,
            **_page(decision),
        },
    )


def _range(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        low, high = value.get("low"), value.get("high")
        if low == high:
            return f"{low:,.{digits}f}"
        return f"{low:,.{digits}f} – {high:,.{digits}f}"
    return f"{value:,.{digits}f}"


@require_GET
def decision_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from cxpilot.value import decisions
    from cxpilot.value.exports import tables_pdf

    decision = decisions.decision_get(actor=request.user, pk=pk)
    page = _page(decision)
    a = page["a"]
    scope = "; ".join(f"{label}: {', '.join(k for k, _n in keys)}" for label, keys in page["scope"])
    subtitle = f"{decision.get_status_display()} · {scope}"
    tables: list[tuple[str, list[str], list[list[str]]]] = []
    if a:
        used = a["assumption"]["churn_uplift_used"]
        nps = a["nps"]
        rows = [
            [gettext("Customers touched"), formats.number_format(a["customers"], 0, True, True)],
            [gettext("Revenue of the last 12 months"), _range(a["revenue_12m"])],
            [gettext("Lifetime value (CLV)"), _range(a["clv"])],
            [gettext("Churn uplift assumed (points)"), _range(used)],
            [gettext("NPS change assumed (points)"), _range(a["assumption"]["nps_change"], 1)],
            [gettext("Customers expected lost"), _range(a["customers_lost"], 1)],
            [gettext("Revenue at risk"), _range(a["revenue_at_risk"])],
            [gettext("CLV at risk"), _range(a["clv_at_risk"])],
            [
                gettext("NPS of the touched"),
                "—"
                if nps["score"] is None
                else f"{nps['score']} ({nps['ci_low']} – {nps['ci_high']}, n = {nps['n']})",
            ],
            [gettext("Open cases"), str(a["open_cases"]["count"])],
            [gettext("Assessed at"), _local(page["assessed_at"])],
            [
                gettext("Data up to"),
                "—"
                if page["data_end"] is None
                else formats.date_format(page["data_end"], "DATETIME_FORMAT"),
            ],
        ]
        tables.append(
            (gettext("What it puts at risk"), [gettext("Figure"), gettext("Value")], rows)
        )
        seen = a["evidence"]["churn_observed"]
        tables.append(
            (
                gettext("Observed churn (no purchase in the last %(days)s days)")
                % {"days": seen["window_days"]},
                [
                    gettext("Customers"),
                    gettext("n"),
                    gettext("Churned (%)"),
                    gettext("95% interval"),
                ],
                [
                    [
                        label,
                        str(s["n"]),
                        "—" if s["rate"] is None else str(s["rate"]),
                        "—" if s["rate"] is None else f"{s['ci_low']} – {s['ci_high']}",
                    ]
                    for label, s in (
                        (gettext("Touched"), seen["touched"]),
                        (gettext("Others"), seen["others"]),
                    )
                ],
            )
        )
        if a["evidence"]["touchpoints"]:
            tables.append(
                (
                    gettext("After a poor answer at the touchpoints in scope"),
                    [
                        gettext("Touchpoint"),
                        gettext("Outcome"),
                        gettext("Effect"),
                        gettext("95% interval"),
                        gettext("Moment of truth"),
                    ],  # fmt: skip
                    [
                        [
                            r["touchpoint_name"],
                            page["outcomes"].get(r["outcome"], r["outcome"]),
                            f"{r['effect']} {r['unit']}",
                            f"{r['ci_low']} – {r['ci_high']}",
                            gettext("yes") if r["moment"] else "",
                        ]
                        for r in a["evidence"]["touchpoints"]
                    ],
                )
            )
        if a["notes"]:
            tables.append((gettext("Notes"), [gettext("Note")], [[n] for n in a["notes"]]))
    paragraphs = [decision.description] if decision.description else []
    if not a:
        paragraphs.append(gettext("Not assessed yet."))
    body = tables_pdf(title=decision.title, subtitle=subtitle, paragraphs=paragraphs, tables=tables)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="decision-{decision.pk}.pdf"'
    return response


# --- churn risk


def _churn_csv(rows: list[dict[str, Any]], has_clv: bool, has_cases: bool) -> HttpResponse:
    import io

    from cxpilot.kernel import csvcells

    out = io.StringIO()
    writer = csvcells.writer(out)
    header = ["customer", "risk", "segment"]
    header += ["clv"] if has_clv else []
    header += ["nps_last"]
    header += ["open_cases"] if has_cases else []
    header += ["reason_1", "reason_2", "reason_3"]
    writer.writerow(header)
    for row in rows:
        cells: list[Any] = [row["customer"], f"{row['risk']:.4f}", row["segment"] or ""]
        if has_clv:
            cells.append("" if row["clv"] is None else f"{row['clv']:.2f}")
        cells.append("" if row["nps_last"] is None else row["nps_last"])
        if has_cases:
            cells.append(row["open_cases"])
        words = [r["words"] for r in row["reasons"]]
        cells += (words + ["", "", ""])[:3]
        writer.writerow(cells)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="churn-risk.csv"'
    return response


@require_GET
def churn_page(request: HttpRequest) -> HttpResponse:
    """The persons ranked by churn risk, with their top reasons; the model's AUC and
    calibration curve."""
    from cxpilot.value.churn import calibration_chart, churn_risk_list

    roles.require(request.user, VIEW_VALUE)
    segment = request.GET.get("segment", "").strip() or None
    export = request.GET.get("format") == "csv"
    context: dict[str, Any] = {"result": None, "problem": "", "segment": segment or ""}
    try:
        found = churn_risk_list(actor=request.user, segment=segment, limit=None if export else 200)
    except ValidationError as exc:
        context["problem"] = exc.detail
        return render(request, "value/churn.html", context, status=400 if segment else 200)
    if export:
        return _churn_csv(found.rows, found.has_clv, found.has_cases)
    calibration = found.model.get("calibration") or []
    names = segment_names()
    _name_segments(found.rows, names)
    context.update(
        {
            "result": found,
            "segment_options": [(s, names.get(s, s)) for s in found.segments],
            "model": found.model,
            "calibration": calibration,
            "chart": calibration_chart(calibration) if calibration else None,
            "has_customer_page": roles.may(request.user, "customer360.view_customer"),
        }
    )
    return render(request, "value/churn.html", context)


# --- value × risk segments

OPEN_CASES = "loop.change_followupcase"
#: Customers on a page of a cell's list.
SEGMENT_PAGE = 50
TIER_CHOICES = [
    ("high", gettext_lazy("high")),
    ("medium", gettext_lazy("medium")),
    ("low", gettext_lazy("low")),
]
SORT_CHOICES = [
    ("-clv", gettext_lazy("Highest CLV first")),
    ("clv", gettext_lazy("Lowest CLV first")),
    ("-risk", gettext_lazy("Highest risk first")),
    ("risk", gettext_lazy("Lowest risk first")),
]


class SegmentsForm(forms.Form):
    """The page's filter and the cell it lists (a GET form; every field optional)."""

    segment = forms.CharField(label=gettext_lazy("Segment"), required=False, max_length=200)
    value = forms.ChoiceField(label=gettext_lazy("Value"), required=False, choices=TIER_CHOICES)
    risk = forms.ChoiceField(label=gettext_lazy("Risk"), required=False, choices=TIER_CHOICES)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=SORT_CHOICES)
    page = web.PageField()

    def cell(self) -> dict[str, Any]:
        """The segment, the cell and the sort chosen (high value at high risk by default)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "segment": data.get("segment") or None,
            "value": data.get("value") or "high",
            "risk": data.get("risk") or "high",
            "sort": data.get("sort") or "-clv",
        }


class SegmentCasesForm(forms.Form):
    segment = forms.CharField(required=False, max_length=200)
    value = forms.ChoiceField(choices=TIER_CHOICES)
    risk = forms.ChoiceField(choices=TIER_CHOICES)
    reason = forms.CharField(
        max_length=200,
        error_messages={
            "required": gettext_lazy("Reason: say why these customers are followed up."),
            "max_length": gettext_lazy("Reason: at most %(limit_value)d characters."),
        },
    )
    customers = forms.MultipleChoiceField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the customers checked are checked against the cell by the service
        self.fields["customers"].valid_value = lambda value: len(str(value)) <= 200  # type: ignore[attr-defined]


@require_GET
def segments_page(request: HttpRequest) -> HttpResponse:
    """The value × risk matrix, the customers of one cell, its export and its cases."""
    from cxpilot.value import segments
    from cxpilot.warehouse.connection import warehouse

    roles.require(request.user, VIEW_VALUE)
    form = SegmentsForm(request.GET or None)
    context: dict[str, Any] = {
        "nav_current": "segments",
        "form": form,
        "matrix": None,
        "problem": "",
        "may_open": roles.may(request.user, OPEN_CASES),
        "default_reason": "",
    }
    if form.is_bound and not form.is_valid():
        return render(request, "value/segments.html", context, status=400)
    chosen = form.cell()
    context["default_reason"] = segments.default_reason(chosen["value"], chosen["risk"])
    page = (form.cleaned_data.get("page") if form.is_bound else None) or 1
    try:
        with warehouse() as con:
            matrix = segments.value_risk_matrix(con, segment=chosen["segment"])
            cell = matrix.cell(chosen["value"], chosen["risk"])
            page = min(page, max(1, -(-cell.customers // SEGMENT_PAGE)))  # past the end: the last
            listed = segments.cell_customers(
                con,
                value=chosen["value"],
                risk=chosen["risk"],
                segment=chosen["segment"],
                sort=chosen["sort"],
                offset=(page - 1) * SEGMENT_PAGE,
                limit=SEGMENT_PAGE,
            )
    except ValidationError as exc:
        # no customer values yet: the page says which command writes them
        context["problem"] = exc.detail
        context["missing"] = exc.where == "customer_value"
        return render(
            request, "value/segments.html", context, status=200 if context["missing"] else 400
        )
    labels = dict(TIER_CHOICES)
    most = max((c.clv_at_risk for c in matrix.cells), default=0.0)
    grid = [
        {
            "label": labels[value],
            "cells": [
                {
                    "cell": c,
                    # the shade: the cell's CLV at risk against the largest (0.05 to 0.45)
                    "alpha": f"{0.05 + 0.4 * (c.clv_at_risk / most if most > 0 else 0):.2f}",
                    "chosen": (c.value, c.risk) == (chosen["value"], chosen["risk"]),
                }
                for c in matrix.cells
                if c.value == value
            ],
        }
        for value in segments.TIERS
    ]
    numbers = [
        {**r, "value_label": labels[r["value"]], "risk_label": labels[r["risk"]]}
        for r in matrix.rows()
    ]
    start = (page - 1) * SEGMENT_PAGE
    names = segment_names()
    _name_segments(listed.rows, names)
    context.update(
        matrix=matrix,
        segment_options=[(s, names.get(s, s)) for s in matrix.segments],
        spec=segments.matrix_spec(matrix),
        chosen=chosen,
        cell=cell,
        cell_value=labels[chosen["value"]],
        cell_risk=labels[chosen["risk"]],
        tiers=TIER_CHOICES,
        sorts=SORT_CHOICES,
        grid=grid,
        number_rows=numbers,
        listed=listed,
        page=page,
        pages=max(1, -(-listed.total // SEGMENT_PAGE)),
        first=start + 1,
        last=start + len(listed.rows),
        query_string=urlencode({k: v for k, v in chosen.items() if v}),
    )
    return render(request, "value/segments.html", context)


@require_GET
def segments_export(request: HttpRequest) -> HttpResponse:
    """Every customer of one cell as CSV (cells a spreadsheet cannot run)."""
    from cxpilot.value import segments
    from cxpilot.warehouse.connection import warehouse

    roles.require(request.user, VIEW_VALUE)
    form = SegmentsForm(request.GET or None)
    if not form.is_valid():
        return HttpResponse(gettext("Bad filter."), status=400, content_type="text/plain")
    chosen = form.cell()
    try:
        with warehouse() as con:
            listed = segments.cell_customers(con, limit=None, **chosen)
    except ValidationError as exc:
        return HttpResponse(exc.detail, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"customers-{chosen['value']}-value-{chosen['risk']}-risk.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csvcells.writer(response)
    writer.writerow(segments.LIST_COLUMNS)
    money = {"clv", "clv_low", "clv_high", "revenue_12m"}  # to the cent, without float noise
    for row in listed.rows:
        writer.writerow(
            [
                "" if row[c] is None else round(float(row[c]), 2) if c in money else row[c]
                for c in segments.LIST_COLUMNS
            ]
        )
    return response


@require_POST
def segments_cases(request: HttpRequest) -> HttpResponse:
    """Open a retention case for every customer of the cell, or the checked ones."""
    from cxpilot.value import segments

    roles.require(request.user, VIEW_VALUE)
    roles.require(request.user, OPEN_CASES)
    form = SegmentCasesForm(request.POST)
    back = reverse("value:segments")
    if not form.is_valid():
        if "value" in form.errors or "risk" in form.errors:
            messages.error(request, gettext("Choose a cell of the matrix."))
            return redirect(back)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        query = {k: form.data.get(k, "") for k in ("segment", "value", "risk")}
        return redirect(f"{back}?{urlencode({k: v for k, v in query.items() if v})}")
    data = form.cleaned_data
    query = {"value": data["value"], "risk": data["risk"]}
    if data["segment"]:
        query["segment"] = data["segment"]
    back = f"{back}?{urlencode(query)}"
    try:
        done = segments.segment_cases_open(
            actor=request.user,
            value=data["value"],
            risk=data["risk"],
            segment=data["segment"] or None,
            reason=data["reason"],
            customers=data["customers"] or None,
        )
    except ValidationError as exc:
        messages.error(request, exc.detail)
        return redirect(back)
    cases_url = reverse("case_list") + "?kind=retention&status=open"
    text = gettext(
        "%(opened)s follow-up case(s) opened for %(customers)s customer(s) "
        "(%(already)s already had one open)."
    ) % {
        "opened": done.opened,
        "customers": done.customers,
        "already": done.as_dict()["already_open"],
    }
    if done.without_record:
        text += " " + gettext("%(n)s customer(s) have no customer record to open a case on.") % {
            "n": len(done.without_record)
        }
    messages.success(
        request,
        format_html('{} <a href="{}">{}</a>', text, cases_url, gettext("See the retention cases")),
    )
    return redirect(back)
