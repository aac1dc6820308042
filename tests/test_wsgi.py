"""The WSGI application: the public collection endpoint takes the lean path (fewer
middleware) and answers as the full one does; every other path goes through them all."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from cxpilot.kernel.web import LeanHandler
from cxpilot.surveys import services
from cxpilot.warehouse.models import InboxItem
from cxpilot.wsgi import LEAN_PATHS, application
from tests.surveys.test_surveys import survey_definition


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def call(method: str, path: str, body: bytes = b"", query: str = "", *, app=None, **headers: str):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    answer: dict = {}

    def start_response(status: str, response_headers: list) -> None:
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    # as Django's test client does: the test's transaction keeps its connection
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = (app or application)(environ, start_response)
        content = b"".join(response)
        getattr(response, "close", lambda: None)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def test_the_answers_endpoint_takes_the_lean_path(org):
    assert LEAN_PATHS == {"/api/v1/responses"}
    from cxpilot import wsgi

    assert wsgi.application is application
    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 4, "wrong": "late"}}).encode()
    status, headers, content = call(
        "POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key
    )
    assert status == 202, content
    assert set(json.loads(content)) == {"submission_id", "survey", "response_ids"}
    assert InboxItem.objects.count() == 1
    # the headers of the full path: security, no framing, CORS, a length for keep-alive
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Content-Length"] == str(len(content))
    assert "Set-Cookie" not in headers and "Cookie" not in headers.get("Vary", "")


def test_the_lean_path_speaks_the_language_and_refuses_like_the_full_one(org):
    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 11}}).encode()
    status, headers, content = call(
        "POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key, ACCEPT_LANGUAGE="fr"
    )
    assert status == 422 and headers["Content-Language"] == "fr"
    assert "hors de l’échelle" in json.loads(content)["problems"][0]["reason"]
    status, _headers, content = call(
        "POST", "/api/v1/responses", body, query="x=%00", X_SURVEY_KEY=survey.public_key
    )
    assert status == 422 and json.loads(content)["error"] == "invalid"
    status, headers, _content = call("OPTIONS", "/api/v1/responses")
    assert status == 200 and "X-Survey-Key" in headers["Access-Control-Allow-Headers"]
    assert headers["Content-Length"] == "0"
    status, _headers, content = call("GET", "/api/v1/responses")
    assert status == 405 and json.loads(content)["error"] == "method_not_allowed"


def test_other_paths_go_through_every_middleware(db):
    status, headers, _content = call("GET", "/voc/surveys/")
    assert status == 302 and "/accounts/login/" in headers["Location"]  # the login wall
    assert isinstance(LeanHandler(), LeanHandler)


def _same(lean, full):
    (lean_status, lean_headers, lean_body), (full_status, full_headers, full_body) = lean, full
    assert lean_status == full_status
    assert json.loads(lean_body) == json.loads(full_body)
    assert lean_headers.pop("Vary") == "Accept-Language"
    assert full_headers.pop("Vary") == "Accept-Language, Cookie"
    assert lean_headers == full_headers


@pytest.mark.parametrize(
    ("case", "status"),
    [
        ("out of scale", 422),
        ("not json", 422),
        ("nested deeply", 422),
        ("a nul", 422),
        ("no key", 401),
        ("unknown field", 422),
        ("too large", 413),
        ("string score", 422),
    ],
)
def test_the_fast_path_answers_every_refusal_as_the_full_one(org, settings, case, status):
    """Headers and body, error by error, in English and in French (the plain POST goes
    through the fast path; the full handler runs every middleware and the view)."""
    from cxpilot.wsgi import _full

    if case == "too large":
        settings.CXPILOT_SURVEY_MAX_BODY = 2000
    survey = services.survey_create(actor=None, definition=survey_definition())
    bodies = {
        "out of scale": json.dumps({"answers": {"nps": 11}}).encode(),
        "not json": b"{nope",
        "nested deeply": b"[" * 30000 + b"]" * 30000,
        "a nul": json.dumps({"answers": {"nps": 3, "wrong": "a\x00b"}}).encode(),
        "no key": json.dumps({"answers": {"nps": 3}}).encode(),
        "unknown field": json.dumps({"answers": {"nps": 3}, "extra": 1}).encode(),
        "too large": json.dumps({"answers": {"nps": 3, "wrong": "x" * 3000}}).encode(),
        "string score": json.dumps({"answers": {"nps": "5"}}).encode(),
    }
    key = {} if case == "no key" else {"X_SURVEY_KEY": survey.public_key}
    for language in ("en", "fr"):
        answers = [
            call(
                "POST", "/api/v1/responses", bodies[case], app=app, ACCEPT_LANGUAGE=language, **key
            )
            for app in (application, _full)
        ]
        assert answers[0][0] == status, answers[0]
        assert answers[0][1]["Content-Language"] == language
        _same(*answers)
    assert InboxItem.objects.count() == 0


def test_the_fast_path_acknowledges_replays_and_conflicts_as_the_full_one(org):
    from cxpilot.wsgi import _full

    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 9}}).encode()
    first = call(
        "POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key, IDEMPOTENCY_KEY="k1"
    )
    assert first[0] == 202
    replays = [
        call(
            "POST",
            "/api/v1/responses",
            body,
            app=app,
            X_SURVEY_KEY=survey.public_key,
            IDEMPOTENCY_KEY="k1",
        )
        for app in (application, _full)
    ]
    assert replays[0][1]["Idempotent-Replayed"] == "true"
    assert json.loads(replays[0][2]) == json.loads(first[2])
    _same(*replays)
    other = json.dumps({"answers": {"nps": 2}}).encode()
    conflicts = [
        call(
            "POST",
            "/api/v1/responses",
            other,
            app=app,
            X_SURVEY_KEY=survey.public_key,
            IDEMPOTENCY_KEY="k1",
        )
        for app in (application, _full)
    ]
    assert conflicts[0][0] == 409
    _same(*conflicts)
    assert InboxItem.objects.count() == 1


def test_the_fast_path_answers_rate_limits_as_the_full_one(org, settings):
    from cxpilot.wsgi import _full

    settings.CXPILOT_SURVEY_RATE_PER_IP = 1
    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 9}}).encode()
    assert call("POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key)[0] == 202
    limited = [
        call("POST", "/api/v1/responses", body, app=app, X_SURVEY_KEY=survey.public_key)
        for app in (application, _full)
    ]
    assert limited[0][0] == 429 and int(limited[0][1]["Retry-After"]) >= 1
    limited[0][1].pop("Retry-After"), limited[1][1].pop("Retry-After")  # a second may pass
    _same(*limited)


def test_an_unexpected_error_on_the_fast_path_is_logged_and_answered_as_json(
    org, monkeypatch, caplog
):
    survey = services.survey_create(actor=None, definition=survey_definition())

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr("cxpilot.surveys.wsgi.submission_store", broken)
    body = json.dumps({"answers": {"nps": 9}}).encode()
    status, headers, content = call(
        "POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key
    )
    assert status == 500 and json.loads(content)["error"] == "server_error"
    assert "the disk is on fire" not in content.decode()
    assert headers["Content-Type"] == "application/json"
    assert "the disk is on fire" in caplog.text


def test_a_chunked_or_queried_post_goes_through_django(org):
    """Only the plain POST takes the fast path; the rest is Django's (same answers)."""
    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 9}}).encode()
    status, headers, _ = call(
        "POST", "/api/v1/responses", body, query="a=1", X_SURVEY_KEY=survey.public_key
    )
    assert status == 202 and headers["Vary"] == "Accept-Language"


def test_the_lean_path_sends_the_headers_of_the_full_one(org):
    """Whatever middleware adds headers to every answer must be on the lean path too."""
    from cxpilot.wsgi import _full

    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 11}}).encode()
    answers = [
        call("POST", "/api/v1/responses", body, app=app, X_SURVEY_KEY=survey.public_key)
        for app in (application, _full)
    ]
    (lean_status, lean, lean_body), (full_status, full, full_body) = answers
    assert lean_status == full_status == 422 and lean_body == full_body
    assert "Content-Security-Policy" in full
    # only what a session or a user would add differs
    assert {k: v for k, v in lean.items() if k != "Vary"} == {
        k: v for k, v in full.items() if k != "Vary"
    }
    assert full["Vary"] == "Accept-Language, Cookie" and lean["Vary"] == "Accept-Language"


def test_a_number_of_too_many_digits_is_refused_not_a_crash(org):
    """Python converts integers of at most 4,300 digits: more is a 422 on both paths."""
    from cxpilot.wsgi import _full

    survey = services.survey_create(actor=None, definition=survey_definition())
    body = b'{"answers": {"nps": ' + b"1" * 5000 + b"}}"
    answers = [
        call("POST", "/api/v1/responses", body, app=app, X_SURVEY_KEY=survey.public_key)
        for app in (application, _full)
    ]
    assert answers[0][0] == 422 and json.loads(answers[0][2])["where"] == "body"
    assert "too many digits" in json.loads(answers[0][2])["detail"]
    _same(*answers)
    assert InboxItem.objects.count() == 0


def test_the_language_header_is_bounded_and_the_content_language_normalised(org):
    from cxpilot.surveys import wsgi

    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 11}}).encode()
    wsgi._language.cache_clear()
    huge = "fr," + "x" * 100_000
    status, headers, _ = call(
        "POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key, ACCEPT_LANGUAGE=huge
    )
    assert status == 422 and headers["Content-Language"] == "fr"
    # what reaches the cache is at most Django's 500 characters
    assert wsgi._bounded(huge) == "fr" and wsgi._bounded("x" * 600) == ""
    status, headers, _ = call(
        "POST",
        "/api/v1/responses",
        body,
        X_SURVEY_KEY=survey.public_key,
        COOKIE="django_language=FR",
    )
    assert headers["Content-Language"] == "fr"


def test_a_disallowed_host_is_refused_as_every_page_refuses_it(org):
    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 9}}).encode()
    status, _headers, _ = call(
        "POST", "/api/v1/responses", body, X_SURVEY_KEY=survey.public_key, HOST="evil.example"
    )
    assert status == 400
    assert InboxItem.objects.count() == 0


def test_the_reason_phrase_is_djangos(org, settings):
    settings.CXPILOT_SURVEY_MAX_BODY = 100
    survey = services.survey_create(actor=None, definition=survey_definition())
    body = json.dumps({"answers": {"nps": 9, "wrong": "x" * 200}}).encode()
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/responses", "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
        "HTTP_X_SURVEY_KEY": survey.public_key,
    }  # fmt: skip
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert seen["status"] == "413 Request Entity Too Large"
