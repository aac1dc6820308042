"""The HTTP API (django-ninja, OpenAPI at /api/v1/docs). Errors are JSON
``{"error": code, "detail": ..., "where": ...}`` with a 4xx status."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from cxpilot.core.errors import CxPilotError
from cxpilot.core.tokens import token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(title="CX Pilot API", version="1", urls_namespace="api", docs_url="/docs")


@api.exception_handler(CxPilotError)
def _cx_error(request: HttpRequest, exc: CxPilotError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.http_status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    body = {
        "error": "invalid",
        "detail": first.get("msg", "invalid request"),
        "where": where or None,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    body = {
        "error": "unauthorized",
        "detail": "a valid API token is required (Authorization: Bearer cxp_…)",
        "where": "Authorization",
    }
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"error": "http", "detail": str(exc), "where": None}, status=exc.status_code
    )


def _routers() -> None:
    from cxpilot.warehouse.api import router as warehouse_router

    api.add_router("/", warehouse_router)
    from cxpilot.voc.api import router as voc_router

    api.add_router("/", voc_router)
    from cxpilot.text.api import router as text_router

    api.add_router("/", text_router)
    api.add_router("/", "cxpilot.maturity.api.router")


_routers()
