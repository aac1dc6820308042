"""HTTP API of the maturity domain (read only): campaigns, their results, culture and
roadmap, and the latest dimension scores. Same JSON as the CLI; same anonymity rule."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from cxpilot.kernel import roles
from cxpilot.kernel.api import TokenAuth
from cxpilot.maturity import selectors
from cxpilot.maturity.reports import culture_json, roadmap_json, score_json

router = Router(tags=["maturity"], auth=TokenAuth())


@router.get("/maturity/campaigns", response=list[dict[str, Any]])
def get_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    """The assessment campaigns, newest first, with their numbers of links and answers."""
    return [
        {
            "id": c.pk,
            "name": c.name,
            "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(),
            "status": c.status,
            "is_demo": c.is_demo,
            "invited": getattr(c, "invited", 0),
            "answered": getattr(c, "answered", 0),
        }
        for c in selectors.campaign_list(actor=request.user)
    ]


@router.get("/maturity/campaigns/{campaign_id}/result", response=dict[str, Any])
def get_result(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Scores, levels, customer-centricity and alignment gap (the object of
    `cxpilot maturity score`); groups under 5 respondents are null."""
    campaign = selectors.campaign_get(actor=request.user, pk=campaign_id)
    return score_json(selectors.campaign_result(campaign), selectors.campaign_model(campaign))


@router.get("/maturity/campaigns/{campaign_id}/culture", response=dict[str, Any])
def get_culture(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Cultural entropy, top values, matches and jumps (the object of `cxpilot culture entropy`)."""
    campaign = selectors.campaign_get(actor=request.user, pk=campaign_id)
    return culture_json(selectors.campaign_culture(campaign))


@router.get("/maturity/campaigns/{campaign_id}/roadmap", response=list[dict[str, Any]])
def get_roadmap(request: HttpRequest, campaign_id: int) -> list[dict[str, Any]]:
    """The prioritised roadmap, in horizon and priority order."""
    campaign = selectors.campaign_get(actor=request.user, pk=campaign_id)
    return roadmap_json(selectors.campaign_roadmap(campaign))


@router.get("/maturity/latest", response=dict[str, Any])
def get_latest(request: HttpRequest) -> dict[str, Any]:
    """Dimension scores (0–100) of the most recent closed campaign; `scores` is null when no
    campaign is closed."""
    roles.require(request.user, selectors.VIEW)
    return {"scores": selectors.latest_dimension_scores()}
