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
    from django.contrib.auth.validators import UnicodeUsernameValidator
    from django.core.exceptions import ValidationError as DjangoValidationError

    if not get_user_model().objects.filter(username=username.strip()).exists():
        try:  # the rule of the web's user form: letters, digits and @ . + - _
            UnicodeUsernameValidator()(username.strip())
        except DjangoValidationError:
            raise ValidationError(
                f"{username.strip()[:40]!r} is not a username: use letters, digits and "
                "@ . + - _ only",
                where="username",
            ) from None
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
    _give_role(user, role, dep)
    return user, new_password


# --- Managing users in the app: invitations, roles, deactivation ---------------------------


def _give_role(user: Any, role: str, department: Department | None) -> None:
    """The user's one role (its group) and department."""
    roles.ensure_groups()
    user.groups.set([Group.objects.get(name=role)])
    Profile.objects.update_or_create(user=user, defaults={"department": department})


MANAGE = "organisation.manage_users"


def _is_admin(actor: Any) -> bool:
    return actor is None or roles.ADMIN in roles.roles_of(actor)


def _check_role(actor: Any, role: str, department: Department | None) -> None:
    if role not in roles.ROLES:
        raise ValidationError(f"unknown role {role!r}", where="role")
    if role == roles.ADMIN and not _is_admin(actor):
        raise ValidationError("only an administrator makes another administrator", where="role")
    if role == roles.DEPARTMENT_OWNER and department is None:
        raise ValidationError("a department owner needs a department", where="department")


@transaction.atomic
def user_invite(
    *,
    actor: Any,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    department: Department | None = None,
) -> Any:
    """Create the account of ``email`` with ``role``, not active until the person sets their
    password through the invitation link (:func:`invitation_path`)."""
    roles.require(actor, MANAGE)
    email = email.strip().lower()
    _check_role(actor, role, department)
    user_model = get_user_model()
    if (
        user_model.objects.filter(username__iexact=email).exists()
        or user_model.objects.filter(email__iexact=email).exists()
    ):
        raise ValidationError("someone already has an account with this address", where="email")
    user = user_model.objects.create(
        username=email,
        email=email,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        is_active=False,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    _give_role(user, role, department)
    return user


def invitation_path(user: Any) -> str:
    """The path of the link that lets ``user`` set a password and start (valid for the
    password-reset time of Django's settings, three days by default; once)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("invitation_accept", args=[uid, default_token_generator.make_token(user)])


def invitation_user(uidb64: str, token: str) -> Any | None:
    """The invited user the link names, if the link is valid and unused; else None."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.http import urlsafe_base64_decode

    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return None
    user = get_user_model().objects.filter(pk=pk).first()
    if (
        user is None
        or user.has_usable_password()
        or not default_token_generator.check_token(user, token)
    ):
        return None
    return user


@transaction.atomic
def invitation_accept(*, user: Any, password: str) -> Any:
    """Set the invited user's password (checked by the password validators) and activate
    them; the link then no longer works."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), where="password") from None
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


@transaction.atomic
def user_role_set(
    *, actor: Any, user: Any, role: str, department: Department | None, is_active: bool
) -> Any:
    """Change a user's role, department, and whether they may log in. Nobody demotes or
    deactivates themselves (the last way in would go)."""
    roles.require(actor, MANAGE)
    _check_role(actor, role, department)
    if roles.ADMIN in roles.roles_of(user) and not _is_admin(actor):
        raise ValidationError("only an administrator changes an administrator", where="role")
    if user.pk == getattr(actor, "pk", None) and (
        not is_active or role not in roles.roles_of(actor)
    ):
        raise ValidationError(
            "you cannot change your own role or deactivate yourself", where="role"
        )
    if is_active and not user.has_usable_password():
        is_active = False  # an invitation not yet accepted stays pending
    user.is_active = is_active
    user.is_staff = user.is_superuser = role == roles.ADMIN
    user.save(update_fields=["is_active", "is_staff", "is_superuser"])
    _give_role(user, role, department)
    return user


def user_list(*, actor: Any) -> list[dict[str, Any]]:
    """Every user with their role, department and state (active, invited, deactivated)."""
    roles.require(actor, MANAGE)
    users = (
        get_user_model()
        .objects.select_related("cx_profile__department")
        .prefetch_related("groups")
        .order_by("username")
    )
    rows = []
    for user in users:
        role = next((g.name for g in user.groups.all() if g.name in roles.ROLES), "")
        profile = getattr(user, "cx_profile", None)
        state = (
            "active"
            if user.is_active
            else ("invited" if not user.has_usable_password() else "deactivated")
        )
        rows.append(
            {
                "user": user,
                "role": role,
                "department": profile.department if profile else None,
                "state": state,
            }
        )
    return rows
