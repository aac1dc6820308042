"""The one registry of CX Pilot's domains.

Settings (installed apps, public paths, role permissions), the URLs, the HTTP API, the CLI and
the demo loader read this list instead of naming each domain by hand. It is plain data (no
import of any domain), so ``settings.py`` can read it before Django starts.

A domain is a package ``cxpilot.<name>`` (a Django app). What it offers is found by
convention: ``urls.py`` (mounted under ``urls``), ``api.py`` with a ``router``, ``cli.py`` with
``register(app)``, ``demo.py`` with ``demo_load(*, seed)`` run before or after the demo's
warehouse data is generated. See ``docs/architecture.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

ADMIN, CX_LEAD, ANALYST, DEPARTMENT_OWNER, VIEWER = (
    "admin",
    "cx_lead",
    "analyst",
    "department_owner",
    "viewer",
)
EVERYONE = (CX_LEAD, ANALYST, DEPARTMENT_OWNER, VIEWER)  # the admin holds every permission


@dataclass(frozen=True)
class Domain:
    name: str
    urls: str | None = None  # URL prefix its urls.py is mounted under ("" = the site root)
    public: tuple[str, ...] = ()  # path prefixes served without login
    api: bool = False  # api.py defines ``router`` (mounted under /api/v1/)
    cli: bool = False  # cli.py defines ``register(app)``
    demo: Literal["before", "after"] | None = None  # demo.py defines ``demo_load(*, seed)``
    #: role -> the permissions ("app_label.codename") this domain grants it
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _crud(app: str, *models: str) -> tuple[str, ...]:
    return tuple(f"{app}.{a}_{m}" for m in models for a in ("view", "add", "change", "delete"))


_ORG = ("department", "touchpoint", "journey", "journeystage", "segment", "brandpromise")
_VIEW_ORG = tuple(f"organisation.view_{m}" for m in _ORG)
_CASES = ("loop.view_followupcase", "loop.work_case", "loop.view_alert")

#: In dependency order: a domain may use the ones listed before it, never the ones after.
DOMAINS: tuple[Domain, ...] = (
    Domain(
        "organisation",
        urls="",
        public=("/accounts/invite/",),
        cli=True,
        demo="before",
        roles={
            CX_LEAD: (
                *_crud("organisation", *_ORG),
                "organisation.view_analytics",
                "organisation.import_data",
                "organisation.manage_users",
            ),
            ANALYST: (*_VIEW_ORG, "organisation.view_analytics", "organisation.import_data"),
            DEPARTMENT_OWNER: (*_VIEW_ORG, "organisation.view_analytics"),
            VIEWER: (*_VIEW_ORG, "organisation.view_analytics"),
        },
    ),
    Domain("warehouse", urls="data/", api=True, cli=True),
    Domain(
        "customers",
        urls="customers/resolution/",
        cli=True,
        demo="after",
        roles={
            CX_LEAD: (
                "customers.resolve_customers",
                "customers.review_pairs",
                "customers.view_resolvesettings",
                "customers.change_resolvesettings",
            ),
            ANALYST: ("customers.review_pairs",),
        },
    ),
    Domain("analytics", urls="voc/", api=True, cli=True),
    Domain(
        "surveys",
        urls="",
        public=("/s/",),
        api=True,
        roles={
            CX_LEAD: (
                *_crud("surveys", "survey", "question"),
                "surveys.view_surveysettings",
                "surveys.change_surveysettings",
            )
        },
    ),
    Domain(
        "maturity",
        urls="maturity/",
        public=("/maturity/r/",),
        api=True,
        cli=True,
        demo="before",
        roles={
            CX_LEAD: (
                "maturity.view_campaign",
                "maturity.add_campaign",
                "maturity.change_campaign",
            ),
            ANALYST: ("maturity.view_campaign",),
            DEPARTMENT_OWNER: ("maturity.view_campaign",),
            VIEWER: ("maturity.view_campaign",),
        },
    ),
    Domain(
        "governance",
        urls="governance/",
        cli=True,
        demo="before",
        roles={
            CX_LEAD: ("governance.view_governance", "governance.edit_governance"),
            **{role: ("governance.view_governance",) for role in EVERYONE if role != CX_LEAD},
        },
    ),
    Domain(
        "loop",
        urls="voc/",
        cli=True,
        demo="after",
        roles={
            CX_LEAD: (
                *_CASES,
                "loop.change_followupcase",
                "loop.view_loopsettings",
                "loop.change_loopsettings",
                "loop.change_alert",
            ),
            ANALYST: ("loop.view_alert",),
            DEPARTMENT_OWNER: _CASES,
        },
    ),
    Domain(
        "verbatims",
        urls="text/",
        api=True,
        cli=True,
        demo="after",
        roles={CX_LEAD: ("verbatims.edit_taxonomy",), ANALYST: ("verbatims.edit_taxonomy",)},
    ),
    Domain(
        "journeys",
        urls="journeys/",
        api=True,
        cli=True,
        demo="after",
        roles={
            CX_LEAD: _crud("journeys", "targetjourney"),
            ANALYST: ("journeys.view_targetjourney",),
            DEPARTMENT_OWNER: ("journeys.view_targetjourney",),
            VIEWER: ("journeys.view_targetjourney",),
        },
    ),
    Domain(
        "value",
        urls="value/",
        cli=True,
        demo="after",
        roles={
            CX_LEAD: ("value.view_value", *_crud("value", "costrule"), *_crud("value", "decision")),
            ANALYST: (
                "value.view_value",
                "value.view_costrule",
                *_crud("value", "decision")[:3],  # decisions: view, add, change
            ),
            DEPARTMENT_OWNER: ("value.view_value", "value.view_decision"),
            VIEWER: ("value.view_decision",),
        },
    ),
    Domain(
        "initiatives",
        urls="initiatives/",
        api=True,
        cli=True,
        roles={
            CX_LEAD: (
                *_crud("initiatives", "initiative"),
                "initiatives.view_initiativesettings",
                "initiatives.change_initiativesettings",
            ),
            **{
                role: ("initiatives.view_initiative", "initiatives.view_initiativesettings")
                for role in EVERYONE
                if role != CX_LEAD
            },
        },
    ),
    Domain(
        "customer360",
        urls="customers/",
        cli=True,
        roles={
            CX_LEAD: ("customer360.view_customer", "customer360.erase_customer"),
            ANALYST: ("customer360.view_customer",),
            DEPARTMENT_OWNER: ("customer360.view_customer",),
        },
    ),
    Domain(
        "board",
        urls="board/",
        cli=True,
        roles={
            CX_LEAD: (
                "board.view_board",
                *_crud("board", "kpitarget", "boardcomment", "boardmailing"),
            ),
            **{role: ("board.view_board",) for role in EVERYONE if role != CX_LEAD},
        },
    ),
    Domain("home", urls=""),
)


def role_permissions() -> dict[str, list[str]]:
    """role -> every permission the domains grant it; the admin holds them all ("*")."""
    merged: dict[str, list[str]] = {ADMIN: ["*"]}
    for role in EVERYONE:
        merged[role] = [p for d in DOMAINS for p in d.roles.get(role, ())]
    return merged


def public_paths() -> tuple[str, ...]:
    """Path prefixes served without login: the kernel's and the domains' public pages."""
    return tuple(p for d in DOMAINS for p in d.public)
