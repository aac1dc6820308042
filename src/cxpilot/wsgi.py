"""WSGI entry point (served by ``cxpilot serve`` through waitress)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxpilot.settings")
application = get_wsgi_application()
