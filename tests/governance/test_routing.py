"""The RACI is used: closing-the-loop cases go to the department Responsible for the loop."""

from __future__ import annotations

import pytest

from cxpilot.governance.selectors import responsible_department
from cxpilot.governance.services import catalogue_sync, raci_cells_set
from cxpilot.loop.models import FollowUpCase
from cxpilot.loop.services import case_department
from cxpilot.warehouse.inbox import inbox_flush, inbox_receive

pytestmark = pytest.mark.warehouse


def answer(i: int, touchpoint: str, score: int) -> dict:
    return {
        "response_id": f"r{i}",
        "customer_id": f"c{i}",
        "touchpoint": touchpoint,
        "timestamp": "2026-11-02T10:00:00",
        "metric": "nps",
        "score": score,
        "source": "web",
    }


def test_responsible_department_follows_the_raci(org):
    catalogue_sync()
    assert responsible_department("website") is None
    raci_cells_set(actor=None, cells={("close_loop_website", "service"): "A/R"})
    assert responsible_department("website").key == "service"
    # several Responsible: the first by department name (E-commerce before Service client)
    raci_cells_set(actor=None, cells={("close_loop_website", "ecommerce"): "R"})
    assert responsible_department("website").key == "ecommerce"
    # Accountable alone is not Responsible
    raci_cells_set(actor=None, cells={("close_loop_website", "ecommerce"): "A"})
    assert responsible_department("website").key == "service"
    assert responsible_department("no_such_touchpoint") is None


def test_case_department_falls_back_to_the_owning_department(org):
    catalogue_sync()
    assert case_department("website")[1] == "owning_department"
    assert case_department("store") == (None, "unrouted")
    raci_cells_set(actor=None, cells={("close_loop_store", "service"): "R"})
    department, why = case_department("store")
    assert department.key == "service" and why == "raci_responsible"


def test_a_detractor_case_goes_to_the_raci_responsible_end_to_end(org):
    catalogue_sync()
    # the website is owned by e-commerce, but the RACI gives its loop to customer service
    raci_cells_set(
        actor=None,
        cells={("close_loop_website", "service"): "R", ("close_loop_website", "ecommerce"): "A"},
    )
    inbox_receive(
        table="responses",
        records=[answer(1, "website", 3), answer(2, "call_centre", 2)],
        source="web",
    )
    inbox_flush()
    cases = {c.response_id: c for c in FollowUpCase.objects.select_related("department")}
    assert cases["r1"].department.key == "service" and cases["r1"].routed_by == "raci_responsible"
    assert cases["r2"].department.key == "service" and cases["r2"].routed_by == "owning_department"
