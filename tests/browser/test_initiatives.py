"""The initiative pages in a real browser, in English and French: the CX lead creates an
initiative through the form, its page draws the effect chart with the start marked, and
every page fits a phone and a desktop."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.browser.test_layout import OVERFLOW
from tests.hostile import HOSTILE

pytestmark = pytest.mark.django_db(transaction=True)


def test_initiative_pages_in_both_languages(page, live_server, org, log_in):
    from cxpilot.governance.models import Council
    from cxpilot.initiatives.models import Initiative
    from cxpilot.warehouse.ingest import load_arrow
    from tests.initiatives.test_initiatives import answers

    load_arrow(table="responses", data=pa.Table.from_pylist(answers()))
    council = Council.objects.create(name="CX council", cadence="monthly")
    log_in("cx_lead", on=page)
    page.click("header nav a[href='/initiatives/']")
    page.wait_for_url("**/initiatives/")
    page.click("a:has-text('New initiative')")
    page.fill("#id_name", f"{HOSTILE} checkout")
    page.check("input[name='touchpoints'][value='website']")
    page.select_option("#id_metric", "ces")
    page.select_option("#id_effort", "S")
    page.fill("#id_started_on", "2025-09-15")
    page.select_option("#id_council", str(council.pk))
    page.click("button:has-text('Save')")
    page.wait_for_url("**/initiatives/*/")
    saved = Initiative.objects.get()
    assert f"{HOSTILE} checkout" in page.inner_text("h1")
    page.wait_for_selector("#chart-effect svg, #chart-effect canvas")
    assert "Parallel-trends check" in page.inner_text("main")
    assert "Basis: the assumption." in page.inner_text("main")
    page.click("#council a")
    page.wait_for_url(f"**/governance/councils/{council.pk}/")
    page.click("#council-initiatives a:has-text('See the measured effect')")
    page.wait_for_url(f"**/initiatives/{saved.pk}/#effect")
    problems = []
    paths = (
        "/initiatives/",
        "/initiatives/new/",
        f"/initiatives/{saved.pk}/",
        f"/governance/councils/{council.pk}/",
    )
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            overflow, wide = page.evaluate(OVERFLOW)
            if overflow > 1:
                problems.append(f"{path} at {width}px scrolls sideways by {overflow}px: {wide}")
    assert not problems, "\n".join(problems)
    page.goto(f"{live_server.url}/initiatives/{saved.pk}/")
    page.select_option("#language-select", "fr")
    page.click(".language-form button")
    page.wait_for_load_state()
    assert "Effet mesuré" in page.inner_text("main")
    assert "Base : l’hypothèse." in page.inner_text("main")
    page.wait_for_selector("#chart-effect svg, #chart-effect canvas")
    page.goto(f"{live_server.url}/initiatives/")
    assert "Priorités" in page.inner_text("main")
    assert "gain rapide" in page.inner_text("main")
    page.goto(f"{live_server.url}/governance/councils/{council.pk}/")
    assert "Initiatives décidées" in page.inner_text("main")
