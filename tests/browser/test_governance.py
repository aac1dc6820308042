"""The RACI grid in a real browser: editing a cell shows, then clears, a warning."""

from __future__ import annotations

import pytest

from cxpilot.governance.models import Activity, RaciCell
from cxpilot.governance.services import catalogue_sync, raci_cells_set

pytestmark = pytest.mark.django_db(transaction=True)


def test_editing_a_raci_cell_shows_and_clears_a_warning(page, live_server, org, log_in):
    catalogue_sync()
    raci_cells_set(
        actor=None,
        cells={("voc_programme", "ecommerce"): "A/R", ("voc_programme", "service"): "C"},
    )
    log_in("cx_lead", username="lea")
    page.click("nav >> text=Governance")
    page.wait_for_url("**/governance/")
    row = page.locator("tr[data-activity='voc_programme']")
    assert "Accountable" not in row.inner_text()
    activity = Activity.objects.get(key="voc_programme")
    cell = row.locator("input").nth(1)  # Service client (departments by name)
    cell.fill("a")
    page.click("button:has-text('Save the RACI')")
    page.wait_for_url("**/governance/")
    row = page.locator("tr[data-activity='voc_programme']")
    assert "2 departments are Accountable" in row.inner_text()
    assert "flag-row" in (row.get_attribute("class") or "")
    assert RaciCell.objects.get(activity=activity, department__key="service").code == "A"
    row.locator("input").nth(1).fill("c")
    page.click("button:has-text('Save the RACI')")
    page.wait_for_url("**/governance/")
    row = page.locator("tr[data-activity='voc_programme']")
    assert "2 departments are Accountable" not in row.inner_text()
    assert "flag-row" not in (row.get_attribute("class") or "")
