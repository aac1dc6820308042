"""WSGI entry point (served by ``cxpilot serve`` through waitress).

The public collection endpoint takes a lean path: a plain POST of answers is answered by
:class:`cxpilot.surveys.wsgi.AnswersApp` without Django's request cycle; anything else on that
path (the CORS preflight, another method) by Django's handler with only the middleware it
needs (:class:`cxpilot.kernel.web.LeanHandler`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
_full = get_wsgi_application()

from cxpilot.kernel.web import LeanHandler, lean_paths  # noqa: E402 - after Django is set up
from cxpilot.surveys.wsgi import AnswersApp  # noqa: E402

#: Paths served by the lean handler: POST (and the CORS preflight) of survey answers.
LEAN_PATHS = frozenset({"/api/v1/responses"})
application = lean_paths(_full, AnswersApp(fallback=LeanHandler()), LEAN_PATHS)
