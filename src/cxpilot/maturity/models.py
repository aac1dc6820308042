"""Maturity campaigns: who was invited (by department, through a personal link), and the
ratings and value picks of each answer set. Reports read these through :mod:`.selectors`
and never show who answered."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    model_name = models.CharField(_("maturity model"), max_length=200)
    #: The maturity model as it was when the campaign started (editing the YAML later does
    #: not change the campaign's questions or scores).
    model = models.JSONField(_("model snapshot"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("maturity campaign")
        verbose_name_plural = _("maturity campaigns")

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """One personal link: one answer set, anonymous in reports."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    department = models.ForeignKey(
        "organisation.Department", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: The department's key when invited (kept if the department is deleted later).
    department_key = models.CharField(max_length=60)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "department_key", "id"]

    def __str__(self) -> str:
        return f"{self.department_key}/{self.pk}"


class Rating(models.Model):
    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="ratings")
    practice = models.CharField(max_length=60)
    rating = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "practice"], name="rating_once"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=4), name="rating_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practice}: {self.rating}"


class ValuePick(models.Model):
    class Lens(models.TextChoices):
        CURRENT = "current", _("Current culture")
        DESIRED = "desired", _("Desired culture")

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="picks")
    lens = models.CharField(max_length=10, choices=Lens.choices)
    value = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "lens", "value"], name="pick_once"),
        ]

    def __str__(self) -> str:
        return f"{self.lens}: {self.value}"
