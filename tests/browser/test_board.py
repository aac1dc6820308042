"""The executive board in a real browser, in English and French, at phone and desktop widths:
the board of a month with its charts drawn, the month picker, the targets form and its
errors by field. The board's selectors and services are the hand-built ones of
``tests/board/conftest.py`` (the live server runs in this process)."""

from __future__ import annotations

import pytest

from tests.board.conftest import fake_board, small  # noqa: F401 - the fixtures
from tests.browser.test_layout import BROKEN_WORDS, OVERFLOW

pytestmark = pytest.mark.django_db(transaction=True)


def _fits(page, url: str, problems: list[str]) -> None:
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.wait_for_load_state("networkidle")
        overflow, wide = page.evaluate(OVERFLOW)
        if overflow > 1:
            problems.append(f"{url} at {width}px scrolls sideways by {overflow}px: {wide}")
        broken = page.evaluate(BROKEN_WORDS)
        if broken:
            problems.append(f"{url} at {width}px breaks words in tables: {broken}")


def test_the_board_and_its_targets_in_both_languages(page, live_server, log_in, fake_board):  # noqa: F811
    log_in("cx_lead", on=page)
    page.click("header nav a[href='/board/']")
    page.wait_for_url("**/board/")
    main = page.inner_text("main")
    assert "Executive board: March 2026" in main
    assert "Off target" in main and "Not available" in main
    for name in ("voice_nps", "voice_ces", "voice_csat", "irritants", "departments"):
        page.wait_for_selector(f"#chart-{name} svg, #chart-{name} canvas")
    # the headline tiles stack on a phone: one per row
    page.set_viewport_size({"width": 375, "height": 900})
    boxes = page.eval_on_selector_all(
        ".board-tile", "els => els.map(e => e.getBoundingClientRect().top)"
    )
    assert len(boxes) >= 3 and boxes == sorted(boxes) and len(set(boxes)) == len(boxes)
    # another month, then a bad one typed in the address: the form says why
    page.select_option("#id_month", "2026-02")
    page.click(".board-month button")
    page.wait_for_url("**/board/?month=2026-02")
    assert "February 2026" in page.inner_text("h1")
    page.goto(f"{live_server.url}/board/?month=2024-13")
    assert "pick one of the months listed" in page.inner_text("#month-error")
    # the comment
    page.goto(f"{live_server.url}/board/")
    page.fill("#id_text", "Le site web recule : plan d’action en cours.")
    page.click("button:has-text('Save the comment')")
    page.wait_for_url("**/board/?month=2026-03")
    assert fake_board["comments"]["2026-03"] == "Le site web recule : plan d’action en cours."
    # a target, with an error shown on its field, then saved
    page.click("a:has-text('Targets')")
    page.wait_for_url("**/board/targets/")
    card = page.locator("li[data-kpi='ces']")
    card.locator("input[name='target']").fill("5.2")
    card.locator("input[name='tolerance']").fill("-1")
    card.locator("button:has-text('Save')").click()
    page.wait_for_load_state()
    card = page.locator("li[data-kpi='ces']")
    assert "greater than or equal to 0" in card.inner_text()
    assert fake_board["targets"] == {}
    card.locator("input[name='tolerance']").fill("0.1")
    card.locator("button:has-text('Save')").click()
    page.wait_for_url("**/board/targets/")
    assert fake_board["targets"] == {"ces": (5.2, 0.1)}
    problems: list[str] = []
    for path in ("/board/", "/board/targets/", "/board/mailing/", "/"):
        _fits(page, f"{live_server.url}{path}", problems)
    assert not problems, "\n".join(problems)
    # in French
    page.goto(f"{live_server.url}/board/")
    page.select_option("#language-select", "fr")
    page.click(".language-form button")
    page.wait_for_load_state()
    main = page.inner_text("main")
    assert "Tableau de bord de direction : mars 2026" in main
    assert "Hors cible" in main and "31,2" in main
    page.wait_for_selector("#chart-voice_nps svg, #chart-voice_nps canvas")
    page.goto(f"{live_server.url}/board/targets/")
    assert "Cibles du tableau de bord" in page.inner_text("main")
    problems = []
    for path in ("/board/", "/board/targets/"):
        _fits(page, f"{live_server.url}{path}", problems)
    assert not problems, "\n".join(problems)


def test_a_viewer_reads_the_board_without_its_forms(page, live_server, log_in, fake_board):  # noqa: F811
    log_in("viewer", on=page)
    page.goto(f"{live_server.url}/board/")
    assert "Le site web a reculé" in page.inner_text(".board-comment")
    assert page.locator("#id_text").count() == 0
    assert page.locator("a[href='/board/targets/']").count() == 0
    refused = page.goto(f"{live_server.url}/board/targets/")
    assert refused.status == 403 and "Not allowed" in page.inner_text("main")
    # a comment with a long address wraps: the board stays as wide as the phone
    fake_board["comments"]["2026-03"] = (
        "Voir https://example.com/" + "tableaudebord" * 30 + "?mois=2026-03"
    )
    problems: list[str] = []
    _fits(page, f"{live_server.url}/board/", problems)
    assert not problems, "\n".join(problems)


def test_the_targets_cards_fit_a_phone(page, live_server, log_in, fake_board, monkeypatch):  # noqa: F811
    """A KPI with a long key and a long name (as a touchpoint's NPS has) wraps in its card."""
    from cxpilot.board.kpis import Kpi
    from tests.board import conftest

    made = conftest.make_board

    def longer(*args, **kwargs):
        board = made(*args, **kwargs)
        board.kpis.append(
            Kpi("nps.touchpoint.loyalty_programme_partner_reseller", "voice",
                "NPS — Programme de fidélité Lumière+ des revendeurs partenaires", "nps",
                value=-14.2, touchpoint="loyalty_programme_partner_reseller")
        )  # fmt: skip
        return board

    monkeypatch.setattr(conftest, "make_board", longer)
    log_in("cx_lead", on=page)
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(f"{live_server.url}/board/targets/")
    rights = page.eval_on_selector_all(
        ".board-targets > li, .board-targets input",
        "els => els.map(e => e.getBoundingClientRect().right)",
    )
    assert rights and max(rights) <= 375, rights
    problems: list[str] = []
    _fits(page, f"{live_server.url}/board/targets/", problems)
    assert not problems, "\n".join(problems)


def test_the_board_of_real_figures_with_a_target_set_on_the_page(page, live_server, log_in, small):  # noqa: F811
    """The real selectors and services on a small warehouse with known figures (website NPS
    25 in March 2026, −25 in February): a target set on the page colours the board."""
    log_in("cx_lead", on=page)
    page.goto(f"{live_server.url}/board/?month=2026-03")
    assert "March 2026" in page.inner_text("h1")
    page.wait_for_selector("#chart-voice_nps svg, #chart-voice_nps canvas")
    page.goto(f"{live_server.url}/board/targets/")
    card = page.locator("li[data-kpi='nps']")
    card.locator("input[name='target']").fill("30")
    card.locator("input[name='tolerance']").fill("10")
    card.locator("button:has-text('Save')").click()
    page.wait_for_url("**/board/targets/")
    from cxpilot.board.models import KpiTarget

    assert KpiTarget.objects.get(kpi="nps").target == 30
    page.goto(f"{live_server.url}/board/?month=2026-03")
    tile = page.locator(".board-tile", has_text="NPS").first
    assert "Close to target" in tile.inner_text()  # 25 is short of 30 by less than 10
    problems: list[str] = []
    _fits(page, f"{live_server.url}/board/?month=2026-03", problems)
    page.select_option("#language-select", "fr")
    page.click(".language-form button")
    page.wait_for_load_state()
    assert "mars 2026" in page.inner_text("h1")
    _fits(page, f"{live_server.url}/board/?month=2026-03", problems)
    assert not problems, "\n".join(problems)
