"""HTTP API of the survey domain: ``POST /api/v1/responses`` with a survey's public key.

The key is write-only: it posts answers to its survey and does nothing else. Checks run in an
order that keeps abuse cheap: rate limit per IP address, body size, key, rate limit per key,
then the JSON body. Every error is ``{"error", "detail", "where"}``; every answer (errors
too) carries CORS headers so the widget can read it from any site.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema
from pydantic import ValidationError as PydanticValidationError

from cxpilot.kernel import errors
from cxpilot.kernel.errors import CxPilotError, ValidationError
from cxpilot.kernel.ratelimit import client_address
from cxpilot.surveys import services
from cxpilot.surveys.models import Survey

router = Router(tags=["surveys"])


class SubmissionIn(Schema):
    answers: dict[str, Any] = Field(
        description=(
            "Answers by question id: a whole number for NPS (0–10), CES (1–7) and CSAT (1–5), "
            "text for an open question, a choice value (or a list of them for multiple "
            "choice). Only the survey's first scored question is required."
        )
    )
    customer_id: str | None = Field(
        None, max_length=120, description="The customer's id; enables the fatigue rule."
    )
    touchpoint: str | None = Field(
        None, max_length=60, description="One of the survey's touchpoints (key)."
    )
    language: Literal["en", "fr"] | None = Field(
        None, description="Language of the answer; the survey's default language if absent."
    )
    channel: Literal["api", "widget"] = "api"

    model_config = {"extra": "forbid"}


class SubmissionOut(Schema):
    submission_id: str
    survey: str
    response_ids: list[str]


class ProblemOut(Schema):
    """One thing wrong in the request, said where (``answers.q1``, ``questions.2.text``)."""

    where: str
    reason: str
    column: str | None = None
    value: Any = None


class ErrorOut(Schema):
    error: str
    detail: str
    where: str | None
    #: each thing wrong, when the request had several (a body's fields)
    problems: list[ProblemOut] | None = None


_HEADERS = [
    {
        "name": "X-Survey-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string"},
        "description": "The survey's write-only public key (shown on the survey page).",
    },
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string", "maxLength": 200},
        "description": "Send the same key again (a retry) and get the same answer; nothing "
        "is stored twice.",
    },
]
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Idempotent-Replayed, Retry-After",
}


def max_body() -> int:
    """Largest accepted body in bytes (setting ``CXPILOT_SURVEY_MAX_BODY``)."""
    return int(settings.CXPILOT_SURVEY_MAX_BODY)  # type: ignore[misc]


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def _body(request: HttpRequest) -> SubmissionIn:
    limit = max_body()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    try:
        raw = b"" if declared > limit else request.body
    except RequestDataTooBig:
        raw, declared = b"", limit + 1
    return submission_parse(raw, declared=declared, limit=limit)


def submission_parse(raw: bytes, *, declared: int, limit: int) -> SubmissionIn:
    """The submission in a request body of ``raw`` bytes (``declared`` long by the request's
    Content-Length), or the error to answer: too large, not JSON, not an object, a NUL."""
    if declared > limit or len(raw) > limit:
        raise errors.PayloadTooLarge(f"the body is larger than {limit} bytes", where="body")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise ValidationError(f"the body is not valid JSON: {reason}", where="body") from None
    except RecursionError:
        # Nested deeper than Python's parser goes (a few thousand levels).
        detail = "the body is not valid JSON: it is nested too deeply"
        raise ValidationError(detail, where="body") from None
    except ValueError:
        # an integer of more digits than Python converts (4,300): no score or id is one
        detail = "the body is not valid JSON here: a number has too many digits"
        raise ValidationError(detail, where="body") from None
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", where="body")
    # a NUL can only come as the escape \u0000 (JSON refuses raw control characters)
    place = _nul_place(data) if b"\\u0000" in raw else None
    if place is not None:
        raise ValidationError(
            "text may not hold the NUL character (U+0000), which PostgreSQL cannot store",
            where=place,
        )
    try:
        return SubmissionIn.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(["body", *(str(p) for p in first.get("loc", ()))])
        raise ValidationError(first.get("msg", "invalid body"), where=where) from None


def _nul_place(data: dict[str, Any]) -> str | None:
    """Where the first string (or object key) of the body holding a NUL character is: a
    field (``body.customer_id``), an answer (``answers.why``, ``answers.topics.1``)."""
    stack: list[tuple[str, Any]] = [
        ("answers" if key == "answers" else f"body.{_shown(key)}", value)
        for key, value in reversed(data.items())
    ]
    for key in data:
        if "\x00" in key:
            return f"body.{_shown(key)}"
    while stack:  # iterative: a body may nest as deep as the JSON parser goes
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path
        elif isinstance(value, dict):
            for key in value:
                if "\x00" in key:
                    return f"{path}.{_shown(key)}"
            stack.extend((f"{path}.{_shown(k)}", v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}", v) for i, v in reversed(list(enumerate(value))))
    return None


def _shown(key: str) -> str:
    """A key as it may appear in an error: control characters replaced, at most 60 long."""
    return "".join("?" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in key[:60])


@router.post(
    "/responses",
    url_name="survey_response_create",
    summary="Post one survey submission",
    response={
        202: SubmissionOut,
        400: ErrorOut,
        401: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    openapi_extra={
        "parameters": _HEADERS,
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SubmissionIn.model_json_schema()}},
        },
    },
)
def post_response(request: HttpRequest) -> HttpResponse:
    """Post the answers of one respondent to the survey the ``X-Survey-Key`` belongs to.

    One ``responses`` row per scored answer reaches the warehouse at the next inbox flush
    (verbatim on the row of the score it follows up, choices as attributes). Answered 202 only
    once committed. Rate limited per IP address and per key (429). A known customer who
    answered this survey within its recontact period gets 409 ``already_answered`` and
    nothing is stored.
    """
    try:
        survey = services.collect_authorize(
            public_key=request.headers.get("X-Survey-Key"),
            client_ip=client_address(request.META),
        )
        body = _body(request)
        result = submission_store(
            survey, body, idempotency_key=request.headers.get("Idempotency-Key")
        )
    except CxPilotError as exc:
        response = _json(exc.as_dict(), exc.http_status)
        if isinstance(exc, errors.RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    response = _json(result.as_dict(), 202)
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def submission_store(
    survey: Survey, body: SubmissionIn, *, idempotency_key: str | None
) -> services.SubmissionResult:
    """Store a parsed submission to ``survey`` (committed once this returns)."""
    return services.submission_create(
        survey=survey,
        answers=body.answers,
        channel=body.channel,
        customer_id=body.customer_id,
        touchpoint=body.touchpoint,
        language=body.language,
        idempotency_key=idempotency_key,
        strict=True,
    )


@router.api_operation(["OPTIONS"], "/responses", include_in_schema=False)
def preflight_response(request: HttpRequest) -> HttpResponse:
    """CORS preflight: any site may post answers with a survey key (the widget does). Answered
    200 with an empty body, not 204: waitress closes the connection after a 204, and the
    widget's post would need a new one."""
    response = HttpResponse(status=200)
    for name, value in CORS_HEADERS.items():
        response[name] = value
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, X-Survey-Key, Idempotency-Key"
    response["Access-Control-Max-Age"] = "86400"
    return response
