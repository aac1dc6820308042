"""What every page shares: the one exception tree turned into HTTP answers (a middleware, so
no view has to remember it), a service's problems put on the form that sent them, and the
form fields that keep a user's dates and page numbers in range."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIHandler
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from cxpilot.kernel import errors, periods

T = TypeVar("T")


#: What a page may load and run: its own scripts only (no inline script, no eval: the charts
#: run Vega expressions in an interpreter), inline styles (Vega and Swagger UI set them), images
#: from the app and data:/blob: URLs (chart exports), no plug-ins, no framing, forms posted to
#: the app only.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


#: What no page uses, turned off.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"


class SecurityHeadersMiddleware:
    """Every answer carries the Content-Security-Policy (unless a view set its own) and a
    Permissions-Policy that turns off what no page uses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ErrorMiddleware:
    """A page whose service refuses (PermissionDenied) answers the 403 page; one that finds
    nothing (NotFound) the 404 page. The API answers JSON errors of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            refused = _control_characters(request)
            if refused is not None:
                return JsonResponse(refused.as_dict(), status=refused.http_status)
        response = self.get_response(request)
        if request.path_info.startswith("/api/") and response.status_code in API_ERRORS:
            if not response.get("Content-Type", "").startswith("application/json"):
                return _api_error(request, response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, errors.PermissionDenied):
            return response_for_exception(request, DjangoPermissionDenied(exc.detail))
        if isinstance(exc, errors.NotFound):
            return response_for_exception(request, Http404(exc.detail))
        return None


#: Errors the URL layer answers before the API runs (no such path, method not allowed), as
#: the API's own JSON error shape.
API_ERRORS = {
    404: ("not_found", "there is no such API endpoint: see /api/v1/docs"),
    405: ("method_not_allowed", "this endpoint does not take this method: see /api/v1/docs"),
}


#: C0 control characters and DEL: no API parameter is made of them, and a NUL cannot even
#: be written into most databases' strings.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _control_characters(request: HttpRequest) -> errors.ValidationError | None:
    """The error for the first query parameter of ``request`` (name or value) holding a
    control character, or None when there is none."""
    for name, values in request.GET.lists():
        for text in (name, *values):
            found = _CONTROL.search(text)
            if found:
                return errors.ValidationError(
                    f"a parameter may not hold the control character U+{ord(found[0]):04X}",
                    where=_CONTROL.sub("?", name)[:60],
                )
    return None


def _api_error(request: HttpRequest, status: int) -> HttpResponse:
    code, detail = API_ERRORS[status]
    body = {"error": code, "detail": detail, "where": f"{request.method} {request.path_info}"}
    return JsonResponse(body, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without its security token (expired, or from another site): the app's
    own page, in the user's language, instead of Django's bare one."""
    return render(request, "403_csrf.html", status=403)


def form_errors(
    form: forms.BaseForm,
    exc: errors.CxPilotError,
    field: Callable[[str], str | None] = lambda where: where,
) -> None:
    """Put the problems of ``exc`` on the fields of ``form`` they name (``field`` maps a
    problem's ``where`` to a field name); the others, or the error itself, on the form."""
    if not exc.problems:
        name = field(exc.where or "")
        if name in form.fields:
            form.add_error(name, exc.detail)
        else:
            form.add_error(None, str(exc))
        return
    for where, messages in exc.by_where().items():
        name = field(where)
        for message in messages:
            form.add_error(name if name in form.fields else None, message)


def form_call(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run a service call; a ValidationError becomes errors on ``form`` and gives None."""
    try:
        return call()
    except errors.ValidationError as exc:
        form_errors(form, exc)
        return None


#: The highest page number a paginated list takes: far past any real list, and small enough
#: that its offset stays a 64-bit integer in every database.
PAGE_LIMIT = 1_000_000

OUT_OF_RANGE = _("Enter a date in the years %(first)s to %(last)s.")


def out_of_range() -> forms.ValidationError:
    """The error of a date (or month, or week) outside :mod:`~cxpilot.kernel.periods`' range."""
    return forms.ValidationError(
        OUT_OF_RANGE,
        code="out_of_range",
        params={"first": periods.FIRST_YEAR, "last": periods.LAST_YEAR},
    )


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO 8601 (``2026-11-30``), whatever the
    language: a ``type="date"`` input shows it in the user's format but refuses any other
    value (``30/11/2026`` would leave it empty)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date in the years every period helper handles (:func:`periods.in_range`), picked in
    the browser's date picker."""

    widget = DateInput

    def validate(self, value: Any) -> None:
        super().validate(value)
        if isinstance(value, dt.date) and not periods.in_range(value):
            raise out_of_range()


class PageField(forms.IntegerField):
    """A page number, from 1 to :data:`PAGE_LIMIT`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=PAGE_LIMIT, **kwargs)


#: The middleware a lean path keeps (see :class:`LeanHandler`): security headers (the same
#: as every page's: a test compares them), the language of the messages, no framing, the
#: API's errors. Left out: static files, sessions,
#: CSRF, users, messages, the login wall: none of them has anything to do with a public,
#: key-authenticated JSON endpoint.
LEAN_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "cxpilot.kernel.web.SecurityHeadersMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cxpilot.kernel.web.ErrorMiddleware",
)


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with only :data:`LEAN_MIDDLEWARE`, for the hot public endpoints
    (:mod:`cxpilot.wsgi` sends them here): the same views, URL routing, signals and error
    handling, without the work that a session or a user would need."""

    def load_middleware(self, is_async: bool = False) -> None:
        from django.core.handlers.exception import convert_exception_to_response
        from django.utils.module_loading import import_string

        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(LEAN_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler  # type: ignore[assignment]

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        response = super().get_response(request)
        if isinstance(response, HttpResponse) and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))  # a keep-alive
        return response


def lean_paths(
    full: Callable[..., Any], lean: Callable[..., Any], paths: frozenset[str]
) -> Callable[..., Any]:
    """A WSGI application that sends ``paths`` to ``lean`` and everything else to ``full``; a
    request naming a host that is not one of ALLOWED_HOSTS goes to ``full`` too, which refuses
    it as every page does (400)."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        handler = lean if environ.get("PATH_INFO") in paths and allowed_host(environ) else full
        return handler(environ, start_response)

    return application


def allowed_host(environ: dict[str, Any]) -> bool:
    """Whether the request's Host is one of ALLOWED_HOSTS, as Django checks it."""
    from django.conf import settings
    from django.http.request import split_domain_port, validate_host

    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    return bool(domain) and validate_host(domain, allowed)
