"""The demo company's users: one per role, each with its own password, kept (readable by the
owner only) in the data directory so that serving the demo again prints the same logins."""

from __future__ import annotations

import json
import secrets

from django.conf import settings

from cxpilot.kernel import roles
from cxpilot.organisation.models import Department
from cxpilot.organisation.users import user_upsert

DEMO_USERS = (
    ("admin", roles.ADMIN, None),
    ("cx.lead", roles.CX_LEAD, None),
    ("analyst", roles.ANALYST, None),
    ("service.owner", roles.DEPARTMENT_OWNER, "service_client"),
    ("viewer", roles.VIEWER, None),
)


def _passwords() -> dict[str, str]:
    """One password per demo user, made once and kept in ``demo-passwords.json``."""
    path = settings.CXPILOT_HOME / "demo-passwords.json"  # type: ignore[misc]
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    passwords = {
        username: str(known.get(username) or secrets.token_urlsafe(9))
        for username, _role, _department in DEMO_USERS
    }
    if passwords != known:
        path.write_text(json.dumps(passwords, indent=2))
    path.chmod(0o600)
    return passwords


def demo_users() -> list[dict[str, str]]:
    """Create (or refresh) the demo users; return their logins."""
    passwords = _passwords()
    logins = []
    for username, role, department in DEMO_USERS:
        dep = None
        if department:
            # the demo company's department, else (a company of one's own) the first one
            found = Department.objects.filter(key=department).first() or (
                Department.objects.order_by("key").first()
            )
            if found is None:
                continue  # a department owner needs a department
            dep = found.key
        password = passwords[username]
        user_upsert(username=username, role=role, password=password, department=dep)
        logins.append({"username": username, "password": password, "role": role})
    return logins
