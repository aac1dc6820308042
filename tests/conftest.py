"""Shared fixtures. Every test gets a fresh, empty experience warehouse: a DuckDB file, or a
PostgreSQL schema of its own when ``CXPILOT_TEST_DATABASE_URL`` is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from cxpilot.kernel import roles
from cxpilot.warehouse import connection

PG_URL = os.environ.get("CXPILOT_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Each test starts in English (a request in French leaves its language active)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def warehouse_url(settings, tmp_path: Path) -> Iterator[str]:
    connection.close()
    if PG_URL:
        import psycopg

        schema = f"wh_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_URL, autocommit=True) as pg:
            pg.execute(f"CREATE SCHEMA {schema}")
        url = PG_URL.replace("postgresql://", "postgres://", 1) + f"?schema={schema}"
    else:
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    settings.CXPILOT_WAREHOUSE_URL = url
    yield url
    connection.close()
    if PG_URL:
        with psycopg.connect(PG_URL, autocommit=True) as pg:
            pg.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def org(db) -> None:
    """A small organisation: two departments, a journey, three touchpoints, a segment."""
    from cxpilot.organisation.services import org_load

    org_load(
        data={
            "departments": [
                {"key": "ecommerce", "name": "E-commerce"},
                {"key": "service", "name": "Service client"},
            ],
            "journeys": [
                {
                    "key": "purchase",
                    "name": "Purchase",
                    "stages": [
                        {"key": "discover", "name": "Discover", "phase": "before"},
                        {"key": "buy", "name": "Buy", "phase": "during"},
                        {"key": "support", "name": "Support", "phase": "after"},
                    ],
                }
            ],
            "segments": [{"key": "families", "name": "Families"}],
            "touchpoints": [
                {
                    "key": "website",
                    "name": "Website",
                    "channel": "web",
                    "journey": "purchase",
                    "stage": "buy",
                    "department": "ecommerce",
                },
                {
                    "key": "store",
                    "name": "Store",
                    "channel": "store",
                    "journey": "purchase",
                    "stage": "buy",
                },
                {
                    "key": "call_centre",
                    "name": "Call centre",
                    "channel": "phone",
                    "journey": "purchase",
                    "stage": "support",
                    "department": "service",
                },
            ],
        }
    )


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
