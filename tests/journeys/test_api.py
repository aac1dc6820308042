"""The journeys API: the objects of the commands, over the warehouse, behind a token."""

from __future__ import annotations

import datetime as dt

import pytest

from cxpilot.warehouse.ingest import load_arrow

T0 = dt.datetime(2026, 1, 5, 9)


def _events() -> list[dict]:
    rows = []
    for i, path in enumerate((["website", "call_centre"], ["website", "call_centre"], ["store"])):
        for j, tp in enumerate(path):
            rows.append(
                {
                    "event_id": f"E{i}-{j}",
                    "customer_id": f"C{i}",
                    "touchpoint": tp,
                    "timestamp": T0 + dt.timedelta(hours=24 * j),
                    "source": "shop",
                    "channel": "web",
                    "type": "visit",
                }
            )
    return rows


@pytest.fixture
def events(org):
    import pyarrow as pa

    load_arrow(table="interactions", data=pa.Table.from_pylist(_events()))


class _Api:
    def __init__(self) -> None:
        from django.test import Client

        from cxpilot.kernel.tokens import token_create
        from cxpilot.organisation.users import user_upsert

        user_upsert(username="bot", role="viewer", password="a-long-test-password")
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username='bot', name='t')}"}
        self.client = Client()

    def get(self, path: str, query: dict | None = None):
        return self.client.get(path, query or {}, **self.auth)


@pytest.fixture
def api_client(org):
    return _Api()


def test_dfg_and_variants_over_the_warehouse(api_client, events):
    body = api_client.get("/api/v1/journeys/dfg", {"case": "record"}).json()
    assert body["edges"] == [
        {
            "source": "website",
            "target": "call_centre",
            "count": 2,
            "median_seconds": 86400.0,
            "p90_seconds": 86400.0,
        }
    ]
    assert body["starts"] == {"website": 2, "store": 1}
    assert body["ends"] == {"call_centre": 2, "store": 1}
    variants = api_client.get("/api/v1/journeys/variants", {"case": "record"}).json()
    assert [(v["path"], v["count"]) for v in variants] == [
        (["website", "call_centre"], 2),
        (["store"], 1),
    ]
    assert variants[0]["share"] == pytest.approx(2 / 3, abs=1e-6)


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ({"case": "household"}, "case"),
        ({"activity": "colour"}, "activity"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"touchpoint": "<script>"}, "touchpoint"),
        ({"journey": "nowhere"}, "journey"),
    ],
)
def test_a_wrong_parameter_is_named(api_client, events, query, where):
    response = api_client.get("/api/v1/journeys/dfg", query)
    assert response.status_code in (400, 404, 422)
    assert response.json()["where"] == where


def test_reading_journeys_needs_a_token(client, events):
    assert client.get("/api/v1/journeys/dfg").status_code == 401
