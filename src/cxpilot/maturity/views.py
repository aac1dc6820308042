"""Pages of the maturity domain. Thin: forms check, services write, selectors and the pure
modules compute; this module only puts labels in the active language on the numbers."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import errors, roles
from cxpilot.kernel.web import form_errors
from cxpilot.maturity import charts, exports, selectors, services
from cxpilot.maturity.catalog import LANGS, Model, actions_load, model_load, text, values_load
from cxpilot.maturity.forms import CampaignForm, InviteForm
from cxpilot.maturity.models import Campaign
from cxpilot.maturity.stats import MAX_PICKS

VIEW, ADD, CHANGE = "maturity.view_campaign", "maturity.add_campaign", "maturity.change_campaign"

#: Barrett's entropy bands, as the page names them.
BANDS = {
    "healthy": _("0–10 %: healthy"),
    "minor": _("11–20 %: minor issues"),
    "significant": _("21–30 %: significant issues"),
    "serious": _("31–40 %: serious issues"),
    "critical": _("over 40 %: critical issues"),
}


def _lang() -> str:
    return get_language() or "en"


def _level_label(model: Model, level: int | None) -> str:
    if level is None:
        return "—"
    found = next(lv for lv in model.levels if lv.level == level)
    return f"{level} · {text(found.name, _lang())}"


def _campaign_ctx(campaign: Campaign, nav: str) -> dict[str, Any]:
    return {"campaign": campaign, "nav_current": "maturity", "tab": nav}


# --- Campaigns -------------------------------------------------------------------------------


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, VIEW)
    campaigns = selectors.campaign_list(actor=request.user)
    history = selectors.level_history()
    rows = []
    for item in history:
        model = selectors.campaign_model(item["campaign"])
        rows.append(
            {
                "campaign": item["campaign"].name,
                "pk": item["campaign"].pk,
                "date": item["starts_on"].isoformat(),
                "respondents": item["respondents"],
                "score": item["overall_score"],
                "score_label": charts.score_label(item["overall_score"]),
                "level_label": _level_label(model, item["overall_level"]),
            }
        )
    return render(
        request,
        "maturity/campaign_list.html",
        {
            "campaigns": campaigns,
            "history": rows,
            "history_spec": charts.history_spec(rows) if rows else None,
            "nav_current": "maturity",
        },
    )


@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, ADD)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
        except errors.ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, gettext("“%(name)s” was created.") % {"name": campaign})
            return redirect("maturity_campaign", campaign.pk)
    return render(
        request,
        "maturity/campaign_form.html",
        {
            "form": form,
            "title": _("New maturity campaign"),
            "cancel_url": reverse("maturity_campaigns"),
            "model_name": text(model_load().name, _lang()),
            "nav_current": "maturity",
        },
    )


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    ctx = _campaign_ctx(campaign, "campaign")
    ctx["counts"] = selectors.invitation_counts(campaign)
    ctx["answered"] = sum(r["answered"] for r in ctx["counts"])
    ctx["invited"] = sum(r["invited"] for r in ctx["counts"])
    can_change = roles.may(request.user, CHANGE)
    if can_change and campaign.status == Campaign.Status.OPEN:
        ctx["invite_form"] = InviteForm()
        ctx["pending"] = [
            (
                i.department_key,
                request.build_absolute_uri(reverse("maturity_respond", args=[i.token])),
            )
            for i in selectors.invitation_links(campaign)
        ]
    return render(request, "maturity/campaign_detail.html", ctx)


@require_POST
def campaign_invite(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, CHANGE)
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    form = InviteForm(request.POST)
    links: list[tuple[str, str]] = []
    if form.is_valid():
        try:
            emails = services.parse_emails(form.cleaned_data.get("emails") or "")
            created = services.campaign_invite(
                actor=request.user,
                campaign=campaign,
                department=form.cleaned_data["department"],
                emails=emails,
                count=form.cleaned_data.get("count") or 0,
            )
        except errors.SurveyClosed:
            messages.error(request, gettext("The campaign is closed."))
            return redirect("maturity_campaign", campaign.pk)
        except errors.ValidationError as exc:
            form_errors(form, exc, field=lambda where: "count" if where == "count" else "emails")
        else:
            links = [
                (email, request.build_absolute_uri(reverse("maturity_respond", args=[i.token])))
                for email, i in created
            ]
    ctx = _campaign_ctx(campaign, "campaign")
    ctx.update({"form": form, "links": links, "department": form.cleaned_data.get("department")})
    return render(request, "maturity/invite.html", ctx, status=200 if links else 422)


@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, CHANGE)
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    services.campaign_close(actor=request.user, campaign=campaign)
    messages.success(request, gettext("The campaign is closed: it joins the level history."))
    return redirect("maturity_campaign", campaign.pk)


# --- Reports ---------------------------------------------------------------------------------


@require_GET
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    model = selectors.campaign_model(campaign)
    report = selectors.campaign_result(campaign)
    lang = _lang()
    dept_names = selectors.department_names()
    others = [c for c in selectors.campaign_list(actor=request.user) if c.pk != campaign.pk]
    asked = request.GET.get("compare", "")
    previous = next((c for c in others if str(c.pk) == asked), None)
    if previous is None and asked != "none":
        previous = selectors.previous_closed(campaign)
    compare = selectors.campaign_compare(previous, campaign) if previous else None
    change = {r["dimension"]: r["change"] for r in compare["dimensions"]} if compare else {}
    dims = []
    for d in report["dimensions"]:
        dims.append(
            {
                "key": d["dimension"],
                "label": text(model.dimension[d["dimension"]].name, lang),
                "score": d["score"],
                "score_label": charts.score_label(d["score"]),
                "level_label": _level_label(model, d["level"]),
                "gap_label": charts.score_label(d["gap"]),
                "change": change.get(d["dimension"]),
                "change_label": _signed(change.get(d["dimension"])),
                "by_department": d["by_department"],
            }
        )
    departments = [
        {
            "key": dep["department"],
            "name": dept_names.get(dep["department"], dep["department"]),
            "respondents": dep["respondents"],
            "shown": dep["shown"],
            "cells": [charts.score_label(d["by_department"].get(dep["department"])) for d in dims],
        }
        for dep in report["departments"]
    ]
    heat = [
        {
            "department": dep["name"],
            "dimension": d["label"],
            "score": d["by_department"].get(dep["key"]),
        }
        for dep in departments
        for d in dims
    ]
    ctx = _campaign_ctx(campaign, "results")
    ctx.update(
        {
            "report": report,
            "dims": dims,
            "departments": departments,
            "overall_label": charts.score_label(report["overall_score"]),
            "overall_level": _level_label(model, report["overall_level"]),
            "centricity_label": charts.score_label(report["customer_centricity"]),
            "centricity_dims": [text(model.dimension[k].name, lang) for k in model.centricity],
            "gap_label": charts.score_label(report["alignment_gap"]),
            "gap_dimension": text(model.dimension[report["alignment_gap_dimension"]].name, lang)
            if report["alignment_gap_dimension"]
            else None,
            "previous": previous,
            "others": others,
            "overall_change": _signed(compare["overall_change"]) if compare else None,
            "levels": [
                {
                    "level": lv.level,
                    "name": text(lv.name, lang),
                    "min": lv.min_score,
                    "description": text(lv.description, lang),
                }
                for lv in model.levels
            ],
            "radar_spec": charts.radar_spec(dims) if report["shown"] else None,
            "heatmap_spec": charts.heatmap_spec(heat) if report["shown"] and heat else None,
        }
    )
    return render(request, "maturity/results.html", ctx)


def _signed(value: float | None) -> str:
    if value is None:
        return "—"
    label = charts.score_label(abs(value))
    return f"+{label}" if value > 0 else f"−{label}" if value < 0 else label


@require_GET
def campaign_culture(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    report = selectors.campaign_culture(campaign)
    catalogue = values_load()
    lang = _lang()
    dept_names = selectors.department_names()

    def named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **r,
                "name": text(catalogue[r["value"]].name, lang),
                "limiting": catalogue[r["value"]].limiting,
            }
            for r in rows
        ]

    ctx = _campaign_ctx(campaign, "culture")
    ctx.update(
        {
            "report": report,
            "entropy_label": charts.score_label(report["entropy"]),
            "band": BANDS.get(report["band"] or ""),
            "bands": [(key, label, key == report["band"]) for key, label in BANDS.items()],
            "top_current": named(report["top_current"]),
            "top_desired": named(report["top_desired"]),
            "matches": named(report["matches"]),
            "jumps": named(report["jumps"]),
            "departments": [
                {
                    **d,
                    "name": dept_names.get(d["department"], d["department"]),
                    "entropy_label": charts.score_label(d["entropy"]),
                    "band": BANDS.get(d["band"] or ""),
                }
                for d in report["departments"]
            ],
        }
    )
    return render(request, "maturity/culture.html", ctx)


def _roadmap_rows(campaign: Campaign) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The roadmap rows with their labels, and the horizons with their rows."""
    model = selectors.campaign_model(campaign)
    catalogue = actions_load()
    lang = _lang()
    dept_names = selectors.department_names()
    names = {a.key: text(a.name, lang) for a in catalogue.actions}
    rows = []
    for r in selectors.campaign_roadmap(campaign):
        owner_role = text(catalogue.owners[r["owner"]], lang)
        dept = r["owner_department"]
        rows.append(
            {
                **r,
                "name": names[r["action"]],
                "dimension_label": text(model.dimension[r["dimension"]].name, lang)
                if r["dimension"] in model.dimension
                else r["dimension"],
                "score_label": charts.score_label(r["dimension_score"]),
                "owner_label": dept_names.get(dept, dept) if dept else owner_role,
                "owner_role": owner_role,
                "owner_matched": dept is not None,
                "prerequisite_names": [names[p] for p in r["prerequisites"]],
                "horizon_label": text(catalogue.horizons[r["horizon_index"]].name, lang),
            }
        )
    horizons = [
        {
            "key": h.key,
            "label": text(h.name, lang),
            "rows": [r for r in rows if r["horizon"] == h.key],
        }
        for h in catalogue.horizons
    ]
    return rows, horizons


@require_GET
def campaign_roadmap(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    rows, horizons = _roadmap_rows(campaign)
    ctx = _campaign_ctx(campaign, "roadmap")
    ctx.update(
        {"rows": rows, "horizons": horizons, "shown": selectors.campaign_result(campaign)["shown"]}
    )
    return render(request, "maturity/roadmap.html", ctx)


@require_GET
def campaign_roadmap_csv(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    rows, _ = _roadmap_rows(campaign)
    body = exports.roadmap_csv(
        [
            {
                **r,
                "horizon": r["horizon_label"],
                "owner": r["owner_label"],
                "dimension": r["dimension_label"],
                "prerequisites": " | ".join(r["prerequisite_names"]),
            }
            for r in rows
        ]
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roadmap-{campaign.pk}.csv"'
    return response


@require_GET
def campaign_roadmap_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(actor=request.user, pk=pk)
    _, horizons = _roadmap_rows(campaign)
    body = exports.roadmap_pdf(
        title=gettext("CX roadmap: %(name)s") % {"name": campaign.name},
        subtitle=gettext(
            "Quick wins first (impact 4 or 5, effort 1 or 2), prerequisites before the actions "
            "that need them. Impact and effort from 1 (low) to 5 (high)."
        ),
        headers={
            "name": gettext("Action"),
            "owner": gettext("Owner"),
            "impact": gettext("Impact"),
            "effort": gettext("Effort"),
        },
        groups=[
            (
                h["label"],
                [
                    {
                        "priority": r["priority"],
                        "name": r["name"],
                        "owner": r["owner_label"],
                        "impact": r["impact"],
                        "effort": r["effort"],
                        "quick_win": r["quick_win"],
                        "quick_win_label": gettext("quick win"),
                    }
                    for r in h["rows"]
                ],
            )
            for h in horizons
            if h["rows"]
        ],
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="roadmap-{campaign.pk}.pdf"'
    return response


# --- The respondent's page (public: the personal link is the credential) ---------------------


def _respond_lang(request: HttpRequest) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang")
    if asked in LANGS:
        return str(asked)
    return (translation.get_language_from_request(request) or "en")[:2]


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = selectors.invitation_by_token(token=token)
    except errors.NotFound as exc:
        raise Http404(exc.detail) from None
    lang = _respond_lang(request) if _respond_lang(request) in LANGS else "en"
    with translation.override(lang):
        response = _respond(request, invitation, lang)
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # the token stays on this site
    return response


def _respond(request: HttpRequest, invitation: Any, lang: str) -> HttpResponse:
    campaign = invitation.campaign
    base = {"lang": lang, "title": campaign.name, "languages": _languages(request, lang)}
    if invitation.submitted_at is not None:
        return render(request, "maturity/respond_message.html", {**base, "message": "done"})
    if campaign.status != Campaign.Status.OPEN:
        return render(
            request, "maturity/respond_message.html", {**base, "message": "closed"}, status=410
        )
    model = selectors.campaign_model(campaign)
    ratings, picks = selectors.invitation_answers(invitation)
    problems: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        ratings = {
            p: int(v) for p in model.practices if (v := request.POST.get(f"p-{p}", "")).isdigit()
        }
        picks = {
            "current": request.POST.getlist("current"),
            "desired": request.POST.getlist("desired"),
        }
        submit = "submit" in request.POST
        try:
            services.response_save(
                token=invitation.token,
                ratings=ratings,
                current=picks["current"],
                desired=picks["desired"],
                submit=submit,
            )
        except errors.ValidationError as exc:
            problems = exc.by_where() if exc.problems else {"": [str(exc)]}
            status = 422
        except errors.SurveyClosed:
            return render(request, "maturity/respond_message.html", {**base, "message": "closed"})
        else:
            if submit:
                return render(
                    request, "maturity/respond_message.html", {**base, "message": "thanks"}
                )
            url = reverse("maturity_respond", args=[invitation.token]) + f"?lang={lang}&saved=1"
            return redirect(url)
    scale = [(s.rating, text(s.name, lang)) for s in model.scale]
    dimensions = [
        {
            "key": d.key,
            "name": text(d.name, lang),
            "practices": [
                {
                    "key": p.key,
                    "question": text(p.question, lang),
                    "value": ratings.get(p.key),
                    "errors": [_translate_problem(m) for m in problems.get(p.key, [])],
                }
                for p in d.practices
            ],
        }
        for d in model.dimensions
    ]
    catalogue = values_load()
    values = sorted(
        ((v.key, text(v.name, lang)) for v in catalogue.values()), key=lambda kv: _fold(kv[1])
    )
    lenses = [
        {
            "key": lens,
            "legend": label,
            "chosen": set(picks.get(lens, [])),
            "errors": [_translate_problem(m) for m in problems.get(lens, [])],
        }
        for lens, label in (
            ("current", gettext("Which values describe how your organisation works today?")),
            ("desired", gettext("Which values would you like it to have?")),
        )
    ]
    return render(
        request,
        "maturity/respond.html",
        {
            **base,
            "dimensions": dimensions,
            "scale": scale,
            "values": values,
            "lenses": lenses,
            "max_picks": MAX_PICKS,
            "has_errors": bool(problems),
            "saved": request.GET.get("saved") == "1" and not problems,
            "answered": len(ratings),
            "total": len(model.practices),
        },
        status=status,
    )


def _fold(name: str) -> str:
    """A sort key that puts "Écoute" among the e's."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _translate_problem(message: str) -> str:
    """The service's messages, in the respondent's language."""
    if message == "Rate this practice.":
        return gettext("Rate this practice.")
    if message.startswith("Choose at most"):
        return gettext("Choose at most %(n)d values.") % {"n": MAX_PICKS}
    if message == "Choose a rating from 1 to 4.":
        return gettext("Choose a rating from 1 to 4.")
    return gettext("This answer is not valid.")


def _languages(request: HttpRequest, current: str) -> list[tuple[str, str, str]]:
    names = {"en": "English", "fr": "Français"}
    return [(code, f"?lang={code}", names[code]) for code in LANGS if code != current]
