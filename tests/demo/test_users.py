"""The demo users: one per role, each with a password of its own, the same each time the demo
is served, kept where only the owner reads it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate

from cxpilot.demo.users import demo_users


def test_each_demo_user_has_its_own_stable_password(org):
    first = demo_users()
    assert len({login["password"] for login in first}) == len(first) == 5
    assert demo_users() == first  # serving again prints the same logins
    for login in first:
        assert authenticate(username=login["username"], password=login["password"])
    path = settings.CXPILOT_HOME / "demo-passwords.json"
    assert path.stat().st_mode & 0o077 == 0
