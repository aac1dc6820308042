"""What every domain's HTTP API shares: token authentication and the one error shape,
``{"error": code, "detail": ..., "where": ...}`` with a 4xx status."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from cxpilot.kernel.errors import CxPilotError, ValidationError
from cxpilot.kernel.tokens import token_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is not None:
            request.user = user
        return user


def _not_text_at(value: Any, path: str = "") -> str | None:
    """Where in a parsed JSON value a string holds a lone surrogate (``"\\ud800"``: valid JSON,
    but no character, which no database can store), else None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "body"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            found = _not_text_at(key, here) or _not_text_at(item, here)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _not_text_at(item, f"{path}[{i}]" if path else f"[{i}]")
            if found:
                return found
    return None


class TextParser(Parser):
    """JSON bodies whose strings are text: a lone surrogate is refused with a 400 naming where
    it is, instead of failing later in the database."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        where = _not_text_at(data)
        if where is not None:
            raise ValidationError(
                "the body holds a lone surrogate (\\ud800-\\udfff), which is not text", where=where
            )
        return data  # type: ignore[no-any-return]


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error of ``api`` with the one JSON error shape."""

    @api.exception_handler(CxPilotError)
    def cx_error(request: HttpRequest, exc: CxPilotError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.http_status)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        loc = [str(p) for p in first.get("loc", ())]
        if len(loc) > 1 and loc[0] == "query":  # a query parameter is named as it is written
            loc = loc[1:]
        if loc[:2] == ["body", "body"]:  # the body parameter's name is not the client's
            loc = loc[1:]
        where = ".".join(loc)
        detail = str(first.get("msg", "invalid request"))
        given = first.get("input")
        if loc and isinstance(given, str):  # say what was sent, cut short
            detail += f" (got {given[:60]!r})"
        body = {
            "error": "invalid",
            "detail": detail,
            "where": where or None,
        }
        return api.create_response(request, body, status=422)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = {
            "error": "unauthorized",
            "detail": "a valid API token is required (Authorization: Bearer cxp_…)",
            "where": "Authorization",
        }
        return api.create_response(request, body, status=401)

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        detail = "the request body is over the size limit; send fewer records per request"
        body = {"error": "too_large", "detail": detail, "where": "body"}
        return api.create_response(request, body, status=413)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        cause = exc.__cause__  # the body could not be parsed: say why and where
        if isinstance(cause, CxPilotError):
            return api.create_response(request, cause.as_dict(), status=exc.status_code)
        if isinstance(cause, json.JSONDecodeError):
            detail = (
                f"the body is not JSON: {cause.msg} (line {cause.lineno}, column {cause.colno})"
            )
            body = {"error": "invalid_json", "detail": detail, "where": "body"}
            return api.create_response(request, body, status=exc.status_code)
        fallback: dict[str, str | None] = {"error": "http", "detail": str(exc), "where": None}
        return api.create_response(request, fallback, status=exc.status_code)


#: The query parameters that stand for the commands' shared options in an error.
OPTION_PARAMETERS = {"--from": "date_from", "--to": "date_to"}


def parameter_of(option: str, names: Mapping[str, str] = OPTION_PARAMETERS) -> str:
    """The query parameter that stands for the command option ``option`` (``--from`` →
    ``date_from``, ``--min-coverage`` → ``min_coverage``)."""
    return names.get(option, option.removeprefix("--").replace("-", "_"))


@contextmanager
def parameters_named(names: Mapping[str, str] = OPTION_PARAMETERS) -> Iterator[None]:
    """An error of the reads a command shares with the API names the query parameter, not
    the command's option."""
    try:
        yield
    except CxPilotError as exc:
        detail = re.sub(r"--[a-z][a-z-]*", lambda m: parameter_of(m.group(0), names), exc.detail)
        where = parameter_of(exc.where, names) if exc.where else exc.where
        raise type(exc)(detail, where=where, problems=exc.problems) from None
