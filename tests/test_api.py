"""The HTTP API: token auth, inbox posting, JSON errors for every kind of bad request."""

from __future__ import annotations

import json

import pytest

from cxpilot.kernel.tokens import token_create
from cxpilot.organisation.users import user_upsert
from cxpilot.warehouse.models import InboxItem
from tests.hostile import HOSTILE

RECORD = {
    "response_id": "a1",
    "customer_id": "c1",
    "touchpoint": "website",
    "timestamp": "2025-05-01T12:00:00Z",
    "metric": "nps",
    "score": 9,
    "verbatim": HOSTILE,
}


@pytest.fixture
def token(org) -> str:
    user_upsert(username="bot", role="analyst")
    return token_create(username="bot", name="site")


def post(client, path, body, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def test_post_responses_is_acknowledged_once_committed(client, token):
    response = post(
        client, "/api/v1/inbox/responses", {"source": "web", "records": [RECORD]}, token
    )
    assert response.status_code == 202, response.content
    assert response.json() == {"accepted": 1, "duplicates": 0, "ids": ["a1"]}
    item = InboxItem.objects.get()
    assert item.payload["verbatim"] == HOSTILE
    again = post(client, "/api/v1/inbox/responses", {"source": "web", "records": [RECORD]}, token)
    assert again.json()["duplicates"] == 1 and InboxItem.objects.count() == 1


@pytest.mark.parametrize("auth", [None, "wrong", "cxp_wrong"])
def test_token_required(client, org, auth):
    response = post(client, "/api/v1/inbox/responses", {"records": [RECORD]}, auth)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert InboxItem.objects.count() == 0


def test_viewer_token_is_forbidden(client, org):
    user_upsert(username="v", role="viewer")
    response = post(
        client, "/api/v1/inbox/responses", {"records": [RECORD]}, token_create(username="v")
    )
    assert response.status_code == 403 and response.json()["error"] == "forbidden"


@pytest.mark.parametrize(
    ("path", "body", "raw", "status", "where"),
    [
        ("/api/v1/inbox/responses", None, "{not json", 400, None),
        ("/api/v1/inbox/responses", {"records": "nope"}, None, 422, "body"),
        (
            "/api/v1/inbox/responses",
            {"records": [{**RECORD, "score": 99}]},
            None,
            422,
            "body.records",
        ),
        (
            "/api/v1/inbox/responses",
            {"records": [{**RECORD, "touchpoint": "mars"}]},
            None,
            422,
            "body.records",
        ),
        ("/api/v1/inbox/customers", {"records": [RECORD]}, None, 422, "path"),
        # NUL characters: in no customer's text, and PostgreSQL cannot store them
        (
            "/api/v1/inbox/responses",
            {"records": [{**RECORD, "verbatim": "bien\x00reçu"}]},
            None,
            422,
            "body.records",
        ),
        (
            "/api/v1/inbox/responses",
            {"records": [{**RECORD, "store\x00": "Lyon"}]},
            None,
            422,
            "body.records",
        ),
        (
            "/api/v1/inbox/responses",
            {"records": [{**RECORD, "region": "Rh\x00ne"}]},
            None,
            422,
            "body.records",
        ),
    ],
)
def test_bad_requests_get_json_errors_and_store_nothing(
    client, token, path, body, raw, status, where
):
    response = post(client, path, body, token, raw=raw)
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) >= {"error", "detail", "where"} and payload["detail"]
    assert payload["error"] in (("invalid",) if status == 422 else ("http", "invalid_json"))
    if where:
        assert payload["where"].startswith(where), payload
    else:
        assert payload["where"] in (None, "body")
    assert InboxItem.objects.count() == 0


def test_a_nul_character_is_named_where_it_is(client, token):
    body = {"records": [RECORD, {**RECORD, "response_id": "a2", "verbatim": "bien\x00reçu"}]}
    response = post(client, "/api/v1/inbox/responses", body, token)
    assert response.status_code == 422
    (problem,) = response.json()["problems"]
    assert problem["where"] == "body.records:record 2" and problem["column"] == "verbatim"
    assert "NUL" in problem["reason"] and "\x00" not in problem["value"]
    assert InboxItem.objects.count() == 0


def test_deeply_nested_body_is_refused(client, token):
    raw = '{"records": ' + "[" * 30_000 + "]" * 30_000 + "}"
    response = post(client, "/api/v1/inbox/responses", None, token, raw=raw)
    # Django Ninja answers a body it cannot parse (a RecursionError too) with a 400
    assert response.status_code == 400, response.content
    assert set(response.json()) >= {"error", "detail", "where"}
    assert InboxItem.objects.count() == 0


def test_oversized_body_is_refused(client, token):
    big = {
        "records": [{**RECORD, "response_id": f"x{i}", "verbatim": "x" * 3000} for i in range(1000)]
    }
    response = post(client, "/api/v1/inbox/responses", big, token)
    assert response.status_code == 413 and InboxItem.objects.count() == 0


def test_oversized_body_gets_the_json_error(client, token):
    big = {
        "records": [{**RECORD, "response_id": f"x{i}", "verbatim": "x" * 3000} for i in range(1000)]
    }
    response = post(client, "/api/v1/inbox/responses", big, token)
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_more_than_a_thousand_records_are_refused(client, token):
    many = {"records": [{**RECORD, "response_id": f"x{i}"} for i in range(1001)]}
    response = post(client, "/api/v1/inbox/responses", many, token)
    assert response.status_code == 422 and response.json() == {
        "error": "invalid",
        "detail": "at most 1000 records per request",
        "where": "body.records",
    }
    assert InboxItem.objects.count() == 0


def test_hostile_text_is_stored_as_sent_or_refused_whole(client, token, hostile):
    record = {**RECORD, "verbatim": hostile}
    response = post(client, "/api/v1/inbox/responses", {"records": [record]}, token)
    if len(hostile) > 20_000:  # longer than a verbatim may be
        assert response.status_code == 422 and response.json()["where"] == "body.records"
        assert InboxItem.objects.count() == 0
        return
    assert response.status_code == 202, response.content
    # a blank comment is no comment; anything else is kept exactly
    assert InboxItem.objects.get().payload.get("verbatim") == (hostile if hostile.strip() else None)


def test_openapi_schema_is_served(client):
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_api_errors_name_no_command_line_option(client, token):
    bad = {
        "records": [{**RECORD, "touchpoint": "mars"}, {**RECORD, "response_id": "a2", "score": 11}]
    }
    body = post(client, "/api/v1/inbox/responses", bad, token).json()
    text = json.dumps(body)
    assert body["error"] == "invalid" and "--" not in text, text
    assert "an administrator adds it to the organisation model" in text
