"""``POST /api/v1/responses`` as a plain WSGI application: the public collection endpoint
without Django's request cycle (URL routing, middleware, the API framework), which took about
a third of each answer's time under load.

It answers exactly what the view (:func:`cxpilot.surveys.api.post_response`) answers, with the
headers of the full path (tests compare them), and only in the plain case: a POST with a
Content-Length and no query string. Anything else (the CORS preflight, another method, a query
string, a chunked body) goes to ``fallback``, Django's handler.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from functools import lru_cache
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core import signals
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.translation import trans_real

from cxpilot.kernel import errors
from cxpilot.kernel.errors import CxPilotError
from cxpilot.kernel.ratelimit import client_address
from cxpilot.kernel.web import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from cxpilot.surveys import services
from cxpilot.surveys.api import CORS_HEADERS, max_body, submission_parse, submission_store

log = logging.getLogger("django.request")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
#: What of Accept-Language and of the language cookie is looked at (Django reads at most
#: 500 characters of the header; a language code is short): the rest never reaches the cache.
MAX_ACCEPT_LANGUAGE = 500
MAX_LANGUAGE_COOKIE = 32


def _bounded(accept: str) -> str:
    """Accept-Language as Django reads it when it is long: up to the last comma within its
    first 500 characters (nothing when there is none)."""
    if len(accept) <= MAX_ACCEPT_LANGUAGE:
        return accept
    index = accept.rfind(",", 0, MAX_ACCEPT_LANGUAGE)
    return accept[:index] if index > 0 else ""


def _status_line(status: int) -> str:
    """The status line Django writes (its reason phrases are the standard library's)."""
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def fixed_headers() -> list[tuple[str, str]]:
    """The headers every answer of the full path carries (security middleware, CORS)."""
    headers = [("Content-Type", "application/json")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append(("Referrer-Policy", str(settings.SECURE_REFERRER_POLICY)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        policy = str(settings.SECURE_CROSS_ORIGIN_OPENER_POLICY)
        headers.append(("Cross-Origin-Opener-Policy", policy))
    headers += [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("Vary", "Accept-Language"),
        ("X-Frame-Options", str(settings.X_FRAME_OPTIONS)),
        *CORS_HEADERS.items(),
    ]
    return headers


@lru_cache(maxsize=512)
def _language(cookie: str | None, accept: str) -> str:
    """The language Django's LocaleMiddleware would choose (cookie, then Accept-Language)."""
    request = SimpleNamespace(
        COOKIES={settings.LANGUAGE_COOKIE_NAME: cookie} if cookie else {},
        META={"HTTP_ACCEPT_LANGUAGE": accept},
    )
    return trans_real.get_language_from_request(request)  # type: ignore[arg-type]


class AnswersApp:
    """The WSGI application of the collection endpoint (see the module's docstring)."""

    def __init__(self, fallback: WSGIApp) -> None:
        self.fallback = fallback
        self._headers: list[tuple[str, str]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = environ.get("CONTENT_LENGTH") or ""
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or environ.get("QUERY_STRING")
            or not length.isdigit()
            or environ.get("HTTP_TRANSFER_ENCODING")
        ):
            return self.fallback(environ, start_response)
        if self._headers is None:
            self._headers = fixed_headers()
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            cookie = environ.get("HTTP_COOKIE")
            chosen = parse_cookie(cookie).get(settings.LANGUAGE_COOKIE_NAME) if cookie else None
            with translation.override(
                _language(
                    chosen[:MAX_LANGUAGE_COOKIE] if chosen else None,
                    _bounded(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
                )
            ):
                language = translation.get_language() or settings.LANGUAGE_CODE
                status, body, extra = _answer(environ, int(length))
        except Exception:  # the view's unexpected error: logged, answered as JSON
            log.exception("Internal Server Error: %s", environ.get("PATH_INFO"))
            language = settings.LANGUAGE_CODE
            body = {"error": "server_error", "detail": "an unexpected error", "where": None}
            status, extra = 500, []
        finally:
            signals.request_finished.send(sender=self.__class__)
        content = json.dumps(body, ensure_ascii=False, separators=(", ", ": ")).encode()
        headers = [
            *self._headers,
            ("Content-Length", str(len(content))),
            ("Content-Language", language),
            *extra,
        ]
        start_response(_status_line(status), headers)
        return [content]


def _answer(environ: dict[str, Any], declared: int) -> tuple[int, Any, list[tuple[str, str]]]:
    """Status, body and extra headers of the answer to one submission."""
    try:
        survey = services.collect_authorize(
            public_key=environ.get("HTTP_X_SURVEY_KEY"), client_ip=client_address(environ)
        )
        limit = max_body()
        raw = environ["wsgi.input"].read(declared) if declared <= limit else b""
        body = submission_parse(raw, declared=declared, limit=limit)
        result = submission_store(survey, body, idempotency_key=environ.get("HTTP_IDEMPOTENCY_KEY"))
    except CxPilotError as exc:
        extra = []
        if isinstance(exc, errors.RateLimited):
            extra.append(("Retry-After", str(exc.retry_after)))
        return exc.http_status, exc.as_dict(), extra
    extra = [("Idempotent-Replayed", "true")] if result.replayed else []
    return 202, result.as_dict(), extra
