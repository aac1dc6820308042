"""The three collection channels end to end: hosted page, widget and API → inbox → flush →
``responses`` in the warehouse; hostile input, fatigue, idempotency, rate limits, partial
answers, languages."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from cxpilot.surveys import services
from cxpilot.surveys.models import ContactLog, Submission, Survey
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.inbox import inbox_flush
from cxpilot.warehouse.models import InboxItem
from tests.concurrency import run_together
from tests.hostile import HOSTILE, HOSTILE_ESCAPED
from tests.surveys.test_surveys import survey_definition

API = "/api/v1/responses"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def survey(org) -> Survey:
    return services.survey_create(actor=None, definition=survey_definition())


@pytest.fixture
def ces_survey(org) -> Survey:
    return services.survey_create(
        actor=None,
        definition={
            "key": "ces-support",
            "title": {"en": "Your call", "fr": "Votre appel"},
            "touchpoints": ["call_centre"],
            "questions": [
                {
                    "key": "ces",
                    "kind": "ces",
                    "text": {"en": "It was easy.", "fr": "C’était facile."},
                }
            ],
        },
    )


def rows(survey_key: str) -> list[dict]:
    """Flush the inbox, then read the survey's rows from the warehouse."""
    inbox_flush()
    with warehouse() as con:
        t = con.table("responses")
        found = t.filter(t.survey == survey_key).order_by("response_id").to_pyarrow().to_pylist()
    for row in found:
        row["attributes"] = json.loads(row["attributes"] or "{}")
    return found


def post(client: Client, body, key: str | None, *, idempotency: str | None = None, raw=None):
    headers = {}
    if key is not None:
        headers["HTTP_X_SURVEY_KEY"] = key
    if idempotency is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency
    data = raw if raw is not None else json.dumps(body)
    return client.post(API, data=data, content_type="application/json", **headers)


def assert_error(response, status: int, code: str, where: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == code and body["detail"], body
    assert set(body) >= {"error", "detail", "where"}
    if where is not None:
        assert body["where"] == where, body
    assert response["Access-Control-Allow-Origin"] == "*"
    return body


# --- API -----------------------------------------------------------------------------------


def test_api_answer_reaches_the_warehouse(client, survey):
    body = {
        "answers": {
            "nps": 3,
            "wrong": HOSTILE,
            "channel": "app",
            "topics": ["delivery", "price"],
            "ces": 2,
        },
        "customer_id": "c-42",
        "touchpoint": "website",
        "language": "fr",
    }
    response = post(client, body, survey.public_key)
    assert response.status_code == 202, response.content
    ack = response.json()
    assert set(ack) == {"submission_id", "survey", "response_ids"} and ack["survey"] == "nps-web"
    assert len(ack["response_ids"]) == 2
    # committed before the acknowledgement, the verbatim stored as sent
    payloads = {i.payload["metric"]: i.payload for i in InboxItem.objects.all()}
    assert payloads["nps"]["verbatim"] == HOSTILE
    found = {r["metric"]: r for r in rows("nps-web")}
    nps, ces = found["nps"], found["ces"]
    assert (nps["score"], nps["language"], nps["channel"], nps["source"]) == (
        3,
        "fr",
        "api",
        "survey",
    )
    assert nps["verbatim"] == HOSTILE and ces["verbatim"] is None
    assert nps["customer_id"] == "c-42" and nps["touchpoint"] == "website"
    assert ces["score"] == 2 and ces["survey"] == "nps-web"
    assert nps["attributes"]["q_channel"] == "app"
    assert nps["attributes"]["q_topics"] == "delivery;price"
    assert nps["attributes"]["question"] == "nps" and ces["attributes"]["question"] == "ces"
    assert nps["attributes"]["submission"] == ack["submission_id"]
    assert sorted(r["response_id"] for r in found.values()) == sorted(ack["response_ids"])


def test_partial_answers_are_kept_and_only_the_first_score_is_required(client, survey):
    response = post(client, {"answers": {"nps": 10}}, survey.public_key)
    assert response.status_code == 202
    (row,) = rows("nps-web")
    assert row["score"] == 10 and row["language"] == "en"  # the survey's default language
    assert row["customer_id"].startswith("anonymous-")
    response = post(client, {"answers": {"ces": 5, "channel": "web"}}, survey.public_key)
    assert_error(response, 422, "invalid", "answers.nps")
    assert InboxItem.objects.count() == 1


@pytest.mark.parametrize(
    ("answers", "where"),
    [
        ({"nps": 11}, "answers.nps"),
        ({"nps": -1}, "answers.nps"),
        ({"nps": "nine"}, "answers.nps"),
        ({"nps": True}, "answers.nps"),
        ({"nps": 7.5}, "answers.nps"),
        ({"nps": 8, "ces": 0}, "answers.ces"),
        ({"nps": 8, "stars": 5}, "answers.stars"),
        ({"nps": 8, "channel": "fax"}, "answers.channel"),
        ({"nps": 8, "channel": ["web", "app"]}, "answers.channel"),
        ({"nps": 8, "topics": ["price", 3]}, "answers.topics"),
        ({"nps": 9, "wrong": "not asked of promoters"}, "answers.wrong"),
        ({"nps": 2, "wrong": "x" * 5001}, "answers.wrong"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_stored(client, survey, answers, where):
    assert_error(post(client, {"answers": answers}, survey.public_key), 422, "invalid", where)
    assert InboxItem.objects.count() == 0 and Submission.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ("{not json", "body"),
        ('["a list"]', "body"),
        ('{"answers": {"nps": 9}, "colour": "red"}', "body.colour"),
        ('{"answers": "nine"}', "body.answers"),
        ('{"answers": {"nps": 9}, "language": "de"}', "body.language"),
        ('{"answers": {"nps": 9}, "touchpoint": "store"}', "touchpoint"),
        (b"\xff\xfe", "body"),
    ],
)
def test_malformed_bodies_are_refused(client, survey, raw, where):
    assert_error(post(client, None, survey.public_key, raw=raw), 422, "invalid", where)
    assert InboxItem.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 30_000 + "]" * 30_000,
        '{"answers": {"nps": 9, "x": ' + '{"a": ' * 5_000 + "1" + "}" * 5_002,
    ],
    ids=["list", "object"],
)
def test_deeply_nested_bodies_are_refused(client, survey, raw):
    body = assert_error(post(client, None, survey.public_key, raw=raw), 422, "invalid", "body")
    assert "nested too deeply" in body["detail"]
    assert InboxItem.objects.count() == 0


def test_oversized_body_is_refused(client, survey, settings):
    settings.CXPILOT_SURVEY_MAX_BODY = 2048
    body = {"answers": {"nps": 3, "wrong": "x" * 3000}}
    assert_error(post(client, body, survey.public_key), 413, "too_large", "body")
    assert InboxItem.objects.count() == 0


@pytest.mark.parametrize("key", [None, "", "cxs_wrong", "not-a-key", "x" * 500])
def test_missing_or_wrong_key_is_refused(client, survey, key):
    body = assert_error(post(client, {"answers": {"nps": 9}}, key), 401, "unauthorized")
    assert body["where"] == "X-Survey-Key"
    assert InboxItem.objects.count() == 0


def test_a_key_posts_only_to_its_own_survey_and_reads_nothing(client, survey, ces_survey):
    # the CES survey's key cannot post the NPS survey's answers
    response = post(client, {"answers": {"nps": 9}}, ces_survey.public_key)
    assert_error(response, 422, "invalid", "answers.nps")
    assert InboxItem.objects.count() == 0
    # the key opens no read: not the API, not the pages
    headers = {"HTTP_X_SURVEY_KEY": survey.public_key}
    assert client.get(API, **headers).status_code == 405
    assert client.get("/voc/surveys/", **headers).status_code == 302  # to the login page
    assert client.get("/api/v1/inbox/responses", **headers).status_code in (401, 405)
    # a rotated key stops working at once
    old = survey.public_key
    services.survey_key_rotate(actor=None, survey=survey)
    assert_error(post(client, {"answers": {"nps": 9}}, old), 401, "unauthorized")


def test_idempotency_key_gives_the_same_answer_and_stores_once(client, survey):
    body = {"answers": {"nps": 6, "wrong": "slow"}, "customer_id": "c1"}
    first = post(client, body, survey.public_key, idempotency="retry-1")
    again = post(client, body, survey.public_key, idempotency="retry-1")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert InboxItem.objects.count() == 1 and Submission.objects.count() == 1
    # the same key for a different submission is refused
    other = post(
        client,
        {"answers": {"nps": 9}, "customer_id": "c1"},
        survey.public_key,
        idempotency="retry-1",
    )
    assert_error(other, 409, "idempotency_conflict", "Idempotency-Key")
    # without a key, a new submission each time (another customer: no fatigue)
    post(client, {"answers": {"nps": 9}}, survey.public_key)
    post(client, {"answers": {"nps": 9}}, survey.public_key)
    assert len(rows("nps-web")) == 3


def test_rate_limit_per_key(client, survey, ces_survey, settings):
    settings.CXPILOT_SURVEY_RATE_PER_KEY = 2
    for _ in range(2):
        assert post(client, {"answers": {"nps": 9}}, survey.public_key).status_code == 202
    response = post(client, {"answers": {"nps": 9}}, survey.public_key)
    assert_error(response, 429, "rate_limited")
    assert int(response["Retry-After"]) >= 1
    assert InboxItem.objects.count() == 2
    # another survey's key has its own budget
    assert post(client, {"answers": {"ces": 4}}, ces_survey.public_key).status_code == 202


def test_rate_limit_per_ip_applies_before_the_key(client, survey, settings):
    settings.CXPILOT_SURVEY_RATE_PER_IP = 3
    for _ in range(3):
        post(client, {"answers": {"nps": 9}}, "cxs_guess")
    assert_error(post(client, {"answers": {"nps": 9}}, survey.public_key), 429, "rate_limited")
    other_ip = post(Client(REMOTE_ADDR="10.0.0.9"), {"answers": {"nps": 9}}, survey.public_key)
    assert other_ip.status_code == 202


def test_fatigue_rule_nps_and_ces_side_by_side(client, survey, ces_survey):
    nps = {"answers": {"nps": 8}, "customer_id": "c7"}
    assert post(client, nps, survey.public_key).status_code == 202
    # the same survey again within the global period (30 days): refused, nothing stored
    body = assert_error(
        post(client, nps, survey.public_key), 409, "already_answered", "customer_id"
    )
    assert "recently" in body["detail"]
    assert InboxItem.objects.count() == 1
    # the CES survey runs side by side: its own period per customer
    ces = {"answers": {"ces": 6}, "customer_id": "c7"}
    assert post(client, ces, ces_survey.public_key).status_code == 202
    assert_error(post(client, ces, ces_survey.public_key), 409, "already_answered")
    # a per-survey override: CES at most every 0 days (no limit) for this survey only
    ces_survey.recontact_days = 0
    ces_survey.save()
    assert post(client, ces, ces_survey.public_key).status_code == 202
    assert_error(post(client, nps, survey.public_key), 409, "already_answered")
    # 31 days later the NPS survey may ask again
    ContactLog.objects.filter(customer_id="c7", survey=survey).update(
        at=survey.created_at - timedelta(days=31)
    )
    assert post(client, nps, survey.public_key).status_code == 202
    # a longer global period counts the old answer again
    services.survey_settings_update(actor=None, recontact_days=90)
    assert services.recontact_days(survey) == 90
    ContactLog.objects.filter(customer_id="c7", survey=survey, event="answered").delete()
    ContactLog.objects.create(
        survey=survey, customer_id="c7", event="answered", at=survey.created_at - timedelta(days=60)
    )
    assert_error(post(client, nps, survey.public_key), 409, "already_answered")
    # anonymous answers are never refused
    assert post(client, {"answers": {"nps": 8}}, survey.public_key).status_code == 202


def test_closed_survey_takes_no_answer(client, survey):
    survey.is_active = False
    survey.save()
    assert_error(post(client, {"answers": {"nps": 9}}, survey.public_key), 409, "survey_closed")
    assert Client().get("/s/nps-web/").status_code == 410
    assert survey.public_key not in Client().get("/s/nps-web/widget.js").content.decode()


def test_cors_preflight_and_openapi(client, survey):
    response = client.options(
        API,
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-survey-key,idempotency-key",
    )
    assert response.status_code == 200 and response.content == b""  # not 204: keeps the connection
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "X-Survey-Key" in response["Access-Control-Allow-Headers"]
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/responses"]["post"]
    assert {p["name"] for p in operation["parameters"]} >= {"X-Survey-Key", "Idempotency-Key"}
    assert (
        "answers" in operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    )


# --- Hosted page ---------------------------------------------------------------------------


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def page_form(response) -> dict:
    """The hidden inputs of the survey form on a page, as POST data."""
    html = response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return fields


def test_hosted_page_is_an_accessible_form_without_javascript(survey):
    response = csrf_client().get("/s/nps-web/")
    assert response.status_code == 200 and response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "How likely are you to recommend us to a friend?" in html
    assert html.count("<fieldset") >= 4 and "<legend" in html
    assert 'name="csrfmiddlewaretoken"' in html
    # every radio has its label; the scale's ends are described
    for i in range(11):
        assert f'<label class="option" for="q-nps-{i}"><input type="radio" id="q-nps-{i}"' in html
    assert "0 = Not at all likely · 10 = Extremely likely" in html
    # the follow-up for detractors is in the page, hidden until JavaScript shows it
    assert re.search(r'id="q-wrong"[^>]*data-show-if="nps"[^>]*hidden', html)
    assert 'name="js" value="0"' in html


def test_hosted_page_two_steps_without_javascript(survey, client_as):
    client = csrf_client()
    start = client.get("/s/nps-web/?c=c-9&t=website&lang=fr")
    data = page_form(start)
    assert data["c"] == "c-9" and data["lang"] == "fr" and data["t"] == "website"
    step2 = client.post("/s/nps-web/", {**data, "q_nps": "4", "q_channel": "web", "q_ces": "3"})
    assert step2.status_code == 200
    html = step2.content.decode()
    assert "Qu’est-ce qui n’a pas été ?" in html and "q_nps" not in html
    data2 = page_form(step2)
    assert data2["carry"] and data2["token"] == data["token"]
    assert InboxItem.objects.count() == 0  # nothing stored before the last step
    done = client.post("/s/nps-web/", {**data2, "q_wrong": HOSTILE})
    assert done.status_code == 302 and done["Location"] == "/s/nps-web/thanks/?lang=fr"
    thanks = client.get(done["Location"])
    assert "Merci beaucoup !" in thanks.content.decode()
    found = {r["metric"]: r for r in rows("nps-web")}
    assert found["nps"]["score"] == 4 and found["nps"]["verbatim"] == HOSTILE
    assert found["nps"]["channel"] == "hosted" and found["nps"]["language"] == "fr"
    assert found["nps"]["customer_id"] == "c-9" and found["ces"]["score"] == 3
    assert found["nps"]["attributes"]["q_channel"] == "web"
    # sending the last step again (a double click) stores nothing more
    client.post("/s/nps-web/", {**data2, "q_wrong": HOSTILE})
    assert Submission.objects.count() == 1
    # the verbatim is shown escaped on the survey's page for the CX lead
    page = client_as("cx_lead").get(f"/voc/surveys/{survey.pk}/").content.decode()
    assert HOSTILE not in page and HOSTILE_ESCAPED in page


def test_hosted_page_in_one_step_with_javascript(survey):
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/"))
    done = client.post(
        "/s/nps-web/",
        {**data, "js": "1", "q_nps": "2", "q_wrong": "Late", "q_topics": ["price", "advice"]},
    )
    assert done.status_code == 302
    (row,) = rows("nps-web")
    assert (row["score"], row["verbatim"], row["channel"]) == (2, "Late", "hosted")
    assert row["attributes"]["q_topics"] == "price;advice"


def test_hosted_page_promoter_skips_the_follow_up(survey):
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/"))
    # a follow-up typed in, then the score changed to 9: the follow-up is not asked, not kept
    done = client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "9", "q_wrong": "n/a"})
    assert done.status_code == 302
    (row,) = rows("nps-web")
    assert row["score"] == 9 and row["verbatim"] is None


def test_hosted_page_errors_keep_answers_and_store_nothing(survey):
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/"))
    response = client.post("/s/nps-web/", {**data, "q_ces": "5"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html and "Please answer this question." in html
    assert 'id="q-ces-4" name="q_ces" value="5" checked' in html  # kept
    response = client.post("/s/nps-web/", {**data, "q_nps": "11"})
    assert response.status_code == 422 and "q-nps-error" in response.content.decode()
    assert InboxItem.objects.count() == 0
    # a tampered step is refused: back to the start, nothing stored
    response = client.post("/s/nps-web/", {**data, "carry": "forged", "q_wrong": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/s/nps-web/")
    assert InboxItem.objects.count() == 0


def test_hosted_page_needs_csrf(survey):
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/"))
    data.pop("csrfmiddlewaretoken")
    assert csrf_client().post("/s/nps-web/", {**data, "q_nps": "9"}).status_code == 403
    assert InboxItem.objects.count() == 0


def test_hosted_page_languages(survey):
    client = Client()
    french = client.get("/s/nps-web/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    html = french.content.decode()
    assert '<html lang="fr">' in html and "Votre avis" in html and "Envoyer" in html
    assert "Pas du tout probable" in html and french["Content-Language"] == "fr"
    english = client.get("/s/nps-web/?lang=en", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Your opinion" in english.content.decode()
    # a link to the other language keeps the customer and touchpoint
    assert (
        'href="?c=c1&amp;t=website&amp;lang=fr"'
        in client.get("/s/nps-web/?c=c1&lang=en").content.decode()
    )
    # a survey in French by default, without Accept-Language
    services.survey_update(
        actor=None, survey=survey, definition=survey_definition(default_language="fr")
    )
    assert "Votre avis" in client.get("/s/nps-web/").content.decode()


def test_hosted_page_fatigue_shows_a_polite_page_and_stores_nothing(survey):
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/?c=c5"))
    assert ContactLog.objects.filter(customer_id="c5", event="shown").count() == 1
    assert client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "9"}).status_code == 302
    again = client.get("/s/nps-web/?c=c5")
    assert again.status_code == 200 and "answered this survey recently" in again.content.decode()
    assert "<form" not in again.content.decode()
    # posting anyway (a page left open in another tab): the polite page, nothing stored
    other = page_form(client.get("/s/nps-web/"))
    late = client.post("/s/nps-web/", {**other, "c": "c5", "js": "1", "q_nps": "3"})
    assert "answered this survey recently" in late.content.decode()
    assert len(rows("nps-web")) == 1
    french = client.get("/s/nps-web/?c=c5&lang=fr").content.decode()
    assert "récemment" in french


def test_hosted_page_rate_limited_per_ip(survey, settings):
    settings.CXPILOT_SURVEY_RATE_PER_IP = 1
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/"))
    assert client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "9"}).status_code == 302
    data = page_form(client.get("/s/nps-web/"))
    assert client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "9"}).status_code == 429
    assert Submission.objects.count() == 1


def test_unknown_survey_is_404(db):
    assert Client().get("/s/nowhere/").status_code == 404
    response = Client().get("/s/nowhere/widget.js")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/javascript")


# --- Widget --------------------------------------------------------------------------------


def test_widget_script_is_small_self_contained_and_isolated(survey):
    definition = survey_definition(title={"en": "</script><script>alert(1)</script>"})
    services.survey_update(actor=None, survey=survey, definition=definition)
    response = Client().get("/s/nps-web/widget.js?t=website")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    script = response.content.decode()
    assert len(response.content) < 20 * 1024, len(response.content)
    assert "attachShadow" in script and survey.public_key in script
    assert "http://testserver/api/v1/responses" in script
    # no third party: the only address in it is the app's own API
    assert set(re.findall(r"https?://[^\s\"']+", script)) == {"http://testserver/api/v1/responses"}
    assert "</script>" not in script and "\\u003C/script\\u003E" in script
    assert ".innerHTML" not in script
    assert "Quelle est la probabilité" in script and "Pas du tout probable" in script
    assert response["Cache-Control"] == "public, max-age=300"


def test_widget_for_a_known_customer_applies_fatigue_and_sampling(survey):
    client = Client()
    first = client.get("/s/nps-web/widget.js?c=c1")
    assert survey.public_key in first.content.decode() and first["Cache-Control"] == "no-store"
    assert ContactLog.objects.filter(customer_id="c1", event="shown", channel="widget").count() == 1
    again = client.get("/s/nps-web/widget.js?c=c1").content.decode()
    assert survey.public_key not in again and "not shown" in again
    survey.sampling_rate = 0
    survey.save()
    out = client.get("/s/nps-web/widget.js?c=c2").content.decode()
    assert survey.public_key not in out
    assert not ContactLog.objects.filter(customer_id="c2").exists()


def test_widget_answer_reaches_the_warehouse(client, survey):
    script = Client().get("/s/nps-web/widget.js?c=w1&t=website").content.decode()
    config = json.loads(re.search(r"\}\)\((\{.*\})\);\s*$", script, re.S).group(1))
    assert config["customer"] == "w1" and config["touchpoint"] == "website"
    # what the widget sends
    body = {
        "answers": {"nps": 1, "wrong": "Rude staff"},
        "customer_id": config["customer"],
        "touchpoint": config["touchpoint"],
        "language": "en",
        "channel": "widget",
    }
    response = post(client, body, config["key"], idempotency="3f1c")
    assert response.status_code == 202
    (row,) = rows("nps-web")
    assert (row["channel"], row["score"], row["verbatim"]) == ("widget", 1, "Rude staff")
    assert ContactLog.objects.filter(customer_id="w1", event="answered").exists()


def test_a_survey_left_without_touchpoints_stores_nothing(survey):
    survey.touchpoints.clear()
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/?t=website"))
    response = client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "9"})
    assert response.status_code == 422 and "has no touchpoint" in response.content.decode()
    assert Client().get("/s/nps-web/widget.js").status_code == 200
    assert_error(
        post(Client(), {"answers": {"nps": 9}}, survey.public_key), 422, "invalid", "touchpoint"
    )
    assert InboxItem.objects.count() == 0


# --- The JSON API is strict about types; text holds no NUL ----------------------------------


def test_json_api_refuses_a_score_sent_as_text(client, survey):
    body = assert_error(
        post(client, {"answers": {"nps": "5"}}, survey.public_key), 422, "invalid", "answers.nps"
    )
    assert "whole number" in body["detail"]
    assert InboxItem.objects.count() == 0
    # a number is taken, a whole float too (JSON has one number type)
    assert post(client, {"answers": {"nps": 5}}, survey.public_key).status_code == 202
    assert post(client, {"answers": {"nps": 5.0}}, survey.public_key).status_code == 202


def test_the_hosted_page_and_python_callers_may_send_scores_as_text(survey):
    # a form's fields are text: the hosted page sends "4", and is not strict
    client = csrf_client()
    data = page_form(client.get("/s/nps-web/"))
    assert client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "4"}).status_code == 302
    result = services.submission_create(survey=survey, answers={"nps": "8"}, channel="hosted")
    assert result.response_ids
    assert sorted(r["score"] for r in rows("nps-web")) == [4, 8]
    with pytest.raises(services.ValidationError):
        services.submission_create(survey=survey, answers={"nps": "8"}, channel="api", strict=True)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"answers": {"nps": 3, "wrong": "late\u0000"}}, "answers.wrong"),
        ({"answers": {"nps": 3}, "customer_id": "c\u00001"}, "body.customer_id"),
        ({"answers": {"nps": 3}, "touchpoint": "web\u0000site"}, "body.touchpoint"),
        ({"answers": {"nps": 3, "topics": ["price", "deli\u0000very"]}}, "answers.topics.1"),
        ({"answers": {"nps": 3, "wr\u0000ong": "x"}}, "answers.wr?ong"),
        ({"answers": {"nps": 3}, "la\u0000nguage": "fr"}, "body.la?nguage"),
    ],
)
def test_nul_characters_are_refused_with_their_place(client, survey, body, where):
    response = post(client, body, survey.public_key)
    found = assert_error(response, 422, "invalid", where)
    assert "NUL" in found["detail"]
    assert "\u0000" not in response.content.decode()
    assert InboxItem.objects.count() == 0 and Submission.objects.count() == 0


def test_nul_in_the_idempotency_key_is_refused(client, survey):
    response = post(client, {"answers": {"nps": 3}}, survey.public_key, idempotency="k\u00001")
    assert_error(response, 422, "invalid", "Idempotency-Key")
    assert InboxItem.objects.count() == 0


def test_nul_in_a_verbatim_is_refused_by_the_service_too(survey):
    with pytest.raises(services.ValidationError) as info:
        services.submission_create(
            survey=survey, answers={"nps": 2, "wrong": "a\u0000b"}, channel="hosted"
        )
    assert info.value.problems[0].where == "answers.wrong"


# --- Behind a reverse proxy ------------------------------------------------------------------


def test_rate_limit_per_ip_ignores_forwarded_for_from_an_untrusted_peer(survey, settings):
    settings.CXPILOT_SURVEY_RATE_PER_IP = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(2):
        spoofed = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}
        response = client.post(
            API,
            data=json.dumps({"answers": {"nps": 9}}),
            content_type="application/json",
            HTTP_X_SURVEY_KEY=survey.public_key,
            **spoofed,
        )
        assert response.status_code == 202
    # a new X-Forwarded-For each time does not give a new budget
    response = client.post(
        API,
        data=json.dumps({"answers": {"nps": 9}}),
        content_type="application/json",
        HTTP_X_SURVEY_KEY=survey.public_key,
        HTTP_X_FORWARDED_FOR="203.0.113.99",
    )
    assert_error(response, 429, "rate_limited")


def test_rate_limit_per_ip_counts_the_client_behind_a_trusted_proxy(survey, settings):
    import ipaddress

    settings.CXPILOT_SURVEY_RATE_PER_IP = 1
    settings.CXPILOT_TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    proxy = Client(REMOTE_ADDR="10.0.0.2")

    def via_proxy(forwarded: str):
        return proxy.post(
            API,
            data=json.dumps({"answers": {"nps": 9}}),
            content_type="application/json",
            HTTP_X_SURVEY_KEY=survey.public_key,
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    assert via_proxy("203.0.113.5").status_code == 202
    # another client behind the same proxy has its own budget
    assert via_proxy("203.0.113.6").status_code == 202
    # the first one again, whatever it claims on the left of the chain: counted as itself
    assert_error(via_proxy("192.0.2.1, 203.0.113.5"), 429, "rate_limited")
    assert_error(via_proxy("203.0.113.5, 10.0.0.7"), 429, "rate_limited")


def test_hosted_page_counts_the_client_behind_a_trusted_proxy(survey, settings):
    import ipaddress

    settings.CXPILOT_SURVEY_RATE_PER_IP = 1
    settings.CXPILOT_TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.2"),)
    for n, expected in ((1, 302), (2, 302), (1, 429)):
        client = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.2")
        forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}
        data = page_form(client.get("/s/nps-web/", **forwarded))
        response = client.post("/s/nps-web/", {**data, "js": "1", "q_nps": "9"}, **forwarded)
        assert response.status_code == expected


# --- Concurrent submissions, written together ------------------------------------------------


def _concurrently(count: int, target) -> list[object]:
    """Run ``target(i)`` in ``count`` threads started together; their results or errors."""
    from django.db import connections

    return run_together(count, target, after=connections.close_all)


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_keep_idempotency_and_fatigue(survey):
    from cxpilot.kernel.errors import IdempotencyConflict, SurveyFatigued

    def submit(i: int):
        if i < 8:  # the same retry eight times at once
            return services.submission_create(
                survey=survey,
                answers={"nps": 6, "wrong": "slow"},
                channel="widget",
                customer_id="same-retry",
                idempotency_key="retry-1",
            )
        if i < 10:  # the same key for another submission
            return services.submission_create(
                survey=survey, answers={"nps": 1}, channel="api", idempotency_key="retry-1"
            )
        if i < 16:  # one customer, six submissions at once: one is taken
            return services.submission_create(
                survey=survey, answers={"nps": 9}, channel="api", customer_id="eager"
            )
        return services.submission_create(  # anonymous: all taken
            survey=survey, answers={"nps": i % 11}, channel="api"
        )

    before = services.submissions_committer.items
    results = _concurrently(24, submit)
    # whichever submission reaches the key "retry-1" first owns it: its copies are replays of
    # it (one stored, the others replayed), the other submission's copies are refused
    owner = Submission.objects.get(idempotency_key="retry-1")
    retries, others = results[:8], results[8:10]
    winners, losers = (retries, others) if owner.customer_id == "same-retry" else (others, retries)
    assert all(isinstance(r, services.SubmissionResult) for r in winners), winners
    assert len({r.submission_id for r in winners}) == 1
    assert sum(not r.replayed for r in winners) == 1
    assert all(isinstance(r, IdempotencyConflict) for r in losers), losers
    eager = results[10:16]
    assert sum(isinstance(r, services.SubmissionResult) for r in eager) == 1
    assert sum(isinstance(r, SurveyFatigued) for r in eager) == 5
    assert all(isinstance(r, services.SubmissionResult) for r in results[16:])
    assert Submission.objects.count() == 1 + 1 + 8  # the key's owner, "eager", the anonymous
    assert Submission.objects.filter(idempotency_key="retry-1").count() == 1
    assert ContactLog.objects.filter(customer_id="eager", event="answered").count() == 1
    acknowledged = {
        rid for r in results if isinstance(r, services.SubmissionResult) for rid in r.response_ids
    }
    assert acknowledged == set(InboxItem.objects.values_list("record_id", flat=True))
    assert services.submissions_committer.items - before == 24


@pytest.mark.django_db(transaction=True)
def test_acknowledged_answers_survive_a_kill(survey, warehouse_url):
    """A process that acknowledged answers (written in shared batches by several threads) and
    is then killed loses none of them."""
    from tests.warehouse.test_inbox import _child

    script = f"""
        import threading
        from cxpilot.surveys import services
        from cxpilot.surveys.models import Survey
        survey = Survey.objects.get(pk={survey.pk})
        lock = threading.Lock()

        def send(n):
            for i in range(10):
                result = services.submission_create(
                    survey=survey, answers={{"nps": i, "wrong": "x"}} if i < 7 else {{"nps": i}},
                    channel="api", customer_id=f"k-{{n}}-{{i}}")
                with lock:
                    print("ACK", *result.response_ids, flush=True)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("BATCHES", services.submissions_committer.batches, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    child = _child(script, warehouse_url)
    assert child.returncode == -9, child.stderr
    acknowledged = {
        rid
        for line in child.stdout.splitlines()
        if line.startswith("ACK")
        for rid in line.split()[1:]
    }
    assert len(acknowledged) == 60
    stored = set(InboxItem.objects.values_list("record_id", flat=True))
    assert acknowledged <= stored
    assert {r["response_id"] for r in rows("nps-web")} >= acknowledged


def test_a_changed_survey_is_checked_against_its_new_questions(client, survey):
    assert post(client, {"answers": {"nps": 9}}, survey.public_key).status_code == 202
    definition = survey_definition()
    definition["questions"].append({"key": "extra", "kind": "text", "text": {"en": "More?"}})
    services.survey_update(actor=None, survey=survey, definition=definition)
    body = {"answers": {"nps": 9, "extra": "yes"}}
    assert post(client, body, survey.public_key).status_code == 202
    definition["questions"] = [q for q in definition["questions"] if q["key"] != "channel"]
    services.survey_update(actor=None, survey=survey, definition=definition)
    body = {"answers": {"nps": 9, "channel": "web"}}
    assert_error(post(client, body, survey.public_key), 422, "invalid", "answers.channel")
    # a touchpoint removed from the survey outside the services: refused at once too
    survey.touchpoints.clear()
    assert_error(post(client, {"answers": {"nps": 9}}, survey.public_key), 422, "invalid")


def test_the_preview_stores_test_answers_kept_out_of_every_figure(survey, client_as):
    from cxpilot.analytics.metrics import metric_groups
    from cxpilot.loop.models import FollowUpCase

    lead = client_as("cx_lead")
    detail = lead.get(f"/voc/surveys/{survey.pk}/").content.decode()
    assert "/s/nps-web/?test=1" in detail
    preview = lead.get("/s/nps-web/?test=1")
    assert "Preview: your answers are test answers" in preview.content.decode()
    data = page_form(preview)
    assert data["test"] == "1"
    done = lead.post("/s/nps-web/", {**data, "js": "1", "q_nps": "1", "q_wrong": "test"})
    assert done.status_code == 302
    (row,) = [r for r in rows("nps-web") if r["metric"] == "nps"]
    assert row["channel"] == "test"
    assert FollowUpCase.objects.count() == 0  # a detractor, but a test: no case
    assert metric_groups(metric="nps") == []  # and no figure
    # a respondent cannot make a real answer a test one
    stranger = csrf_client()
    page = stranger.get("/s/nps-web/?test=1")
    assert "Preview" not in page.content.decode()
    fields = {**page_form(page), "test": "1", "js": "1", "q_nps": "2", "q_wrong": "late"}
    assert stranger.post("/s/nps-web/", fields).status_code == 302
    channels = sorted(r["channel"] for r in rows("nps-web") if r["metric"] == "nps")
    assert channels == ["hosted", "test"]
    assert FollowUpCase.objects.count() == 1
    (nps,) = metric_groups(metric="nps")
    assert nps["n"] == 1
