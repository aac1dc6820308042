"""What every page shares: the one exception tree turned into HTTP answers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from cxpilot.kernel import errors, roles

P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def http_errors(view: View[P]) -> View[P]:
    """Turn PermissionDenied into a 403 page and NotFound into a 404 page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except errors.PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.detail) from None
        except errors.NotFound as exc:
            raise Http404(exc.detail) from None

    return wrapped


def require(request: HttpRequest, perm: str) -> None:
    """Refuse the page (403) to a user without ``perm``; the service checks it again."""
    user: Any = request.user
    try:
        roles.require(user, perm)
    except errors.PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.detail) from None
