"""Demo data of the maturity domain: two closed assessment campaigns of the demo company
(Maison Lumière), with synthetic respondents and culture votes. Deterministic for a seed.

The truths planted (so a demo reader can find them):

- overall maturity rises from level 2 (Initiate) in November 2025 to level 3 (Mobilise) in
  October 2026, most in measurement and governance (a CX council and a dashboard were set
  up in between);
- governance and leadership are the weakest dimensions in 2025;
- the alignment gap is largest in journey design: e-commerce rates it high, the stores low;
- cultural entropy falls between the two campaigns (with seed 42: from about 50 %,
  critical, to under 40 %, serious): fewer votes for silo thinking, bureaucracy,
  short-termism, blame and hierarchy; trust, cooperation across departments and empowerment
  are the jumps (wanted, not there yet);
- IT, logistics and the partners have fewer than 5 respondents: their scores are hidden.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction

from cxpilot.kernel.errors import ValidationError
from cxpilot.maturity import services
from cxpilot.maturity.catalog import model_load, values_load
from cxpilot.maturity.models import Campaign
from cxpilot.organisation.models import Department

DEMO_PREFIX = "Démo · "

#: Respondents per department (fewer than 5: hidden in the reports).
RESPONDENTS = {
    "direction_experience_client": 5,
    "marketing": 8,
    "service_client": 12,
    "e_commerce": 7,
    "magasins": 11,
    "logistique": 4,
    "produit": 6,
    "dsi": 3,
    "ventes": 5,
    "partenaires": 2,
}

#: Mean rating (1–4) per dimension in the first campaign, and the rise by the second.
BASE = {
    "strategy": (2.1, 0.4),
    "customer_understanding": (2.4, 0.4),
    "journey_design": (2.0, 0.35),
    "measurement": (1.8, 0.8),
    "governance": (1.6, 0.8),
    "culture": (2.2, 0.3),
    "leadership": (1.7, 0.45),
    "employee_engagement": (2.0, 0.3),
}

#: Department views that differ from the mean (dimension → offset in rating points).
OFFSETS = {
    "e_commerce": {"journey_design": 1.0, "measurement": 0.4},
    "magasins": {"journey_design": -0.6, "measurement": -0.3, "employee_engagement": -0.3},
    "service_client": {"customer_understanding": 0.5, "culture": -0.2},
    "marketing": {"customer_understanding": 0.4, "strategy": 0.3},
    "direction_experience_client": {"governance": 0.3, "strategy": 0.4},
    "produit": {"journey_design": -0.2, "customer_understanding": -0.3},
}

CURRENT_2025 = {
    "silo_thinking": 9, "bureaucracy": 7, "short_termism": 5, "cost_cutting": 5, "blame": 3,
    "hierarchy": 4, "confusion": 3, "internal_competition": 2, "quality": 7, "commitment": 6,
    "customer_focus": 5, "reliability": 5, "teamwork": 5, "respect": 5, "results_orientation": 4,
}  # fmt: skip
CURRENT_2026 = {
    **CURRENT_2025,
    "silo_thinking": 7, "bureaucracy": 5, "short_termism": 3, "blame": 2, "hierarchy": 3,
    "customer_focus": 7, "listening": 4, "cross_team_cooperation": 3, "transparency": 3,
}  # fmt: skip
DESIRED = {
    "customer_focus": 9, "cross_team_cooperation": 8, "trust": 7, "empowerment": 7,
    "listening": 6, "simplicity": 5, "transparency": 5, "continuous_improvement": 5,
    "recognition": 4, "long_term_vision": 4, "quality": 5, "agility": 3, "teamwork": 4,
}  # fmt: skip

CAMPAIGNS = (
    ("2025-11", dt.date(2025, 11, 3), dt.date(2025, 11, 28), 0.0, CURRENT_2025),
    ("2026-10", dt.date(2026, 10, 1), dt.date(2026, 10, 30), 1.0, CURRENT_2026),
)


def _picks(rnd: random.Random, weights: dict[str, int], k: int) -> list[str]:
    """``k`` distinct values drawn with these weights."""
    pool = dict(weights)
    out: list[str] = []
    while pool and len(out) < k:
        keys = sorted(pool)
        choice = rnd.choices(keys, weights=[pool[x] for x in keys])[0]
        out.append(choice)
        del pool[choice]
    return out


@transaction.atomic
def demo_load(*, seed: int, period_end: Any = None) -> dict[str, Any]:
    """Create (or re-create) the two demo campaigns; needs the demo organisation loaded.

    Returns counts: campaigns, invitations, respondents, ratings and votes.
    """
    departments = {d.key: d for d in Department.objects.filter(key__in=RESPONDENTS)}
    if not departments:
        raise ValidationError(
            "the demo organisation's departments are missing; load the demo organisation first",
            where="departments",
        )
    Campaign.objects.filter(is_demo=True).delete()
    model = model_load()
    catalogue = values_load()
    rnd = random.Random(seed)
    counts = {"campaigns": 0, "invitations": 0, "respondents": 0, "ratings": 0, "votes": 0}
    for name, starts, ends, progress, current in CAMPAIGNS:
        campaign = services.campaign_create(
            actor=None,
            name=f"{DEMO_PREFIX}{name}",
            starts_on=starts,
            ends_on=ends,
            model=model,
            is_demo=True,
        )
        counts["campaigns"] += 1
        for key, department in sorted(departments.items()):
            answering = RESPONDENTS[key]
            # one or two people per department never answer their link
            invited = answering + 1 + rnd.randrange(2)
            created = services.campaign_invite(
                actor=None, campaign=campaign, department=department, count=invited
            )
            counts["invitations"] += invited
            for _, invitation in created[:answering]:
                leniency = rnd.gauss(0, 0.3)  # some people rate higher than others
                ratings = {}
                for practice in model.practices.values():
                    mean, rise = BASE[practice.dimension]
                    offset = OFFSETS.get(key, {}).get(practice.dimension, 0.0)
                    raw = mean + rise * progress + offset + leniency + rnd.gauss(0, 0.55)
                    ratings[practice.key] = min(4, max(1, round(raw)))
                cur = [v for v in _picks(rnd, current, 10) if v in catalogue]
                des = [v for v in _picks(rnd, DESIRED, 10) if v in catalogue]
                services.response_save(
                    token=invitation.token, ratings=ratings, current=cur, desired=des, submit=True
                )
                counts["respondents"] += 1
                counts["ratings"] += len(ratings)
                counts["votes"] += len(cur) + len(des)
        services.campaign_close(actor=None, campaign=campaign)
    return counts
