"""Survey definitions: the services (roles, validation, all or nothing), the editor pages, the
fatigue rule and the sampling decision, translations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import translation

from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.organisation.users import user_upsert
from cxpilot.surveys import fatigue, selectors, services
from cxpilot.surveys.models import ContactLog, Question, Survey, SurveySettings
from tests.hostile import HOSTILE, HOSTILE_ESCAPED


def survey_definition(**overrides) -> dict:
    """An NPS survey on the website: the score, a follow-up for detractors, an open question
    for everyone, a single and a multiple choice; English and French."""
    definition = {
        "key": "nps-web",
        "default_language": "en",
        "title": {"en": "Your opinion", "fr": "Votre avis"},
        "intro": {"en": "Two minutes, no more.", "fr": "Deux minutes, pas plus."},
        "thanks": {"en": "Thanks a lot!", "fr": "Merci beaucoup !"},
        "touchpoints": ["website"],
        "stage": "purchase/buy",
        "sampling_rate": 1.0,
        "questions": [
            {
                "key": "nps",
                "kind": "nps",
                "text": {
                    "en": "How likely are you to recommend us to a friend?",
                    "fr": "Quelle est la probabilité que vous nous recommandiez à un ami ?",
                },
            },
            {
                "key": "wrong",
                "kind": "text",
                "text": {"en": "What went wrong?", "fr": "Qu’est-ce qui n’a pas été ?"},
                "show_if": {"question": "nps", "min": 0, "max": 6},
            },
            {
                "key": "channel",
                "kind": "single",
                "text": {"en": "How did you order?", "fr": "Comment avez-vous commandé ?"},
                "choices": [
                    {"value": "web", "label": {"en": "Website", "fr": "Site web"}},
                    {"value": "app", "label": {"en": "App", "fr": "Application"}},
                ],
            },
            {
                "key": "topics",
                "kind": "multiple",
                "text": {"en": "What mattered?", "fr": "Qu’est-ce qui a compté ?"},
                "choices": [
                    {"value": "price", "label": {"en": "Price", "fr": "Prix"}},
                    {"value": "delivery", "label": {"en": "Delivery", "fr": "Livraison"}},
                    {"value": "advice", "label": {"en": "Advice", "fr": "Conseil"}},
                ],
            },
            {
                "key": "ces",
                "kind": "ces",
                "text": {
                    "en": "The company made it easy to order.",
                    "fr": "Commander était facile.",
                },
            },
        ],
    }
    definition.update(overrides)
    return definition


@pytest.fixture
def lead_user(db):
    user, _ = user_upsert(username="lea", role="cx_lead")
    return user


@pytest.fixture
def survey(org) -> Survey:
    return services.survey_create(actor=None, definition=survey_definition())


# --- Services ------------------------------------------------------------------------------


def test_survey_create_keeps_order_translations_branching(org, lead_user):
    survey = services.survey_create(actor=lead_user, definition=survey_definition())
    assert [q.key for q in survey.questions.order_by("position")] == [
        "nps",
        "wrong",
        "channel",
        "topics",
        "ces",
    ]
    wrong = survey.questions.get(key="wrong")
    assert (wrong.show_if_question, wrong.show_if_min, wrong.show_if_max) == ("nps", 0, 6)
    assert wrong.label("fr") == "Qu’est-ce qui n’a pas été ?"
    assert survey.name("fr") == "Votre avis" and survey.name("en") == "Your opinion"
    assert [t.key for t in survey.touchpoints.all()] == ["website"]
    assert survey.stage is not None and survey.stage.key == "buy"
    assert survey.public_key.startswith("cxs_") and len(survey.public_key) > 30
    # the definition reads back as it was given
    back = selectors.survey_definition(survey)
    assert back["questions"][1]["show_if"] == {"question": "nps", "min": 0, "max": 6}
    assert back["questions"][3]["choices"][1] == {
        "value": "delivery",
        "label": {"en": "Delivery", "fr": "Livraison"},
    }


def test_missing_translation_falls_back_to_the_default_language(org):
    definition = survey_definition(default_language="fr")
    definition["title"] = {"fr": "Votre avis"}
    definition["questions"][0]["text"] = {"fr": "Nous recommanderiez-vous ?"}
    survey = services.survey_create(actor=None, definition=definition)
    nps = survey.questions.get(key="nps")
    assert survey.name("en") == "Votre avis"
    assert nps.label("en") == "Nous recommanderiez-vous ?"
    assert "en" not in selectors.survey_facts(survey).languages
    assert "fr" in selectors.survey_facts(survey).languages


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.update(key="Bad Key!"), "key"),
        (lambda d: d.update(title={"fr": "Seulement en français"}), "title.en"),
        (lambda d: d.update(touchpoints=[]), "touchpoints"),
        (lambda d: d.update(touchpoints=["nowhere"]), "touchpoints"),
        (lambda d: d.update(sampling_rate=1.5), "sampling_rate"),
        (lambda d: d.update(recontact_days=-3), "recontact_days"),
        (lambda d: d.update(stage="purchase/nowhere"), "stage"),
        (lambda d: d["questions"][1]["show_if"].update(max=12), "questions.1.show_if.max"),
        (
            lambda d: d["questions"][1]["show_if"].update(question="ces"),
            "questions.1.show_if.question",
        ),
        (lambda d: d["questions"][1]["show_if"].update(min=6, max=2), "questions.1.show_if.max"),
        (lambda d: d["questions"][2].update(choices=[]), "questions.2.choices"),
        (lambda d: d["questions"][4].update(key="nps"), "questions.4.key"),
        (lambda d: d["questions"][0].update(kind="stars"), "questions.0.kind"),
        (lambda d: d["questions"][0].update(text={"en": ""}), "questions.0.text.en"),
        (
            lambda d: d["questions"][0].update(show_if={"question": "ces", "min": 1}),
            "questions.0.show_if.question",
        ),
        (lambda d: d.update(questions=[d["questions"][2]]), "questions"),
        (lambda d: d.update(colour="red"), "survey"),
    ],
)
def test_bad_definitions_are_refused_whole(org, change, path):
    definition = survey_definition()
    change(definition)
    with pytest.raises(ValidationError) as info:
        services.survey_create(actor=None, definition=definition)
    assert path in info.value.by_where(), info.value.by_where()
    assert Survey.objects.count() == 0 and Question.objects.count() == 0


def test_the_key_is_unique_and_cannot_change(survey):
    with pytest.raises(ValidationError, match="another survey already has this key"):
        services.survey_create(actor=None, definition=survey_definition())
    with pytest.raises(ValidationError) as info:
        services.survey_update(
            actor=None, survey=survey, definition=survey_definition(key="renamed")
        )
    assert "key" in info.value.by_where()


def test_update_replaces_questions_and_keeps_the_public_key(survey):
    key = survey.public_key
    definition = survey_definition()
    definition["questions"] = definition["questions"][:1]
    services.survey_update(actor=None, survey=survey, definition=definition)
    survey.refresh_from_db()
    assert [q.key for q in survey.questions.all()] == ["nps"] and survey.public_key == key


def test_only_the_cx_lead_and_the_admin_edit_surveys(org):
    for role in ("viewer", "analyst", "department_owner"):
        department = "service" if role == "department_owner" else None
        user, _ = user_upsert(username=role, role=role, department=department)
        with pytest.raises(PermissionDenied):
            services.survey_create(actor=user, definition=survey_definition())
        assert selectors.survey_list(actor=user).count() == 0  # they may read
    admin, _ = user_upsert(username="root", role="admin")
    survey = services.survey_create(actor=admin, definition=survey_definition())
    viewer, _ = user_upsert(username="viewer", role="viewer")
    for call in (
        lambda: services.survey_key_rotate(actor=viewer, survey=survey),
        lambda: services.survey_delete(actor=viewer, survey=survey),
        lambda: services.survey_settings_update(actor=viewer, recontact_days=1),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert Survey.objects.filter(pk=survey.pk).exists()


def test_key_rotation_gives_a_new_key(survey, lead_user):
    old = survey.public_key
    services.survey_key_rotate(actor=lead_user, survey=survey)
    survey.refresh_from_db()
    assert survey.public_key != old and survey.key_rotated_at is not None


def test_global_recontact_period_and_survey_override(survey):
    assert services.recontact_days(survey) == 30  # default, never saved
    services.survey_settings_update(actor=None, recontact_days=45)
    assert SurveySettings.objects.get().recontact_days == 45
    assert services.recontact_days(survey) == 45
    survey.recontact_days = 7
    assert services.recontact_days(survey) == 7
    with pytest.raises(ValidationError):
        services.survey_settings_update(actor=None, recontact_days="soon")


# --- The fatigue rule and sampling (pure) ---------------------------------------------------

NOW = datetime(2026, 3, 14, 12, tzinfo=UTC)


def test_fatigue_rule_counts_answers_for_answering_and_displays_for_showing():
    answered = [fatigue.Contact(at=NOW - timedelta(days=10), answered=True)]
    shown = [fatigue.Contact(at=NOW - timedelta(days=2), answered=False)]
    assert not fatigue.may_answer(answered, now=NOW, days=30)
    assert fatigue.may_answer(answered, now=NOW, days=10)  # exactly the period ago: again
    assert fatigue.may_answer(answered, now=NOW, days=0)  # 0: no limit
    assert fatigue.may_answer(shown, now=NOW, days=30)  # shown but not answered: may answer
    assert not fatigue.may_show(shown, now=NOW, days=30)
    assert fatigue.may_show([], now=NOW, days=30)
    assert fatigue.recontact_period(survey_days=None, global_days=30) == 30
    assert fatigue.recontact_period(survey_days=0, global_days=30) == 0


def test_sampling_is_deterministic_and_close_to_the_rate():
    kwargs = {"survey_key": "nps-web", "rate": 0.25, "now": NOW, "days": 30}
    picks = [fatigue.in_sample(customer_id=f"c{i}", **kwargs) for i in range(4000)]
    assert 0.22 < sum(picks) / len(picks) < 0.28
    assert picks == [fatigue.in_sample(customer_id=f"c{i}", **kwargs) for i in range(4000)]
    assert all(fatigue.in_sample(customer_id=f"c{i}", **{**kwargs, "rate": 1}) for i in range(50))
    assert not any(
        fatigue.in_sample(customer_id=f"c{i}", **{**kwargs, "rate": 0}) for i in range(50)
    )
    later = NOW + timedelta(days=31)  # a new period draws again
    assert picks != [
        fatigue.in_sample(customer_id=f"c{i}", **{**kwargs, "now": later}) for i in range(4000)
    ]


def test_contact_decide_logs_shown_and_respects_period_and_sample(survey):
    assert services.contact_decide(survey=survey, customer_id="c1", channel="widget") == "show"
    assert ContactLog.objects.filter(customer_id="c1", event="shown").count() == 1
    # shown already within the period: not again
    assert services.contact_decide(survey=survey, customer_id="c1", channel="widget") == "fatigued"
    survey.sampling_rate = 0.0
    assert (
        services.contact_decide(survey=survey, customer_id="c2", channel="widget") == "sampled_out"
    )
    assert not ContactLog.objects.filter(customer_id="c2").exists()


# --- The editor pages -----------------------------------------------------------------------


def editor_post(**fields) -> dict:
    data = {
        "key": "ces-store",
        "default_language": "en",
        "title_en": "In store",
        "title_fr": "En magasin",
        "touchpoints": [],
        "sampling_rate": "1",
        "recontact_days": "",
        "is_active": "on",
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "30",
        "questions-0-key": "ces",
        "questions-0-kind": "ces",
        "questions-0-text_en": "The store made it easy.",
        "questions-0-text_fr": "Le magasin m’a simplifié la vie.",
        "questions-0-ORDER": "1",
        "questions-1-key": "why",
        "questions-1-kind": "text",
        "questions-1-text_en": "Why?",
        "questions-1-text_fr": "Pourquoi ?",
        "questions-1-show_if_question": "ces",
        "questions-1-show_if_min": "1",
        "questions-1-show_if_max": "3",
        "questions-1-ORDER": "2",
    }
    data.update(fields)
    return data


def test_cx_lead_creates_a_survey_in_the_editor(org, client_as):
    from cxpilot.organisation.models import Touchpoint

    client = client_as("cx_lead")
    assert client.get("/voc/surveys/new/").status_code == 200
    store = Touchpoint.objects.get(key="store")
    response = client.post("/voc/surveys/new/", editor_post(touchpoints=[store.pk]))
    assert response.status_code == 302, response.content.decode()[:3000]
    survey = Survey.objects.get(key="ces-store")
    assert response["Location"] == f"/voc/surveys/{survey.pk}/"
    assert survey.questions.get(key="why").show_if_max == 3
    page = client.get(response["Location"]).content.decode()
    assert survey.public_key in page  # shown to the CX lead, with the rotate button
    assert "/s/ces-store/widget.js" in page
    # the editor opens with the survey's values
    edit = client.get(f"/voc/surveys/{survey.pk}/edit/").content.decode()
    assert "Le magasin m’a simplifié la vie." in edit


def test_a_row_left_empty_is_skipped_as_the_help_says(org, client_as):
    from cxpilot.organisation.models import Touchpoint

    client = client_as("cx_lead")
    page = client.get("/voc/surveys/new/").content.decode()
    assert "Leave a row empty to skip it" in page and "/s//" not in page
    assert "the key nps-web gives /s/nps-web/" in page
    store = Touchpoint.objects.get(key="store")
    # what a browser sends for a third row left empty: its type select and order still post
    blank = {"questions-2-kind": "nps", "questions-2-ORDER": "", "questions-2-key": ""}
    blank |= {"questions-2-text_en": "", "questions-2-text_fr": "", "questions-2-choices": ""}
    data = editor_post(touchpoints=[store.pk], **{"questions-TOTAL_FORMS": "3", **blank})
    response = client.post("/voc/surveys/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(Survey.objects.get().questions.values_list("key", flat=True)) == ["ces", "why"]


def test_a_bad_definition_in_the_editor_gives_field_errors_and_writes_nothing(org, client_as):
    from cxpilot.organisation.models import Touchpoint

    client = client_as("cx_lead")
    store = Touchpoint.objects.get(key="store")
    response = client.post(
        "/voc/surveys/new/",
        editor_post(
            touchpoints=[store.pk],
            **{"questions-1-show_if_max": "9", "title_en": ""},
        ),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "must be within the scale of ces (1–7)" in page
    assert "is required in the survey’s default language" in page
    assert Survey.objects.count() == 0 and Question.objects.count() == 0
    # a form-level error too: no touchpoint
    response = client.post("/voc/surveys/new/", editor_post())
    assert (
        response.status_code == 422
        and "choose at least one touchpoint" in response.content.decode()
    )
    assert Survey.objects.count() == 0


def test_a_viewer_cannot_edit_surveys_even_by_posting(survey, client_as):
    client = client_as("viewer")
    assert client.get("/voc/surveys/").status_code == 200
    page = client.get(f"/voc/surveys/{survey.pk}/").content.decode()
    assert survey.public_key not in page and "/edit/" not in page
    for url in ("/voc/surveys/new/", f"/voc/surveys/{survey.pk}/edit/", "/voc/surveys/settings/"):
        assert client.get(url).status_code == 403
    assert client.post("/voc/surveys/new/", editor_post()).status_code == 403
    key = survey.public_key
    assert client.post(f"/voc/surveys/{survey.pk}/rotate-key/").status_code == 403
    assert client.post(f"/voc/surveys/{survey.pk}/delete/").status_code == 403
    assert client.post("/voc/surveys/settings/", {"recontact_days": "1"}).status_code == 403
    survey.refresh_from_db()
    assert survey.public_key == key and Survey.objects.count() == 1
    assert not SurveySettings.objects.exists()


def test_cx_lead_rotates_the_key_and_sets_the_global_period(survey, client_as):
    client = client_as("cx_lead")
    old = survey.public_key
    response = client.post(f"/voc/surveys/{survey.pk}/rotate-key/")
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.public_key != old
    assert client.get(f"/voc/surveys/{survey.pk}/rotate-key/").status_code == 405
    response = client.post("/voc/surveys/settings/", {"recontact_days": "60"})
    assert response.status_code == 302 and SurveySettings.objects.get().recontact_days == 60
    response = client.post("/voc/surveys/settings/", {"recontact_days": "-1"})
    assert response.status_code == 200 and SurveySettings.objects.get().recontact_days == 60


def test_cx_lead_deletes_a_survey(survey, client_as):
    client = client_as("cx_lead")
    assert client.get(f"/voc/surveys/{survey.pk}/delete/").status_code == 200
    assert client.post(f"/voc/surveys/{survey.pk}/delete/").status_code == 302
    assert not Survey.objects.exists()


def test_hostile_survey_texts_are_escaped_in_pages_and_admin(org, client_as):
    definition = survey_definition(title={"en": HOSTILE, "fr": HOSTILE})
    definition["questions"][0]["text"] = {"en": HOSTILE}
    survey = services.survey_create(actor=None, definition=definition)
    lead = client_as("cx_lead")
    for url in ("/voc/surveys/", f"/voc/surveys/{survey.pk}/", f"/voc/surveys/{survey.pk}/edit/"):
        page = lead.get(url).content.decode()
        assert HOSTILE not in page and HOSTILE_ESCAPED in page, url
    public = Client().get("/s/nps-web/").content.decode()
    assert HOSTILE not in public and HOSTILE_ESCAPED in public
    admin = client_as("admin", username="boss", is_staff=True, is_superuser=True)
    assert admin.get("/admin/voc/survey/").url == "/admin/surveys/survey/"  # old address
    for url in ("/admin/surveys/survey/", f"/admin/surveys/survey/{survey.pk}/change/"):
        response = admin.get(url)
        assert response.status_code == 200
        assert HOSTILE not in response.content.decode(), url


def test_surveys_in_the_navigation_and_in_french(survey, client_as):
    client = client_as("analyst")
    page = client.get("/voc/surveys/").content.decode()
    assert 'href="/voc/surveys/" aria-current="page"' in page
    client.cookies["django_language"] = "fr"
    page = client.get("/voc/surveys/").content.decode()
    assert "Enquêtes" in page and "Nouvelle enquête" not in page  # an analyst reads only
    with translation.override("fr"):
        assert str(Survey._meta.verbose_name) == "enquête"
