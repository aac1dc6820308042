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

__all__ = ["TextModel", "Theme", "ThemeOrigin", "ThemeRule"]


class TextModel(models.Model):
    """The fitted feature space and sentiment model (one row: the latest fit)."""

    fitted_at = models.DateTimeField(_("fitted at"), auto_now=True)
    documents = models.PositiveIntegerField(_("verbatims used"), default=0)
    idf = models.JSONField(_("feature weights (idf)"), default=dict)
    sentiment = models.BinaryField(_("sentiment model"), null=True, blank=True)
    threshold = models.FloatField(
        _("theme similarity threshold"),
        default=0.3,
        help_text=_("A verbatim gets a theme when its similarity with it reaches this (0–1)."),
    )
    analysed_at = models.DateTimeField(_("verbatims analysed at"), null=True, blank=True)
    taxonomy_changed_at = models.DateTimeField(_("themes changed at"), null=True, blank=True)

    objects: models.Manager[TextModel] = models.Manager()

    class Meta:
        verbose_name = _("text model")
        verbose_name_plural = _("text models")

    def __str__(self) -> str:
        return f"text model of {self.fitted_at:%Y-%m-%d %H:%M}"

    @classmethod
    def current(cls) -> TextModel | None:
        return cls.objects.order_by("-pk").first()

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
