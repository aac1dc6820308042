"""A maturity campaign run end to end in a real browser: the CX lead creates it and hands
out personal links, six people answer (one saves and comes back), the lead closes it and
reads the report, the culture view and the roadmap."""

from __future__ import annotations

import pytest

from cxpilot.maturity.catalog import model_load
from tests.hostile import HOSTILE

pytestmark = pytest.mark.django_db(transaction=True)


def answer(browser, link: str, rating: int, current: list[str], desired: list[str]) -> None:
    """One respondent, in a browser context of their own (no login), without JavaScript."""
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(link)
    assert "/accounts/login/" not in page.url
    for practice in model_load().practices:
        page.check(f"#p-{practice}-{rating}")
    for value in current:
        page.check(f"#current-{value}")
    for value in desired:
        page.check(f"#desired-{value}")
    page.click("button[name=submit]")
    assert "Your answers were submitted" in page.inner_text("main")
    context.close()


def test_campaign_end_to_end(page, browser, live_server, org, log_in):
    log_in("cx_lead", username="lea")
    page.click("nav >> text=Maturity")
    page.click("text=New campaign")
    page.fill("#id_name", f"Assessment {HOSTILE}")
    page.fill("#id_starts_on", "2026-10-01")
    page.fill("#id_ends_on", "2026-10-31")
    page.click("button:has-text('Create')")
    assert f"Assessment {HOSTILE}" in page.inner_text("h1")

    page.select_option("#id_department", label="Service client")
    page.fill("#id_count", "6")
    page.click("button:has-text('Create the links')")
    links = page.eval_on_selector_all("a.respondent-link", "els => els.map(e => e.href)")
    assert len(links) == 6

    # the first respondent rates one practice, saves, and comes back later to finish
    context = browser.new_context(locale="en-GB")
    first = context.new_page()
    first.goto(links[0])
    first.check("#p-cx_vision-2")
    first.click("button[name=save]")
    assert "Saved: 1 of 32" in first.inner_text("main")
    context.close()

    # ratings 1, 2, 3, 4, 1, 2 → mean 13 / 6 = 2.1667 → (2.1667 − 1) / 3 × 100 = 38.9
    for i, link in enumerate(links):
        answer(browser, link, 1 + i % 4, ["blame", "trust"], ["trust", "empathy"])

    page.goto(page.url.replace("/invite/", "/"))
    assert "6 of 6 personal links answered" in page.inner_text("main")
    page.click("button:has-text('Close the campaign')")
    assert "joins the level history" in page.inner_text("main")

    page.click(".maturity-tabs >> text=Maturity results")
    summary = page.inner_text(".maturity-summary")
    assert "38.9" in summary and "Initiate" in summary
    page.wait_for_selector("#chart-radar svg.marks")  # the chart is drawn
    page.wait_for_selector("#chart-heatmap svg.marks")
    table = page.inner_text("#dimension-table")
    assert "Journey design" in table and "38.9" in table

    page.click(".maturity-tabs >> text=Cultural entropy")
    # blame is limiting: 6 of 12 current votes → 50.0 %
    assert "50.0 %" in page.inner_text("#entropy")
    assert "indicative" in page.inner_text("main")
    page.click(".maturity-tabs >> text=Roadmap")
    assert "30 days" in page.inner_text("main") and "quick win" in page.inner_text("main")
    with page.expect_download() as download:
        page.click("text=Download PDF")
    with open(download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    page.goto(f"{live_server.url}/maturity/")
    assert f"Assessment {HOSTILE}" in page.inner_text("main")
