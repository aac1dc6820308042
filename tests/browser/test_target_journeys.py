"""The target journey pages in a real browser, on the small demo: the report draws its
deviations chart, and every page fits a phone and a desktop."""

from __future__ import annotations

import pytest

from tests.browser.test_layout import BROKEN_WORDS, OVERFLOW

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = (
    "/journeys/targets/",
    "/journeys/targets/commande_en_ligne/",
    "/journeys/targets/commande_en_ligne/edit/",
    "/journeys/targets/new/",
    "/journeys/targets/import/",
)


def test_target_pages_fit_and_draw(page, live_server, log_in):
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=300, seed=5)
    log_in("cx_lead", on=page)
    problems = []
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in PAGES:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            overflow, wide = page.evaluate(OVERFLOW)
            if overflow > 1:
                problems.append(f"{path} at {width}px scrolls sideways by {overflow}px: {wide}")
            broken = page.evaluate(BROKEN_WORDS)
            if broken:
                problems.append(f"{path} at {width}px breaks words in table cells: {broken}")
    assert not problems, "\n".join(problems)
    page.goto(f"{live_server.url}/journeys/targets/commande_en_ligne/")
    page.wait_for_selector("#chart-deviations svg, #chart-deviations canvas")
    assert "of the cases follow the target" in page.inner_text("#conforming-share")
