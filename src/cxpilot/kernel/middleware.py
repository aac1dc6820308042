"""Login on every page but the login page, public survey pages, the public API and static files."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

#: Always public; the domains add their public pages (settings.CXPILOT_PUBLIC_PATHS).
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/api/", "/i18n/", "/healthz")


class LoginRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public = (*PUBLIC_PREFIXES, *settings.CXPILOT_PUBLIC_PATHS)  # type: ignore[misc]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            not request.user.is_authenticated
            and not path.startswith(self.public)
            and not path.startswith("/admin/")
        ):
            return redirect_to_login(request.get_full_path(), str(settings.LOGIN_URL))
        return self.get_response(request)
