"""App-database tables of the customers domain: the resolution's settings, its runs (the fitted
model and a summary), the people's decisions on pairs of records, and the audit trail of
merges and unmerges. The persons themselves live in the warehouse (``customer_persons``,
``customer_golden``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

#: A customer record's fields as the pages name them (the review, the customer 360).
RECORD_LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "address": _("Address"),
    "postcode": _("Postcode"),
    "city": _("City"),
    "country": _("Country"),
    "birth_date": _("Birth date"),
    "segment": _("Segment"),
    "created_at": _("Created"),
}


class Rule(models.TextChoices):
    """How a golden record's field is chosen among a person's records."""

    MOST_TRUSTED = "most_trusted", _("Most trusted source")
    MOST_RECENT = "most_recent", _("Most recent record")
    MOST_COMPLETE = "most_complete", _("Most complete value")


def _rule(label: Any, default: str) -> models.CharField[str, str]:
    return models.CharField(label, max_length=20, choices=Rule.choices, default=default)


class ResolveSettings(models.Model):
    """How records become persons and golden records (one row)."""

    threshold = models.FloatField(
        _("match threshold"),
        default=0.99,
        help_text=_("Two records are the same person from this match probability (0 to 1)."),
    )
    review_low = models.FloatField(
        _("review from"),
        default=0.5,
        help_text=_("Pairs with a match probability from here to “review up to” are reviewed."),
    )
    review_high = models.FloatField(_("review up to"), default=0.99)
    source_trust = models.TextField(
        _("sources, most trusted first"),
        default="crm\neshop\nsupport",
        help_text=_("One source per line. Sources not listed come after, by name."),
    )
    first_name_rule = _rule(_("first name"), Rule.MOST_TRUSTED)
    last_name_rule = _rule(_("last name"), Rule.MOST_TRUSTED)
    email_rule = _rule(_("e-mail"), Rule.MOST_RECENT)
    phone_rule = _rule(_("phone"), Rule.MOST_RECENT)
    address_rule = _rule(
        _("address, postcode, city and country"),
        Rule.MOST_RECENT,
    )
    birth_date_rule = _rule(_("birth date"), Rule.MOST_TRUSTED)
    segment_rule = _rule(_("segment"), Rule.MOST_TRUSTED)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[ResolveSettings] = models.Manager()

    class Meta:
        verbose_name = _("customer resolution settings")
        verbose_name_plural = _("customer resolution settings")

    def __str__(self) -> str:
        return str(_("Customer resolution settings"))

    def clean(self) -> None:
        problems = {}
        for name in ("threshold", "review_low", "review_high"):
            value = getattr(self, name)
            if value is None or not 0 <= value <= 1:
                problems[name] = _("A probability is from 0 to 1.")
        if not problems and self.review_low > self.review_high:
            problems["review_high"] = _("The review band ends above where it starts.")
        if problems:
            raise ValidationError(problems)

    @property
    def trust(self) -> list[str]:
        """The sources, most trusted first."""
        seen: list[str] = []
        for line in self.source_trust.replace(",", "\n").splitlines():
            name = line.strip()
            if name and name not in seen:
                seen.append(name)
        return seen

    def rules(self) -> dict[str, str]:
        """field -> survivorship rule (``address`` stands for the address, postcode, city and
        country)."""
        from cxpilot.customers.engine import RULE_FIELDS

        return {name: str(getattr(self, f"{name}_rule")) for name in RULE_FIELDS}

    @classmethod
    def current(cls) -> ResolveSettings:
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class LinkageRun(models.Model):
    """One resolution of the warehouse's customers: the fitted model and what it found."""

    started_at = models.DateTimeField(_("started"))
    seconds = models.FloatField(_("seconds"), default=0)
    threshold = models.FloatField(_("match threshold"))
    records = models.PositiveIntegerField(_("records"), default=0)
    persons = models.PositiveIntegerField(_("persons"), default=0)
    pairs_scored = models.PositiveBigIntegerField(_("pairs scored"), default=0)
    summary = models.JSONField(_("summary"), default=dict)
    parameters = models.JSONField(_("model parameters"), default=dict)
    #: The highest person number given so far: numbers are never given twice.
    last_person_number = models.PositiveBigIntegerField(default=0)

    objects: models.Manager[LinkageRun] = models.Manager()

    class Meta:
        verbose_name = _("customer resolution run")
        verbose_name_plural = _("customer resolution runs")
        ordering = ["-started_at", "-pk"]
        permissions = [("resolve_customers", _("Can resolve the customers into persons"))]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"

    @classmethod
    def latest_run(cls) -> LinkageRun | None:
        return cls.objects.order_by("-started_at", "-pk").first()


class Decision(models.TextChoices):
    CONFIRM = "confirm", _("Same person")
    REJECT = "reject", _("Different persons")


class PairDecision(models.Model):
    """A person's decision on a pair of records (the pair in key order: ``a`` before ``b``);
    a later decision on the same pair replaces it (the audit trail keeps both)."""

    source_a = models.CharField(_("source A"), max_length=60)
    customer_id_a = models.CharField(_("customer id A"), max_length=120)
    source_b = models.CharField(_("source B"), max_length=60)
    customer_id_b = models.CharField(_("customer id B"), max_length=120)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by_name = models.CharField(_("decided by (name)"), max_length=150)
    decided_at = models.DateTimeField(_("decided at"))

    objects: models.Manager[PairDecision] = models.Manager()

    class Meta:
        verbose_name = _("decision on a pair of records")
        verbose_name_plural = _("decisions on pairs of records")
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_a", "customer_id_a", "source_b", "customer_id_b"],
                name="customers_one_decision_per_pair",
            )
        ]
        permissions = [
            ("review_pairs", _("Can confirm or reject pairs of records, merge and unmerge"))
        ]

    def __str__(self) -> str:
        return (
            f"{self.source_a}:{self.customer_id_a} – {self.source_b}:{self.customer_id_b}: "
            f"{self.decision}"
        )


class EventKind(models.TextChoices):
    MERGE = "merge", _("Merge")
    SPLIT = "split", _("Split")
    UNMERGE = "unmerge", _("Unmerge")
    CONFIRM = "confirm", _("Pair confirmed")
    REJECT = "reject", _("Pair rejected")


class PersonEvent(models.Model):
    """The audit trail: a merge, split or unmerge of persons, or a decision on a pair; who
    (empty for a resolution run), when, why, and which persons and records."""

    at = models.DateTimeField(_("when"))
    kind = models.CharField(_("what"), max_length=10, choices=EventKind.choices)
    person_id = models.CharField(_("person"), max_length=40, blank=True)
    others = models.JSONField(_("other persons"), default=list, blank=True)
    records = models.JSONField(_("records"), default=list, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("who (name)"), max_length=150, blank=True)
    run = models.ForeignKey(
        LinkageRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )

    objects: models.Manager[PersonEvent] = models.Manager()

    class Meta:
        verbose_name = _("person audit event")
        verbose_name_plural = _("person audit trail")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.person_id}"
