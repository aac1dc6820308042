"""HTTP API of the initiatives domain: list, read and create initiatives, and read the
measured effect of one with its return. The same rows and checks as ``cxpilot initiatives``:
creating goes through :func:`cxpilot.initiatives.services.initiative_save` (the CX lead's
right, every field checked, nothing stored when one is wrong)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from cxpilot.initiatives import selectors, services
from cxpilot.kernel.api import TokenAuth
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.periods import parse_date

router = Router(tags=["initiatives"], auth=TokenAuth())


class InitiativeIn(Schema):
    """A new initiative. Keys as ``cxpilot initiatives add``; dates ``YYYY-MM-DD``."""

    name: str = Field(description="Its name (1–200 characters).")
    touchpoints: list[str] = Field(description="Keys of the touchpoints it changes.")
    metric: str = Field(description="The KPI it should move: nps, ces or csat.")
    description: str = ""
    themes: list[str] = Field(default_factory=list, description="Irritant themes it addresses.")
    expected_change: float | None = Field(None, description="Expected change, in KPI points.")
    department: str = Field("", description="Owning department (key); empty: from the RACI.")
    effort: str = Field("M", description="S, M or L.")
    person_days: int | None = None
    cost_one_off: float | str = 0
    cost_monthly: float | str = 0
    expected_return: float | str | None = None
    customers_reached: int | None = None
    planned_on: str | None = None
    started_on: str | None = None
    done_on: str | None = None
    status: str = Field("", description="proposed, planned, started, done or dropped.")
    source: str = Field("", description="The roadmap action or council decision (text).")
    council: int | None = Field(None, description="Id of the council that decided it.")

    model_config = {"extra": "forbid"}


class InitiativeOut(Schema):
    id: int
    name: str
    status: str
    metric: str
    touchpoints: list[str]
    themes: list[str]
    expected_change: float | None
    department: str | None
    effort: str
    person_days: int | None
    cost_one_off: float
    cost_monthly: float
    expected_return: float | None
    customers_reached: int | None
    planned_on: dt.date | None
    started_on: dt.date | None
    done_on: dt.date | None
    source: str
    council: int | None


class EffectOut(Schema):
    """The measured effect (``cxpilot initiatives effect ID --format json``) and its return."""

    initiative: int
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    method: str | None
    n: int
    metric: str
    start: str
    window_months: int
    touched: list[str]
    comparison: list[str]
    p_value: float | None
    clusters: int
    reason: str | None
    parallel_trends: dict[str, Any] | None
    cells: dict[str, Any] | None
    series: list[dict[str, Any]]
    #: the return over the settings' months, and what valued it
    return_: float | None = Field(None, alias="return")
    return_ci_low: float | None
    return_ci_high: float | None
    cost: float | None
    net: float | None
    roi: float | None
    basis: str
    value_per_point: float | None
    value_per_point_ci_low: float | None
    value_per_point_ci_high: float | None
    customers_reached: int | None
    customers_basis: str
    months: int
    valuation: dict[str, Any] | None
    basis_note: str | None


@router.get("/initiatives", response=list[InitiativeOut])
def get_initiatives(request: HttpRequest) -> list[dict[str, Any]]:
    """The initiatives, by name (any role that sees initiatives)."""
    return [selectors.initiative_row(i) for i in selectors.initiative_list(actor=request.user)]


@router.get("/initiatives/{initiative_id}", response=InitiativeOut)
def get_initiative(request: HttpRequest, initiative_id: int) -> dict[str, Any]:
    """One initiative."""
    return selectors.initiative_row(selectors.initiative_get(actor=request.user, pk=initiative_id))


@router.post("/initiatives", response={201: InitiativeOut})
def post_initiative(request: HttpRequest, body: InitiativeIn) -> Status[dict[str, Any]]:
    """Create an initiative (the CX lead). Every field is checked as on the form and the CLI;
    nothing is stored when one is wrong (422 naming it)."""
    fields = body.model_dump()
    days = {
        name: parse_date(fields.pop(name), name) for name in ("planned_on", "started_on", "done_on")
    }
    draft = services.Draft(**fields, **days)
    saved = services.initiative_save(actor=request.user, draft=draft)
    return Status(201, selectors.initiative_row(saved))


@router.get("/initiatives/{initiative_id}/effect", response=EffectOut, by_alias=True)
def get_effect(
    request: HttpRequest, initiative_id: int, window: int | None = None
) -> dict[str, Any]:
    """The measured effect on the initiative's KPI from its start day (`effect`, `ci_low`,
    `ci_high`, `method`, `n`, the parallel-trends check, the 2×2 means, the monthly series)
    and its return (`return`, `return_ci_low`, `return_ci_high`, `roi`, `basis`: `data` when
    the customer-value work valued a KPI point, `assumption` when the editable setting did).
    `window`: months before and after the start (2–36; default the settings')."""
    if window is not None and not 2 <= window <= 36:
        raise ValidationError("a window of 2 to 36 months", where="window")
    chosen = selectors.initiative_get(actor=request.user, pk=initiative_id)
    effect = selectors.initiative_effect(actor=request.user, initiative=chosen, window=window)
    returned = selectors.return_dict(*selectors.initiative_return(chosen, effect))
    return {
        "initiative": chosen.pk,
        **effect.as_dict(),
        "series": effect.series,
        **returned,
    }
