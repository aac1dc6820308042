"""The main flows of the web app, in a real browser."""

from __future__ import annotations

import pytest

from cxpilot.organisation.models import Touchpoint
from tests.hostile import HOSTILE

pytestmark = pytest.mark.django_db(transaction=True)


def test_cx_lead_creates_a_touchpoint_and_reads_it_in_french(page, live_server, org, log_in):
    log_in("cx_lead", username="lea")
    page.click("nav >> text=Touchpoints")
    page.wait_for_url("**/touchpoints/")
    assert page.locator("text=Call centre").count() >= 1
    page.goto(f"{live_server.url}/organisation/touchpoints/new/")
    page.fill("#id_key", "chat")
    page.fill("#id_name", f"{HOSTILE} Chat")
    page.select_option("#id_channel", "web")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/touchpoints/*/")
    assert Touchpoint.objects.filter(key="chat").exists()
    # hostile text is shown as text, never run
    assert f"{HOSTILE} Chat" in page.inner_text("h1")
    page.select_option("#language-select", "fr")
    page.click(".language-form button")
    page.wait_for_load_state()
    assert "Points de contact" in page.inner_text("nav")


def test_viewer_sees_no_write_actions(page, live_server, org, log_in):
    log_in("viewer", username="vic")
    page.goto(f"{live_server.url}/organisation/touchpoints/")
    assert page.locator("a[href$='/touchpoints/new/']").count() == 0
    response = page.goto(f"{live_server.url}/organisation/touchpoints/new/")
    assert response is not None and response.status == 403
