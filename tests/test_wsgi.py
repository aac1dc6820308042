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
        response.close()
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
    assert status == 204 and "X-Survey-Key" in headers["Access-Control-Allow-Headers"]
    status, _headers, content = call("GET", "/api/v1/responses")
    assert status == 405 and json.loads(content)["error"] == "method_not_allowed"


def test_other_paths_go_through_every_middleware(db):
    status, headers, _content = call("GET", "/voc/surveys/")
    assert status == 302 and "/accounts/login/" in headers["Location"]  # the login wall
    assert isinstance(LeanHandler(), LeanHandler)


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
