"""The hosted survey page and the widget in a real browser: without JavaScript, with it, by
keyboard, in French, and the widget on another site's page."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from cxpilot.surveys import services
from cxpilot.surveys.models import Submission
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.inbox import inbox_flush
from tests.hostile import HOSTILE
from tests.surveys.test_surveys import survey_definition

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def survey(org):
    from django.core.cache import cache

    cache.clear()
    return services.survey_create(actor=None, definition=survey_definition())


def warehouse_rows() -> list[dict]:
    inbox_flush()
    with warehouse() as con:
        t = con.table("responses")
        return t.filter(t.survey == "nps-web").order_by("metric").to_pyarrow().to_pylist()


@pytest.fixture
def shop_server():
    """Serve one HTML page from a server of its own; give its address."""
    servers = []

    def serve(html: str) -> str:
        body = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/shop.html"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def outline(page, selector: str) -> str:
    return page.eval_on_selector(selector, "el => getComputedStyle(el).outlineStyle")


def test_survey_page_works_without_javascript_by_keyboard_in_french(browser, live_server, survey):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/s/nps-web/?c=b-1&t=website")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.inner_text("h1") == "Votre avis"
        legend = page.locator("#q-nps legend").inner_text()
        assert "Quelle est la probabilité" in legend
        # the follow-up for detractors is not shown yet (no script runs)
        assert not page.locator("#q-wrong").is_visible()
        # keyboard only: Tab to the scale, arrows choose, the focus is visible
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "q-nps-0":
                break
        assert page.evaluate("document.activeElement.id") == "q-nps-0"
        assert outline(page, "#q-nps-0 + span") != "none"
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        assert page.is_checked("#q-nps-3")
        page.check("#q-channel-0")
        page.click("button[type=submit]")
        # the second step asks the detractor what went wrong
        page.wait_for_selector("textarea[name=q_wrong]")
        assert "Qu’est-ce qui n’a pas été ?" in page.inner_text("main")
        page.fill("textarea[name=q_wrong]", HOSTILE)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/s/nps-web/thanks/**")
        assert "Merci beaucoup !" in page.inner_text("main")
    finally:
        context.close()
    (row,) = warehouse_rows()
    assert (row["metric"], row["score"], row["language"], row["channel"]) == (
        "nps",
        3,
        "fr",
        "hosted",
    )
    assert row["verbatim"] == HOSTILE and row["customer_id"] == "b-1"


def test_follow_up_appears_in_place_with_javascript(page, live_server, survey):
    page.goto(f"{live_server.url}/s/nps-web/?lang=en")
    assert not page.locator("#q-wrong").is_visible()
    page.check("#q-nps-2")
    assert page.locator("#q-wrong").is_visible()
    page.check("#q-nps-9")
    assert not page.locator("#q-wrong").is_visible()
    page.check("#q-nps-1")
    page.fill("#q-wrong-input", "Late delivery")
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks/**")
    assert "Thanks a lot!" in page.inner_text("main")
    (row,) = warehouse_rows()
    assert (row["score"], row["verbatim"], row["language"]) == (1, "Late delivery", "en")


def test_survey_page_fits_a_phone(browser, live_server, survey):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/s/nps-web/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        box = page.locator("label[for=q-nps-10]").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 360 and box["height"] >= 40
    finally:
        context.close()


def test_widget_on_another_site_is_isolated_and_keyboard_accessible(
    page, live_server, survey, shop_server
):
    host_page = f"""<!DOCTYPE html><html lang="fr"><head><title>Boutique</title>
      <style>* {{ color: red !important; font-size: 40px !important; }}
      button, fieldset {{ display: none !important; }}</style></head>
      <body><h1>Boutique</h1><a href="#">Lien</a>
      <script src="{live_server.url}/s/nps-web/widget.js?c=w-9&t=website" async></script>
      </body></html>"""
    # the shop is another origin (its own little server, on the loopback address like the
    # app, so that the browser's local-network rules allow it): the widget posts cross-origin
    shop = shop_server(host_page)
    assert not shop.startswith(live_server.url)
    page.goto(shop)
    widget = page.locator("[data-cxpilot-survey=nps-web]")
    widget.locator("legend").first.wait_for()
    # the host page's CSS does not reach the widget, and the widget leaves the page alone
    assert widget.locator("button.b").is_visible()
    assert widget.locator("fieldset").first.is_visible()
    assert page.eval_on_selector("h1", "el => getComputedStyle(el).color") == "rgb(255, 0, 0)"
    color = widget.locator("h2").evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(28, 36, 48)"
    assert "Quelle est la probabilité" in widget.locator("legend").first.inner_text()
    # keyboard: focus the scale, choose with arrows, send with Enter
    widget.locator("input[name=nps]").first.focus()
    for _ in range(9):
        page.keyboard.press("ArrowRight")
    assert widget.locator("input[name=nps][value='9']").is_checked()
    widget.locator("button.b").focus()
    page.keyboard.press("Enter")
    widget.locator("[role=status]").wait_for()
    assert "Merci" in widget.locator("[role=status]").inner_text()
    submission = Submission.objects.get()
    assert (submission.channel, submission.customer_id, submission.language) == (
        "widget",
        "w-9",
        "fr",
    )
    (row,) = warehouse_rows()
    assert (row["score"], row["channel"], row["survey"]) == (9, "widget", "nps-web")
    # the widget for the same customer is not shown again
    page.goto(shop)
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-cxpilot-survey]").count() == 0
    assert json.dumps(row["verbatim"]) == "null"
