"""Every page of the navigation fits a phone (390 px) and a desktop (1,280 px): nothing makes
the page scroll sideways (a wide table scrolls inside its own box), no word is broken in the
middle inside a table cell ("Ope n", "MEN TIO NS"), and every button stands out from what is
behind it. On a small demo company, so that the tables and charts are full, in English and in
French. The public survey's 0–10 scale stays on one row on a phone."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.test_buttons import COLOURS, contrast

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (390, 1280)

#: How far the page scrolls sideways, and what sticks out (the widest elements past the edge).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      let inside = false;  // what a scrolling box holds does not count
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { inside = true; break; }
      }
      if (!inside) wide.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(box.right));
    }
  }
  return [document.documentElement.scrollWidth - width, wide.slice(0, 5)];
}"""

#: Words of table cells laid out on more than one line: broken in the middle.
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('main table th, main table td')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      const text = node.textContent;
      const word = /[^\\s\\-\u2010-\u2015\\/·,;:()]+/g;
      let m;
      while ((m = word.exec(text))) {
        if (m[0].length < 2) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects())
          .filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken.slice(0, 10);
}"""


def pages_to_check(page, base: str) -> list[str]:
    """The navigation's pages, and one page of each kind they link to (a case, a survey…)."""
    links = page.eval_on_selector_all("header nav a", "els => els.map(e => e.href)")
    paths = [urlsplit(link).path for link in links if urlsplit(link).netloc in base]
    extra = []
    for path in list(paths):
        page.goto(f"{base}{path}")
        found = page.eval_on_selector_all(
            "main a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
        )
        for href in found:
            target = urlsplit(href).path
            if (
                target not in paths
                and target not in extra
                and any(c.isdigit() for c in target)
                and not target.endswith((".csv", ".pdf", ".png", ".svg", ".js"))
                and "/edit/" not in target
                and "/delete/" not in target
            ):
                extra.append(target)
                break
    return [*dict.fromkeys(paths), *extra]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_fits_a_phone_and_a_desktop(browser, live_server, log_in, language):
    from cxpilot.demo.services import demo_generate

    demo_generate(customers=300, seed=5)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in("cx_lead", on=page)
    if language == "fr":
        page.click(".site-header button.button-small")  # the language switch
    base = live_server.url
    paths = pages_to_check(page, base)
    assert len(paths) >= 12, paths
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            overflow, wide = page.evaluate(OVERFLOW)
            if overflow > 1:
                problems.append(f"{path} at {width}px scrolls sideways by {overflow}px: {wide}")
            broken = page.evaluate(BROKEN_WORDS)
            if broken:
                problems.append(f"{path} at {width}px breaks words in table cells: {broken}")
            buttons = page.locator("main button:visible, main a.button:visible")
            for i in range(buttons.count()):
                fore, back = buttons.nth(i).evaluate(COLOURS)
                if contrast(fore, back) < 4.5:
                    text = buttons.nth(i).inner_text()
                    problems.append(f"{path}: the button {text!r} is {fore} on {back}")
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", [390, 420])
def test_the_survey_scale_stays_on_one_row_on_a_phone(browser, live_server, org, width):
    from cxpilot.surveys.services import survey_create
    from tests.surveys.test_surveys import survey_definition

    survey_create(actor=None, definition=survey_definition())
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/s/nps-web/")
    tops = page.eval_on_selector_all(
        "#q-nps .scale .option", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )
    boxes = page.eval_on_selector_all(
        "#q-nps .scale .option span", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    context.close()
    assert len(tops) == 11 and len(set(tops)) == 1, tops  # 0 to 10 on one row
    assert min(boxes) >= 24  # each still a target a thumb can take (WCAG 2.5.8)
    assert overflow <= 0
