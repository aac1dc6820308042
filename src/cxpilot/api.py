"""The HTTP API (django-ninja, OpenAPI at /api/v1/docs), assembled from the domains' routers
(:mod:`cxpilot.domains`). Errors are JSON ``{"error": code, "detail": ..., "where": ...}``."""

from __future__ import annotations

from ninja import NinjaAPI

from cxpilot.domains import DOMAINS
from cxpilot.kernel.api import TextParser, install_error_handlers

api = NinjaAPI(
    title="CX Pilot API",
    version="1",
    urls_namespace="api",
    docs_url="/docs",
    parser=TextParser(),
)
install_error_handlers(api)
for _domain in DOMAINS:
    if _domain.api:
        api.add_router("/", f"cxpilot.{_domain.name}.api.router")
