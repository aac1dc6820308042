"""The five roles of CX Pilot, as Django groups with permissions.

Roles are checked in services (``require``), not only in views.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from cxpilot.core.errors import PermissionDenied

ADMIN, CX_LEAD, ANALYST, DEPARTMENT_OWNER, VIEWER = (
    "admin",
    "cx_lead",
    "analyst",
    "department_owner",
    "viewer",
)
ROLES = (ADMIN, CX_LEAD, ANALYST, DEPARTMENT_OWNER, VIEWER)

ORG_MODELS = ("department", "touchpoint", "journey", "journeystage", "segment", "brandpromise")
_VIEW_ORG = [f"core.view_{m}" for m in ORG_MODELS]
_EDIT_ORG = [f"core.{a}_{m}" for m in ORG_MODELS for a in ("add", "change", "delete")]

_SURVEYS = [
    f"voc.{a}_{m}" for m in ("survey", "question") for a in ("view", "add", "change", "delete")
]
_SURVEYS += ["voc.view_surveysettings", "voc.change_surveysettings"]
_CASES = ["voc.view_followupcase", "voc.work_case", "voc.view_alert"]
_LOOP_ADMIN = [
    "voc.change_followupcase",
    "voc.view_loopsettings",
    "voc.change_loopsettings",
    "voc.change_alert",
]

#: role -> permission codenames ("app_label.codename"); "*" means every permission.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    ADMIN: ["*"],
    CX_LEAD: [
        *_VIEW_ORG,
        *_EDIT_ORG,
        "core.view_analytics",
        "core.import_data",
        *_CASES,
        *_LOOP_ADMIN,
        *_SURVEYS,
    ],
    ANALYST: [*_VIEW_ORG, "core.view_analytics", "core.import_data", "voc.view_alert"],
    DEPARTMENT_OWNER: [*_VIEW_ORG, "core.view_analytics", *_CASES],
    VIEWER: [*_VIEW_ORG, "core.view_analytics"],
}

# Maturity campaigns: the CX lead (and admin) runs them, the other roles read the reports.
ROLE_PERMISSIONS[CX_LEAD] += ["maturity.view_campaign", "maturity.add_campaign"]
ROLE_PERMISSIONS[CX_LEAD].append("maturity.change_campaign")
for _role in (ANALYST, DEPARTMENT_OWNER, VIEWER):
    ROLE_PERMISSIONS[_role].append("maturity.view_campaign")

# Governance (RACI, council, champion): the CX lead edits, the other roles read.
ROLE_PERMISSIONS[CX_LEAD] += ["governance.view_governance", "governance.edit_governance"]
for _role in (ANALYST, DEPARTMENT_OWNER, VIEWER):
    ROLE_PERMISSIONS[_role].append("governance.view_governance")


# Verbatim analytics: everyone with analytics reads themes; the CX lead and analysts edit them.
for _role in (CX_LEAD, ANALYST):
    ROLE_PERMISSIONS[_role].append("text.edit_taxonomy")


def ensure_groups() -> None:
    """Create or refresh the role groups and their permissions (idempotent)."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if perms == ["*"]:
            group.permissions.set(Permission.objects.all())
            continue
        query = Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(query))


def on_post_migrate(**kwargs: Any) -> None:
    ensure_groups()


def require(user: Any, perm: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``perm``. ``None`` is the system itself."""
    if user is None:
        return
    if not user.is_authenticated or not user.has_perm(perm):
        raise PermissionDenied(f"you lack the permission {perm!r}")


def roles_of(user: Any) -> list[str]:
    if user.is_superuser:
        return [ADMIN]
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
