"""The VoC dashboard in a real browser: vega-embed (served by the app) draws every chart, the
page logs no error, and a chart cell leads to its verbatims."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cxpilot.warehouse.ingest import load_arrow

pytestmark = pytest.mark.django_db(transaction=True)

HACK = "<script>window.hacked = 1</script> livraison en retard"


@pytest.fixture
def answers(org) -> None:
    rows = []
    months = {"2025-01": [10] * 50 + [8] * 30 + [3] * 20, "2025-02": [9] * 30 + [7] * 40 + [0] * 30}
    for touchpoint in ("website", "store", "call_centre"):
        for month, scores in months.items():
            for i, score in enumerate(scores):
                rows.append(
                    {
                        "response_id": f"{touchpoint}-{month}-{i}",
                        "customer_id": f"c{i}",
                        "touchpoint": touchpoint,
                        "timestamp": f"{month}-{1 + i % 27:02d} 10:00:00",
                        "metric": "nps",
                        "score": score,
                        "source": "s",
                        "channel": "web",
                        "language": "fr",
                        "verbatim": HACK if i == 3 else None,
                    }
                )
    table = pa.Table.from_pylist(rows)
    index = table.column_names.index("timestamp")
    load_arrow(
        table="responses",
        data=table.set_column(
            index, "timestamp", table.column("timestamp").cast(pa.timestamp("us"))
        ),
    )


def _error(message) -> bool:
    """A console error, but the browser's own request for a favicon (the app has none)."""
    return message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")


def test_charts_render_and_lead_to_the_verbatims(page, live_server, answers, log_in):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if _error(m) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"{r.url}: {r.failure}"),
    )
    log_in("cx_lead", username="lea")
    page.click("nav >> text=Dashboard")
    page.wait_for_url("**/voc/")
    for chart in ("#chart-stage", "#chart-trend", "#chart-trends"):
        page.wait_for_selector(f"{chart} svg.marks, {chart} canvas")
    assert (
        page.locator("#chart-stage .mark-rect.role-mark path").count() == 3
    )  # one cell per touchpoint
    # February is a significant drop on every touchpoint: one marker per small chart and one
    # on the overall trend, filled triangles
    assert page.locator("#chart-trend .mark-symbol.role-mark path[fill='#a4161a']").count() == 1
    assert page.locator("#chart-trends .mark-symbol.role-mark path[fill='#a4161a']").count() == 3
    assert not problems, problems

    # a cell of the heatmap opens its verbatims, in the same tab, escaped
    cell = page.locator("#chart-stage .mark-rect.role-mark path").first
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/voc/verbatims/?*")
    assert "touchpoint=" in page.url
    assert HACK in page.inner_text("#verbatims")
    assert page.evaluate("window.hacked") is None
    assert not problems, problems


def test_the_page_works_without_javascript(browser, live_server, answers, log_in):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in("analyst", username="ana", on=page)
        page.goto(f"{live_server.url}/voc/")
        page.select_option("#id_metric", "nps")
        page.select_option("#id_touchpoint", "website")
        page.click("button:has-text('Apply')")
        page.wait_for_url("**/voc/?*touchpoint=website*")
        assert page.locator("#table-stage tbody tr").count() == 1
        page.click("#table-trend tbody tr >> nth=1 >> text=Verbatims")
        page.wait_for_url("**/voc/verbatims/?*")
        assert "month=2025-02" in page.url
        assert page.locator("#verbatims tbody tr").count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_touchpoint_drivers_fit_a_phone(page, live_server, org, log_in, width):
    """The key drivers page, reached from the dashboard: its table reads without the page
    scrolling sideways, on a phone and on a desktop."""
    from cxpilot.organisation.models import Touchpoint
    from tests.analytics.test_touchpoint_drivers import plant

    plant()
    Touchpoint.objects.create(key="relation", name="Relationship")
    log_in("analyst", username="ana")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/voc/")
    page.get_by_role("link", name="Key drivers by touchpoint").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/voc/drivers/")
    rows = page.locator("#table-drivers tbody tr")
    assert rows.count() == 3 and rows.first.get_attribute("data-touchpoint") == "store"
    sideways = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    assert page.evaluate(sideways) <= 0
    assert page.locator("#table-drivers meter").count() == 3
