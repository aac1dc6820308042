"""The demo company's users: one per role, sharing a password kept in the data directory."""

from __future__ import annotations

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


def demo_users() -> list[dict[str, str]]:
    """Create (or refresh) the demo users; return their logins."""
    path = settings.CXPILOT_HOME / "demo-password.txt"  # type: ignore[misc]
    if path.exists():
        password = path.read_text().strip()
    else:
        password = secrets.token_urlsafe(9)
        path.write_text(password)
        path.chmod(0o600)
    logins = []
    for username, role, department in DEMO_USERS:
        dep = (
            department
            if department and Department.objects.filter(key=department).exists()
            else None
        )
        user_upsert(username=username, role=role, password=password, department=dep)
        logins.append({"username": username, "password": password, "role": role})
    return logins
