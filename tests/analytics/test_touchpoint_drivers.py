"""Key drivers by touchpoint, per person: the person's mean score on each touchpoint, across
their records, explains their relationship score."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from cxpilot.analytics.drivers import lmg
from cxpilot.analytics.selectors import touchpoint_drivers
from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse.ingest import load_arrow

runner = CliRunner()
PERSONS = 80


def _answer(rid: str, source: str, cid: str, tp: str, metric: str, day: int, score: int) -> dict:
    return {
        "response_id": rid,
        "customer_id": cid,
        "touchpoint": tp,
        "timestamp": dt.datetime(2025, 1, 1) + dt.timedelta(days=day),
        "metric": metric,
        "score": int(score),
        "source": source,
    }


@pytest.fixture
def planted(org):
    return plant()


def plant() -> tuple[np.ndarray, np.ndarray]:
    """80 persons, each a CRM record (store CSAT, the relationship NPS) and an e-shop record
    (website NPS, two answers), resolved into one person. The relationship score follows the
    store strongly, the website weakly, the call centre not at all. Returns the persons' own
    (store, website, call_centre, outcome) columns on the 0–100 scale."""
    from cxpilot.customers.services import ensure_derived
    from cxpilot.warehouse.connection import warehouse

    rng = np.random.default_rng(7)
    store = rng.integers(1, 6, PERSONS)  # CSAT 1–5
    web = rng.integers(0, 11, (PERSONS, 2))  # two NPS answers
    call = rng.integers(1, 8, PERSONS)  # CES 1–7
    store_s = (store - 1) / 4 * 100
    web_s = web.mean(axis=1) * 10
    call_s = (call - 1) / 6 * 100
    outcome = np.clip(np.rint(0.08 * store_s + 0.02 * web_s + rng.normal(0, 0.8, PERSONS)), 0, 10)
    rows, mapping = [], []
    for i in range(PERSONS):
        crm, eshop = f"C{i}", f"W{i}"
        rows += [
            _answer(f"s{i}", "crm", crm, "store", "csat", i % 20, store[i]),
            _answer(f"w{i}a", "eshop", eshop, "website", "nps", 1 + i % 20, web[i, 0]),
            _answer(f"w{i}b", "eshop", eshop, "website", "nps", 2 + i % 20, web[i, 1]),
            _answer(f"k{i}", "eshop", eshop, "call_centre", "ces", 3, call[i]),
            # an older relationship answer: only the latest counts
            _answer(f"r{i}a", "crm", crm, "relation", "nps", 30, 10 - int(outcome[i])),
            _answer(f"r{i}b", "crm", crm, "relation", "nps", 60, outcome[i]),
        ]
        mapping += [("crm", crm, f"P{i}"), ("eshop", eshop, f"P{i}")]
    load_arrow(table="responses", data=pa.Table.from_pylist(rows))
    with warehouse() as con:
        ensure_derived(con)
        con.insert(
            "customer_persons",
            pa.Table.from_pylist(
                [{"source": s, "customer_id": c, "person_id": p} for s, c, p in mapping]
            ),
        )
    return np.column_stack([store_s, web_s, call_s]), outcome


@pytest.mark.warehouse
def test_drivers_are_the_lmg_of_each_persons_touchpoint_means(planted):
    x, y = planted
    result = touchpoint_drivers(actor=None, outcome="relation")
    assert (result.n, result.persons_with_outcome) == (PERSONS, PERSONS)
    assert [d["touchpoint"] for d in result.drivers] == ["store", "website", "call_centre"]
    expected = {i.name: i for i in lmg(x, y, names=["store", "website", "call_centre"])}
    for row in result.drivers:
        assert row["importance"] == pytest.approx(expected[row["touchpoint"]].importance, abs=1e-4)
        assert row["share"] == pytest.approx(expected[row["touchpoint"]].share, abs=0.05)
        assert row["persons"] == PERSONS
    assert result.r2 == pytest.approx(sum(i.importance for i in expected.values()), abs=1e-6)
    assert result.drivers[0]["share"] > 60
    assert result.drivers[0]["touchpoint_name"] == "Store"
    assert result.drivers[0]["mean"] == pytest.approx(x[:, 0].mean(), abs=0.05)


@pytest.mark.warehouse
def test_a_person_is_all_their_records(planted):
    """Without the resolution, the e-shop records are persons with no outcome: the website and
    the call centre have nobody, and the store alone is left."""
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        con.truncate_table("customer_persons")
    result = touchpoint_drivers(actor=None, outcome="relation", min_coverage=0.5)
    assert [d["touchpoint"] for d in result.drivers] == ["store"]
    with pytest.raises(ValidationError, match="no person with an outcome answered on 'website'"):
        touchpoint_drivers(actor=None, outcome="relation", touchpoints=["store", "website"])


@pytest.mark.warehouse
def test_named_touchpoints_metric_and_period(planted):
    result = touchpoint_drivers(
        actor=None, outcome="relation", touchpoints=["website", " store", "website"]
    )
    assert [d["touchpoint"] for d in result.drivers] == ["store", "website"]
    assert [r["touchpoint"] for r in result.left_out] == ["call_centre"]
    only_nps = touchpoint_drivers(actor=None, outcome="relation", metric="nps")
    assert [d["touchpoint"] for d in only_nps.drivers] == ["website"]


@pytest.mark.warehouse
def test_clear_errors(planted):
    with pytest.raises(ValidationError, match="no NPS answer on the touchpoint 'nowhere'"):
        touchpoint_drivers(actor=None, outcome="nowhere")
    with pytest.raises(ValidationError, match="in the period"):
        touchpoint_drivers(actor=None, outcome="relation", end=dt.date(2024, 12, 31))
    # the relationship answers of days 30 and 60 fall in January–March; the store answers of
    # the first 10 days only: too few persons have both
    with pytest.raises(ValidationError, match=r"only \d+ persons .* at least 30"):
        touchpoint_drivers(
            actor=None, outcome="relation", touchpoints=["store"], start=dt.date(2025, 1, 15)
        )
    with pytest.raises(ValidationError, match="cannot be a predictor"):
        touchpoint_drivers(actor=None, outcome="relation", touchpoints=["relation"])
    with pytest.raises(ValidationError, match="coverage"):
        touchpoint_drivers(actor=None, outcome="relation", min_coverage=0)


@pytest.mark.warehouse
def test_cli_json(planted):
    result = runner.invoke(app, ["touchpoint-drivers", "--outcome", "relation", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "outcome",
        "outcome_metric",
        "from",
        "to",
        "r2",
        "n",
        "persons_with_outcome",
        "drivers",
        "left_out",
    }
    assert data["n"] == PERSONS and data["drivers"][0]["touchpoint"] == "store"
    assert set(data["drivers"][0]) == {
        "touchpoint",
        "touchpoint_name",
        "importance",
        "share",
        "rank",
        "persons",
        "mean",
    }
    result = runner.invoke(app, ["touchpoint-drivers", "--outcome", "nowhere"])
    assert result.exit_code == 2 and "no NPS answer" in result.stderr


# --- The page ------------------------------------------------------------------------------


@pytest.fixture
def relation(planted):
    from cxpilot.organisation.models import Touchpoint

    Touchpoint.objects.create(key="relation", name="Relationship")
    return planted


def test_page_defaults_to_the_touchpoint_outside_the_journeys(relation, client_as):
    from django.urls import reverse

    response = client_as("analyst").get(reverse("voc_drivers"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<option value="relation" selected>' in body
    rows = re.findall(r'<tr data-touchpoint="([^"]+)"', body)
    assert rows == ["store", "website", "call_centre"]
    result = touchpoint_drivers(actor=None, outcome="relation")
    assert f"{result.n} customers in the model" in body
    share = f"{result.drivers[0]['share']:.1f}"
    assert f'<meter min="0" max="100" value="{share}">' in body


def test_page_says_what_is_missing(relation, client_as):
    from django.urls import reverse

    client = client_as("viewer")
    body = client.get(reverse("voc_drivers"), {"outcome": "store"}).content.decode()
    assert 'role="alert"' in body and "no NPS answer on the touchpoint" in body
    assert client.get(reverse("voc_drivers"), {"outcome": "nowhere"}).status_code == 400
    assert client_as(None).get(reverse("voc_drivers")).status_code == 403
    dashboard = client.get(reverse("voc_dashboard")).content.decode()
    assert f'href="{reverse("voc_drivers")}"' in dashboard


@pytest.mark.warehouse
def test_http_api(planted):
    from django.test import Client

    from cxpilot.kernel.tokens import token_create
    from cxpilot.organisation.users import user_upsert

    user_upsert(username="bot", role="viewer", password="a-long-test-password")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(username='bot', name='t')}"}
    c = Client()
    data = c.get("/api/v1/touchpoint-drivers?outcome=relation", **auth).json()
    assert data == json.loads(
        json.dumps(touchpoint_drivers(actor=None, outcome="relation").as_dict())
    )
    bad = c.get("/api/v1/touchpoint-drivers?outcome=nowhere", **auth)
    assert bad.status_code == 422 and bad.json()["where"] == "outcome"
    late = c.get(
        "/api/v1/touchpoint-drivers?outcome=relation&date_from=2025-02-01&date_to=2025-01-01",
        **auth,
    )
    assert late.json()["detail"] == "date_to is before date_from"
    rows = c.get("/api/v1/metrics?metric=nps&by=touchpoint", **auth).json()
    relation = next(r for r in rows if r["touchpoint"] == "relation")
    # two answers of each of the 80 persons' CRM records
    assert (relation["n"], relation["customers"]) == (2 * PERSONS, PERSONS)
    by_person = c.get("/api/v1/metrics?metric=nps&by=touchpoint&by_person=true", **auth).json()
    assert next(r for r in by_person if r["touchpoint"] == "relation")["n"] == PERSONS
    planet = c.get("/api/v1/metrics?metric=nps&by=planet", **auth)
    assert planet.status_code == 422 and planet.json()["where"] == "by"
    for name in ("touchpoint", "channel", "segment"):
        unknown = c.get(f"/api/v1/metrics?metric=nps&{name}=%3Cscript%3E", **auth)
        assert unknown.status_code == 422 and unknown.json()["where"] == name
    assert c.get("/api/v1/metrics?metric=nps").status_code == 401
