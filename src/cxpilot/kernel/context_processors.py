from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation entries of the base layout, by URL name."""
    return {"nav_current": getattr(request.resolver_match, "url_name", None)}
