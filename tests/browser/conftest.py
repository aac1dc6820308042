"""Headless Chromium (driven by Playwright) against the app on a live test server.

The browser is the system's Chromium (``scripts/test.sh`` installs it where it can); without
one these tests are skipped, and the test command says so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = next(
    (
        p
        for p in (
            os.environ.get("CXPILOT_CHROMIUM"),
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
        )
        if p
    ),
    None,
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no Chromium on this machine (set CXPILOT_CHROMIUM or install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are ordinary synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _csp_violation(message: Any) -> bool:
    return "Content Security Policy" in message.text


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A tab in a fresh context. Whatever the test does in it, nothing the page loads or runs
    may break the Content-Security-Policy (the browser reports it on the console)."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if _csp_violation(m) else None)
    yield page
    context.close()
    assert not violations, violations


@pytest.fixture
def log_in(request: pytest.FixtureRequest, live_server: Any, make_user: Any) -> Any:
    """``log_in("cx_lead")``: a new user with that role (``make_user``'s arguments), logged in
    through the login form of ``page``, or of the page given as ``on``."""
    from tests.conftest import PASSWORD

    def log_in(role: str | None, *, on: Any = None, **fields: Any) -> Any:
        user = make_user(role, **fields)
        tab = on if on is not None else request.getfixturevalue("page")
        tab.goto(f"{live_server.url}/")
        assert "/accounts/login/" in tab.url  # every page asks for a login first
        tab.fill("#id_username", user.username)
        tab.fill("#id_password", PASSWORD)
        tab.click("main button:has-text('Log in')")
        tab.wait_for_url(f"{live_server.url}/")
        return user

    return log_in
