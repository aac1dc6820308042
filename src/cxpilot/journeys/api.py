"""HTTP API of the journeys domain (read only): the objects of ``cxpilot journeys … --format
json``, over the warehouse."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from cxpilot.kernel import roles
from cxpilot.kernel.api import TokenAuth, parameters_named
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.periods import parse_date
from cxpilot.organisation.selectors import filters_known

router = Router(tags=["journeys"], auth=TokenAuth())

#: Reading journeys is reading analytics.
PERMISSION = "organisation.view_analytics"


def _log_of(
    request: HttpRequest,
    *,
    case: str,
    activity: str,
    date_from: str | None,
    date_to: str | None,
    segment: str,
    channel: str,
    touchpoint: str,
    journey: str,
) -> Any:
    """The event log the query parameters ask for (opened on the warehouse: use inside
    ``warehouse()``)."""
    from cxpilot.journeys.log import LogFilters, event_log
    from cxpilot.warehouse.connection import warehouse

    roles.require(request.user, PERMISSION)
    filters_known(touchpoint=touchpoint, channel=channel, segment=segment)
    filters = LogFilters(
        start=parse_date(date_from, "date_from"),
        end=parse_date(date_to, "date_to"),
        segment=segment or None,
        channel=channel or None,
        touchpoint=touchpoint or None,
        journey=journey or None,
    )
    with warehouse() as con:
        return event_log(
            con.table("interactions"),
            case=case,
            activity=activity,
            filters=filters,
            in_warehouse=True,
        )


@router.get("/journeys/dfg", response=dict[str, Any])
def get_dfg(
    request: HttpRequest,
    case: str = "person",
    activity: str = "touchpoint",
    date_from: str | None = None,
    date_to: str | None = None,
    segment: str = "",
    channel: str = "",
    touchpoint: str = "",
    journey: str = "",
) -> dict[str, Any]:
    """The directly-follows graph (`cxpilot journeys dfg --format json`): `edges` (source,
    target, count, median_seconds, p90_seconds), `starts`, `ends`, `cases`, `events`."""
    from cxpilot.journeys.flows import dfg
    from cxpilot.warehouse.connection import warehouse

    with parameters_named(), warehouse():
        log = _log_of(
            request,
            case=case,
            activity=activity,
            date_from=date_from,
            date_to=date_to,
            segment=segment,
            channel=channel,
            touchpoint=touchpoint,
            journey=journey,
        )
        return dfg(log).as_dict()


@router.get("/journeys/variants", response=list[dict[str, Any]])
def get_variants(
    request: HttpRequest,
    top: int = 100,
    case: str = "person",
    activity: str = "touchpoint",
    date_from: str | None = None,
    date_to: str | None = None,
    segment: str = "",
    channel: str = "",
    touchpoint: str = "",
    journey: str = "",
) -> list[dict[str, Any]]:
    """The variants (`cxpilot journeys variants --format json`), most frequent first: `path`,
    `count`, `share`, `length`; `top` (1–10,000) bounds the list."""
    from cxpilot.journeys.flows import variants
    from cxpilot.warehouse.connection import warehouse

    if not 1 <= top <= 10_000:
        raise ValidationError("top is a number from 1 to 10,000", where="top")
    with parameters_named(), warehouse():
        log = _log_of(
            request,
            case=case,
            activity=activity,
            date_from=date_from,
            date_to=date_to,
            segment=segment,
            channel=channel,
            touchpoint=touchpoint,
            journey=journey,
        )
        return variants(log, top=top)
