"""A small warehouse with known figures for the board (computed by hand in the tests), and a
board built by hand (every section filled, a KPI without a value and its note) and fake
``selectors`` / ``services`` modules of the board domain that serve it, so that the page, the
PDF, the e-mail and the home headline are tested on their own."""

from __future__ import annotations

import datetime as dt
import sys
import types
from typing import Any

import pyarrow as pa
import pytest

from cxpilot.board.kpis import Board, Kpi
from cxpilot.kernel import roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.warehouse.ingest import load_arrow

MONTHS = ["2026-03", "2026-02", "2026-01"]


def make_board(month: str = "2026-03", comment: str = "Le site web a reculé ; à suivre.") -> Board:
    y, m = int(month[:4]), int(month[5:])
    previous = f"{y - (m == 1)}-{12 if m == 1 else m - 1:02d}"
    kpis = [
        Kpi("nps", "voice", "NPS", "nps", value=31.2, ci_low=27.0, ci_high=35.4, n=812,
            previous=36.5, change=-5.3, significant=True, year_before=30.0, year_change=1.2,
            year_significant=False, target=35.0, tolerance=3.0, status="red"),
        Kpi("ces", "voice", "CES", "score7", value=5.1, ci_low=4.9, ci_high=5.3, n=640,
            previous=5.0, change=0.1, significant=False, target=5.0, status="green"),
        Kpi("csat", "voice", "CSAT", "score5", value=3.9, ci_low=3.8, ci_high=4.0, n=700,
            previous=4.0, change=-0.1, significant=False, target=4.0, tolerance=0.2,
            status="amber"),
        Kpi("nps.touchpoint.website", "voice", "NPS — Site web", "nps", value=12.0,
            ci_low=4.0, ci_high=20.0, n=210, previous=28.0, change=-16.0, significant=True,
            touchpoint="website"),
        Kpi("nps.touchpoint.store", "voice", "NPS — Magasin", "nps", value=44.0, ci_low=37.0,
            ci_high=51.0, n=300, previous=42.0, change=2.0, significant=False,
            touchpoint="store"),
        Kpi("ces.touchpoint.app", "voice", "CES — Appli", "score7", value=5.4, ci_low=5.2,
            ci_high=5.6, n=150, previous=5.3, change=0.1, significant=False, touchpoint="app"),
        Kpi("csat.touchpoint.delivery", "voice", "CSAT — Livraison", "score5", value=3.4,
            ci_low=3.2, ci_high=3.6, n=180, previous=3.9, change=-0.5, significant=True,
            touchpoint="delivery"),
        Kpi("traffic.visits", "outcome", "Visits", "count", value=120400, previous=118000,
            change=2400),
        Kpi("conversion", "outcome", "Conversion", "percent", value=3.2, previous=3.4,
            change=-0.2),
        Kpi("churn.rate", "outcome", "Churn rate", "percent", higher_is_better=False,
            note="Pas de modèle d’attrition : lancez l’étude de valeur client."),
        Kpi("effort.irritants_addressed", "effort", "Irritants addressed", "count", value=3,
            previous=1, change=2),
        Kpi("promise.delivery_48h", "effort", "Deliveries within 48 h", "percent", value=91.0,
            target=95.0, tolerance=2.0, status="red"),
        Kpi("loop.closed_within_sla", "loop", "Cases closed within SLA", "percent",
            value=82.0, previous=78.0, change=4.0),
        Kpi("alerts.raised", "loop", "Alerts raised", "count", value=2, higher_is_better=False),
    ]  # fmt: skip
    return Board(
        month=month,
        previous_month=previous,
        year_before_month=f"{y - 1}-{m:02d}",
        kpis=kpis,
        irritants=[
            {
                "theme": "delay",
                "label": "Délais de livraison",
                "touchpoint": "delivery",
                "n": 85,
                "share": 0.21,
                "points_at_stake": 6.4,
                "initiative": "Transporteur",
            },
            {
                "theme": "checkout",
                "label": "Paiement refusé",
                "touchpoint": "website",
                "n": 40,
                "share": 0.1,
                "points_at_stake": 3.1,
                "initiative": None,
            },
        ],  # fmt: skip
        moments=[
            {
                "journey": "Achat",
                "stage": "Livraison",
                "touchpoint": "delivery",
                "effect": -0.8,
                "ci_low": -1.1,
                "ci_high": -0.5,
            },
        ],  # fmt: skip
        alerts=[
            {
                "id": 7,
                "method": "test",
                "metric": "nps",
                "touchpoint": "website",
                "period_kind": "month",
                "period": "2026-03",
                "previous_score": 28.0,
                "score": 12.0,
                "delta": -16.0,
                "p_value": 0.004,
                "n": 210,
            },
        ],  # fmt: skip
        loop={
            "opened": 40,
            "closed": 35,
            "within_sla": 29,
            "within_sla_pct": 82.9,
            "median_hours_to_close": 20.5,
        },  # fmt: skip
        maturity={
            "campaign": "Printemps",
            "level": 2,
            "label": "Émergent",
            "closed_at": "2026-02-01",
        },
        initiatives=[
            {
                "id": 1,
                "name": "Nouvelle appli",
                "status": "done",
                "metric": "ces",
                "touchpoints": ["app"],
                "department": "digital",
                "started": "2025-09-15",
                "done": "2025-10-01",
                "effect": 1.4,
                "ci_low": 1.1,
                "ci_high": 1.7,
                "method": "did",
                "roi": 2.5,
            },
        ],  # fmt: skip
        departments=[
            {
                "department": "ops",
                "name": "Opérations",
                "cases_closed": 20,
                "initiatives": 1,
                "share": 60.5,
            },
            {
                "department": "digital",
                "name": "Digital",
                "cases_closed": 15,
                "initiatives": 0,
                "share": 39.5,
            },
        ],  # fmt: skip
        governance_model={
            "recommended": "centralised",
            "chosen": "hybrid",
            "chosen_on": "2026-01-10",
        },  # fmt: skip
        rule="Vert si la cible est atteinte ; orange si l’écart ne dépasse pas la tolérance ; rouge au-delà.",
        comment=comment,
    )


@pytest.fixture
def board() -> Board:
    return make_board()


@pytest.fixture
def fake_board(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Fake ``cxpilot.board.selectors`` and ``cxpilot.board.services`` serving
    :func:`make_board`; ``calls`` records the service calls; the services check the role and
    validate as the real ones do."""
    state: dict[str, Any] = {
        "calls": [],
        "comments": {"2026-03": make_board().comment},
        "targets": {},
        "fail": None,
    }

    def board(*, actor: Any, month: str | None = None) -> Board:
        roles.require(actor, "board.view_board")
        if state["fail"] is not None:
            raise state["fail"]
        chosen = month or MONTHS[0]
        if chosen not in MONTHS:
            raise ValidationError(f"no board for the month {chosen!r}", where="month")
        return make_board(chosen, comment=state["comments"].get(chosen, ""))

    def headline(*, actor: Any, month: str | None = None) -> list[Kpi]:
        found = board(actor=actor, month=month)
        return [k for k in found.kpis if k.kpi in ("nps", "ces", "csat")]

    selectors = types.ModuleType("cxpilot.board.selectors")
    selectors.board = board  # type: ignore[attr-defined]
    selectors.board_months = lambda: list(MONTHS)  # type: ignore[attr-defined]
    selectors.headline = headline  # type: ignore[attr-defined]

    def target_set(*, actor: Any, kpi: str, target: float, tolerance: float = 0) -> None:
        roles.require(actor, "board.change_kpitarget")
        if tolerance < 0:
            raise ValidationError("the tolerance cannot be negative", where="tolerance")
        state["calls"].append(("target_set", kpi, target, tolerance))
        state["targets"][kpi] = (target, tolerance)

    def target_delete(*, actor: Any, kpi: str) -> None:
        roles.require(actor, "board.delete_kpitarget")
        state["calls"].append(("target_delete", kpi))
        if kpi not in state["targets"]:
            raise NotFound(f"no target for the KPI {kpi!r}", where="kpi")
        state["targets"].pop(kpi)

    def comment_set(*, actor: Any, month: str, text: str) -> None:
        roles.require(actor, "board.change_boardcomment")
        if len(text) > 5000:
            raise ValidationError("the comment is longer than 5000 characters", where="text")
        state["calls"].append(("comment_set", month, text))
        state["comments"][month] = text

    def mailing_set(
        *, actor: Any, recipients: list[str], day: int, language: str, enabled: bool
    ) -> None:
        from cxpilot.board.models import BoardMailing

        roles.require(actor, "board.change_boardmailing")
        bad = [r for r in recipients if "@" not in r]
        if bad:
            raise ValidationError(f"not an e-mail address: {bad[0]!r}", where="recipients")
        if not 1 <= day <= 28:
            raise ValidationError("the day must be from 1 to 28", where="day")
        row = BoardMailing.current()
        row.recipients, row.day, row.language, row.enabled = (
            "\n".join(recipients), day, language, enabled,
        )  # fmt: skip
        row.save()
        state["calls"].append(("mailing_set", recipients, day, language, enabled))

    from cxpilot.board import services as real

    services = types.ModuleType("cxpilot.board.services")
    for f in (target_set, target_delete, comment_set, mailing_set):
        setattr(services, f.__name__, f)
    # the checks of input are the real ones
    services.recipients_checked = real.recipients_checked  # type: ignore[attr-defined]
    services.month_checked = real.month_checked  # type: ignore[attr-defined]
    import cxpilot.board as package

    monkeypatch.setitem(sys.modules, "cxpilot.board.selectors", selectors)
    monkeypatch.setitem(sys.modules, "cxpilot.board.services", services)
    monkeypatch.setattr(package, "selectors", selectors, raising=False)
    monkeypatch.setattr(package, "services", services, raising=False)
    return state


def _answers(month: tuple[int, int], prefix: str, plan: list[tuple[int, int]]) -> list[dict]:
    """``plan``: (score, how many) of the website's NPS answers in ``month``."""
    rows = []
    i = 0
    for score, count in plan:
        for _ in range(count):
            rows.append(
                {
                    "response_id": f"{prefix}{i}",
                    "customer_id": f"{prefix}c{i}",
                    "source": "crm",
                    "touchpoint": "website",
                    "timestamp": dt.datetime(*month, 1 + i % 27, 12),
                    "metric": "nps",
                    "score": score,
                    "channel": "web",
                }
            )
            i += 1
    return rows


def _event(n: int, customer: str, kind: str, day: dt.datetime, tp: str, channel: str) -> dict:
    return {
        "event_id": f"e{n}",
        "customer_id": customer,
        "source": "crm",
        "touchpoint": tp,
        "timestamp": day,
        "channel": channel,
        "type": kind,
    }


@pytest.fixture
def small(org) -> None:
    """Website NPS: March 2026 40 answers, 20 promoters, 10 detractors (NPS 25); February
    2026 40 answers, 10 promoters, 20 detractors (NPS −25). Interactions of March 2026:
    four web visits of c1..c4, c1 orders two days later, c2 twelve days later (conversion 1
    of 4); c1 opens two e-mails and c2 clicks on social media (reach 2)."""
    rows = _answers((2026, 3), "m", [(10, 20), (0, 10), (8, 10)])
    rows += _answers((2026, 2), "f", [(10, 10), (0, 20), (8, 10)])
    load_arrow(table="responses", data=pa.Table.from_pylist(rows))
    march = dt.datetime(2026, 3, 10, 10)
    events = [
        *(_event(i, f"c{i}", "visit", march, "website", "web") for i in range(1, 5)),
        _event(11, "c1", "order", march + dt.timedelta(days=2), "website", "web"),
        _event(12, "c2", "order", march + dt.timedelta(days=12), "website", "web"),
        _event(21, "c1", "email_open", march, "website", "email"),
        _event(22, "c1", "email_open", march + dt.timedelta(days=1), "website", "email"),
        _event(23, "c2", "social_click", march, "website", "web"),
    ]
    load_arrow(table="interactions", data=pa.Table.from_pylist(events))
