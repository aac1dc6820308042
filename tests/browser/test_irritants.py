"""Irritants, theme explorer and theme editor in a real browser: the charts draw without
errors, a theme leads to its verbatims, and a renamed theme shows its new name."""

from __future__ import annotations

import pytest

from tests.browser.test_dashboard import _error

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def analysed(org):
    from cxpilot.verbatims.services import themes_discover, verbatims_analyse
    from cxpilot.warehouse.ingest import load_arrow
    from tests.verbatims.conftest import answers

    load_arrow(table="responses", data=answers())
    themes_discover(themes=3)
    verbatims_analyse()


def test_irritants_to_theme_to_editor(page, live_server, analysed, log_in):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _error(m) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    log_in("analyst", username="ana")
    page.click("nav >> text=Irritants")
    page.wait_for_url("**/text/irritants/")
    for chart in ("#chart-impact", "#chart-trend", "#chart-drivers"):
        page.wait_for_selector(f"{chart} svg.marks")
    assert not problems, problems
    first = page.locator("#irritants tbody tr").first
    assert "livraison" in first.inner_text() or "delivery" in first.inner_text()
    first.locator("th a").click()
    page.wait_for_url("**/text/themes/?*theme=*")
    assert "80 verbatims" in page.inner_text("main")
    page.locator("#verbatims .tag").first.click()
    page.wait_for_url("**/text/themes/*/")
    page.fill("#id_label_en", "Late delivery")
    page.fill("#id_label_fr", "Livraison en retard")
    page.click("section:has(#edit-rename) button:has-text('Save')")
    page.wait_for_selector("text=Theme renamed.")
    assert page.inner_text("h1") == "Late delivery"
    page.goto(f"{live_server.url}/text/irritants/")
    assert "Late delivery" in page.locator("#irritants tbody tr").first.inner_text()
    assert not problems, problems


#: How far the page scrolls sideways.
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [375, 1366])
def test_long_labels_and_examples_fit_the_screen(page, live_server, analysed, log_in, width):
    """A theme renamed to 200 characters without a space wraps on the explorer, on its page and
    on the irritants page; the examples of each irritant read without scrolling sideways, and on
    a desktop the numbers table fits its box."""
    from cxpilot.verbatims.models import Theme

    theme = Theme.objects.filter(active=True).order_by("pk").first()
    theme.label_en = ("Parcelsdeliveredlate" * 10)[:200]
    theme.label_fr = ("Colislivresenretard" * 11)[:200]
    theme.save()
    log_in("analyst", username="ana")
    page.set_viewport_size({"width": width, "height": 900})
    for path in ("/text/themes/", f"/text/themes/{theme.pk}/", "/text/irritants/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate(SIDEWAYS) <= 0, (path, width)
    box = page.locator(".irritants-scroll").bounding_box()
    examples = page.locator(".irritant-examples-text")
    assert examples.count() >= 1
    for i in range(examples.count()):
        part = examples.nth(i).bounding_box()
        assert (
            part["x"] >= box["x"] - 1 and part["x"] + part["width"] <= box["x"] + box["width"] + 1
        )
    if width == 1366:
        scroll = page.eval_on_selector(".irritants-scroll", "e => e.scrollWidth - e.clientWidth")
        assert scroll <= 0
