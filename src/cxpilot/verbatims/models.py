"""The theme taxonomy and the fitted text model, kept in the app database.

Themes are found by :func:`cxpilot.verbatims.themes.discover`, then owned by the CX team: they can
rename, merge, split and pin them and add keyword rules. A later discovery matches its themes
with these rows, so those edits survive it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

__all__ = ["SentimentSource", "TextModel", "Theme", "ThemeOrigin", "ThemeRule"]


class SentimentSource(models.TextChoices):
    FITTED = "fitted", _("the model fitted on your verbatims")
    LEXICON = "lexicon", _("the shipped lexicon")


class TextModel(models.Model):
    """The fitted feature space and sentiment model (one row: the latest fit)."""

    fitted_at = models.DateTimeField(_("fitted at"), auto_now=True)
    documents = models.PositiveIntegerField(_("verbatims used"), default=0)
    idf = models.JSONField(_("feature weights (idf)"), default=dict)
    sentiment = models.BinaryField(_("sentiment model"), null=True, blank=True)
    threshold = models.FloatField(
        _("theme coverage threshold"),
        default=0.5,
        help_text=_(
            "A clause gets a theme when the weights of the theme's words it holds add up to "
            "this (the theme's main word weighs 1)."
        ),
    )
    analysed_at = models.DateTimeField(_("verbatims analysed at"), null=True, blank=True)
    taxonomy_changed_at = models.DateTimeField(_("themes changed at"), null=True, blank=True)
    # How the sentiment model was made (cxpilot.verbatims.sentiment.FitReport)
    sentiment_model = models.CharField(
        _("sentiment from"),
        max_length=10,
        choices=SentimentSource.choices,
        blank=True,
        default="",
        help_text=_("Empty for a model fitted before its cross-validation was recorded."),
    )
    sentiment_reason = models.CharField(
        _("why the shipped lexicon"), max_length=300, blank=True, default=""
    )
    sentiment_reason_code = models.CharField(max_length=30, blank=True, default="")
    sentiment_reason_args = models.JSONField(default=dict, blank=True)
    sentiment_texts = models.PositiveIntegerField(_("texts with a label"), default=0)
    sentiment_labels = models.JSONField(
        _("texts of each label"),
        default=dict,
        blank=True,
        help_text=_("negative, neutral, positive"),
    )
    sentiment_unlabelled = models.PositiveIntegerField(
        _("texts whose score teaches no label"), default=0
    )
    sentiment_folds = models.PositiveSmallIntegerField(_("cross-validation folds"), default=0)
    sentiment_accuracy = models.FloatField(_("cross-validated accuracy"), null=True, blank=True)
    sentiment_macro_f1 = models.FloatField(_("cross-validated macro-F1"), null=True, blank=True)
    lexicon_accuracy = models.FloatField(_("accuracy of the lexicon"), null=True, blank=True)
    lexicon_macro_f1 = models.FloatField(_("macro-F1 of the lexicon"), null=True, blank=True)

    objects: models.Manager[TextModel] = models.Manager()

    class Meta:
        verbose_name = _("text model")
        verbose_name_plural = _("text models")

    def __str__(self) -> str:
        return f"text model of {self.fitted_at:%Y-%m-%d %H:%M}"

    @classmethod
    def current(cls) -> TextModel | None:
        return cls.objects.order_by("-pk").first()

    def sentiment_report(self) -> dict[str, Any]:
        """The sentiment fields as :meth:`cxpilot.verbatims.sentiment.FitReport.as_dict`
        gives them (``model`` is "" for a fit that predates these fields)."""
        labels = self.sentiment_labels or {}
        return {
            "model": self.sentiment_model,
            "reason": self.sentiment_reason,
            "reason_code": self.sentiment_reason_code,
            "reason_args": dict(self.sentiment_reason_args or {}),
            "texts": self.sentiment_texts,
            "negative": int(labels.get("negative", 0)),
            "neutral": int(labels.get("neutral", 0)),
            "positive": int(labels.get("positive", 0)),
            "unlabelled": self.sentiment_unlabelled,
            "folds": self.sentiment_folds,
            "accuracy": self.sentiment_accuracy,
            "macro_f1": self.sentiment_macro_f1,
            "lexicon_accuracy": self.lexicon_accuracy,
            "lexicon_macro_f1": self.lexicon_macro_f1,
        }

    def set_sentiment_report(self, report: dict[str, Any]) -> None:
        """Keep a ``FitReport.as_dict()`` in the sentiment fields (saved by the caller)."""
        self.sentiment_model = report["model"]
        self.sentiment_reason = str(report["reason"])[:300]
        self.sentiment_reason_code = report["reason_code"]
        self.sentiment_reason_args = dict(report["reason_args"])
        self.sentiment_texts = report["texts"]
        self.sentiment_labels = {k: report[k] for k in ("negative", "neutral", "positive")}
        self.sentiment_unlabelled = report["unlabelled"]
        self.sentiment_folds = report["folds"]
        self.sentiment_accuracy = report["accuracy"]
        self.sentiment_macro_f1 = report["macro_f1"]
        self.lexicon_accuracy = report["lexicon_accuracy"]
        self.lexicon_macro_f1 = report["lexicon_macro_f1"]

    @property
    def stale(self) -> bool:
        """Themes changed since the verbatims were last analysed."""
        return bool(
            self.taxonomy_changed_at
            and (self.analysed_at is None or self.taxonomy_changed_at > self.analysed_at)
        )


class ThemeOrigin(models.TextChoices):
    DISCOVERED = "discovered", _("Discovered")
    MANUAL = "manual", _("Created by hand")
    SPLIT = "split", _("Split from another theme")


class Theme(models.Model):
    """A theme of verbatims, with a label in French and in English."""

    label_en = models.CharField(_("label (English)"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200)
    keywords_en = models.JSONField(_("key words (English)"), default=list, blank=True)
    keywords_fr = models.JSONField(_("key words (French)"), default=list, blank=True)
    languages = models.CharField(_("found in"), max_length=20, default="fr,en")
    terms = models.JSONField(_("term weights"), default=dict, blank=True)
    origin = models.CharField(
        _("origin"), max_length=20, choices=ThemeOrigin.choices, default=ThemeOrigin.DISCOVERED
    )
    pinned = models.BooleanField(
        _("pinned"),
        default=False,
        help_text=_("A pinned theme keeps its definition when themes are discovered again."),
    )
    label_edited = models.BooleanField(_("renamed by hand"), default=False)
    active = models.BooleanField(_("active"), default=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged",
    )
    split_from = models.ForeignKey(
        "self",
        verbose_name=_("split from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="splits",
    )
    documents = models.PositiveIntegerField(_("verbatims at discovery"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[Theme] = models.Manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        permissions = [("edit_taxonomy", _("Can edit the theme taxonomy"))]

    def __str__(self) -> str:
        return self.label()

    def label(self, language: str | None = None) -> str:
        lang = (language or get_language() or "en")[:2]
        return (self.label_fr if lang == "fr" else self.label_en) or self.label_en or self.label_fr

    def keywords(self, language: str | None = None) -> list[Any]:
        lang = (language or get_language() or "en")[:2]
        return list((self.keywords_fr if lang == "fr" else self.keywords_en) or [])


class ThemeRule(models.Model):
    """Keyword rule: a verbatim whose text matches ``pattern`` gets the theme."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="rules")
    pattern = models.CharField(
        _("key words"),
        max_length=200,
        help_text=_(
            'Whole words; "livr*" also finds livraison and livré. Case and accents do not matter.'
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[ThemeRule] = models.Manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("keyword rule")
        verbose_name_plural = _("keyword rules")

    def __str__(self) -> str:
        return self.pattern
