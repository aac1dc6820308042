"""The roadmap rules on a small hand-checked catalogue."""

from __future__ import annotations

import pytest

from cxpilot.maturity.catalog import actions_from_data, actions_load
from cxpilot.maturity.roadmap import owner_departments, roadmap_plan

pytestmark = pytest.mark.pure


def action(key, dimension, max_score, impact, effort, prerequisites=()):
    return {
        "key": key,
        "dimension": dimension,
        "trigger": {"max_score": max_score},
        "impact": impact,
        "effort": effort,
        "owner": "cx_team",
        "prerequisites": list(prerequisites),
        "en": key,
        "fr": key,
    }


CATALOGUE = actions_from_data(
    {
        "horizons": [
            {"key": "h1", "days": 30, "effort_budget": 3, "en": "30 days", "fr": "30 jours"},
            {"key": "h2", "days": 60, "effort_budget": 3, "en": "60 days", "fr": "60 jours"},
            {"key": "h3", "days": 365, "effort_budget": None, "en": "12 months", "fr": "12 mois"},
        ],
        "owners": {"cx_team": {"en": "CX team", "fr": "Équipe CX"}},
        "owner_departments": {"cx_team": ["cx", "direction_experience_client"]},
        "actions": [
            action("cheap", "b", 50, 2, 1),
            action("big", "a", 50, 5, 3, ["quick"]),
            action("quick", "a", 50, 4, 2),
            action("skip", "b", 10, 5, 1),
            action("after_skip", "a", 50, 3, 1, ["skip"]),
        ],
    }
)


def test_quick_wins_first_prerequisites_and_horizons():
    plan = roadmap_plan(CATALOGUE, {"a": 40.0, "b": 30.0})
    # triggered: a = 40 < 50 (quick, big, after_skip); b = 30 < 50 (cheap) but not < 10 (skip)
    # priority: quick is a quick win (impact 4, effort 2) → 1; then by impact − effort:
    #   big 5 − 3 = 2 and after_skip 3 − 1 = 2 (tie: higher impact first) → big 2,
    #   after_skip 3; cheap 2 − 1 = 1 → 4. big needs quick (placed first anyway); after_skip
    #   needs skip, which is not recommended, so taken as done.
    assert {r["action"]: r["priority"] for r in plan} == {
        "quick": 1, "big": 2, "after_skip": 3, "cheap": 4,
    }  # fmt: skip
    # horizons (budgets 3, 3, rest): quick (2) → h1; big must come after quick's h1 → h2 (3);
    # after_skip (1) still fits h1 (2 + 1 = 3); cheap (1) fits neither h1 nor h2 → h3
    assert [(r["action"], r["horizon"]) for r in plan] == [
        ("quick", "h1"), ("after_skip", "h1"), ("big", "h2"), ("cheap", "h3"),
    ]  # fmt: skip
    assert [r["prerequisites"] for r in plan] == [[], [], ["quick"], []]
    assert plan[0]["quick_win"] and not plan[1]["quick_win"]


def test_nothing_triggered_without_scores_or_above_thresholds():
    assert roadmap_plan(CATALOGUE, {"a": None, "b": 80.0}) == []


def test_owner_mapped_to_the_organisation():
    owners = owner_departments(CATALOGUE, {"direction_experience_client", "marketing"})
    assert owners == {"cx_team": "direction_experience_client"}
    plan = roadmap_plan(CATALOGUE, {"a": 40.0, "b": 90.0}, owners=owners)
    assert {r["owner_department"] for r in plan} == {"direction_experience_client"}


def test_shipped_catalogue_every_prerequisite_comes_first():
    plan = roadmap_plan(actions_load(), dict.fromkeys(
        ["strategy", "customer_understanding", "journey_design", "measurement", "governance",
         "culture", "leadership", "employee_engagement"], 10.0))  # fmt: skip
    assert len(plan) == len(actions_load().actions) >= 25
    seen: dict[str, int] = {}
    for position, row in enumerate(plan):
        for pre in row["prerequisites"]:
            assert pre in seen and seen[pre] < position
        seen[row["action"]] = position
    assert plan[0]["quick_win"] and plan[0]["horizon"] == "d30"
