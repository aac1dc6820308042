"""Every form of the app, posted with hostile values: never a 500.

A small demo company gives every page something to show (surveys, cases, campaigns, a
council, analysed verbatims). The CX lead's pages are crawled from the home page; each form
that posts is collected once per address shape (``/voc/cases/12/`` and ``/voc/cases/13/`` are
one), then posted as shown and with values drawn for every field by its kind (dates at the
edges of the calendar, huge numbers, any text, control characters included)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.verbatims.test_hostile_requests import ANYTHING, DATES, FUZZ, NUMBERS, TEXT

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: Addresses not crawled: leaving the app, files, the admin (Django's own), logging out.
SKIP = re.compile(r"^/(static|admin|accounts/logout|api)/|\.(csv|pdf|png|svg|json|js)$|/export")
MAX_PAGES = 250


@dataclass
class Form:
    page: str
    action: str
    fields: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # name -> kind, values


class _Page(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(self.url, urljoin(self.url, a.get("action") or self.url))
        elif self._form is not None and a.get("name"):
            name = a["name"]
            if tag == "input":
                kind = a.get("type", "text")
                _, values = self._form.fields.setdefault(name, (kind, []))
                values.append(a.get("value", "on" if kind == "checkbox" else ""))
            elif tag == "textarea":
                self._form.fields[name] = ("text", [""])
            elif tag == "select":
                self._form.fields[name] = ("select", [])
                self._select = name
        elif tag == "option" and self._form is not None and self._select:
            self._form.fields[self._select][1].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def _shape(url: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(url).path)


def crawl(client) -> list[Form]:
    """The forms that post, one per (page shape, action shape, field names)."""
    seen: set[str] = set()
    queue = ["/"]
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    shapes: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        path = urlsplit(url).path
        # three of each shape are enough: /voc/cases/N/ is one page for the crawl
        if url in seen or SKIP.search(path) or shapes.get(_shape(url), 0) >= 3:
            continue
        seen.add(url)
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page(url)
        page.feed(response.content.decode())
        for link in page.links:
            parts = urlsplit(link)
            if not parts.netloc or parts.netloc == "testserver":
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        for form in page.forms:
            if SKIP.search(urlsplit(form.action).path) or "setlang" in form.action:
                continue
            key = (_shape(form.page), _shape(form.action), tuple(sorted(form.fields)))
            forms.setdefault(key, form)
    return list(forms.values())


def values(kind: str, shown: list[str]) -> st.SearchStrategy[str]:
    """Values for a field: mostly of its kind, else anything."""
    by_kind: st.SearchStrategy[str]
    if kind == "date":
        by_kind = DATES
    elif kind == "number":
        by_kind = NUMBERS
    elif kind in ("select", "radio", "checkbox", "hidden") and shown:
        by_kind = st.sampled_from(shown)
    else:
        by_kind = TEXT
    return st.one_of(by_kind, by_kind, ANYTHING)


def test_every_form_posted_with_hostile_values_never_fails_the_server(lead, make_user):
    import datetime as dt

    from cxpilot.demo.services import demo_generate
    from cxpilot.maturity.services import campaign_create
    from cxpilot.surveys.services import survey_create
    from tests.surveys.test_surveys import survey_definition

    demo_generate(customers=300, seed=5)
    # what the demo leaves out: a hosted survey, a campaign still open
    survey_create(actor=None, definition=survey_definition(stage=None))
    today = dt.date.today()
    owner = make_user("cx_lead", username="campaign-owner")
    campaign_create(actor=owner, name="Open", starts_on=today, ends_on=today + dt.timedelta(30))
    # what deletes goes last, so that the other forms still find their object
    forms = sorted(crawl(lead), key=lambda f: bool(re.search(r"/(delete|remove)/", f.action)))
    actions = {_shape(f.action) for f in forms}
    # the everyday forms of each domain are among them
    for expected in ("/voc/surveys/N/edit/", "/maturity/N/invite/", "/voc/cases/N/status/"):
        assert expected in actions, sorted(actions)

    failures: list[str] = []
    for form in forms:
        as_shown = {name: shown[0] if shown else "" for name, (_, shown) in form.fields.items()}
        response = lead.post(form.action, as_shown)
        if response.status_code >= 500:
            failures.append(f"{form.action} as shown: {response.status_code}")

        strategies = {name: values(kind, shown) for name, (kind, shown) in form.fields.items()}

        @settings(FUZZ, max_examples=8)
        @given(data=st.fixed_dictionaries(strategies))
        def check(data: dict[str, str]) -> None:
            response = lead.post(form.action, data)
            assert response.status_code < 500, (form.action, data, response.status_code)

        try:
            check()
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, failures
