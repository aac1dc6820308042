"""Users and their roles (writes)."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.organisation.models import Department, Profile


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    password: str | None = None,
    department: str | None = None,
    email: str = "",
) -> tuple[Any, str | None]:
    """Create or update a user with one role; return it and the new password (if one was set).

    A department owner works their department's cases: they need one (given, or kept from
    before when an existing user is updated without ``department``)."""
    if role not in roles.ROLES:
        raise ValidationError(
            f"unknown role {role!r}; expected one of {', '.join(roles.ROLES)}", where="role"
        )
    if not username.strip() or len(username) > 150:
        raise ValidationError("a username is 1 to 150 characters", where="username")
    roles.ensure_groups()
    dep = None
    if department:
        dep = Department.objects.filter(key=department).first()
        if dep is None:
            raise ValidationError(f"unknown department {department!r}", where="department")
    user_model = get_user_model()
    if dep is None and department is None:
        existing = Profile.objects.filter(user__username=username.strip()).first()
        dep = existing.department if existing is not None else None
    if role == roles.DEPARTMENT_OWNER and dep is None:
        raise ValidationError(
            "a department owner needs a department: add --department KEY "
            "(see cxpilot org show departments)",
            where="department",
        )
    user: Any
    user, created = user_model.objects.get_or_create(
        username=username.strip(), defaults={"email": email}
    )
    new_password = None
    if created or password:
        new_password = password or secrets.token_urlsafe(12)
        user.set_password(new_password)
    user.is_staff = role == roles.ADMIN
    user.is_superuser = role == roles.ADMIN
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    Profile.objects.update_or_create(user=user, defaults={"department": dep})
    return user, new_password
