"""The customer 360 in a real browser on a phone (375 px): the search through its form, a
person's page, and back from one of their cases; nothing makes the page scroll sideways (the
records table scrolls inside its own box), and a hostile verbatim stays text."""

from __future__ import annotations

import pytest

from tests.browser.test_layout import OVERFLOW
from tests.customer360.base import P1, customer_base

pytestmark = pytest.mark.django_db(transaction=True)


def test_search_and_person_fit_a_phone(browser, live_server, org, log_in):
    cases = customer_base()
    context = browser.new_context(locale="en-GB", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    hacked: list[str] = []
    page.on("dialog", lambda d: (hacked.append(d.message), d.dismiss()))
    log_in("cx_lead", on=page)
    problems = []

    def fits(where: str) -> None:
        overflow, wide = page.evaluate(OVERFLOW)
        if overflow > 1:
            problems.append(f"{where} at 375px scrolls sideways by {overflow}px: {wide}")

    page.goto(f"{live_server.url}/customers/")
    fits("the search")
    page.fill("#id_q", "dupré hélène")
    page.press("#id_q", "Enter")
    page.wait_for_url("**/customers/?q=*")
    fits("the results")
    page.click(f"main a[href='/customers/{P1}/']")
    page.wait_for_url(f"**/customers/{P1}/")
    assert page.inner_text("main h1") == "Hélène Dupré"
    fits("a person")
    records = page.locator("main .table-scroll").first
    assert records.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls in its box
    verbatim = page.locator("main .c360-timeline blockquote").filter(has_text="colis").first
    assert verbatim.inner_text().startswith("<script>")  # shown as text, not run
    page.click("#timeline label:has-text('Survey answers') input")
    page.click("#timeline button:has-text('Filter')")
    page.wait_for_url("**kind=answer*")
    assert page.locator("main .c360-timeline > li").count() == 4
    fits("the answers")
    page.click(f"main a[href='/voc/cases/{cases['r2'].pk}/']")
    page.wait_for_url(f"**/voc/cases/{cases['r2'].pk}/")
    page.click("main a:has-text('Customer 360')")
    page.wait_for_url(f"**/customers/{P1}/")
    context.close()
    assert not hacked, hacked
    assert not problems, "\n".join(problems)
