"""A new CX lead's first hour, in a real browser, in English and in French: create a survey
in the editor (a row left empty), have a customer answer it, work the case it opens (a
contact, the root cause, the close), read the irritants, invite a colleague. The layout and
CSP checks of the ``page`` fixture hold throughout."""

from __future__ import annotations

import pytest

from cxpilot.loop.models import FollowUpCase
from cxpilot.surveys.models import Survey

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {
        "saved": "Saved.",
        "closed": "Closed",
        "invited": "is invited",
        "irritants": "Irritants",
    },
    "fr": {
        "saved": "Enregistré.",
        "closed": "Fermé",
        "invited": "est invité",
        "irritants": "Irritants",
    },
}


def _flush() -> None:
    from cxpilot.warehouse.inbox import inbox_flush

    inbox_flush()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_first_hour_of_a_cx_lead(browser, page, live_server, org, log_in, language):
    words = WORDS[language]
    log_in("cx_lead", username="lea")
    if language == "fr":
        page.select_option("#language-select", "fr")
        page.click(".language-form button")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"

    # a survey in the editor: an NPS, an open question, the third row left empty
    page.goto(f"{live_server.url}/voc/surveys/new/")
    page.fill("#id_key", "avis-web")
    page.fill("#id_title_en", "Your opinion")
    page.fill("#id_title_fr", "Votre avis")
    page.locator("input[name=touchpoints]").first.check()
    page.select_option("#id_questions-0-kind", "nps")
    page.fill("#id_questions-0-text_en", "Would you recommend us?")
    page.fill("#id_questions-0-text_fr", "Nous recommanderiez-vous ?")
    page.select_option("#id_questions-1-kind", "text")
    page.fill("#id_questions-1-text_en", "Why?")
    page.fill("#id_questions-1-text_fr", "Pourquoi ?")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/voc/surveys/*/")
    survey = Survey.objects.get(key="avis-web")
    assert survey.questions.count() == 2

    # a customer answers it
    customer = browser.new_context(locale="fr-FR")
    answer = customer.new_page()
    answer.goto(f"{live_server.url}/s/avis-web/?c=client-7")
    answer.check("input[type=radio][value='2']")
    answer.fill("textarea", "Livraison en retard, colis abîmé")
    answer.click("button[type=submit]")
    answer.wait_for_url("**/thanks/**")
    customer.close()
    _flush()
    case = FollowUpCase.objects.get(customer_id="client-7")

    # the case: a contact, the root cause, the close
    page.goto(f"{live_server.url}/voc/cases/")
    page.click(f"a[href='/voc/cases/{case.pk}/']")
    page.wait_for_url(f"**/voc/cases/{case.pk}/")
    page.select_option("#id_kind", "contact")
    page.select_option("#id_channel", "phone")
    page.fill("#id_text", "Rappelée : geste commercial")
    page.locator(f"form[action='/voc/cases/{case.pk}/note/'] button").click()
    assert words["saved"] in page.inner_text("main")
    page.fill("#id_root_cause", "transporteur en retard")
    page.locator(f"form[action='/voc/cases/{case.pk}/root_cause/'] button").click()
    page.select_option("#id_status", "closed")
    page.fill("#id_resolution", "Bon d'achat envoyé")
    page.locator(f"form[action='/voc/cases/{case.pk}/status/'] button").click()
    assert words["closed"] in page.inner_text("main")
    case.refresh_from_db()
    assert (case.status, case.root_cause) == ("closed", "transporteur en retard")

    # the irritants, then a colleague invited
    page.goto(f"{live_server.url}/text/irritants/")
    assert words["irritants"] in page.inner_text("h1")
    page.goto(f"{live_server.url}/organisation/users/")
    page.fill("#id_email", "nadia@example.org")
    page.select_option("#id_role", "analyst")
    page.locator("main form button[type=submit]").click()
    assert words["invited"] in page.inner_text("main")
