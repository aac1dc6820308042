"""Every button is readable: its text stands out from what is behind it (the small buttons
of the case filter, the alerts and the RACI were once white on white)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

#: The colour a button's text is drawn in and the colour behind it (its own background, or the
#: first ancestor's that is not transparent), as "rgb(r, g, b)" strings.
COLOURS = """(el) => {
  const style = getComputedStyle(el);
  let node = el, back = 'rgba(0, 0, 0, 0)';
  while (node && (back === 'rgba(0, 0, 0, 0)' || back === 'transparent')) {
    back = getComputedStyle(node).backgroundColor;
    node = node.parentElement;
  }
  return [style.color, back];
}"""


def _luminance(rgb: str) -> float:
    parts = [float(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fore: str, back: str) -> float:
    """The WCAG contrast ratio of two colours."""
    a, b = sorted((_luminance(fore), _luminance(back)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.mark.parametrize("path", ["/voc/cases/", "/governance/"])
def test_small_buttons_are_readable(org, page, live_server, log_in, path):
    log_in("cx_lead")
    page.goto(f"{live_server.url}{path}")
    buttons = page.locator("main button.button-small")
    assert buttons.count() >= 1
    for i in range(buttons.count()):
        fore, back = buttons.nth(i).evaluate(COLOURS)
        assert contrast(fore, back) >= 4.5, (path, fore, back)


def test_the_language_button_stays_white_on_the_header(org, page, live_server, log_in):
    log_in("viewer")
    fore, back = page.locator(".site-header button.button-small").evaluate(COLOURS)
    assert fore == "rgb(255, 255, 255)" and contrast(fore, back) >= 4.5
