"""What every page shares: the one exception tree turned into HTTP answers (a middleware, so
no view has to remember it) and a service's problems put on the form that sent them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import Http404, HttpRequest, HttpResponse

from cxpilot.kernel import errors

T = TypeVar("T")


class ErrorMiddleware:
    """A page whose service refuses (PermissionDenied) answers the 403 page; one that finds
    nothing (NotFound) the 404 page. The API answers JSON errors of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, errors.PermissionDenied):
            return response_for_exception(request, DjangoPermissionDenied(exc.detail))
        if isinstance(exc, errors.NotFound):
            return response_for_exception(request, Http404(exc.detail))
        return None


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
