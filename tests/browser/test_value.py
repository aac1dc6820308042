"""The value page in a real browser on a phone (375 px) and a desktop: its charts drawn,
nothing scrolling sideways (tables scroll in their own box)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.test_layout import OVERFLOW
from tests.value.test_predict import cdnow_warehouse  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_value_page_fits_a_phone(browser, live_server, cdnow_warehouse, log_in):  # noqa: F811
    from cxpilot.value.services import customer_values_compute

    customer_values_compute(calibration_end=dt.date(1997, 9, 30))
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in("analyst", on=page)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/value/")
        assert page.inner_text("main h1") == "Customer value"
        for name in ("equity", "history", "clv", "holdout"):
            page.wait_for_selector(f"#chart-{name} svg, #chart-{name} canvas")
        overflow, wide = page.evaluate(OVERFLOW)
        assert overflow <= 1, f"/value/ at {width}px scrolls sideways by {overflow}px: {wide}"
    context.close()
