"""Pages of the survey domain.

- The CX lead's pages under ``/voc/surveys/``: list, detail (links, widget tag, public key),
  editor, delete, key rotation and the global fatigue setting.
- The respondent's pages under ``/s/<key>/``: the hosted survey (a plain HTML form that works
  without JavaScript; follow-up questions come as a next step, or appear in place when
  JavaScript runs), its thank-you page, and the widget script.

Thin: forms check, services write, selectors read.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxpilot.kernel import errors
from cxpilot.kernel.ratelimit import client_address
from cxpilot.kernel.web import form_errors
from cxpilot.surveys import fatigue, selectors, services
from cxpilot.surveys.forms import (
    AnswerForm,
    QuestionFormSet,
    SurveyForm,
    SurveySettingsForm,
    definition_from_forms,
    initial_from_definition,
    place_problems,
)
from cxpilot.surveys.models import Survey

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]

LANGS = services.LANGUAGES
_CARRY_SALT = "cxpilot.voc.survey-step"
_CARRY_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


# --- The CX lead's pages -------------------------------------------------------------------


@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = selectors.survey_list(actor=request.user)
    return render(
        request,
        "surveys/survey_list.html",
        {
            "surveys": surveys,
            "can_edit": selectors.can_edit(actor=request.user),
            "settings": selectors.survey_settings(),
        },
    )


@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(actor=request.user, pk=pk)
    hosted = request.build_absolute_uri(reverse("survey_page", args=[survey.key]))
    widget = request.build_absolute_uri(reverse("survey_widget", args=[survey.key]))
    api = request.build_absolute_uri(reverse("api:survey_response_create"))
    example = {"answers": {q.key: _example(q.kind) for q in list(survey.questions.all())[:2]}}
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "facts": selectors.survey_facts(survey),
            "can_edit": selectors.can_edit(actor=request.user),
            "hosted_url": hosted,
            "widget_url": widget,
            "api_url": api,
            "api_example": json.dumps(example, ensure_ascii=False),
            "answers": selectors.survey_latest_answers(actor=request.user, survey=survey),
        },
    )


def _example(kind: str) -> Any:
    return {"nps": 9, "ces": 6, "csat": 4, "text": "…", "multiple": ["…"]}.get(kind, "…")


def _editor(
    request: HttpRequest, *, survey: Survey | None, title: str | Promise, cancel_url: str
) -> HttpResponse:
    services.require_editor(request.user)
    initial: dict[str, Any] = {}
    questions: list[dict[str, Any]] = []
    if survey is not None:
        initial, questions = initial_from_definition(selectors.survey_definition(survey))
    data = request.POST if request.method == "POST" else None
    form = SurveyForm(data, initial=initial, editing=survey is not None)
    formset = QuestionFormSet(data, initial=questions or None, prefix="questions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        definition, question_forms = definition_from_forms(form, formset)
        try:
            if survey is None:
                saved = services.survey_create(actor=request.user, definition=definition)
            else:
                saved = services.survey_update(
                    actor=request.user, survey=survey, definition=definition
                )
        except errors.ValidationError as exc:
            place_problems(exc, form, question_forms)
        else:
            text = (
                gettext("“%(name)s” was created.")
                if survey is None
                else gettext("“%(name)s” was saved.")
            )
            messages.success(request, text % {"name": saved.name()})
            return redirect("survey_detail", pk=saved.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "formset": formset, "title": title, "cancel_url": cancel_url},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, survey=None, title=_("New survey"), cancel_url=reverse("survey_list"))


@require_http_methods(["GET", "POST"])
def survey_update(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(actor=request.user, pk=pk)
    return _editor(
        request,
        survey=survey,
        title=_("Edit survey"),
        cancel_url=reverse("survey_detail", args=[pk]),
    )


@require_http_methods(["GET", "POST"])
def survey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(actor=request.user, pk=pk)
    services.require_editor(request.user)
    if request.method == "POST":
        services.survey_delete(actor=request.user, survey=survey)
        messages.success(request, gettext("“%(name)s” was deleted.") % {"name": survey.name()})
        return redirect("survey_list")
    return render(
        request,
        "organisation/confirm_delete.html",
        {
            "object": survey,
            "verbose_name": Survey._meta.verbose_name,
            "cancel_url": reverse("survey_detail", args=[pk]),
            "consequences": gettext(
                "The answers already collected stay in the warehouse; its page, widget and "
                "key stop working."
            ),
        },
    )


@require_POST
def survey_key_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(actor=request.user, pk=pk)
    services.survey_key_rotate(actor=request.user, survey=survey)
    messages.success(
        request, gettext("The survey has a new public key; the old one no longer works.")
    )
    return redirect("survey_detail", pk=pk)


@require_http_methods(["GET", "POST"])
def survey_settings(request: HttpRequest) -> HttpResponse:
    services.require_editor(request.user)
    current = selectors.survey_settings()
    form = SurveySettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"recontact_days": current.recontact_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_settings_update(
                actor=request.user, recontact_days=form.cleaned_data["recontact_days"]
            )
        except errors.ValidationError as exc:
            place_problems(exc, form, [])
        else:
            messages.success(request, gettext("The survey settings were saved."))
            return redirect("survey_list")
    return render(
        request,
        "organisation/form.html",
        {"form": form, "title": _("Survey settings"), "cancel_url": reverse("survey_list")},
    )


# --- The respondent's pages ----------------------------------------------------------------


def _client_ip(request: HttpRequest) -> str:
    return client_address(request.META)


def _clean_customer(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > services.MAX_CUSTOMER_ID or any(ord(ch) < 32 for ch in value):
        return ""
    return value


def _language(request: HttpRequest, survey: Survey) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang")
    if asked in LANGS:
        return str(asked)
    if request.headers.get("Accept-Language"):
        code = translation.get_language_from_request(request)[:2]
        if code in LANGS:
            return code
    return survey.default_language


def _touchpoint(survey: Survey, value: str | None) -> str:
    """The survey touchpoint named by ``t``; an unknown one falls back to the default (a
    respondent cannot fix a link), and a survey left without touchpoints gives ''."""
    for candidate in (value, None):
        try:
            return services.resolve_touchpoint(survey, candidate)
        except errors.ValidationError:
            continue
    return ""


class _Respondent:
    """Who answers, in which language, at which touchpoint, with which submission token."""

    def __init__(self, request: HttpRequest, survey: Survey) -> None:
        source = request.POST if request.method == "POST" else request.GET
        self.language = _language(request, survey)
        self.customer = _clean_customer(source.get("c"))
        self.touchpoint = _touchpoint(survey, source.get("t"))
        token = str(request.POST.get("token", ""))
        self.token = token if _TOKEN.match(token) else uuid.uuid4().hex
        # a test answer (the survey's preview): only from someone who may edit surveys; kept
        # out of every figure and opens no case
        self.test = source.get("test") == "1" and services.can_edit(request.user)

    def hidden(self) -> dict[str, str]:
        fields = {
            "lang": self.language,
            "c": self.customer,
            "t": self.touchpoint,
            "token": self.token,
        }
        return {**fields, "test": "1"} if self.test else fields


def _public(view: Callable[[HttpRequest, Survey, _Respondent], HttpResponse]) -> View[[str]]:
    """Find the survey, settle the respondent's language and render in it."""

    @wraps(view)
    def wrapped(request: HttpRequest, key: str) -> HttpResponse:
        try:
            survey = selectors.survey_public(key=key)
        except errors.NotFound as exc:
            raise Http404(exc.detail) from None
        respondent = _Respondent(request, survey)
        with translation.override(respondent.language):
            response = view(request, survey, respondent)
        response["Content-Language"] = respondent.language
        return response

    return wrapped


def _message(
    request: HttpRequest,
    survey: Survey,
    respondent: _Respondent,
    *,
    kind: str,
    status: int = 200,
) -> HttpResponse:
    lang = respondent.language
    texts = {
        "thanks": (
            gettext("Thank you!"),
            survey.text("thanks", lang) or gettext("Thank you for your answer."),
        ),
        "recent": (
            gettext("You have already answered"),
            gettext(
                "Thank you: you answered this survey recently, so we will not ask you again "
                "for now."
            ),
        ),
        "closed": (
            gettext("This survey is closed"),
            gettext("This survey no longer takes answers. Thank you for your interest."),
        ),
        "busy": (
            gettext("Please try again in a minute"),
            gettext("We received many answers from your network just now. Please try again."),
        ),
    }
    heading, text = texts[kind]
    return render(
        request,
        "surveys/survey_message.html",
        {
            "survey": survey,
            "lang": lang,
            "title": survey.name(lang),
            "heading": heading,
            "text": text,
            "kind": kind,
        },
        status=status,
    )


def _step_page(
    request: HttpRequest,
    survey: Survey,
    respondent: _Respondent,
    form: AnswerForm,
    *,
    step: int,
    carry: str = "",
    hidden: set[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    lang = respondent.language
    other = [code for code in LANGS if code != lang]
    query = {k: v for k, v in (("c", respondent.customer), ("t", respondent.touchpoint)) if v}
    return render(
        request,
        "surveys/survey_page.html",
        {
            "survey": survey,
            "lang": lang,
            "title": survey.name(lang),
            "intro": survey.text("intro", lang) if step == 1 else "",
            "items": form.items(hidden=hidden or set()),
            "form": form,
            "step": step,
            "carry": carry,
            "respondent": respondent.hidden(),
            "test": respondent.test,
            "languages": [
                (code, f"?{urlencode({**query, 'lang': code})}", _language_name(code))
                for code in other
            ],
        },
        status=status,
    )


def _language_name(code: str) -> str:
    return {"en": "English", "fr": "Français"}[code]


@require_http_methods(["GET", "POST"])
@_public
def survey_page(request: HttpRequest, survey: Survey, respondent: _Respondent) -> HttpResponse:
    if not survey.is_active:
        return _message(request, survey, respondent, kind="closed", status=410)
    questions = list(survey.questions.all())
    first = next((q for q in questions if q.is_scored), None)
    required_key = first.key if first else None
    if request.method == "GET":
        customer = respondent.customer
        if customer and not services.customer_may_answer(survey=survey, customer_id=customer):
            return _message(request, survey, respondent, kind="recent")
        if customer:
            services.contact_record(survey=survey, customer_id=customer, channel="hosted")
        form = AnswerForm(
            questions=questions, language=respondent.language, required_key=required_key
        )
        conditional = {q.key for q in questions if q.show_if_question}
        return _step_page(request, survey, respondent, form, step=1, hidden=conditional)
    return _survey_post(request, survey, respondent, questions, required_key)


def _survey_post(
    request: HttpRequest,
    survey: Survey,
    respondent: _Respondent,
    questions: list[Any],
    required_key: str | None,
) -> HttpResponse:
    try:
        services.rate_limit_hit(
            bucket=f"ip:{_client_ip(request)}", limit=services.limit_per_ip(), where="client"
        )
    except errors.RateLimited:
        return _message(request, survey, respondent, kind="busy", status=429)
    by_key = {q.key: q for q in questions}
    carry_text = str(request.POST.get("carry", ""))
    if carry_text:
        try:
            carry = signing.loads(carry_text, salt=_CARRY_SALT, max_age=_CARRY_MAX_AGE)
        except signing.BadSignature:
            return redirect(_page_url(survey, respondent))
        answers: dict[str, Any] = dict(carry["a"])
        asked: set[str] = set(carry["asked"])
        step_keys: list[str] = [k for k in carry["step"] if k in by_key]
        step = int(carry.get("n", 2))
    else:
        answers, step = {}, 1
        scripted = request.POST.get("js") == "1"
        step_keys = [q.key for q in questions if scripted or not q.show_if_question]
        asked = set(step_keys)
    step_questions = [by_key[k] for k in step_keys]
    form = AnswerForm(
        request.POST,
        questions=step_questions,
        language=respondent.language,
        required_key=required_key if step == 1 else None,
    )
    hidden = {q.key for q in step_questions if q.show_if_question} if step == 1 else set()

    def again() -> HttpResponse:
        """This step again, with the form's errors."""
        return _step_page(
            request,
            survey,
            respondent,
            form,
            step=step,
            carry=carry_text,
            hidden=hidden,
            status=422,
        )

    if not form.is_valid():
        return again()
    answers.update(form.answers())
    shown = services.shown_questions(questions, answers)
    answers = {k: v for k, v in answers.items() if k in {q.key for q in shown}}
    follow_ups = [q for q in shown if q.key not in asked]
    if follow_ups:
        keys = [q.key for q in follow_ups]
        next_carry = signing.dumps(
            {"a": answers, "asked": sorted(asked | set(keys)), "step": keys, "n": step + 1},
            salt=_CARRY_SALT,
        )
        next_form = AnswerForm(
            questions=follow_ups, language=respondent.language, required_key=None
        )
        return _step_page(request, survey, respondent, next_form, step=step + 1, carry=next_carry)
    try:
        services.submission_create(
            survey=survey,
            answers=answers,
            channel=services.TEST_CHANNEL if respondent.test else "hosted",
            customer_id=respondent.customer or None,
            touchpoint=respondent.touchpoint,
            language=respondent.language,
            idempotency_key=f"hosted-{respondent.token}",
        )
    except errors.SurveyFatigued:
        return _message(request, survey, respondent, kind="recent")
    except errors.SurveyClosed:
        return _message(request, survey, respondent, kind="closed", status=410)
    except errors.ValidationError as exc:
        form_errors(form, exc, field=lambda where: "q_" + where.removeprefix("answers."))
        return again()
    thanks = reverse("survey_thanks", args=[survey.key])
    return redirect(f"{thanks}?{urlencode({'lang': respondent.language})}")


def _page_url(survey: Survey, respondent: _Respondent) -> str:
    query = {"lang": respondent.language}
    if respondent.customer:
        query["c"] = respondent.customer
    return f"{reverse('survey_page', args=[survey.key])}?{urlencode(query)}"


@require_GET
@_public
def survey_thanks(request: HttpRequest, survey: Survey, respondent: _Respondent) -> HttpResponse:
    return _message(request, survey, respondent, kind="thanks")


_JS_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def _script_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_JS_ESCAPES)


def _noop_script(reason: str, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        f"/* CX Pilot survey widget: {reason} */\n",
        content_type="text/javascript; charset=utf-8",
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def survey_widget(request: HttpRequest, key: str) -> HttpResponse:
    """The widget script: one ``<script src=".../s/<key>/widget.js" async>`` tag.

    ``?c=<customer id>`` applies the fatigue rule and the sampling rate (the script then does
    nothing for a customer not to be asked now); ``?t=`` and ``?lang=`` are passed on.
    """
    try:
        survey = selectors.survey_public(key=key)
    except errors.NotFound:
        return _noop_script("unknown survey", status=404)
    if not survey.is_active:
        return _noop_script("survey closed")
    customer = _clean_customer(request.GET.get("c"))
    if customer:
        try:
            services.rate_limit_hit(
                bucket=f"ip:{_client_ip(request)}",
                limit=services.limit_per_ip(),
                where="client",
            )
        except errors.RateLimited:
            return _noop_script("busy")
        decision = services.contact_decide(survey=survey, customer_id=customer, channel="widget")
        if decision != fatigue.SHOW:
            return _noop_script("not shown to this customer now")
    lang = request.GET.get("lang", "")
    config = selectors.widget_config(
        survey,
        api_url=request.build_absolute_uri(reverse("api:survey_response_create")),
        customer_id=customer,
        touchpoint=_touchpoint(survey, request.GET.get("t")),
        language=lang if lang in LANGS else "",
    )
    body = render_to_string("surveys/widget.js", {"config": mark_safe(_script_json(config))})  # noqa: S308 - JSON escaped for a script
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-store" if customer else "public, max-age=300"
    return response
