"""The initiatives HTTP API: list, read, create (the CX lead, with the form's checks) and the
measured effect with its return; bad input refused as JSON naming the field, nothing stored."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from cxpilot.initiatives.models import Initiative
from cxpilot.kernel.tokens import token_create
from cxpilot.organisation.users import user_upsert
from cxpilot.warehouse.ingest import load_arrow
from tests.hostile import HOSTILE
from tests.initiatives.test_initiatives import answers

BODY = {
    "name": "Faster checkout",
    "touchpoints": ["website"],
    "metric": "ces",
    "started_on": "2025-09-15",
    "cost_one_off": 5000,
    "cost_monthly": "500",
    "customers_reached": 1000,
}


def _token(role: str) -> str:
    department = "service" if role == "department_owner" else None
    user_upsert(username=f"u-{role}", role=role, department=department)
    return token_create(username=f"u-{role}", name="t")


@pytest.fixture
def lead_token(org) -> str:
    return _token("cx_lead")


def post(client, body, token, raw=None):
    return client.post(
        "/api/v1/initiatives",
        data=raw if raw is not None else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def get(client, path, token):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_create_list_get_and_effect(client, lead_token) -> None:
    load_arrow(table="responses", data=pa.Table.from_pylist(answers()))
    created = post(client, {**BODY, "name": HOSTILE}, lead_token)
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["name"] == HOSTILE and row["touchpoints"] == ["website"]
    assert row["status"] == "started" and row["started_on"] == "2025-09-15"
    assert row["department"] == "ecommerce" and row["cost_monthly"] == 500.0
    viewer = _token("viewer")  # every role reads
    listed = get(client, "/api/v1/initiatives", viewer)
    assert listed.status_code == 200 and [r["id"] for r in listed.json()] == [row["id"]]
    assert get(client, f"/api/v1/initiatives/{row['id']}", viewer).json() == row
    effect = get(client, f"/api/v1/initiatives/{row['id']}/effect", viewer)
    assert effect.status_code == 200, effect.content
    found = effect.json()
    assert list(found)[:6] == ["initiative", "effect", "ci_low", "ci_high", "method", "n"]
    # the hand-built case of test_initiatives: (6 − 4) − (5.5 − 5)
    assert found["effect"] == pytest.approx(1.5) and found["method"] == "did"
    assert found["n"] == 48 and found["comparison"] == ["call_centre"]
    # no customer values in this warehouse, no value of a point set: no return, and why
    assert found["basis"] == "assumption" and found["return"] is None
    assert "clv predict" in found["basis_note"]


@pytest.mark.parametrize(
    ("changes", "where", "words"),
    [
        ({"touchpoints": ["mars"]}, "touchpoints", "unknown touchpoint 'mars'"),
        ({"started_on": "2025-13-40"}, "started_on", "is not a date"),
        ({"metric": "ltv"}, "metric", "unknown KPI"),
        ({"cost_one_off": -3}, "cost_one_off", "an amount from 0"),
        ({"done_on": "2025-01-01"}, "done_on", "before it started"),
        ({"council": 999}, "council", "no council"),
        ({"name": ""}, "name", "give a value"),
    ],
)
def test_bad_input_is_refused_naming_the_field(client, lead_token, changes, where, words) -> None:
    response = post(client, {**BODY, **changes}, lead_token)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid" and body["where"] == where and words in body["detail"]
    assert Initiative.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "where"), [({"name": None}, "body.name"), ({"name": ["x"]}, "body.name")]
)
def test_a_field_of_the_wrong_type_is_named_once(client, lead_token, changes, where) -> None:
    response = post(client, {**BODY, **changes}, lead_token)
    assert response.status_code == 422, response.content
    assert response.json()["where"] == where
    assert Initiative.objects.count() == 0


def test_unknown_fields_and_bad_json_are_refused(client, lead_token) -> None:
    response = post(client, {**BODY, "colour": "red"}, lead_token)
    assert response.status_code == 422 and response.json()["error"] == "invalid"
    assert "colour" in response.json()["where"]
    response = post(client, None, lead_token, raw="{not json")
    assert response.status_code in (400, 422) and set(response.json()) >= {"error", "detail"}
    assert Initiative.objects.count() == 0


@pytest.mark.parametrize("role", ["analyst", "viewer", "department_owner"])
def test_only_the_cx_lead_creates(client, org, role) -> None:
    response = post(client, BODY, _token(role))
    assert response.status_code == 403 and response.json()["error"] == "forbidden"
    assert Initiative.objects.count() == 0


def test_token_required_and_unknown_ids(client, lead_token) -> None:
    assert client.get("/api/v1/initiatives").status_code == 401
    assert post(client, BODY, "cxp_wrong").status_code == 401
    missing = get(client, "/api/v1/initiatives/999", lead_token)
    assert missing.status_code == 404 and missing.json()["where"] == "initiative"
    assert get(client, "/api/v1/initiatives/999/effect", lead_token).status_code == 404


def test_effect_of_an_initiative_not_started_and_a_bad_window(client, lead_token) -> None:
    row = post(client, {**BODY, "started_on": None}, lead_token).json()
    response = get(client, f"/api/v1/initiatives/{row['id']}/effect", lead_token)
    assert response.status_code == 422 and response.json()["where"] == "started_on"
    response = get(client, f"/api/v1/initiatives/{row['id']}/effect?window=99", lead_token)
    assert response.status_code == 422 and response.json()["where"] == "window"


def test_a_lone_surrogate_is_refused_naming_where(client, lead_token) -> None:
    """``"\\ud800"`` is valid JSON but no character: a 400 naming the field, nothing stored."""
    raw = json.dumps(BODY)[:-1] + ', "description": "x\\ud800"}'
    response = post(client, None, lead_token, raw=raw)
    assert response.status_code == 400, response.content
    assert response.json()["where"] == "description"
    raw = json.dumps({**BODY, "touchpoints": ["app", "x\\ud800"]}).replace("\\\\ud800", "\\ud800")
    response = post(client, None, lead_token, raw=raw)
    assert response.status_code == 400 and response.json()["where"] == "touchpoints[1]"
    assert Initiative.objects.count() == 0
