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


def test_recording_the_governance_model_on_a_phone(browser, live_server, org, log_in):
    """The governance-model page at 375 px: the recommendation of a closed campaign beside
    the recorded choice, a choice recorded through the form, and the notice that they
    differ; nothing scrolls sideways."""
    import datetime as dt

    from cxpilot.governance.models import GovernanceModelChoice
    from cxpilot.maturity import services as maturity
    from cxpilot.maturity.catalog import model_load
    from cxpilot.organisation.models import Department
    from tests.browser.test_layout import OVERFLOW

    campaign = maturity.campaign_create(
        actor=None, name="2026", starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2026, 10, 30)
    )
    practices = list(model_load().practices)
    for key, rating in (("ecommerce", 2), ("service", 3)):
        invited = maturity.campaign_invite(
            actor=None, campaign=campaign, department=Department.objects.get(key=key), count=5
        )
        for _url, invitation in invited:
            maturity.response_save(
                token=invitation.token,
                ratings=dict.fromkeys(practices, rating),
                current=[],
                desired=[],
                submit=True,
            )
    maturity.campaign_close(actor=None, campaign=campaign)
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in("cx_lead", on=page, username="lea")
    page.goto(f"{live_server.url}/governance/")
    page.click("nav.gov-tabs >> text=Governance model")
    page.wait_for_url("**/governance/model/")
    assert "Hybrid, with a clear lead" in page.inner_text("#recommended")
    assert "No governance model recorded yet." in page.inner_text("#recorded")
    assert page.evaluate(OVERFLOW)[0] <= 1
    page.check("input[name='model'][value='centralised']")
    page.fill("#id_note", "<b>council</b> decision")
    page.click("main button:has-text('Record')")
    page.wait_for_url("**/governance/model/")
    assert "Centralised" in page.inner_text("#recorded")
    assert "is not the one recommended" in page.inner_text("#model-differs")
    assert "<b>council</b> decision" in page.inner_text("#recorded")
    assert page.evaluate(OVERFLOW)[0] <= 1
    context.close()
    assert GovernanceModelChoice.objects.get().recorded_by.username == "lea"
