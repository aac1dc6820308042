"""Reads of the home page: what there is in the organisation model and the warehouse."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxpilot.analytics.selectors import Pulse, pulse
from cxpilot.kernel import roles
from cxpilot.kernel.errors import CxPilotError
from cxpilot.kernel.roles import Actor
from cxpilot.loop.selectors import case_kpis, open_alerts
from cxpilot.organisation.selectors import org_counts
from cxpilot.warehouse import connection
from cxpilot.warehouse.selectors import inbox_pending

if TYPE_CHECKING:
    from cxpilot.board.kpis import Kpi

log = logging.getLogger("cxpilot.home")


@dataclass(frozen=True)
class HomeSummary:
    """What the home page shows: real counts, and what the warehouse said if it failed."""

    org_counts: dict[str, int] = field(default_factory=dict)
    warehouse_counts: dict[str, int] | None = None
    warehouse_error: str = ""
    inbox_pending: int | None = None
    pulse: Pulse | None = None
    alerts_open: int | None = None
    cases: dict[str, int] | None = None

    @property
    def warehouse_empty(self) -> bool:
        return self.warehouse_counts is not None and not any(self.warehouse_counts.values())

    @property
    def organisation_empty(self) -> bool:
        return not any(self.org_counts.values())


def home_summary(*, actor: Actor) -> HomeSummary:
    """Counts of the organisation entities the actor may see; warehouse and inbox counts for
    those who may view analytics. A warehouse that cannot be opened gives its error text."""
    counts = org_counts(actor=actor)
    if not roles.may(actor, "organisation.view_analytics"):
        return HomeSummary(org_counts=counts)
    warehouse_counts: dict[str, int] | None = None
    warehouse_error = ""
    try:
        warehouse_counts = connection.counts()
    except CxPilotError as exc:
        # the detail only: ``where`` is the warehouse URL, which may hold a password
        warehouse_error = exc.detail
    pending = inbox_pending()
    found = None
    if warehouse_counts and warehouse_counts.get("responses"):
        found = pulse(actor=actor)
    return HomeSummary(
        org_counts=counts,
        warehouse_counts=warehouse_counts,
        warehouse_error=warehouse_error,
        inbox_pending=pending,
        pulse=found,
        alerts_open=open_alerts(actor=actor) if roles.may(actor, "loop.view_alert") else None,
        cases=_cases(actor),
    )


def _cases(actor: Actor) -> dict[str, int] | None:
    """The open and overdue cases the actor sees (a department owner: their department's)."""
    if not roles.may(actor, "loop.view_followupcase"):
        return None
    kpis = case_kpis(actor=actor)
    return {"open": kpis["open"], "overdue": kpis["overdue"]}


def board_headline(*, actor: Actor) -> list[Kpi]:
    """The executive board's headline for ``actor`` (a department owner: their touchpoints
    first), or nothing when they may not see the board, there is no board yet, or it cannot be
    built: the home page shows without it (the failure is logged)."""
    if actor is None or not roles.may(actor, "board.view_board"):
        return []
    try:
        from cxpilot.board import selectors as board

        return [k for k in board.headline(actor=actor, month=None) if k.value is not None]
    except Exception as exc:  # noqa: BLE001 - the home page never fails for its headline
        log.warning("the board's headline could not be built: %s", exc)
        return []
