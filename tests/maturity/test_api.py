"""The maturity HTTP API: the CLI's JSON, behind a token and the view permission."""

from __future__ import annotations

import pytest

from cxpilot.kernel.tokens import token_create
from cxpilot.organisation.users import user_upsert


def get(client, path, token):
    return client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_result_culture_roadmap_and_latest(client, answered):
    user_upsert(username="ana", role="analyst")
    token = token_create(username="ana", name="notebook")
    assert get(client, "/api/v1/maturity/latest", token).json() == {"scores": None}
    campaign = answered(
        [("service", 2)] * 5, picks={"current": ["blame", "trust"], "desired": ["trust"]}
    )
    rows = get(client, "/api/v1/maturity/campaigns", token).json()
    assert rows[0]["id"] == campaign.pk and rows[0]["answered"] == 5
    # every rating 2: (2 − 1) / 3 × 100 = 33.3, level 2
    result = get(client, f"/api/v1/maturity/campaigns/{campaign.pk}/result", token).json()
    assert result["overall_score"] == 33.3 and result["overall_level"] == 2
    assert result["dimensions"][0]["by_department"] == {"service": 33.3}
    culture = get(client, f"/api/v1/maturity/campaigns/{campaign.pk}/culture", token).json()
    assert culture["entropy"] == 50.0 and culture["jumps"] == []
    roadmap = get(client, f"/api/v1/maturity/campaigns/{campaign.pk}/roadmap", token).json()
    assert roadmap[0]["quick_win"] is True
    latest = get(client, "/api/v1/maturity/latest", token).json()["scores"]
    assert latest["governance"] == pytest.approx(100 / 3)


def test_token_and_permission_required(client, answered):
    campaign = answered([("service", 2)] * 5)
    assert client.get(f"/api/v1/maturity/campaigns/{campaign.pk}/result").status_code == 401
    response = get(client, "/api/v1/maturity/campaigns/999/result", _token("viewer"))
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def _token(role):
    user_upsert(username=f"u-{role}", role=role)
    return token_create(username=f"u-{role}", name="t")
