"""The shipped catalogues are complete and bilingual; a broken file names where it breaks."""

from __future__ import annotations

import pytest

from cxpilot.kernel.errors import ValidationError
from cxpilot.maturity.catalog import (
    STANDARD_DIMENSIONS,
    actions_from_data,
    actions_load,
    model_from_data,
    model_load,
    read_yaml,
    values_load,
)

pytestmark = pytest.mark.pure


def test_shipped_model():
    model = model_load()
    assert tuple(d.key for d in model.dimensions) == STANDARD_DIMENSIONS
    assert all(3 <= len(d.practices) <= 6 for d in model.dimensions)
    assert [s.key for s in model.scale] == ["undeveloped", "ad_hoc", "repeatable", "systematic"]
    assert [lv.min_score for lv in model.levels] == [0, 20, 40, 60, 80]
    assert model.step_by_key["ad_hoc"] == 2 and model.step_by_key["systématique"] == 4
    assert all(p.question["fr"] and p.question["en"] for p in model.practices.values())


def test_shipped_values_and_actions():
    values = values_load()
    assert len(values) == 40
    limiting = {k for k, v in values.items() if v.limiting}
    assert {"bureaucracy", "blame", "silo_thinking", "short_termism", "control"} <= limiting
    assert {"confusion", "internal_competition"} <= limiting
    actions = actions_load()
    assert len(actions.actions) >= 25
    assert {a.dimension for a in actions.actions} == set(STANDARD_DIMENSIONS)


def test_yaml_error_names_the_line():
    with pytest.raises(ValidationError) as info:
        read_yaml("mine.yaml", text_="dimensions: [unclosed\n")
    assert "mine.yaml:line" in str(info.value) and "not valid YAML" in str(info.value)


def test_levels_must_rise():
    data = dict(model_load().data)
    levels = [dict(lv) for lv in data["levels"]]
    levels[2]["min_score"] = 10
    text = "levels:\n" + "".join(f"  - {lv}\n" for lv in levels)
    parsed = read_yaml("m.yaml", text_=text)
    with pytest.raises(ValidationError, match=r"levels\[2\]\.min_score"):
        model_from_data({**data, "levels": parsed["levels"]})


def test_action_prerequisite_cycle_and_unknown_owner():
    base = {
        "horizons": [{"key": "h", "days": 30, "effort_budget": None, "en": "h", "fr": "h"}],
        "owners": {"hr": {"en": "HR", "fr": "RH"}},
    }

    def act(key, pre, owner="hr"):
        return {"key": key, "dimension": "culture", "trigger": {"max_score": 50}, "impact": 3,
                "effort": 2, "owner": owner, "prerequisites": pre, "en": key, "fr": key}  # fmt: skip

    with pytest.raises(ValidationError, match="circle: a → b → a"):
        actions_from_data({**base, "actions": [act("a", ["b"]), act("b", ["a"])]})
    with pytest.raises(ValidationError, match="'ceo' is not one of the owners"):
        actions_from_data({**base, "actions": [act("a", [], owner="ceo")]})
