"""Hostile query strings on the VoC pages and the verbatim API: far dates, huge numbers,
control characters. Each gets a 4xx with the usual error (a form error on a page, the JSON
``{"error", "detail", "where"}`` from the API), never a 500.

They run against an analysed warehouse (``analysed``), so that every page reaches the queries
its filters feed; the fuzzing draws values for every field of each page's form and every
parameter the API documents."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django import forms
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cxpilot.api import api
from cxpilot.kernel.tokens import token_create
from cxpilot.organisation.users import user_upsert

OUT_OF_RANGE = "Enter a date in the years 1900 to 2200."
TOO_FAR = "Ensure this value is less than or equal to"

PAGES = ("/voc/", "/voc/verbatims/", "/text/irritants/", "/text/themes/")
API = ("/api/v1/irritants", "/api/v1/drivers")


@pytest.fixture
def api_client(analysed) -> Client:
    user_upsert(username="bot", role="viewer", password="a-long-test-password")
    token = token_create(username="bot", name="t")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_form_error(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.status_code
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in response.content.decode()


@pytest.mark.parametrize(
    ("url", "field", "message"),
    [
        ("/voc/?from=0001-01-01", "from", OUT_OF_RANGE),
        ("/voc/?to=9999-12-31", "to", OUT_OF_RANGE),
        ("/voc/verbatims/?month=9999-12", "month", OUT_OF_RANGE),
        ("/voc/verbatims/?month=0000-01", "month", OUT_OF_RANGE),
        ("/voc/verbatims/?week=9999-12-31", "week", OUT_OF_RANGE),
        ("/voc/verbatims/?page=1000000000000000000000000000000", "page", TOO_FAR),
        ("/text/irritants/?end=9999-12-31", "end", OUT_OF_RANGE),
        ("/text/themes/?end=9999-12-31", "end", OUT_OF_RANGE),
        ("/text/themes/?start=1899-12-31", "start", OUT_OF_RANGE),
        ("/text/themes/?page=1000000000000000000000000000000", "page", TOO_FAR),
    ],
)
def test_out_of_range_filters_are_form_errors(analysed, lead, url, field, message):
    assert_form_error(lead.get(url), field, message)


def test_the_edges_of_the_range_are_accepted(analysed, lead):
    assert lead.get("/voc/?from=1900-01-01&to=2200-12-31").status_code == 200
    assert lead.get("/voc/verbatims/?month=2200-12").status_code == 200
    assert lead.get("/voc/verbatims/?week=1900-01-01").status_code == 200
    assert lead.get("/text/themes/?end=2200-12-31&page=1000000").status_code == 200


@pytest.mark.parametrize("path", API)
@pytest.mark.parametrize(
    ("query", "where", "detail"),
    [
        ("date_to=9999-12-31", "to", "out of range"),
        ("date_from=0001-01-01", "from", "out of range"),
        ("touchpoint=%00", "touchpoint", "U+0000"),
        ("touchpoint=a%1Bb", "touchpoint", "U+001B"),
        ("x%00y=1", "x?y", "U+0000"),
    ],
)
def test_api_refuses_far_dates_and_control_characters(api_client, path, query, where, detail):
    response = api_client.get(f"{path}?{query}")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["error"] == "invalid" and body["where"] == where
    assert detail in body["detail"]


# --- fuzzing -------------------------------------------------------------------------------

#: Surrogates are left out: no client can send them (they have no UTF-8).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
#: Days, most of them at the edges: of Python's calendar, and of the range a filter takes.
EDGES = [dt.date.min, dt.date(1899, 12, 31), dt.date(1900, 1, 1)]
EDGES += [dt.date(2200, 12, 31), dt.date(2201, 1, 1), dt.date.max]
DATES = st.one_of(st.sampled_from(EDGES), st.sampled_from(EDGES), st.dates()).map(dt.date.isoformat)
MONTHS = st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13))
WEEKS = st.builds("{:04d}-W{:02d}".format, st.integers(0, 9999), st.integers(0, 54))
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str), st.floats().map(str)
)
#: Any value at all, for any parameter.
ANYTHING = st.one_of(
    DATES, MONTHS, WEEKS, NUMBERS, TEXT, st.sampled_from(["", " ", "true", "-1", "0", "1"])
)
#: Deterministic (a fixed seed), and no shrinking: each example is a dozen requests, and a
#: failure names the query that failed anyway.
FUZZ = settings(
    max_examples=20,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def field_values(name: str, field: forms.Field) -> st.SearchStrategy[str]:
    """Values for a form field: mostly of its kind (so that the rest of the form is often
    valid and the value reaches the queries), else anything."""
    kind: st.SearchStrategy[str]
    if isinstance(field, forms.DateField):
        kind = DATES
    elif name == "month":
        kind = MONTHS
    elif isinstance(field, forms.IntegerField):
        kind = NUMBERS
    elif isinstance(field, forms.ChoiceField):
        kind = st.sampled_from([str(value) for value, _label in field.choices] or [""])
    else:
        kind = TEXT
    return st.one_of(kind, kind, kind, ANYTHING)


def api_values(parameter: dict) -> st.SearchStrategy[str]:
    """Values for an API parameter, by its name and OpenAPI type."""
    schema = parameter.get("schema", {})
    kinds = {s.get("type") for s in [schema, *schema.get("anyOf", [])]}
    kind: st.SearchStrategy[str] = TEXT
    if parameter["name"].startswith("date_"):
        kind = DATES
    elif "integer" in kinds:
        kind = NUMBERS
    elif "boolean" in kinds:
        kind = st.sampled_from(["true", "false", "1", "0", "yes", "on", "maybe"])
    return st.one_of(kind, kind, kind, ANYTHING)


def queries(values: dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[list[str]]:
    """Query strings from one value drawn for every parameter (and an unknown one): each
    parameter alone, so that a value the form refuses hides nothing another would do, then
    all of them together."""
    every = st.fixed_dictionaries({**values, "unknown": ANYTHING})
    return every.map(
        lambda drawn: [*(urlencode({k: v}) for k, v in drawn.items()), urlencode(drawn)]
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES)
def test_fuzzed_page_filters_never_fail_the_server(analysed, lead, path):
    plain = lead.get(path)
    assert plain.status_code == 200
    fields = plain.context["form"].fields
    values = {name: field_values(name, field) for name, field in fields.items()}

    @FUZZ
    @given(queries=queries(values))
    def check(queries: list[str]) -> None:
        for query in queries:
            response = lead.get(f"{path}?{query}")
            assert response.status_code in (200, 400), (query, response.status_code)
            if response.status_code == 400:
                assert response.context["form"].errors, query

    check()


@pytest.mark.slow
@pytest.mark.parametrize("path", API)
def test_fuzzed_api_parameters_never_fail_the_server(api_client, path):
    operation = api.get_openapi_schema()["paths"][path]["get"]
    parameters = [p for p in operation["parameters"] if p["in"] == "query"]
    values = {p["name"]: api_values(p) for p in parameters}
    assert {"touchpoint", "date_from", "date_to"} <= set(values)

    @FUZZ
    @given(queries=queries(values))
    def check(queries: list[str]) -> None:
        for query in queries:
            response = api_client.get(f"{path}?{query}")
            assert response.status_code < 500, (query, response.status_code)
            if response.status_code >= 400:
                body = response.json()
                assert set(body) >= {"error", "detail", "where"} and body["detail"], (query, body)

    check()
