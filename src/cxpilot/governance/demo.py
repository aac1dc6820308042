"""The governance of the demo company (Maison Lumière): its RACI, with a few planted defects
so the warnings show, its CX council and the CX leader's reporting line.

Run after the demo organisation is loaded (it uses its department and touchpoint keys).
Re-running it gives the same result.

Planted defects (with the default thresholds):

- ``multiple_accountable`` — *journey_mapping*: the CX team and e-commerce are both A;
- ``no_responsible`` — *customer_data_quality*: IT is A, nobody does the work;
- ``too_many_informed`` — *maturity_assessment*: 9 departments informed (more than 6);
- ``no_accountable`` — *close_loop_partner_reseller*: partners do it, nobody answers for it;
- ``overloaded_department`` — *service_client*: R or A on 10 activities (more than 8), since
  it calls back the customers of almost every touchpoint;
- ``idle_department`` — *ventes*: only ever consulted or informed.

Closing the loop is given to customer service on most digital touchpoints (R), so their
follow-up cases are routed there rather than to the touchpoint's owning department.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cxpilot.governance import selectors, services
from cxpilot.governance.models import ActionStatus, Council
from cxpilot.organisation.models import Department

# Department order of the rows below.
DEPTS = (
    "direction_experience_client",
    "marketing",
    "service_client",
    "e_commerce",
    "magasins",
    "logistique",
    "produit",
    "dsi",
    "ventes",
    "partenaires",
)

# activity key → one code per department of DEPTS ("" for none).
RACI: dict[str, tuple[str, ...]] = {
    "cx_strategy": ("A/R", "C", "C", "I", "I", "I", "C", "", "", ""),
    "cx_governance": ("A/R", "C", "C", "I", "I", "I", "I", "I", "", ""),
    "voc_programme": ("A", "R", "C", "C", "I", "", "", "C", "", ""),
    "journey_mapping": ("A/R", "C", "I", "A", "C", "C", "", "", "", ""),
    "brand_promise": ("C", "A/R", "I", "", "I", "", "C", "", "", ""),
    "personas_segments": ("C", "A/R", "", "I", "", "", "", "C", "I", ""),
    "cx_kpis_dashboard": ("A", "I", "I", "I", "I", "", "", "R", "", ""),
    "complaint_handling": ("I", "", "A/R", "", "C", "C", "I", "", "", ""),
    "customer_data_quality": ("", "C", "C", "C", "", "", "", "A", "", ""),
    "initiative_portfolio": ("A/R", "C", "C", "C", "", "", "C", "I", "", ""),
    "cx_training": ("A", "I", "R", "", "R", "", "", "", "", ""),
    "employee_engagement": ("C", "", "C", "", "A/R", "I", "", "", "", ""),
    "maturity_assessment": ("A/R", "I", "I", "I", "I", "I", "I", "I", "I", "I"),
    "close_loop_social_media": ("I", "A/R", "C", "", "", "", "", "", "", ""),
    "close_loop_email": ("I", "A/R", "I", "", "", "", "", "", "", ""),
    "close_loop_website": ("I", "", "R", "A", "", "", "", "", "", ""),
    "close_loop_app": ("I", "", "R", "C", "", "", "", "A", "", ""),
    "close_loop_store": ("I", "", "C", "", "A/R", "", "", "", "", ""),
    "close_loop_partner_reseller": ("I", "", "", "", "", "", "", "", "C", "R"),
    "close_loop_delivery": ("I", "", "R", "", "", "A", "", "", "", ""),
    "close_loop_click_collect": ("I", "", "R", "A", "C", "", "", "", "", ""),
    "close_loop_product": ("I", "", "R", "", "", "", "A", "", "", ""),
    "close_loop_call_centre": ("I", "", "A/R", "", "", "", "", "", "", ""),
    "close_loop_chat": ("I", "", "A/R", "", "", "", "", "", "", ""),
    "close_loop_returns": ("I", "", "R", "", "C", "A", "", "", "", ""),
    "close_loop_loyalty_programme": ("I", "A/R", "", "", "C", "", "", "", "", ""),
    "close_loop_relation": ("I", "A/R", "C", "", "", "", "", "", "", ""),
}

COUNCIL = "Conseil de l'expérience client"

MEMBERS = (
    (
        "Claire Martin",
        "direction_experience_client",
        "Présidente, directrice de l'expérience client",
    ),
    ("Julien Bernard", "marketing", "Directeur marketing"),
    ("Sophie Petit", "service_client", "Responsable du service client"),
    ("Karim Haddad", "e_commerce", "Directeur e-commerce"),
    ("Anne Leroy", "magasins", "Directrice des magasins"),
    ("Thomas Moreau", "logistique", "Responsable logistique"),
    ("Léa Fournier", "produit", "Directrice produit et achats"),
    ("Marc Girard", "dsi", "DSI"),
)

MEETINGS = (
    (
        dt.date(2026, 9, 7),
        (0, 1, 2, 3, 4, 6, 7),
        "Lancement du conseil mensuel. Revue du NPS par point de contact : la livraison à "
        "domicile tire le score vers le bas. Le RACI des activités CX est proposé.",
    ),
    (
        dt.date(2026, 10, 5),
        (0, 1, 2, 3, 5, 7),
        "Revue des cas de suivi : le service client rappelle presque tous les détracteurs et "
        "sature. Les partenaires n'ont pas de responsable du bouclage.",
    ),
    (
        dt.date(2026, 11, 2),
        (0, 1, 2, 4, 5, 6),
        "Point sur la promesse « livraison 48 h » et sur la qualité des données clients. "
        "Deux actions en retard.",
    ),
)

DECISIONS = (
    (0, "Le conseil CX se réunit le premier lundi de chaque mois."),
    (0, "Le NPS relationnel et le NPS par point de contact sont les indicateurs du conseil."),
    (1, "Le bouclage des retours passe sous la responsabilité de la logistique (A)."),
    (2, "Un seul responsable (A) pour la cartographie des parcours : à trancher en décembre."),
)

# title, owner, department, due date, done
ACTIONS = (
    (
        "Cartographier le parcours de livraison à domicile",
        "Thomas Moreau",
        "logistique",
        dt.date(2026, 10, 15),
        False,
    ),
    (
        "Nommer un responsable du bouclage pour les revendeurs partenaires",
        "Claire Martin",
        "direction_experience_client",
        dt.date(2026, 11, 10),
        False,
    ),
    ("Publier le tableau de bord NPS mensuel", "Marc Girard", "dsi", dt.date(2026, 10, 1), True),
    (
        "Former les conseillers de magasin au rappel des détracteurs",
        "Anne Leroy",
        "magasins",
        dt.date(2026, 12, 15),
        False,
    ),
    (
        "Répartir les rappels de clients entre service client et e-commerce",
        "Sophie Petit",
        "service_client",
        dt.date(2026, 12, 1),
        False,
    ),
)


@transaction.atomic
def demo_load(*, seed: int = 0, period_end: Any = None) -> dict[str, Any]:
    """Load the demo RACI, council and reporting line; return what was loaded."""
    departments = {d.key: d for d in Department.objects.filter(key__in=DEPTS)}
    services.catalogue_sync()
    known = {row.activity for row in selectors.raci_table().rows}
    cells = {
        (activity, dept): code
        for activity, codes in RACI.items()
        if activity in known
        for dept, code in zip(DEPTS, codes, strict=True)
        if dept in departments
    }
    changed = services.raci_cells_set(actor=None, cells=cells)
    services.settings_update(
        actor=None,
        reporting_line="ceo",
        reporting_line_note="Directrice de l'expérience client, membre du comité de direction",
        has_cx_team=True,
        business_model="b2c_brand",
    )
    Council.objects.filter(name=COUNCIL).delete()
    council = services.council_create(
        actor=None,
        name=COUNCIL,
        cadence="Mensuel (premier lundi)",
        purpose="Réunir tous les responsables de l'expérience client : partager les "
        "informations, régler les problèmes communs, éviter les efforts en double et toute "
        "confusion sur les responsabilités.",
    )
    members = [
        services.council_member_add(
            actor=None, council=council, name=name, department=departments.get(dept), role=role
        )
        for name, dept, role in MEMBERS
    ]
    meetings = [
        services.meeting_add(
            actor=None,
            council=council,
            date=date,
            attendees=[members[i] for i in present],
            minutes=minutes,
        )
        for date, present, minutes in MEETINGS
    ]
    for meeting, text in DECISIONS:
        services.decision_add(
            actor=None,
            council=council,
            date=meetings[meeting].date,
            text=text,
            meeting=meetings[meeting],
        )
    for title, owner, dept, due, done in ACTIONS:
        action = services.council_action_add(
            actor=None,
            council=council,
            title=title,
            owner=owner,
            department=departments.get(dept),
            due_date=due,
        )
        if done:
            services.council_action_status_set(actor=None, action=action, status=ActionStatus.DONE)
    problems = selectors.raci_problems()
    return {
        "activities": len(known),
        "cells_changed": changed,
        "problems": len(problems),
        "problem_codes": sorted({p.code for p in problems}),
        "council": council.name,
        "members": len(members),
        "meetings": len(meetings),
        "decisions": len(DECISIONS),
        "actions": len(ACTIONS),
        "overdue_actions": len(
            selectors.overdue_actions(council=council, today=timezone.localdate())
        ),
    }
