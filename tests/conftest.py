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
from tests.hostile import HOSTILE_STRINGS

PG_URL = os.environ.get("CXPILOT_TEST_DATABASE_URL")
#: The Spark pass: every test marked ``warehouse`` on a local Spark session (one per run,
#: a database of its own per test).
#: ``CXPILOT_TEST_SPARK=all``: every test that is not pure (to try one on Spark).
SPARK = os.environ.get("CXPILOT_TEST_SPARK", "") not in ("", "0")
SPARK_ALL = os.environ.get("CXPILOT_TEST_SPARK", "") == "all"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Each test starts in English (a request in French leaves its language active)."""
    from django.utils import translation

    with translation.override("en"):
        yield


#: Where the ``pure`` tests' warehouse points: nowhere, so a pure test that reaches one fails.
NO_WAREHOUSE = "pure://a-pure-test-reaches-no-warehouse"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The page tests are ``slow``; the PostgreSQL pass leaves out the ``pure`` tests, which
    reach no database (no Django database, and a warehouse that points nowhere)."""
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("pure") and (
            item.get_closest_marker("django_db")
            or {"db", "transactional_db", "live_server"} & set(item.fixturenames)
        ):
            raise pytest.UsageError(f"{item.nodeid} is marked pure but uses the database")
    if PG_URL or SPARK:
        left = [
            item
            for item in items
            if item.get_closest_marker("pure")
            or (SPARK and not SPARK_ALL and not item.get_closest_marker("warehouse"))
        ]
        if left:
            config.hook.pytest_deselected(items=left)
            gone = {id(item) for item in left}
            items[:] = [item for item in items if id(item) not in gone]


@pytest.fixture(scope="session")
def spark_dir(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The Spark pass's warehouse directory (its tables and metastore), one per run."""
    return tmp_path_factory.mktemp("spark") if SPARK else None


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[object]:
    """One connection of the PostgreSQL pass for making and dropping the tests' warehouse
    schemas (a connection per test would cost more than most tests)."""
    if not PG_URL:
        yield None
        return
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as pg:
        yield pg


@pytest.fixture(autouse=True)
def warehouse_url(
    request: pytest.FixtureRequest,
    settings,
    tmp_path: Path,
    pg_admin: object,
    spark_dir: Path | None,
) -> Iterator[str]:
    if request.node.get_closest_marker("pure"):
        settings.CXPILOT_WAREHOUSE_URL = NO_WAREHOUSE
        yield NO_WAREHOUSE
        return
    connection.close()
    if PG_URL:
        schema = f"wh_{uuid.uuid4().hex[:12]}"
        pg_admin.execute(f"CREATE SCHEMA {schema}")  # type: ignore[attr-defined]
        url = PG_URL.replace("postgresql://", "postgres://", 1) + f"?schema={schema}"
    elif spark_dir is not None:
        url = f"pyspark://{spark_dir}?database=wh_{uuid.uuid4().hex[:12]}&master=local[2]"
    else:
        url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    settings.CXPILOT_WAREHOUSE_URL = url
    yield url
    connection.close()
    if PG_URL:
        pg_admin.execute(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[attr-defined]
    elif spark_dir is not None:
        from cxpilot.warehouse import spark

        spark.drop_database(url, tmp_path)


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


#: The password of every user ``make_user`` creates (for tests that log in through a form).
PASSWORD = "pw-secret-123"


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """``make_user("department_owner", department="ecommerce")``: a new user with that role
    (``None`` for none, ``"superuser"`` for a Django superuser), in that department if given."""

    def make(
        role: str | None, username: str | None = None, department: str | None = None, **fields
    ) -> User:
        username = username or (role or "nobody")
        if role == "superuser":
            return User.objects.create_superuser(username, f"{username}@example.com", PASSWORD)
        user = User.objects.create_user(username, password=PASSWORD, **fields)
        if role:
            roles.ensure_groups()
            user.groups.add(Group.objects.get(name=role))
        if department:
            from cxpilot.organisation.models import Department, Profile

            Profile.objects.update_or_create(
                user=user, defaults={"department": Department.objects.get(key=department)}
            )
        return user

    return make


@pytest.fixture
def client_as(make_user) -> Callable[[str | None], Client]:
    """``client_as("viewer")``: a test client logged in as a new user with that role; the
    other arguments are ``make_user``'s."""

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


@pytest.fixture(params=HOSTILE_STRINGS, ids=lambda s: repr(s[:12]))
def hostile(request) -> str:
    """Each of the hostile strings in turn."""
    return request.param
