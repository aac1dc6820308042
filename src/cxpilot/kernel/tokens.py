"""Personal API tokens: ``cxp_<random>``, shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.models import ApiToken


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, username: str, name: str = "cli") -> str:
    """Create a token for ``username``; return it (it cannot be shown again)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"no user named {username!r}", where="username")
    if not name.strip():
        raise ValidationError("a token needs a name", where="name")
    token = "cxp_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name.strip()[:120], prefix=token[:12], digest=_digest(token)
    )
    return token


def token_user(token: str) -> Any:
    """The active user a token belongs to, or None."""
    if not token.startswith("cxp_") or len(token) > 100:
        return None
    found = ApiToken.objects.select_related("user").filter(digest=_digest(token)).first()
    if found is None or not found.user.is_active:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user
