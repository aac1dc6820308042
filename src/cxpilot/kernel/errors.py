"""The one exception tree of CX Pilot.

Every error a user can cause is a :class:`CxPilotError`. It carries a stable ``code``, a
human ``detail`` and, when it is known, ``where`` the problem is (a file, line and column, a
setting, a field). The HTTP API maps it to a 4xx JSON body ``{"error", "detail", "where"}``
and the CLI to exit code 2 with the same text on one line.
"""

from __future__ import annotations

from typing import Any


class CxPilotError(Exception):
    """Base of every error a user can cause and fix."""

    code = "error"
    http_status = 400

    def __init__(self, detail: str, *, where: str | None = None, extra: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.where = where
        self.extra = extra

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}" if self.where else self.detail

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "detail": self.detail, "where": self.where}
        if self.extra is not None:
            body["problems"] = self.extra
        return body


class ConfigError(CxPilotError):
    """A setting (environment variable) has a bad value."""

    code = "config"


class ValidationError(CxPilotError):
    """Input does not match what is expected (a file, a form, an API body)."""

    code = "invalid"
    http_status = 422


class NotFound(CxPilotError):
    code = "not_found"
    http_status = 404


class PermissionDenied(CxPilotError):
    code = "forbidden"
    http_status = 403


class WarehouseBusy(CxPilotError):
    """The embedded warehouse file is held by another process."""

    code = "warehouse_busy"
    http_status = 503


class WarehouseError(CxPilotError):
    """The warehouse cannot be reached or refused an operation."""

    code = "warehouse"
    http_status = 503


# Errors of the survey collection channels (hosted page, widget, API)


class Unauthorized(CxPilotError):
    code = "unauthorized"
    http_status = 401


class RateLimited(CxPilotError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, detail: str, *, where: str | None = None, retry_after: int = 60) -> None:
        super().__init__(detail, where=where)
        self.retry_after = retry_after


class PayloadTooLarge(CxPilotError):
    code = "too_large"
    http_status = 413


class SurveyClosed(CxPilotError):
    code = "survey_closed"
    http_status = 409


class SurveyFatigued(CxPilotError):
    """The customer answered this survey within its recontact period."""

    code = "already_answered"
    http_status = 409


class IdempotencyConflict(CxPilotError):
    code = "idempotency_conflict"
    http_status = 409
