"""The five roles of CX Pilot, as Django groups with permissions.

Roles are checked in services (``require``), not only in views.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db.models import Q

from cxpilot.domains import ADMIN, ANALYST, CX_LEAD, DEPARTMENT_OWNER, VIEWER
from cxpilot.kernel.errors import PermissionDenied

ROLES = (ADMIN, CX_LEAD, ANALYST, DEPARTMENT_OWNER, VIEWER)

#: Who does something: a user (signed in or not), or ``None`` for the system itself (the CLI,
#: the demo loader, background jobs), which may do anything.
Actor = AbstractBaseUser | AnonymousUser | None


def role_permissions() -> dict[str, list[str]]:
    """role -> permission names ("app_label.codename"); "*" means every permission. The domains
    declare what they grant (``cxpilot.domains``); settings gather it."""
    return dict(settings.CXPILOT_ROLE_PERMISSIONS)  # type: ignore[misc]


def ensure_groups() -> None:
    """Create or refresh the role groups and their permissions (idempotent)."""
    for role, perms in role_permissions().items():
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


def may(user: Any, perm: str) -> bool:
    """Whether ``user`` holds ``perm``. ``None`` is the system itself, which may do anything."""
    return user is None or bool(user.is_authenticated and user.has_perm(perm))


def require(user: Any, perm: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``perm``. ``None`` is the system itself."""
    if not may(user, perm):
        raise PermissionDenied(f"you lack the permission {perm!r}")


def roles_of(user: Any) -> list[str]:
    if user.is_superuser:
        return [ADMIN]
    return sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
