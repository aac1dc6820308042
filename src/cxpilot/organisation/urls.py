"""URLs of the app shell and the organisation pages (included at the site root)."""

from __future__ import annotations

from cxpilot.organisation.views import ENTITIES

urlpatterns = [pattern for entity in ENTITIES for pattern in entity.urls()]
