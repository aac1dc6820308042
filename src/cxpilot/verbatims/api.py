"""HTTP API of verbatim analytics: irritants and key drivers (read only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from cxpilot.analytics.metrics import parse_date
from cxpilot.kernel import roles
from cxpilot.kernel.api import TokenAuth
from cxpilot.verbatims import selectors

router = Router(tags=["verbatims"], auth=TokenAuth())


def _scope(touchpoint: str, date_from: str | None, date_to: str | None, language: str) -> Any:
    return selectors.Scope(
        touchpoint=touchpoint,
        start=parse_date(date_from, "from"),
        end=parse_date(date_to, "to"),
        language=language,
    )


@router.get("/irritants", response=list[dict[str, Any]])
def get_irritants(
    request: HttpRequest,
    touchpoint: str = "",
    each_touchpoint: bool = False,
    date_from: str | None = None,
    date_to: str | None = None,
    language: str = "",
    min_mentions: int = 5,
    examples: int = 3,
) -> list[dict[str, Any]]:
    """Themes ranked by NPS points at stake, best first (the fields of `cxpilot irritants`).

    Dates are `YYYY-MM-DD` (`date_from`, `date_to`, inclusive); `language` is fr, en or other.
    """
    roles.require(request.user, "organisation.view_analytics")
    return selectors.irritants(
        scope=_scope(touchpoint, date_from, date_to, language),
        each_touchpoint=each_touchpoint,
        min_mentions=min_mentions,
        examples=max(0, min(examples, 10)),
    )


@router.get("/drivers", response=dict[str, Any])
def get_drivers(
    request: HttpRequest,
    outcome: str = "nps",
    touchpoint: str = "",
    date_from: str | None = None,
    date_to: str | None = None,
    method: str = "both",
) -> dict[str, Any]:
    """Key drivers of a score among the themes (the object of `cxpilot drivers`)."""
    roles.require(request.user, "organisation.view_analytics")
    return selectors.drivers(
        outcome=outcome, scope=_scope(touchpoint, date_from, date_to, ""), method=method
    )
