"""WSGI entry point (served by ``cxpilot serve`` through waitress).

The public collection endpoint takes a lean path: the same view through Django's handler,
with only the middleware it needs (:class:`cxpilot.kernel.web.LeanHandler`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
_full = get_wsgi_application()

from cxpilot.kernel.web import LeanHandler, lean_paths  # noqa: E402 - after Django is set up

#: Paths served by the lean handler: POST (and the CORS preflight) of survey answers.
LEAN_PATHS = frozenset({"/api/v1/responses"})
application = lean_paths(_full, LeanHandler(), LEAN_PATHS)
