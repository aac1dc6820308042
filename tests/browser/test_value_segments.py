"""The value × risk page on a phone and a desktop: nothing scrolls sideways, the chart is
drawn, and a cell's customers get their follow-up cases from the page."""

from __future__ import annotations

import pytest

from tests.browser.test_layout import BROKEN_WORDS, OVERFLOW
from tests.value.tables import write_churn_scores, write_customer_values
from tests.value.test_segments import VALUES, person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def valued() -> None:
    write_customer_values(
        [{"customer": person(c), "clv": clv, "p_alive": p, "segment": s} for c, clv, p, s in VALUES]
    )
    # as tests/value/test_segments.py: C5 at 0.6, C8 not scored (lapsed), the rest 1 − p_alive
    scores = {person(c): round(1.0 - p, 12) for c, _, p, _ in VALUES if c not in ("C5", "C8")}
    write_churn_scores({**scores, person("C5"): 0.6})


@pytest.mark.parametrize("width", [390, 1280])
def test_segments_page_fits_and_draws(page, live_server, log_in, valued, width):
    log_in("cx_lead")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/value/segments/?value=low&risk=high")
    page.wait_for_selector("#chart-value-risk svg, #chart-value-risk canvas")
    overflow, wide = page.evaluate(OVERFLOW)
    assert overflow <= 1, wide
    assert page.evaluate(BROKEN_WORDS) == []
    assert page.locator("#table-cell-customers tbody tr").count() == 2
    if width == 1280:  # one click: a case for each customer of the cell
        page.click("button:has-text('Open the follow-up cases')")
        page.wait_for_selector(".messages")
        assert "2 follow-up case(s) opened" in page.inner_text(".messages")
        page.click(".messages a")
        page.wait_for_url("**/cases/?kind=retention&status=open")
        assert page.locator("main table tbody tr").count() == 2
