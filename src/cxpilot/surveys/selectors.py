"""Reads of the survey domain: surveys and their definitions, settings, latest answers.

Reads for people take the ``actor`` and check their permission (``None`` is the system); the
reads of the public channels (the hosted page, the widget, the API) take a survey key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import translation
from django.utils.translation import gettext

from cxpilot.kernel import roles
from cxpilot.kernel.errors import CxPilotError, NotFound
from cxpilot.kernel.roles import Actor
from cxpilot.organisation.models import JourneyStage, Touchpoint
from cxpilot.surveys import services
from cxpilot.surveys.models import Language, Question, Submission, Survey, SurveySettings


def _surveys() -> QuerySet[Survey]:
    return Survey.objects.select_related("stage__journey").prefetch_related(
        Prefetch("touchpoints", queryset=Touchpoint.objects.order_by("key")),
        Prefetch("questions", queryset=Question.objects.order_by("position")),
    )


def survey_list(*, actor: Actor) -> QuerySet[Survey]:
    """Every survey with its touchpoints, questions and the count of submissions received."""
    roles.require(actor, services.VIEW_PERM)
    return _surveys().annotate(submission_count=Count("submissions")).order_by("key")


def survey_get(*, actor: Actor, pk: int) -> Survey:
    roles.require(actor, services.VIEW_PERM)
    survey = _surveys().filter(pk=pk).first()
    if survey is None:
        raise NotFound(f"no survey with id {pk}", where="survey")
    return survey


def survey_public(*, key: str) -> Survey:
    """The survey at ``/s/<key>/`` (public: no actor)."""
    survey = _surveys().filter(key=key).first()
    if survey is None:
        raise NotFound(f"no survey {key!r}", where="survey")
    return survey


def survey_settings() -> SurveySettings:
    """The survey-wide settings (defaults when never saved)."""
    return SurveySettings.objects.filter(pk=1).first() or SurveySettings(pk=1)


def can_edit(*, actor: Actor) -> bool:
    return services.can_edit(actor)


def stage_choices() -> QuerySet[JourneyStage]:
    return JourneyStage.objects.select_related("journey").order_by("journey__name", "position")


def touchpoint_choices() -> QuerySet[Touchpoint]:
    return Touchpoint.objects.order_by("name")


def survey_definition(survey: Survey) -> dict[str, Any]:
    """The survey as a definition mapping, the input of ``survey_create``/``survey_update``."""
    stage = survey.stage
    return {
        "key": survey.key,
        "default_language": survey.default_language,
        "title": dict(survey.title or {}),
        "intro": dict(survey.intro or {}),
        "thanks": dict(survey.thanks or {}),
        "touchpoints": [t.key for t in survey.touchpoints.all()],
        "stage": f"{stage.journey.key}/{stage.key}" if stage else None,
        "sampling_rate": survey.sampling_rate,
        "recontact_days": survey.recontact_days,
        "is_active": survey.is_active,
        "questions": [
            {
                "key": q.key,
                "kind": q.kind,
                "text": dict(q.text or {}),
                "choices": list(q.choices or []),
                "show_if": (
                    {"question": q.show_if_question, "min": q.show_if_min, "max": q.show_if_max}
                    if q.show_if_question
                    else None
                ),
            }
            for q in survey.questions.all()
        ],
    }


@dataclass(frozen=True)
class SurveyFacts:
    recontact_days: int
    recontact_is_global: bool
    submissions: dict[str, int]
    languages: list[str]


def survey_facts(survey: Survey) -> SurveyFacts:
    """What the survey page tells the CX lead beyond the definition."""
    counts = dict(
        Submission.objects.filter(survey=survey)
        .values_list("channel")
        .annotate(n=Count("id"))
        .values_list("channel", "n")
    )
    texts: list[Mapping[str, str]] = [survey.title or {}]
    texts += [q.text or {} for q in survey.questions.all()]
    languages = [code for code in Language.values if all(code in t for t in texts)]
    return SurveyFacts(
        recontact_days=services.recontact_days(survey),
        recontact_is_global=survey.recontact_days is None,
        submissions=counts,
        languages=languages,
    )


def survey_latest_answers(
    *, actor: Actor, survey: Survey, limit: int = 10
) -> list[dict[str, Any]] | None:
    """The latest answers of a survey in the warehouse (None when it cannot be read now)."""
    roles.require(actor, services.VIEW_PERM)
    import ibis

    from cxpilot.warehouse.connection import warehouse

    try:
        with warehouse() as con:
            t = con.table("responses")
            expr = (
                t.filter(t.survey == survey.key)
                .order_by([ibis.desc("timestamp"), ibis.desc("response_id")])
                .limit(limit)
                .select(
                    "timestamp",
                    "customer_id",
                    "touchpoint",
                    "metric",
                    "score",
                    "channel",
                    "language",
                    "verbatim",
                )
            )
            rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    except CxPilotError:
        return None
    return rows


def widget_ui_strings() -> dict[str, dict[str, str]]:
    """The widget's own words, in each language."""
    out: dict[str, dict[str, str]] = {}
    for code in Language.values:
        with translation.override(code):
            out[code] = {
                "send": gettext("Send"),
                "close": gettext("Close"),
                "thanks": gettext("Thank you for your answer."),
                "error": gettext("Sorry, your answer could not be sent. Please try again."),
                "required": gettext("Please answer this question."),
                "sending": gettext("Sending…"),
                "nps_low": gettext("Not at all likely"),
                "nps_high": gettext("Extremely likely"),
                "ces_low": gettext("Strongly disagree"),
                "ces_high": gettext("Strongly agree"),
                "csat_low": gettext("Very dissatisfied"),
                "csat_high": gettext("Very satisfied"),
                "feedback": gettext("Your feedback"),
            }
    return out


def widget_config(
    survey: Survey,
    *,
    api_url: str,
    customer_id: str = "",
    touchpoint: str = "",
    language: str = "",
) -> dict[str, Any]:
    """What the widget script needs: the survey in every language, where to post, the key."""
    definition = survey_definition(survey)
    return {
        "survey": survey.key,
        "key": survey.public_key,
        "api": api_url,
        "customer": customer_id,
        "touchpoint": touchpoint,
        "lang": language,
        "default_language": survey.default_language,
        "recontact_days": services.recontact_days(survey),
        "title": definition["title"],
        "intro": definition["intro"],
        "thanks": definition["thanks"],
        "questions": definition["questions"],
        "ui": widget_ui_strings(),
    }
