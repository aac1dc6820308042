"""Fixtures of the web app tests: one logged-in client per role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from cxpilot.core import roles

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    def make(role: str | None, username: str | None = None, **fields) -> User:
        username = username or (role or "nobody")
        if role == "superuser":
            return User.objects.create_superuser(
                username, f"{username}@example.com", "pw-secret-123"
            )
        user = User.objects.create_user(username, password="pw-secret-123", **fields)
        if role:
            roles.ensure_groups()
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def client_as(make_user) -> Callable[[str | None], Client]:
    """``client_as("viewer")``: a test client logged in as a new user with that role."""

    def login(role: str | None, **fields) -> Client:
        client = Client()
        client.force_login(make_user(role, **fields))
        return client

    return login


@pytest.fixture
def lead(client_as) -> Client:
    return client_as("cx_lead")


@pytest.fixture
def viewer(client_as) -> Client:
    return client_as("viewer")
