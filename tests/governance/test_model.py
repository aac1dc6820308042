"""The governance model: the rule on hand-built maturity results (each outcome and its
edges), bad input, the recorded choice and its permission, the page and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.governance import engine
from cxpilot.governance.engine import MaturityFacts, governance_model_recommend
from cxpilot.governance.models import GovernanceModelChoice, GovernanceSettings
from cxpilot.governance.services import governance_model_record
from cxpilot.kernel.errors import PermissionDenied, ValidationError
from cxpilot.maturity import services as maturity_services
from cxpilot.maturity.catalog import model_load
from cxpilot.maturity.stats import Answer, maturity_report
from cxpilot.organisation.models import Department
from tests.hostile import HOSTILE, HOSTILE_ESCAPED, HOSTILE_STRINGS

runner = CliRunner()


def facts(level, score=None, gap=None, gap_dim="journey_design", gov_level=None, gov_score=None):
    return MaturityFacts(
        level=level,
        score=score if score is not None else (level - 1) * 20 + 10,
        alignment_gap=gap,
        alignment_gap_dimension=gap_dim if gap is not None else None,
        governance_level=gov_level,
        governance_score=gov_score,
    )


def codes(rec):
    return [r.code for r in rec.reasons]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (1, "centralised"),
        (2, "centralised"),
        (3, "hybrid"),
        (4, "decentralised"),
        (5, "decentralised"),
    ],
)
def test_the_level_alone_when_departments_are_aligned_and_governance_in_place(level, expected):
    rec = governance_model_recommend(facts(level, gap=10.0, gov_level=3))
    assert rec.model == expected and rec.by_level == expected
    assert codes(rec)[1:] == ["departments_aligned", "governance_in_place"]


def test_low_maturity_is_centralised_whatever_else():
    rec = governance_model_recommend(facts(2, score=39.9, gap=60.0, gov_level=1))
    assert rec.model == "centralised"
    assert codes(rec) == ["low_maturity", "large_alignment_gap", "weak_governance"]
    assert "executive sponsorship" in rec.reasons[0].detail


def test_a_mature_organisation_keeps_a_clear_lead_when_departments_disagree():
    rec = governance_model_recommend(facts(4, score=65.0, gap=33.3, gov_level=4))
    assert (rec.by_level, rec.model) == ("decentralised", "hybrid")
    assert codes(rec) == [
        "high_maturity",
        "large_alignment_gap",
        "governance_in_place",
        "keep_a_clear_lead",
    ]
    assert "33.3 points apart on journey_design" in rec.reasons[1].detail


def test_a_mature_organisation_keeps_a_clear_lead_when_governance_is_weak():
    rec = governance_model_recommend(facts(5, score=85.0, gap=5.0, gov_level=2, gov_score=38.0))
    assert rec.model == "hybrid" and "weak_governance" in codes(rec)
    assert rec.reasons[2].data == {"level": 2, "score": 38.0, "up_to": 2}


def test_a_mature_organisation_keeps_a_clear_lead_when_alignment_is_not_known():
    rec = governance_model_recommend(facts(5, score=90.0, gap=None, gov_level=5))
    assert rec.model == "hybrid"
    assert codes(rec) == [
        "high_maturity",
        "alignment_unknown",
        "governance_in_place",
        "keep_a_clear_lead",
    ]
    rec = governance_model_recommend(facts(5, score=90.0, gap=0.0, gov_level=None))
    assert rec.model == "hybrid" and "governance_unknown" in codes(rec)


def test_an_intermediate_organisation_is_centralised_only_when_both_argue_for_it():
    assert governance_model_recommend(facts(3, gap=40.0, gov_level=4)).model == "hybrid"
    assert governance_model_recommend(facts(3, gap=4.0, gov_level=1)).model == "hybrid"
    assert governance_model_recommend(facts(3, gap=None, gov_level=1)).model == "hybrid"
    rec = governance_model_recommend(facts(3, gap=40.0, gov_level=2))
    assert (rec.by_level, rec.model) == ("hybrid", "centralised")
    assert codes(rec)[-1] == "centralise"


def test_the_edges_of_the_thresholds():
    limit = engine.LARGE_ALIGNMENT_GAP
    assert limit == 20.0
    # a gap of exactly the limit is not large; just above it is
    assert governance_model_recommend(facts(4, gap=limit, gov_level=3)).model == "decentralised"
    assert governance_model_recommend(facts(4, gap=limit + 0.01, gov_level=3)).model == "hybrid"
    # governance at the weak level is weak; one above is not
    weak = engine.WEAK_GOVERNANCE_UP_TO_LEVEL
    assert governance_model_recommend(facts(4, gap=0, gov_level=weak)).model == "hybrid"
    assert governance_model_recommend(facts(4, gap=0, gov_level=weak + 1)).model == "decentralised"
    assert engine.CENTRALISED_UP_TO_LEVEL == 2 and engine.DECENTRALISED_FROM_LEVEL == 4


def test_without_a_cx_team_the_interim_champion_is_named():
    rec = governance_model_recommend(facts(1, gap=0, gov_level=1), has_cx_team=False)
    assert codes(rec)[-1] == "no_cx_team"
    assert "no_cx_team" not in codes(
        governance_model_recommend(facts(1, gap=0, gov_level=1), has_cx_team=True)
    )
    assert "no_cx_team" not in codes(
        governance_model_recommend(facts(5, gap=0, gov_level=5), has_cx_team=False)
    )


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({"level": 0}, "level"),
        ({"level": 6}, "level"),
        ({"level": 2.5}, "level"),
        ({"level": True}, "level"),
        ({"score": -1.0}, "score"),
        ({"score": math.nan}, "score"),
        ({"alignment_gap": math.inf}, "alignment_gap"),
        ({"alignment_gap": -0.5}, "alignment_gap"),
        ({"alignment_gap": "big"}, "alignment_gap"),
        ({"governance_level": 9}, "governance_level"),
        ({"governance_score": 101.0}, "governance_score"),
    ],
)
def test_facts_out_of_range_are_refused(bad, where):
    good = {"level": 3, "score": 50.0, "alignment_gap": 10.0, "governance_level": 3}
    with pytest.raises(ValidationError) as caught:
        governance_model_recommend(MaturityFacts(**{**good, **bad}))
    assert caught.value.where == where


def _answers(by_department):
    """Five respondents per department, each rating every practice the same."""
    model = model_load()
    out = []
    for dept, rating in by_department.items():
        for i in range(5):
            out += [Answer(f"{dept}{i}", dept, p, rating) for p in model.practices]
    return out


def test_the_facts_of_a_maturity_report():
    model = model_load()
    report = maturity_report(model, _answers({"a": 2, "b": 3}))
    found = engine.maturity_facts(report)
    assert found.level == 3 and found.score == pytest.approx(50.0)
    assert found.alignment_gap == pytest.approx(100 / 3)
    assert found.governance_level == 3 and found.governance_score == pytest.approx(50.0)
    assert governance_model_recommend(found).model == "hybrid"
    # fewer than 5 respondents: every score hidden, no facts
    hidden = maturity_report(model, _answers({"a": 2})[: len(model.practices) * 4])
    assert engine.maturity_facts(hidden) is None


# --------------------------------------------------------------------------- recorded choice


@pytest.fixture
def campaign(org, make_user):
    """``campaign({"ecommerce": 2, "service": 3})``: a closed campaign with five
    respondents per department, each rating every practice the same."""
    lead = make_user("cx_lead", username="lea")

    def make(by_department, *, name="2026", starts_on=dt.date(2026, 10, 1)):
        found = maturity_services.campaign_create(
            actor=lead, name=name, starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=30)
        )
        practices = list(model_load().practices)
        for key, rating in by_department.items():
            invited = maturity_services.campaign_invite(
                actor=lead, campaign=found, department=Department.objects.get(key=key), count=5
            )
            for _url, invitation in invited:
                maturity_services.response_save(
                    token=invitation.token,
                    ratings=dict.fromkeys(practices, rating),
                    current=[],
                    desired=[],
                    submit=True,
                )
        return maturity_services.campaign_close(actor=lead, campaign=found)

    return make


def test_only_the_cx_lead_records(org, make_user):
    for role in ("viewer", "analyst", "department_owner"):
        user = make_user(role, department="ecommerce") if role == "department_owner" else None
        user = user or make_user(role)
        with pytest.raises(PermissionDenied):
            governance_model_record(actor=user, model="hybrid")
    assert GovernanceModelChoice.objects.count() == 0
    lead = make_user("cx_lead")
    choice = governance_model_record(actor=lead, model="hybrid", note="council decision")
    assert (choice.model, choice.recorded_by, choice.chosen_on) == (
        "hybrid",
        lead,
        dt.date.today(),
    )
    assert choice.recommended == ""  # no campaign: nothing was recommended


@pytest.mark.parametrize("model", ["", "Hybrid", "federated", HOSTILE, "x" * 5000])
def test_an_unknown_model_is_refused_and_nothing_stored(db, model):
    with pytest.raises(ValidationError) as caught:
        governance_model_record(actor=None, model=model)
    assert caught.value.where == "model" and len(str(caught.value)) < 200
    assert GovernanceModelChoice.objects.count() == 0


def test_hostile_notes_are_stored_or_refused_cleanly(db, hostile):
    if len(hostile) > 2000:
        with pytest.raises(ValidationError) as caught:
            governance_model_record(actor=None, model="centralised", note=hostile)
        assert caught.value.where == "note"
        assert GovernanceModelChoice.objects.count() == 0
    else:
        choice = governance_model_record(actor=None, model="centralised", note=hostile)
        choice.refresh_from_db()
        assert choice.note == hostile.strip()
    with pytest.raises(ValidationError):
        governance_model_record(actor=None, model="centralised", note="NUL \x00 byte")


def test_a_choice_cannot_be_in_the_future_and_history_is_kept(db):
    with pytest.raises(ValidationError) as caught:
        governance_model_record(
            actor=None, model="hybrid", chosen_on=dt.date.today() + dt.timedelta(days=1)
        )
    assert caught.value.where == "chosen_on"
    from cxpilot.governance.selectors import governance_model_current

    governance_model_record(actor=None, model="centralised", chosen_on=dt.date(2025, 1, 10))
    governance_model_record(actor=None, model="hybrid", chosen_on=dt.date(2026, 6, 1))
    # a late record of an earlier decision does not replace the current one
    governance_model_record(actor=None, model="decentralised", chosen_on=dt.date(2025, 6, 1))
    assert governance_model_current().model == "hybrid"
    assert [c.model for c in GovernanceModelChoice.objects.all()] == [
        "hybrid",
        "decentralised",
        "centralised",
    ]


def test_the_recommendation_of_the_moment_is_kept_with_the_choice(campaign):
    campaign({"ecommerce": 2, "service": 2})  # score 33.3, level 2
    choice = governance_model_record(actor=None, model="hybrid")
    assert choice.recommended == "centralised"


# --------------------------------------------------------------------------- page


def test_page_needs_a_login(client, org):
    response = client.get("/governance/model/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/governance/model/", {"model": "hybrid"}).status_code in (302, 403)
    assert GovernanceModelChoice.objects.count() == 0


def test_page_without_a_campaign(lead, org):
    page = lead.get("/governance/model/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "No closed maturity campaign yet: there is no recommendation" in text
    assert 'id="model-reasoning"' not in text
    assert "No governance model recorded yet." in text


def test_page_with_a_campaign_shows_the_recommendation_beside_the_choice(lead, campaign):
    GovernanceSettings.objects.update_or_create(pk=1, defaults={"has_cx_team": True})
    campaign({"ecommerce": 2, "service": 3})  # level 3, gap 33.3 on every dimension
    text = lead.get("/governance/model/").content.decode()
    recommended = text[text.index('id="recommended"') : text.index('id="recorded"')]
    assert "Hybrid, with a clear lead" in recommended and "“2026”" in recommended
    assert "Maturity level 3, Mobilise (score 50.0), is intermediate" in text
    assert "Departments are 33.3 points apart on" in text
    response = lead.post(
        "/governance/model/",
        {"model": "centralised", "chosen_on": "2026-11-02", "note": HOSTILE},
    )
    assert response.status_code == 302 and response["Location"] == "/governance/model/"
    text = lead.get("/governance/model/").content.decode()
    assert 'id="model-differs"' in text
    assert "The model recorded (Centralised) is not the one recommended" in text
    assert HOSTILE not in text and HOSTILE_ESCAPED in text
    lead.post("/governance/model/", {"model": "hybrid", "chosen_on": "2026-11-03"})
    text = lead.get("/governance/model/").content.decode()
    assert 'id="model-differs"' not in text and 'id="model-agrees"' in text
    history = text[text.index('id="model-history"') :]
    assert history.index("Hybrid") < history.index("Centralised")


def test_page_with_hidden_scores_recommends_nothing(lead, org, make_user):
    lead_user = make_user("cx_lead", username="lea")
    found = maturity_services.campaign_create(
        actor=lead_user, name="small", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 2, 1)
    )
    maturity_services.campaign_close(actor=lead_user, campaign=found)
    text = lead.get("/governance/model/").content.decode()
    assert "has fewer than 5 respondents" in text and 'id="model-reasoning"' not in text


def test_page_refuses_bad_input_and_other_roles(lead, viewer, org):
    response = lead.post("/governance/model/", {"model": "federated", "chosen_on": "2026-11-02"})
    assert response.status_code == 422
    response = lead.post("/governance/model/", {"model": "hybrid", "chosen_on": "2199-01-01"})
    assert response.status_code == 422
    assert GovernanceModelChoice.objects.count() == 0
    assert viewer.get("/governance/model/").status_code == 200
    assert 'name="model"' not in viewer.get("/governance/model/").content.decode()
    assert viewer.post("/governance/model/", {"model": "hybrid"}).status_code == 403
    assert GovernanceModelChoice.objects.count() == 0


def test_page_in_french(lead, campaign):
    campaign({"ecommerce": 1, "service": 1})
    lead.cookies["django_language"] = "fr"
    text = lead.get("/governance/model/").content.decode()
    assert 'lang="fr"' in text
    assert "Modèle de gouvernance" in text and "Centralisé" in text


# --------------------------------------------------------------------------- CLI

KEYS = {
    "campaign",
    "recommended",
    "by_level",
    "reasoning",
    "facts",
    "message",
    "recorded",
    "differs",
    "thresholds",
    "history",
}


def test_cli_without_a_campaign_invents_nothing(org):
    result = runner.invoke(app, ["governance", "model", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == KEYS
    assert report["recommended"] is None and report["reasoning"] == []
    assert report["message"] == "no closed maturity campaign yet: no recommendation"


def test_cli_shows_and_records(campaign, make_user):
    campaign({"ecommerce": 3, "service": 3})  # level 4, aligned, governance level 4
    result = runner.invoke(app, ["governance", "model", "-f", "json"])
    report = json.loads(result.stdout)
    assert report["recommended"] == "decentralised" and report["by_level"] == "decentralised"
    assert [r["code"] for r in report["reasoning"]] == [
        "high_maturity",
        "departments_aligned",
        "governance_in_place",
    ]
    assert all(set(r) == {"code", "detail"} for r in report["reasoning"])
    assert report["facts"]["level"] == 4 and report["facts"]["alignment_gap"] == 0
    assert report["recorded"] is None and report["differs"] is False
    result = runner.invoke(
        app, ["governance", "model", "set", "hybrid", "--chosen-on", "2026-11-02", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    recorded = json.loads(result.stdout)
    assert recorded["model"] == "hybrid" and recorded["recommended_then"] == "decentralised"
    report = json.loads(runner.invoke(app, ["governance", "model", "-f", "json"]).stdout)
    assert report["recorded"]["chosen_on"] == "2026-11-02" and report["differs"] is True
    table = runner.invoke(app, ["governance", "model"])
    assert table.exit_code == 0 and "decentralised" in table.stdout


def test_cli_bad_input_exits_2_and_changes_nothing(org, make_user):
    for args, message in (
        (["set", "federated"], "unknown governance model 'federated'"),
        (["set", "hybrid", "--chosen-on", "02/11/2026"], "is not a date"),
        (["set", "hybrid", "--by", "nobody"], "no user 'nobody'"),
    ):
        result = runner.invoke(app, ["governance", "model", *args])
        assert result.exit_code == 2 and message in result.stderr, args
    make_user("viewer", username="vic")
    result = runner.invoke(app, ["governance", "model", "set", "hybrid", "--by", "vic"])
    assert result.exit_code == 2 and "permission" in result.stderr
    assert GovernanceModelChoice.objects.count() == 0


def test_hostile_strings_reach_the_cli_cleanly(org):
    for text in HOSTILE_STRINGS[:5]:
        result = runner.invoke(app, ["governance", "model", "set", text])
        assert result.exit_code == 2
    assert GovernanceModelChoice.objects.count() == 0


def test_marketing_is_suggested_as_the_holder_of_most_customer_data():
    """Seed: marketing holds most of the customer data (CRM, research, awareness, focus
    groups, social media): its suggested customer-data score is above every other kind's."""
    from cxpilot.governance.selectors import SUGGESTED_SCORES

    marketing = SUGGESTED_SCORES["marketing"]["customer_data"]
    others = [s["customer_data"] for k, s in SUGGESTED_SCORES.items() if k != "marketing"]
    assert marketing == 5 and marketing > max(others)


def test_the_demo_company_recommendation(db):
    """Maison Lumière: level 2 in November 2025 (centralised), level 3 in October 2026 with
    departments far apart on journey design (hybrid, with a clear lead)."""
    from cxpilot.governance.selectors import governance_model_recommendation
    from cxpilot.maturity.demo import demo_load as maturity_demo_load
    from cxpilot.maturity.models import Campaign
    from cxpilot.maturity.selectors import campaign_result
    from cxpilot.organisation.demo import demo_organisation
    from cxpilot.organisation.services import org_load

    org_load(data=demo_organisation(), source="demo")
    maturity_demo_load(seed=42)
    first, latest = Campaign.objects.order_by("starts_on")
    early = governance_model_recommend(engine.maturity_facts(campaign_result(first)))
    assert (early.facts.level, early.model) == (2, "centralised")
    campaign, rec = governance_model_recommendation()
    assert campaign == latest
    assert (rec.facts.level, rec.model) == (3, "hybrid")
    assert rec.facts.alignment_gap_dimension == "journey_design"
    assert rec.facts.alignment_gap > engine.LARGE_ALIGNMENT_GAP
