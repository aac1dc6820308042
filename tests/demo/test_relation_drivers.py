"""Truth (f): the relationship NPS of the demo follows delivery, then the store, then the
product; the key drivers by touchpoint, per person, find them in that order."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cxpilot.analytics.selectors import touchpoint_drivers
from cxpilot.demo import generator
from cxpilot.warehouse.ingest import load_arrow


@pytest.fixture(scope="module")
def demo() -> generator.DemoData:
    return generator.generate(customers=20_000, seed=42)


@pytest.fixture
def loaded(db, demo):
    """The demo's answers, and its true persons as the resolution's mapping."""
    from cxpilot.customers.services import ensure_derived
    from cxpilot.warehouse.connection import warehouse

    load_arrow(table="responses", data=demo.responses)
    truth = demo.truth.select(["source", "customer_id", "person_id"])
    with warehouse() as con:
        ensure_derived(con)
        con.insert(
            "customer_persons",
            truth.cast(pa.schema([(f, pa.string()) for f in truth.column_names])),
        )


def test_the_relationship_survey(demo):
    relation = demo.responses.filter(
        pc.equal(demo.responses["touchpoint"].cast(pa.string()), "relation")
    )
    assert relation.num_rows > 0
    assert set(relation["survey"].cast(pa.string()).to_pylist()) == {"barometre_relationnel"}
    assert set(relation["metric"].cast(pa.string()).to_pylist()) == {"nps"}
    assert set(relation["source"].cast(pa.string()).to_pylist()) == {"crm"}
    days = relation["timestamp"].cast(pa.date32()).to_pylist()
    assert min(days).isoformat() >= "2026-10-05" and max(days).isoformat() <= "2026-10-18"


def test_drivers_rank_as_planted(loaded):
    planted = sorted(generator.RELATION_DRIVERS, key=lambda t: -generator.RELATION_DRIVERS[t])
    named = touchpoint_drivers(actor=None, outcome="relation", touchpoints=planted)
    assert [d["touchpoint"] for d in named.drivers] == planted
    assert named.n >= 300 and named.r2 > 0.3
    found = touchpoint_drivers(actor=None, outcome="relation")
    # by default: the touchpoints a quarter of the respondents answered on; the website
    # (answered in the same questionnaire as the delivery) shares some of its weight
    assert [d["touchpoint"] for d in found.drivers][:2] == ["delivery", "store"]
    assert {"delivery", "store", "product"} <= {d["touchpoint"] for d in found.drivers}
