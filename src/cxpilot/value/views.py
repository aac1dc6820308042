"""Pages of the customer-value domain. Thin: forms shape the input, services write,
selectors read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.forms import PeriodSegmentForm

VIEW_VALUE = "value.view_value"


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
    specs = {
        "equity": charts.equity_bars(found["segments"]),
        "history": charts.equity_lines(found["history"]),
        "clv": charts.clv_histogram(found["bins"]),
    }
    if holdout.get("weekly"):
        specs["holdout"] = charts.holdout_lines(holdout["weekly"], holdout["calibration_end"])
    history = [
        dict(e, label=charts.segment_label(e["segment"])) for e in reversed(found["history"])
    ]
    context.update(
        found=found,
        model=model,
        holdout=holdout,
        specs=specs,
        segments=[dict(s, label=charts.segment_label(s["segment"])) for s in found["segments"]],
        history=history,
        edge=model["gamma_gamma"]["p"] > selectors.EDGE_P,
    )
    return render(request, "value/dashboard.html", context)


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
