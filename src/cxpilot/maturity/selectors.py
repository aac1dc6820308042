"""Reads of the maturity domain. Reports are built from submitted answer sets only and go
through :mod:`.stats`, which hides every group of fewer than 5 respondents."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q

from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound
from cxpilot.maturity.catalog import Model, actions_load, model_from_data, values_load
from cxpilot.maturity.models import Campaign, Invitation, Rating, ValuePick
from cxpilot.maturity.roadmap import owner_departments, roadmap_plan
from cxpilot.maturity.stats import Answer, Vote, culture_report, maturity_compare, maturity_report
from cxpilot.organisation.models import Department

VIEW = "maturity.view_campaign"


def campaign_model(campaign: Campaign) -> Model:
    """The maturity model the campaign was run with."""
    return model_from_data(campaign.model, source=f"campaign {campaign.pk}")


def campaign_list(*, actor: Any) -> list[Campaign]:
    roles.require(actor, VIEW)
    return list(
        Campaign.objects.annotate(
            invited=Count("invitations"),
            answered=Count("invitations", filter=Q(invitations__submitted_at__isnull=False)),
        )
    )


def campaign_get(*, actor: Any, pk: int) -> Campaign:
    roles.require(actor, VIEW)
    try:
        return Campaign.objects.get(pk=pk)
    except Campaign.DoesNotExist:
        raise NotFound(f"no maturity campaign {pk}") from None


def invitation_by_token(*, token: str) -> Invitation:
    """The invitation of a personal link (public: the token is the credential)."""
    try:
        return Invitation.objects.select_related("campaign").get(token=token)
    except Invitation.DoesNotExist:
        raise NotFound("this link is not valid") from None


def invitation_answers(invitation: Invitation) -> tuple[dict[str, int], dict[str, list[str]]]:
    """What a respondent has saved so far: ratings by practice, picks by lens."""
    ratings = dict(invitation.ratings.values_list("practice", "rating"))
    picks: dict[str, list[str]] = {"current": [], "desired": []}
    for lens, value in invitation.picks.values_list("lens", "value"):
        picks[lens].append(value)
    return ratings, picks


def invitation_counts(campaign: Campaign) -> list[dict[str, Any]]:
    """Invited and answered per department (counts only)."""
    rows = (
        campaign.invitations.values("department_key")
        .annotate(
            invited=Count("id"),
            answered=Count("id", filter=Q(submitted_at__isnull=False)),
        )
        .order_by("department_key")
    )
    names = dict(Department.objects.values_list("key", "name"))
    return [
        {**r, "department_name": names.get(r["department_key"], r["department_key"])} for r in rows
    ]


def invitation_links(campaign: Campaign) -> list[Invitation]:
    """The personal links not answered yet (to send again)."""
    return list(campaign.invitations.filter(submitted_at__isnull=True))


def campaign_answers(campaign: Campaign) -> list[Answer]:
    rows = Rating.objects.filter(
        invitation__campaign=campaign, invitation__submitted_at__isnull=False
    ).values_list("invitation_id", "invitation__department_key", "practice", "rating")
    return [Answer(str(i), d, p, r) for i, d, p, r in rows]


def campaign_votes(campaign: Campaign) -> list[Vote]:
    catalogue = values_load()
    rows = ValuePick.objects.filter(
        invitation__campaign=campaign, invitation__submitted_at__isnull=False
    ).values_list("invitation_id", "invitation__department_key", "lens", "value")
    return [Vote(str(i), d, lens, v) for i, d, lens, v in rows if v in catalogue]


def campaign_result(campaign: Campaign) -> dict[str, Any]:
    """The maturity report of a campaign (anonymity rule applied)."""
    return maturity_report(campaign_model(campaign), campaign_answers(campaign))


def campaign_culture(campaign: Campaign) -> dict[str, Any]:
    return culture_report(values_load(), campaign_votes(campaign))


def campaign_roadmap(campaign: Campaign) -> list[dict[str, Any]]:
    report = campaign_result(campaign)
    scores = {d["dimension"]: d["score"] for d in report["dimensions"]}
    catalogue = actions_load()
    owners = owner_departments(catalogue, set(Department.objects.values_list("key", flat=True)))
    return roadmap_plan(catalogue, scores, owners=owners)


def previous_closed(campaign: Campaign) -> Campaign | None:
    """The closed campaign that started last before this one."""
    return (
        Campaign.objects.filter(status=Campaign.Status.CLOSED, starts_on__lt=campaign.starts_on)
        .order_by("-starts_on", "-id")
        .first()
    )


def campaign_compare(before: Campaign, after: Campaign) -> dict[str, Any]:
    return maturity_compare(campaign_result(before), campaign_result(after))


def level_history() -> list[dict[str, Any]]:
    """Overall score and level of each closed campaign, oldest first."""
    out = []
    for campaign in Campaign.objects.filter(status=Campaign.Status.CLOSED).order_by(
        "starts_on", "id"
    ):
        report = campaign_result(campaign)
        out.append(
            {
                "campaign": campaign,
                "starts_on": campaign.starts_on,
                "respondents": report["respondents"],
                "overall_score": report["overall_score"],
                "overall_level": report["overall_level"],
                "scores": {d["dimension"]: d["score"] for d in report["dimensions"]},
            }
        )
    return out


def department_names() -> dict[str, str]:
    return dict(Department.objects.values_list("key", "name"))


def latest_closed_campaign() -> Campaign | None:
    """The closed campaign that started last (the latest maturity results), or None."""
    return (
        Campaign.objects.filter(status=Campaign.Status.CLOSED).order_by("-starts_on", "-id").first()
    )


def latest_closed_result() -> tuple[Campaign, dict[str, Any]] | None:
    """The latest closed campaign and its maturity report (anonymity rule applied), or None
    when no campaign is closed yet."""
    campaign = latest_closed_campaign()
    if campaign is None:
        return None
    return campaign, campaign_result(campaign)


def campaign_names(campaign: Campaign) -> dict[str, dict[Any, str]]:
    """The names, in the active language, of the campaign's model: ``levels`` (level number →
    name) and ``dimensions`` (dimension key → name)."""
    from django.utils.translation import get_language

    from cxpilot.maturity.catalog import text

    model = campaign_model(campaign)
    language = get_language()
    return {
        "levels": {lv.level: text(lv.name, language) for lv in model.levels},
        "dimensions": {d.key: text(d.name, language) for d in model.dimensions},
    }


def latest_dimension_scores() -> dict[str, float] | None:
    """Dimension key → score (0–100) of the most recent closed campaign; None if there is none.

    A dimension without a score (nothing rated, or fewer than 5 respondents) is left out.
    """
    campaign = latest_closed_campaign()
    if campaign is None:
        return None
    report = campaign_result(campaign)
    return {d["dimension"]: d["score"] for d in report["dimensions"] if d["score"] is not None}


def dimension_names() -> dict[str, str]:
    """Dimension key → its name in the active language (of the configured maturity model)."""
    from django.utils.translation import get_language

    from cxpilot.maturity.catalog import model_load, text

    language = get_language()
    return {d.key: text(d.name, language) for d in model_load().dimensions}


def submitted_by_department(campaign: Campaign) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for key in campaign.invitations.filter(submitted_at__isnull=False).values_list(
        "department_key", flat=True
    ):
        out[key] += 1
    return dict(out)
