"""The organisation model: departments, touchpoints, journeys, segments, brand promises."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cxpilot.organisation.checks import check_touchpoints, promise_check, validate_promise_check


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    APP = "app", _("App")
    STORE = "store", _("Store")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PARTNER = "partner", _("Partner")
    PRODUCT = "product", _("Product")
    CONNECTED_OBJECT = "connected_object", _("Connected object")


class Mode(models.TextChoices):
    """Whether a person or a screen serves the customer at a touchpoint."""

    HUMAN = "human", _("Human")
    DIGITAL = "digital", _("Digital")


#: The mode of a touchpoint that says none, from its channel: staff at the store, on the phone
#: and at the partners; a screen on the web, in the app and in an e-mail. The product and the
#: connected object are neither.
CHANNEL_MODES = {
    Channel.STORE: Mode.HUMAN,
    Channel.PHONE: Mode.HUMAN,
    Channel.PARTNER: Mode.HUMAN,
    Channel.WEB: Mode.DIGITAL,
    Channel.APP: Mode.DIGITAL,
    Channel.EMAIL: Mode.DIGITAL,
}


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
    mode = models.CharField(
        _("human or digital"),
        max_length=10,
        choices=Mode.choices,
        blank=True,
        help_text=_(
            "Whether a person or a screen serves the customer here. Blank: from the channel "
            "(store, phone, partner: human; web, app, e-mail: digital)."
        ),
    )
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

    @property
    def effective_mode(self) -> str:
        """``human``, ``digital``, or "" (neither): its own mode, else its channel's."""
        return self.mode or CHANNEL_MODES.get(self.channel, "")  # type: ignore[call-overload]

    @property
    def effective_mode_label(self) -> str:
        """The label of :attr:`effective_mode` ("" for neither)."""
        mode = self.effective_mode
        return str(Mode(mode).label) if mode else ""


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
    measure = models.JSONField(
        _("measure"),
        null=True,
        blank=True,
        validators=[validate_promise_check],
        help_text=_(
            "How the data tells whether the promise is kept: a time between two events "
            "(from, to, within_hours) or a share of good scores (metric, at_least)."
        ),
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("brand promise")
        verbose_name_plural = _("brand promises")

    def __str__(self) -> str:
        return self.statement[:80]

    def measure_checked(self) -> dict[str, Any] | None:
        """The measure, checked and normalised (None: the promise has none); a
        ``ValidationError`` naming the promise if it is malformed."""
        return promise_check(self.measure, where=f"brand promise {self.key}: measure")

    def clean(self) -> None:
        """Normalise the measure; the touchpoints it names must exist."""
        from django.core.exceptions import ValidationError as DjangoValidationError

        from cxpilot.kernel.errors import ValidationError

        try:
            self.measure = promise_check(self.measure, where="measure")
        except ValidationError as exc:
            raise DjangoValidationError({"measure": str(exc)}) from None
        named = check_touchpoints(self.measure)
        known = set(Touchpoint._default_manager.filter(key__in=named).values_list("key", flat=True))
        unknown = [k for k in named if k not in known]
        if unknown:
            raise DjangoValidationError(
                {"measure": _("unknown touchpoint(s): %(keys)s") % {"keys": ", ".join(unknown)}}
            )


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
