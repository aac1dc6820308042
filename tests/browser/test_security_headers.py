"""The Content-Security-Policy holds in a real browser: the charts draw without eval, the API's
documentation page runs from the package, and an inline script is refused."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_documentation_runs_under_the_policy(page, live_server):
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI drew the operations
    assert not violations, violations


def test_an_injected_inline_script_does_not_run(browser, live_server, log_in):
    # its own tab: the refusal is reported on the console, which the ``page`` fixture forbids
    page = browser.new_context(locale="en-GB").new_page()
    log_in("cx_lead", on=page)
    page.goto(f"{live_server.url}/")
    # what injected markup would get: an inline script, refused
    ran = page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.__inline = 1';
            document.body.appendChild(s);
            return window.__inline === 1;
        }"""
    )
    assert ran is False
