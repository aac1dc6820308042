"""Governance tables: the RACI of CX activities, its settings, the CX council and its work,
the CX leader's reporting line, and the interim CX champion scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cxpilot.governance import engine
from cxpilot.governance.catalogue import close_loop_name
from cxpilot.organisation.models import Department, Touchpoint


class Activity(models.Model):
    """A CX activity, a row of the RACI. Closing the loop has one per touchpoint."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    touchpoint = models.ForeignKey(
        Touchpoint,
        verbose_name=_("touchpoint"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="governance_activities",
        help_text=_("Set for “closing the loop on” a touchpoint: cases follow its Responsible."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "key"]
        verbose_name = _("CX activity")
        verbose_name_plural = _("CX activities")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (French when it is French, else English).

        Closing the loop on a touchpoint is named after the touchpoint's current name.
        """
        language = (get_language() or "en").split("-")[0]
        if self.touchpoint is not None:
            return close_loop_name(self.touchpoint.name, language)
        return (self.name_fr if language == "fr" else self.name_en) or self.name_en or self.key


class RaciCell(models.Model):
    """The role of one department on one activity: R, A, C, I or a combination (``A/R``)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="cells")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="raci_cells")
    code = models.CharField(_("code"), max_length=8)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "department"], name="raci_cell_unique")
        ]
        verbose_name = _("RACI cell")
        verbose_name_plural = _("RACI cells")

    def __str__(self) -> str:
        return f"{self.activity.key} × {self.department.key}: {self.code}"


class ReportingLine(models.TextChoices):
    CEO = "ceo", _("CEO (chief executive)")
    COO = "coo", _("COO (operations)")
    CMO = "cmo", _("CMO (marketing)")
    CIO = "cio", _("CIO (information systems)")
    CCO = "cco", _("CCO / CXO (a customer or experience executive)")
    OTHER = "other", _("Other")


class BusinessModel(models.TextChoices):
    B2C_BRAND = "b2c_brand", _("B2C, brand-led (retail, consumer goods)")
    B2C_SERVICE = "b2c_service", _("B2C, high-volume service (telecom, utilities, banking)")
    B2B_SAAS = "b2b_saas", _("B2B software or product-led (SaaS)")
    B2B_ACCOUNTS = "b2b_accounts", _("B2B, account-led (key accounts, services)")
    B2B2C = "b2b2c", _("B2B2C (through partners or resellers)")


class GovernanceSettings(models.Model):
    """The governance settings of the organisation (one row)."""

    max_r_or_a_per_department = models.PositiveSmallIntegerField(
        _("overloaded above this many R or A per department"),
        default=engine.Thresholds.max_r_or_a_per_department,
    )
    max_consulted = models.PositiveSmallIntegerField(
        _("too many Consulted above"), default=engine.Thresholds.max_consulted
    )
    max_informed = models.PositiveSmallIntegerField(
        _("too many Informed above"), default=engine.Thresholds.max_informed
    )
    reporting_line = models.CharField(
        _("the CX leader reports to"), max_length=10, choices=ReportingLine.choices, blank=True
    )
    reporting_line_note = models.CharField(
        _("note on the reporting line"), max_length=300, blank=True
    )
    has_cx_team = models.BooleanField(_("the organisation has a dedicated CX team"), default=False)
    business_model = models.CharField(
        _("business model"), max_length=20, choices=BusinessModel.choices, blank=True
    )
    champion_weights = models.JSONField(_("champion criteria weights"), default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[GovernanceSettings] = models.Manager()

    class Meta:
        verbose_name = _("governance settings")
        verbose_name_plural = _("governance settings")
        permissions = [
            ("view_governance", "Can view governance (RACI, council, champion)"),
            ("edit_governance", "Can edit governance (RACI, council, champion)"),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> GovernanceSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()

    def thresholds(self) -> engine.Thresholds:
        return engine.Thresholds(
            max_r_or_a_per_department=self.max_r_or_a_per_department,
            max_consulted=self.max_consulted,
            max_informed=self.max_informed,
        )

    def weights(self) -> dict[str, float]:
        stored = self.champion_weights if isinstance(self.champion_weights, dict) else {}
        return {
            c: float(stored.get(c, engine.DEFAULT_WEIGHTS[c])) for c in engine.CHAMPION_CRITERIA
        }


class Council(models.Model):
    """A governance body: the CX council or steering committee."""

    name = models.CharField(_("name"), max_length=120)
    purpose = models.TextField(_("purpose"), blank=True)
    cadence = models.CharField(
        _("cadence"), max_length=80, blank=True, help_text=_("For example: monthly.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("council")
        verbose_name_plural = _("councils")

    def __str__(self) -> str:
        return self.name


class CouncilMember(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_seats",
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_members",
    )
    role = models.CharField(
        _("role"), max_length=120, blank=True, help_text=_("For example: chair, secretary.")
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("council member")
        verbose_name_plural = _("council members")

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.user is not None:
            return self.user.get_full_name() or self.user.get_username()
        return "?"


class Meeting(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField(_("date"))
    attendees = models.ManyToManyField(
        CouncilMember, verbose_name=_("attendees"), blank=True, related_name="meetings"
    )
    minutes = models.TextField(_("minutes"), blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.council} {self.date.isoformat()}"


class Decision(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="decisions")
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="decisions",
    )
    date = models.DateField(_("date"))
    text = models.TextField(_("decision"))

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CouncilAction(models.Model):
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    title = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("owner"), max_length=120)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="council_actions",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=8, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_date", "pk"]
        verbose_name = _("council action")
        verbose_name_plural = _("council actions")

    def __str__(self) -> str:
        return self.title


class ChampionScore(models.Model):
    """How one department scores on the criteria of the interim CX champion (0–5 each)."""

    department = models.OneToOneField(
        Department, on_delete=models.CASCADE, related_name="champion_score"
    )
    kind = models.CharField(
        _("kind of department"),
        max_length=20,
        choices=[
            ("marketing", _("Marketing")),
            ("customer_service", _("Customer service")),
            ("product", _("Product")),
            ("sales", _("Sales")),
            ("operations", _("Operations")),
            ("it", _("IT")),
            ("cx", _("CX team")),
            ("other", _("Other")),
        ],
        default="other",
    )
    customer_data = models.PositiveSmallIntegerField(_("owns customer data"), default=0)
    brand_promise = models.PositiveSmallIntegerField(_("owns the brand promise"), default=0)
    operational_kpis = models.PositiveSmallIntegerField(_("holds the operational KPIs"), default=0)
    product_quality = models.PositiveSmallIntegerField(_("closest to product quality"), default=0)
    capacity = models.PositiveSmallIntegerField(_("capacity to coordinate"), default=0)

    class Meta:
        verbose_name = _("champion score")
        verbose_name_plural = _("champion scores")

    def __str__(self) -> str:
        return str(self.department)


class GovernanceModel(models.TextChoices):
    """The three governance models of CX (centralised, hybrid, decentralised)."""

    CENTRALISED = "centralised", _("Centralised")
    HYBRID = "hybrid", _("Hybrid, with a clear lead")
    DECENTRALISED = "decentralised", _("Decentralised")


class GovernanceModelChoice(models.Model):
    """A governance model the CX lead chose, and when. Every choice is kept: the latest
    (by the day it was chosen, then by when it was recorded) is the current one."""

    model = models.CharField(_("governance model"), max_length=16, choices=GovernanceModel.choices)
    chosen_on = models.DateField(_("chosen on"))
    note = models.TextField(_("note"), blank=True)
    #: What CX Pilot recommended when the choice was recorded ("" when it had no campaign).
    recommended = models.CharField(
        _("recommended then"), max_length=16, choices=GovernanceModel.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects: models.Manager[GovernanceModelChoice] = models.Manager()

    class Meta:
        ordering = ["-chosen_on", "-recorded_at", "-pk"]
        verbose_name = _("governance model choice")
        verbose_name_plural = _("governance model choices")

    def __str__(self) -> str:
        return f"{self.model} ({self.chosen_on.isoformat()})"
