"""HTTP API of VoC analytics: the metrics and the key drivers by touchpoint (read only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from cxpilot.analytics import selectors
from cxpilot.analytics.dashboard import PERMISSION
from cxpilot.analytics.metrics import metric_groups, parse_by, parse_date
from cxpilot.kernel import roles
from cxpilot.kernel.api import TokenAuth, parameters_named
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.selectors import filters_known

router = Router(tags=["analytics"], auth=TokenAuth())


@router.get("/metrics", response=list[dict[str, Any]])
def get_metrics(
    request: HttpRequest,
    metric: str,
    by: str = "",
    date_from: str | None = None,
    date_to: str | None = None,
    touchpoint: str = "",
    channel: str = "",
    segment: str = "",
    language: str = "",
    by_person: bool = False,
) -> list[dict[str, Any]]:
    """NPS, CES or CSAT per group (the rows of `cxpilot metrics --format json`), each with
    `n` answers and the distinct `customers` (persons) behind them. `by` is comma-separated;
    dates are `YYYY-MM-DD`, both included; `by_person` keeps each person's latest answer per
    group."""
    roles.require(request.user, PERMISSION)
    filters_known(touchpoint=touchpoint, channel=channel, segment=segment)
    with parameters_named():
        return metric_groups(
            metric=metric.lower(),
            by=parse_by(by),
            start=parse_date(date_from, "date_from"),
            end=parse_date(date_to, "date_to"),
            filters={
                "touchpoint": touchpoint,
                "channel": channel,
                "segment": segment,
                "language": language,
            },
            by_person=by_person,
        )


@router.get("/touchpoint-drivers", response=dict[str, Any])
def get_touchpoint_drivers(
    request: HttpRequest,
    outcome: str,
    outcome_metric: str = "nps",
    touchpoints: str = "",
    metric: str = "",
    min_coverage: float = selectors.DEFAULT_MIN_COVERAGE,
    date_from: str | None = None,
    date_to: str | None = None,
) -> dict[str, Any]:
    """Key drivers by touchpoint, per person (the object of `cxpilot touchpoint-drivers
    --format json`)."""
    roles.require(request.user, PERMISSION)
    if len(touchpoints) > 2000:
        raise ValidationError("too many touchpoints", where="touchpoints")
    with parameters_named():
        result = selectors.touchpoint_drivers(
            actor=request.user,
            outcome=outcome,
            outcome_metric=outcome_metric.lower(),
            touchpoints=touchpoints.split(",") if touchpoints else None,
            metric=metric.lower() or None,
            min_coverage=min_coverage,
            start=parse_date(date_from, "date_from"),
            end=parse_date(date_to, "date_to"),
        )
    return result.as_dict()
