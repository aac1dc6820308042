"""The demo company's closed loop: follow-up cases for its last three months of answers, worked
as a team works them (first contact within hours, most closed within days with a resolution
and a root cause, some late, a backlog of recent ones), and the alerts of its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from cxpilot.loop.alerts import alerts_check
from cxpilot.loop.models import (
    Alert,
    CaseNote,
    CaseStatus,
    ContactChannel,
    FollowUpCase,
    LoopSettings,
    NoteKind,
)
from cxpilot.loop.services import cases_open_from_warehouse

#: Months of answers that open cases.
CASE_MONTHS = 3
#: Cases answered in the last days of the data are still being worked.
BACKLOG_DAYS = 7
#: Share of the older cases left open (forgotten: overdue).
FORGOTTEN = 0.06
#: Median hours from the answer to the first contact, and from there to the close.
HOURS_TO_CONTACT = 6.0
HOURS_TO_CLOSE = 30.0

#: What causes the trouble, by touchpoint (the demo company is French).
ROOT_CAUSES: dict[str, tuple[str, ...]] = {
    "delivery": ("transporteur en retard", "colis perdu", "colis abîmé"),
    "website": ("livraison en retard", "paiement refusé", "site lent"),
    "app": ("application qui plante", "paiement refusé"),
    "store": ("rupture de stock", "attente en caisse", "conseil insuffisant"),
    "call_centre": ("temps d'attente", "mauvaise information", "rappel non fait"),
    "chat": ("réponse trop lente", "mauvaise information"),
    "returns": ("remboursement tardif", "étiquette de retour absente"),
    "click_collect": ("commande pas prête", "attente au retrait"),
    "product": ("produit défectueux", "notice incomplète"),
    "partner_reseller": ("stock du revendeur", "conseil insuffisant"),
    "loyalty_programme": ("points non crédités", "avantages peu clairs"),
    "relation": ("livraisons décevantes", "prix jugé trop élevé", "service jugé distant"),
}
OTHER_CAUSES = ("produit défectueux", "prix jugé trop élevé", "promesse non tenue")
RESOLUTIONS = (
    "Client rappelé, excuses et bon d'achat de 10 €.",
    "Client rappelé : problème expliqué, il est satisfait de la réponse.",
    "Remboursement fait, client informé par e-mail.",
    "Produit remplacé, livraison express offerte.",
    "Client injoignable après trois essais : message laissé, dossier clos.",
)


def demo_load(*, seed: int, period_end: dt.date) -> dict[str, Any]:
    """Open and work the cases of the last months of the demo data, and raise the alerts of
    its history (both methods: month to month, and the weekly CUSUM's sustained shifts).

    The cases and alerts of an earlier demo are removed first: they referred to answers the
    regeneration replaced.
    """
    FollowUpCase.objects.all().delete()
    Alert.objects.all().delete()
    since = period_end.replace(day=1)
    for _ in range(CASE_MONTHS - 1):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    opened = cases_open_from_warehouse(since=since)
    closed = _work(np.random.default_rng(seed), period_end)
    day_after = period_end + dt.timedelta(days=1)
    alerts = alerts_check(period="month", as_of=day_after, history=True)
    return {"cases": opened, "closed": closed, "alerts": len(alerts)}


def _work(rng: np.random.Generator, period_end: dt.date) -> int:
    """Give the cases the times and the history of a team at work; return how many closed."""
    sla = dt.timedelta(hours=LoopSettings.current().sla_hours)
    end = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    backlog_from = end - dt.timedelta(days=BACKLOG_DAYS)
    cases = list(FollowUpCase.objects.order_by("answered_at", "pk"))
    notes: list[CaseNote] = []
    closed = 0
    for case in cases:
        # the inbox flush opens the case minutes after the answer
        case.opened_at = case.answered_at + dt.timedelta(minutes=float(rng.uniform(1, 10)))
        case.due_at = case.opened_at + sla
        if case.answered_at >= backlog_from and rng.random() < 0.6:
            continue  # not yet looked at
        contact = case.opened_at + dt.timedelta(
            hours=float(rng.lognormal(np.log(HOURS_TO_CONTACT), 0.9))
        )
        if contact >= end:
            continue
        case.first_contact_at = contact
        case.status = CaseStatus.IN_PROGRESS
        channel = ContactChannel.PHONE if rng.random() < 0.7 else ContactChannel.EMAIL
        notes.append(
            CaseNote(
                case=case,
                kind=NoteKind.CONTACT,
                channel=channel,
                text="Client contacté au sujet de son avis.",
                created_at=contact,
            )
        )
        close = contact + dt.timedelta(hours=float(rng.lognormal(np.log(HOURS_TO_CLOSE), 0.8)))
        if close >= end or (case.answered_at < backlog_from and rng.random() < FORGOTTEN):
            continue
        causes = ROOT_CAUSES.get(case.touchpoint, OTHER_CAUSES)
        case.status = CaseStatus.CLOSED
        case.closed_at = close
        case.resolution = str(rng.choice(RESOLUTIONS))
        case.root_cause = str(rng.choice(causes))
        notes.append(
            CaseNote(
                case=case,
                kind=NoteKind.STATUS,
                status=CaseStatus.CLOSED,
                text=case.resolution,
                created_at=close,
            )
        )
        closed += 1
    FollowUpCase.objects.bulk_update(
        cases,
        [
            "opened_at",
            "due_at",
            "first_contact_at",
            "status",
            "closed_at",
            "resolution",
            "root_cause",
        ],
        batch_size=1000,
    )
    # created_at is stamped on creation: give each note the time it happened afterwards
    times = [note.created_at for note in notes]
    created = CaseNote.objects.bulk_create(notes, batch_size=1000)
    for note, at in zip(created, times, strict=True):
        note.created_at = at
    CaseNote.objects.bulk_update(created, ["created_at"], batch_size=1000)
    return closed
