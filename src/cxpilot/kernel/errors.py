"""The one exception tree of CX Pilot.

Every error a user can cause is a :class:`CxPilotError`. It carries a stable ``code``, a
human ``detail`` and, when it is known, ``where`` the problem is (a file, line and column, a
setting, a field). The HTTP API maps it to a 4xx JSON body ``{"error", "detail", "where"}``
and the CLI to exit code 2 with the same text on one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong in an input, said where: a position in a file (``crm.csv:line 4``), a
    field of a form or a body (``name``, ``questions.2.text``, ``answers.q1``), a cell. The
    column and the offending value are given when there are some."""

    where: str
    reason: str
    column: str | None = None
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "where": self.where,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
        }

    def __str__(self) -> str:
        value = "" if self.value is None else f" (value {str(self.value)[:60]!r})"
        column = f"{self.column} " if self.column else ""
        return f"{self.where}: {column}{self.reason}{value}"


def field_problems(by_field: Mapping[str, Iterable[str]]) -> list[Problem]:
    """Problems from ``{field: [messages]}`` (a form's or a model's errors)."""
    return [
        Problem(where=name, reason=message)
        for name, messages in by_field.items()
        for message in messages
    ]


def first_line(error: BaseException | str) -> str:
    """The first line of an engine's error, to say in one line: a gRPC error (Spark
    Connect) by its details, not by its object's name."""
    details = getattr(error, "details", None)
    text = str(details() if callable(details) else error)
    return (text.strip().splitlines() or ["unknown error"])[0]


class CxPilotError(Exception):
    """Base of every error a user can cause and fix. ``problems`` lists each thing wrong when
    there are several (an import, a form, a RACI), the first of them in ``detail``."""

    code = "error"
    http_status = 400

    def __init__(
        self, detail: str, *, where: str | None = None, problems: Iterable[Problem] = ()
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.where = where
        self.problems: tuple[Problem, ...] = tuple(problems)

    def __str__(self) -> str:
        return f"{self.where}: {self.detail}" if self.where else self.detail

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "detail": self.detail, "where": self.where}
        if self.problems:
            body["problems"] = [p.as_dict() for p in self.problems]
        return body

    def by_where(self) -> dict[str, list[str]]:
        """The problems' reasons grouped by where they are (for form fields); an error without
        problems gives its own detail under its ``where`` (or ``""``)."""
        if not self.problems:
            return {self.where or "": [self.detail]}
        grouped: dict[str, list[str]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.where, []).append(problem.reason)
        return grouped


class ProblemList:
    """Collects the problems of an input, then raises them all at once (``raise_if_any``)."""

    def __init__(self, limit: int | None = None) -> None:
        self.items: list[Problem] = []
        self.count = 0
        self.limit = limit

    def add(self, where: str, reason: str, *, column: str | None = None, value: Any = None) -> None:
        self.count += 1
        if self.limit is None or len(self.items) < self.limit:
            self.items.append(Problem(where=where, reason=reason, column=column, value=value))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(
        self, detail: str | Callable[[int, Problem], str], *, where: str | None = None
    ) -> None:
        """Raise ValidationError with every problem collected, if there is one; ``detail`` is
        the message, or makes it from the count of problems and the first one."""
        if not self.items:
            return
        first = self.items[0]
        raise ValidationError(
            detail if isinstance(detail, str) else detail(self.count, first),
            where=first.where if where is None else where,
            problems=self.items,
        )


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
