"""The journey map in a real browser, on a demo company of 2,000 customers: the map and the
flow chart are drawn, nothing makes the page scroll sideways on a phone or a desktop (the map
scrolls inside its own box), the filters work without JavaScript, and the exports download.

``CXPILOT_TEST_DEMO_CUSTOMERS=20000`` runs it on the full-size demo (about two minutes more)."""

from __future__ import annotations

import os

import pytest

from tests.browser.test_layout import OVERFLOW

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMERS = int(os.environ.get("CXPILOT_TEST_DEMO_CUSTOMERS", "2000"))


def _error(message) -> bool:
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


def test_the_journey_map_on_the_demo(page, live_server, log_in):
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=CUSTOMERS, seed=42)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _error(m) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.set_default_timeout(60_000)
    log_in("viewer")
    page.click("header nav a[href='/journeys/']")
    page.wait_for_url("**/journeys/")
    page.wait_for_selector("#chart-flow svg.marks, #chart-flow canvas")
    assert "Parcours d'achat" in page.inner_text("h1")
    # every touchpoint of the journey has its cell; the stage without one says so
    assert page.locator("#journey-map td.journey-cell[data-touchpoint]").count() == 13
    assert page.locator("#journey-map td.journey-empty").count() == 1
    assert page.locator("#journey-map thead th").count() == 7
    website = page.inner_text("#journey-map td[data-touchpoint='website']")
    assert "NPS" in website and "Persons" in website
    # its irritants lead to the irritants page of the touchpoint
    assert (
        page.locator(
            "#journey-map td[data-touchpoint='website'] a[href^='/text/irritants/?touchpoint=website']"
        ).count()
        == 1
    )
    assert page.locator("#opportunities tbody tr").count() == 13
    assert page.locator("#flow-edges tbody tr").count() == 25
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        overflow, wide = page.evaluate(OVERFLOW)
        assert overflow <= 1, (width, overflow, wide)
    # on a phone the map is wider than its box, which scrolls
    page.set_viewport_size({"width": 375, "height": 900})
    scroll_width, client_width = page.evaluate(
        "() => { const b = document.querySelector('.journey-map-scroll');"
        " return [b.scrollWidth, b.clientWidth]; }"
    )
    assert scroll_width > client_width
    page.set_viewport_size({"width": 1280, "height": 900})

    # the filters: a GET form
    page.select_option("#id_channel", "web")
    page.click("main button:has-text('Apply')")
    page.wait_for_url("**/journeys/?*channel=web*")
    page.wait_for_selector("#chart-flow svg.marks, #chart-flow canvas")
    store = page.inner_text("#journey-map td[data-touchpoint='store']")
    assert "Persons\n0" in store or "Persons\t0" in store or "0 (0 %)" in store

    for link, head in (
        ("#export-map-png", b"\x89PNG"),
        ("#export-flow-png", b"\x89PNG"),
        ("#export-pdf", b"%PDF"),
    ):
        with page.expect_download() as download:
            page.click(link)
        assert "journey-achat" in download.value.suggested_filename
        with open(download.value.path(), "rb") as handle:
            assert handle.read(4) == head
    assert not problems, problems
