"""The login form, throttled: after :data:`MAX_PER_ACCOUNT` failed logins on one account (or
:data:`MAX_PER_ADDRESS` from one address) in :data:`WINDOW` seconds, logins there are refused
until the window ends, even with the right password, so passwords cannot be guessed at speed.
A successful login clears the account's count."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from cxpilot.kernel import ratelimit

WINDOW = 15 * 60
MAX_PER_ACCOUNT = 10
MAX_PER_ADDRESS = 50


def _buckets(form: AuthenticationForm) -> list[tuple[str, int]]:
    username = str(form.data.get("username", "")).strip().casefold()[:150]
    address = ratelimit.client_address(form.request.META) if form.request else ""
    return [(f"login:user:{username}", MAX_PER_ACCOUNT), (f"login:ip:{address}", MAX_PER_ADDRESS)]


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        buckets = _buckets(self)
        if any(ratelimit.count(bucket, WINDOW) >= limit for bucket, limit in buckets):
            minutes = -(-ratelimit.retry_after(WINDOW) // 60)
            raise forms.ValidationError(
                _("Too many failed logins: wait %(minutes)d minute(s) and try again.")
                % {"minutes": minutes},
                code="throttled",
            )
        try:
            return super().clean()
        except forms.ValidationError:
            for bucket, _limit in buckets:
                ratelimit.add(bucket, WINDOW)
            raise
        finally:
            if self.user_cache is not None:
                ratelimit.clear(buckets[0][0], WINDOW)


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's login form (staff only), throttled the same way."""
