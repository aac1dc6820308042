"""The customers pages: the last resolution with its model (as Splink charts it), the review
of the pairs near the threshold with decisions from the page, who may see them, and what a
hostile or malformed request gets."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.urls import reverse
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.customers import selectors, services
from cxpilot.customers.models import PairDecision
from cxpilot.demo.generator import iter_tables
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.ingest import load_arrow


@pytest.fixture(scope="module")
def records() -> pa.Table:
    for name, table in iter_tables(customers=60, seed=11):
        if name == "customers":
            return table
    raise AssertionError("the demo makes customers")


@pytest.fixture
def resolved(db, records):
    # every record's segment is hostile: the pages must show it as text
    hostile = records.set_column(
        records.column_names.index("segment"),
        "segment",
        pa.array(["<script>alert(1)</script>"] * records.num_rows, pa.string()),
    )
    load_arrow(table="customers", data=hostile)
    services.customers_resolve()
    return hostile


def _mapping():
    with warehouse() as con:
        rows = con.table("customer_persons").to_pyarrow().to_pylist()
    return {f"{r['source']}:{r['customer_id']}": r["person_id"] for r in rows}


def test_the_resolution_page_before_and_after_a_run(db, lead, records):
    page = lead.get(reverse("customers_resolution"))
    assert page.status_code == 200 and b"never resolved" in page.content
    load_arrow(table="customers", data=records)
    services.customers_resolve()
    page = lead.get(reverse("customers_resolution"))
    assert page.status_code == 200
    text = page.content.decode()
    model = selectors.resolution_model()
    weighed = [lv for lv in model.levels if lv["match_weight"] is not None]
    assert weighed  # a level neither pair of the sample fell in has no weight, and no bar
    spec = json.loads(text.split('id="spec-weights" type="application/json">')[1].split("<")[0])
    labels = [v["label"] for v in spec["layer"][0]["data"]["values"]]
    assert labels[0].startswith("prior") and len(labels) == len(weighed) + 1
    assert weighed[0]["level"] == "Exact match on first_name"  # the model keeps Splink's label
    assert "First name · equal" in labels  # the page says it in words
    assert str(model.summary["persons"]) in text


def test_who_may_see_the_pages(db, client_as, viewer):
    owner, analyst = client_as("department_owner"), client_as("analyst")
    anonymous = client_as(None)
    anonymous.logout()
    for name in ("customers_resolution", "customers_review"):
        assert viewer.get(reverse(name)).status_code == 403
        assert owner.get(reverse(name)).status_code == 403
        assert analyst.get(reverse(name)).status_code == 200
        assert anonymous.get(reverse(name)).status_code == 302


def test_reviewing_a_pair_from_the_page(db, lead, resolved):
    page = lead.get(reverse("customers_review"), {"low": 0, "high": 1, "limit": 200})
    assert page.status_code == 200
    text = page.content.decode()
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)" in text
    pairs = selectors.customers_pairs_to_review(low=0, high=1, limit=200)
    same = next(p for p in pairs if p["same_person"])
    assert same["record_a"] in text and same["record_b"] in text

    # no reason: refused, nothing recorded
    before = _mapping()
    sent = lead.post(
        reverse("customers_review"),
        {"record_a": same["record_a"], "record_b": same["record_b"], "decision": "reject"},
        follow=True,
    )
    assert sent.status_code == 200 and b"This field is required" in sent.content
    assert not PairDecision.objects.exists() and _mapping() == before

    sent = lead.post(
        reverse("customers_review") + "?low=0&high=1",
        {
            "record_a": same["record_a"],
            "record_b": same["record_b"],
            "decision": "reject",
            "reason": "twins",
        },
    )
    assert sent.status_code == 302 and sent["Location"].endswith("?low=0&high=1")
    after = _mapping()
    assert after[same["record_a"]] != after[same["record_b"]]
    decision = PairDecision.objects.get()
    assert decision.decision == "reject" and decision.decided_by_name == "cx_lead"
    shown = lead.get(sent["Location"] + "&decided=on").content.decode()
    assert "different persons" in shown


@pytest.mark.parametrize(
    ("record_a", "record_b", "said"),
    [
        ("nocolon", "crm:x", "source:customer_id"),
        ("crm:does-not-exist", "crm:other", "no customer record"),
    ],
)
def test_a_bad_decision_says_why_and_changes_nothing(db, lead, resolved, record_a, record_b, said):
    before = _mapping()
    sent = lead.post(
        reverse("customers_review"),
        {"record_a": record_a, "record_b": record_b, "decision": "confirm", "reason": "x"},
        follow=True,
    )
    assert sent.status_code == 200 and said in sent.content.decode()
    assert not PairDecision.objects.exists() and _mapping() == before


def test_a_viewer_cannot_decide(db, viewer, resolved):
    pairs = selectors.customers_pairs_to_review(low=0, high=1, limit=1)
    sent = viewer.post(
        reverse("customers_review"),
        {
            "record_a": pairs[0]["record_a"],
            "record_b": pairs[0]["record_b"],
            "decision": "confirm",
            "reason": "x",
        },
    )
    assert sent.status_code == 403 and not PairDecision.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"low": "abc"},
        {"limit": "100000"},
        {"low": "0.9", "high": "0.1"},
        {"limit": "-1"},
        {"low": "nan"},
    ],
)
def test_bad_filters_are_said_not_a_crash(db, lead, resolved, query):
    page = lead.get(reverse("customers_review"), query)
    assert page.status_code == 400 and b'class="error"' in page.content


def test_the_model_command(db, records):
    runner = CliRunner()
    none = runner.invoke(app, ["customers", "model"])
    assert none.exit_code == 2 and "never resolved" in none.stderr
    load_arrow(table="customers", data=records.filter(pc.equal(records["source"], "crm")))
    services.customers_resolve()
    out = json.loads(runner.invoke(app, ["customers", "model", "--format", "json"]).stdout)
    assert out["levels"] and out["prior_match_weight"] < 0
    first = out["levels"][0]
    assert set(first) == {"comparison", "level", "m_probability", "u_probability", "match_weight"}
    csv_out = runner.invoke(app, ["customers", "model", "--format", "csv"]).stdout.splitlines()
    assert csv_out[0] == "comparison,level,m_probability,u_probability,match_weight"
    assert len(csv_out) == len(out["levels"]) + 2
    u = float(csv_out[2].split(",")[3])
    assert u == out["levels"][0]["u_probability"]  # as precise as the JSON


def test_the_model_levels_are_named_in_the_users_language():
    from django.utils import translation

    from cxpilot.customers.labels import comparison_label, level_label

    with translation.override("fr"):
        assert level_label("Exact match on email") == "identiques"
        assert level_label("first_name Jaro-Winkler >= 0.92") == "Jaro-Winkler ≥ 0.92"
        assert level_label("same by nickname") == "identiques par un diminutif"
        assert level_label("Damerau-Levenshtein distance of phone <= 1").startswith(
            "1 faute de frappe au plus"
        )
        assert comparison_label("place") == "Lieu (code postal et ville)"
        assert comparison_label("email") == "E-mail"
    assert level_label("something a later model says") == "something a later model says"
    assert level_label("All other comparisons") == "all other comparisons"


def test_an_audit_reason_keeps_no_invisible_character():
    from cxpilot.kernel.audit import reason_text
    from cxpilot.kernel.errors import ValidationError

    assert reason_text("  asked\u202e by mail\u200b, ticket 12\n") == "asked by mail, ticket 12"
    assert reason_text("ligne 1\nligne 2\x00") == "ligne 1\nligne 2"
    assert reason_text("Ame\u0301lie") == "Amélie"
    for bad in ("", "  \u202e\u200b ", "x" * 2001):
        with pytest.raises(ValidationError) as exc:
            reason_text(bad)
        assert exc.value.where == "reason"
