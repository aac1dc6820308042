"""Surveys, their questions and translations, fatigue rules, public keys.

A survey holds every text in each of its languages (``{"en": ..., "fr": ...}``), falling back
to its default language; its questions are ordered and may be shown only when an earlier score
is in a range. Submissions and the contact log live here too: the first makes a retried
submission idempotent, the second enforces the recontact period per customer.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cxpilot.organisation.models import JourneyStage, Touchpoint
from cxpilot.warehouse.schema import METRIC_RANGES

__all__ = [
    "SCORED_KINDS",
    "ContactEvent",
    "ContactLog",
    "Language",
    "Question",
    "QuestionKind",
    "Submission",
    "Survey",
    "SurveySettings",
    "new_public_key",
    "translated",
]

PUBLIC_KEY_PREFIX = "cxs_"


def new_public_key() -> str:
    """A fresh write-only survey key (random, URL-safe)."""
    return PUBLIC_KEY_PREFIX + secrets.token_urlsafe(24)


class Language(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")


class QuestionKind(models.TextChoices):
    NPS = "nps", _("NPS (0–10, likelihood to recommend)")
    CES = "ces", _("CES (1–7, the company made it easy)")
    CSAT = "csat", _("CSAT (1–5, satisfaction)")
    TEXT = "text", _("Open text (verbatim)")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")


#: Question kinds that give a score (one ``responses`` row each).
SCORED_KINDS: tuple[str, ...] = ("nps", "ces", "csat")


def translated(texts: Mapping[str, str] | None, language: str, default: str) -> str:
    """The text in ``language``, else in ``default``, else any non-empty one, else ''."""
    texts = texts or {}
    for code in (language, default, *texts):
        value = texts.get(code)
        if isinstance(value, str) and value.strip():
            return value
    return ""


class SurveySettings(models.Model):
    """The one row of survey-wide settings (pk 1)."""

    recontact_days = models.PositiveIntegerField(
        _("recontact period (days)"),
        default=30,
        help_text=_(
            "A customer is asked the same survey at most once in this many days, "
            "unless the survey sets its own period. 0 means no limit."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))


class Survey(models.Model):
    key = models.SlugField(
        _("key"),
        max_length=60,
        unique=True,
        help_text=_("Names the survey in its address (/s/<key>/) and in the responses data."),
    )
    title = models.JSONField(_("title"), default=dict)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    thanks = models.JSONField(_("thank-you message"), default=dict, blank=True)
    default_language = models.CharField(
        _("default language"), max_length=2, choices=Language.choices, default=Language.EN
    )
    touchpoints: models.ManyToManyField[Touchpoint, Any] = models.ManyToManyField(
        Touchpoint, verbose_name=_("touchpoints"), related_name="surveys"
    )
    stage = models.ForeignKey(
        JourneyStage,
        verbose_name=_("journey stage"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="surveys",
    )
    sampling_rate = models.FloatField(
        _("sampling rate"),
        default=1.0,
        help_text=_("Share of known customers invited or shown the widget, from 0 to 1."),
    )
    recontact_days = models.PositiveIntegerField(
        _("recontact period (days)"),
        null=True,
        blank=True,
        help_text=_("Overrides the global recontact period for this survey when set."),
    )
    is_active = models.BooleanField(_("open for answers"), default=True)
    public_key = models.CharField(
        _("public key"), max_length=64, unique=True, default=new_public_key, editable=False
    )
    key_rotated_at = models.DateTimeField(_("key rotated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sampling_rate__gte=0, sampling_rate__lte=1),
                name="survey_sampling_rate_range",
            )
        ]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        return translated(self.title, language or self.default_language, self.default_language)

    def text(self, field: str, language: str) -> str:
        value: Any = getattr(self, field)
        return translated(value, language, self.default_language)


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(_("position"))
    key = models.SlugField(
        _("question id"),
        max_length=40,
        help_text=_("Names the answer in the API and in the responses data."),
    )
    kind = models.CharField(_("type"), max_length=10, choices=QuestionKind.choices)
    text = models.JSONField(_("text"), default=dict)
    #: for single/multiple choice: ``[{"value": slug, "label": {"en": ..., "fr": ...}}, ...]``
    choices = models.JSONField(_("choices"), default=list, blank=True)
    show_if_question = models.SlugField(
        _("shown only if question"),
        max_length=40,
        blank=True,
        help_text=_("An earlier scored question; this one is asked only if its score is in range."),
    )
    show_if_min = models.IntegerField(_("from score"), null=True, blank=True)
    show_if_max = models.IntegerField(_("to score"), null=True, blank=True)

    class Meta:
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="question_key_unique"),
            models.UniqueConstraint(fields=["survey", "position"], name="question_position_unique"),
        ]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return f"{self.key}: {self.label(self.survey.default_language)}"

    @property
    def is_scored(self) -> bool:
        return self.kind in SCORED_KINDS

    @property
    def scale(self) -> tuple[int, int] | None:
        """The inclusive score range of a scored question, else None."""
        return METRIC_RANGES.get(self.kind)

    @property
    def is_conditional(self) -> bool:
        return bool(self.show_if_question)

    def label(self, language: str) -> str:
        return translated(self.text, language, self.survey.default_language)

    def choice_labels(self, language: str) -> list[tuple[str, str]]:
        default = self.survey.default_language
        return [
            (str(c.get("value", "")), translated(c.get("label"), language, default))
            for c in self.choices or []
        ]

    def is_shown(self, scores: Mapping[str, Any]) -> bool:
        """Whether this question applies, given the scores answered so far (by question id)."""
        if not self.show_if_question:
            return True
        score = scores.get(self.show_if_question)
        if not isinstance(score, int) or isinstance(score, bool):
            return False
        low = self.show_if_min if self.show_if_min is not None else score
        high = self.show_if_max if self.show_if_max is not None else score
        return low <= score <= high


class ContactEvent(models.TextChoices):
    SHOWN = "shown", _("shown")
    ANSWERED = "answered", _("answered")


class ContactLog(models.Model):
    """When a known customer was shown or answered a survey: the fatigue rule reads this."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="contacts")
    customer_id = models.CharField(_("customer id"), max_length=120)
    event = models.CharField(_("event"), max_length=10, choices=ContactEvent.choices)
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["survey", "customer_id", "at"], name="contact_lookup"),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contact log")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.event} {self.at:%Y-%m-%d %H:%M}"


class Submission(models.Model):
    """One submission received on any channel, and the ``responses`` ids it became.

    ``idempotency_key`` (when the sender gave one) makes a retry return the same answer.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="submissions")
    uid = models.CharField(_("submission id"), max_length=32, unique=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64)
    channel = models.CharField(_("channel"), max_length=20)
    customer_id = models.CharField(_("customer id"), max_length=120, blank=True)
    touchpoint = models.CharField(_("touchpoint"), max_length=60)
    language = models.CharField(_("language"), max_length=2)
    response_ids = models.JSONField(_("response ids"), default=list)
    created_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="submission_idempotency_unique",
            )
        ]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return self.uid
