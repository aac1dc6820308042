"""The organisation model: departments, touchpoints, journeys, segments, brand promises."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    APP = "app", _("App")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PARTNER = "partner", _("Partner")
    PRODUCT = "product", _("Product")
    CONNECTED_OBJECT = "connected_object", _("Connected object")


class Phase(models.TextChoices):
    BEFORE = "before", _("Before purchase")
    DURING = "during", _("During purchase")
    AFTER = "after", _("After purchase")


class Named(models.Model):
    """An entity known by a unique key and a name, with a description, listed by name."""

    key = models.SlugField(_("key"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Department(Named):
    class Meta(Named.Meta):
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        permissions = [
            ("import_data", "Can import data into the warehouse"),
            ("view_analytics", "Can view analytics"),
            ("manage_users", "Can invite users and set their roles"),
        ]


class Journey(Named):
    class Meta(Named.Meta):
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")


class JourneyStage(models.Model):
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="stages")
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"))
    phase = models.CharField(_("purchase phase"), max_length=10, choices=Phase.choices, blank=True)

    class Meta:
        ordering = ["journey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "key"], name="stage_key_unique"),
            models.UniqueConstraint(fields=["journey", "position"], name="stage_position_unique"),
        ]
        verbose_name = _("journey stage")
        verbose_name_plural = _("journey stages")

    def __str__(self) -> str:
        return f"{self.journey.name} › {self.name}"


class Touchpoint(models.Model):
    key = models.SlugField(
        _("key"), max_length=60, unique=True, help_text=_("The name data files use.")
    )
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    phase = models.CharField(_("purchase phase"), max_length=10, choices=Phase.choices, blank=True)
    stage = models.ForeignKey(
        JourneyStage,
        verbose_name=_("journey stage"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touchpoints",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("owning department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touchpoints",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")

    def __str__(self) -> str:
        return self.name


class Segment(Named):
    is_persona = models.BooleanField(_("persona"), default=False)

    class Meta(Named.Meta):
        verbose_name = _("segment")
        verbose_name_plural = _("segments")


class BrandPromise(models.Model):
    key = models.SlugField(_("key"), max_length=60, unique=True)
    statement = models.TextField(_("statement"))
    touchpoints = models.ManyToManyField(
        Touchpoint, verbose_name=_("touchpoints"), related_name="promises", blank=True
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("brand promise")
        verbose_name_plural = _("brand promises")

    def __str__(self) -> str:
        return self.statement[:80]


class Profile(models.Model):
    """What CX Pilot knows of a user beyond Django's auth: their department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cx_profile"
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )

    def __str__(self) -> str:
        return str(self.user)
