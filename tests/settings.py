"""Settings for the test suite: a throw-away data directory, and PostgreSQL when
``CXPILOT_TEST_DATABASE_URL`` is set (then the warehouse is PostgreSQL too)."""

import os
import tempfile

_home = tempfile.mkdtemp(prefix="cxpilot-test-")
os.environ["CXPILOT_HOME"] = _home
# the tests start from the defaults, whatever settings the shell that runs them has
_KEEP = ("CXPILOT_TEST_", "CXPILOT_CHROMIUM")
for _name in [n for n in os.environ if n.startswith("CXPILOT_") and not n.startswith(_KEEP)]:
    os.environ.pop(_name, None)
if os.environ.get("CXPILOT_TEST_DATABASE_URL"):
    os.environ["CXPILOT_DATABASE_URL"] = os.environ["CXPILOT_TEST_DATABASE_URL"]

from cxpilot.settings import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # a file, not memory, so that subprocesses (the crash tests) see the test database
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_home, "test.sqlite3")}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
