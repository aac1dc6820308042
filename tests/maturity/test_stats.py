"""Maturity scores and cultural entropy on small hand-checked inputs."""

from __future__ import annotations

import pytest

from cxpilot.maturity.catalog import Value, model_from_data, model_load
from cxpilot.maturity.stats import (
    Answer,
    Vote,
    culture_report,
    entropy_band,
    maturity_compare,
    maturity_report,
    score_from_mean,
)

pytestmark = pytest.mark.pure


def small_model():
    """Two dimensions: A (weight 2: a1 weight 1, a2 weight 3) and B (weight 1: b1)."""
    base = model_load().data
    return model_from_data(
        {
            "name": {"en": "Small", "fr": "Petit"},
            "scale": base["scale"],
            "levels": base["levels"],
            "customer_centricity": {"dimensions": ["b"]},
            "dimensions": [
                {
                    "key": "a",
                    "weight": 2,
                    "en": "A",
                    "fr": "A",
                    "practices": [
                        {"key": "a1", "weight": 1, "en": "a1?", "fr": "a1 ?"},
                        {"key": "a2", "weight": 3, "en": "a2?", "fr": "a2 ?"},
                    ],
                },
                {
                    "key": "b",
                    "weight": 1,
                    "en": "B",
                    "fr": "B",
                    "practices": [{"key": "b1", "en": "b1?", "fr": "b1 ?"}],
                },
            ],
        }
    )


def rows(data):
    return [
        Answer(r, d, p, v)
        for r, d, ratings in data
        for p, v in zip(("a1", "a2", "b1"), ratings, strict=True)
    ]


ANSWERS = rows(
    [
        ("r1", "x", (4, 2, 1)),
        ("r2", "x", (2, 2, 3)),
        ("r3", "y", (1, 4, 4)),
        ("r4", "y", (1, 4, 4)),
    ]
)


def test_score_from_mean_runs_from_0_to_100():
    assert score_from_mean(1) == 0 and score_from_mean(4) == 100
    assert score_from_mean(2.5) == pytest.approx(50)


def test_scores_levels_centricity_and_alignment_gap():
    report = maturity_report(small_model(), ANSWERS, min_group=2)
    dims = {d["dimension"]: d for d in report["dimensions"]}
    # practice means: a1 = (4+2+1+1)/4 = 2, a2 = (2+2+4+4)/4 = 3, b1 = (1+3+4+4)/4 = 3
    # A = (1·2 + 3·3) / 4 = 2.75 → (2.75 − 1)/3 × 100 = 58.33;  B = 3 → 66.67
    assert dims["a"]["score"] == pytest.approx(175 / 3)
    assert dims["b"]["score"] == pytest.approx(200 / 3)
    assert dims["a"]["level"] == 3 and dims["b"]["level"] == 4  # 40 ≤ 58.3 < 60 ≤ 66.7
    # overall = (2 × 58.33 + 1 × 66.67) / 3 = 61.11 → level 4 (Scale, from 60)
    assert report["overall_score"] == pytest.approx(550 / 9)
    assert (report["overall_level"], report["overall_level_key"]) == (4, "scale")
    # customer-centricity: the customer-facing dimensions only (here B)
    assert report["customer_centricity"] == pytest.approx(200 / 3)
    # by department: x: A = (1·3 + 3·2)/4 = 2.25 → 41.67, B = 2 → 33.33
    #                y: A = (1·1 + 3·4)/4 = 3.25 → 75.0,  B = 4 → 100
    assert dims["a"]["by_department"] == {"x": pytest.approx(125 / 3), "y": pytest.approx(75)}
    assert dims["b"]["by_department"] == {"x": pytest.approx(100 / 3), "y": pytest.approx(100)}
    # gaps: A 75 − 41.67 = 33.33, B 100 − 33.33 = 66.67 → the alignment gap is B's
    assert dims["a"]["gap"] == pytest.approx(100 / 3)
    assert report["alignment_gap"] == pytest.approx(200 / 3)
    assert report["alignment_gap_dimension"] == "b"


def test_level_thresholds():
    model = model_load()
    assert [model.level_for(s).level for s in (0, 19.99, 20, 39.9, 40, 60, 79.9, 80, 100)] == [
        1, 1, 2, 2, 3, 4, 4, 5, 5,
    ]  # fmt: skip


def test_groups_under_five_are_hidden():
    # with the default threshold (5): 4 respondents in all → every score hidden
    report = maturity_report(small_model(), ANSWERS)
    assert report["shown"] is False and report["overall_score"] is None
    assert report["reason"] == "fewer than 5 respondents"
    assert all(d["score"] is None for d in report["dimensions"])
    # 5 in x and 1 in y: x shown, y hidden (null with a reason), no gap with one department
    answers = rows([(f"x{i}", "x", (4, 4, 4)) for i in range(5)] + [("y1", "y", (1, 1, 1))])
    report = maturity_report(small_model(), answers)
    a = report["dimensions"][0]
    assert a["by_department"] == {"x": pytest.approx(100), "y": None}
    assert report["suppressed"] == [
        {"department": "y", "respondents": 1, "reason": "fewer than 5 respondents"}
    ]
    assert report["alignment_gap"] is None and a["gap"] is None
    # y's answers still count in the overall: a1 = (5·4 + 1)/6 = 3.5 → A = 3.5 → 83.33
    assert a["score"] == pytest.approx(250 / 3)


def test_compare_two_campaigns():
    model = small_model()
    before = maturity_report(
        model, rows([("r1", "x", (1, 1, 1)), ("r2", "x", (2, 2, 2))]), min_group=2
    )
    after = maturity_report(
        model, rows([("r1", "x", (3, 3, 3)), ("r2", "x", (2, 2, 2))]), min_group=2
    )
    change = maturity_compare(before, after)
    # before: every mean 1.5 → 16.67; after: every mean 2.5 → 50: change +33.33 everywhere
    assert [r["change"] for r in change["dimensions"]] == [pytest.approx(100 / 3)] * 2
    assert change["overall_change"] == pytest.approx(100 / 3)
    assert (change["level_before"], change["level_after"]) == (1, 3)


CATALOGUE = {
    "trust": Value("trust", "positive", {"en": "Trust", "fr": "Confiance"}),
    "care": Value("care", "positive", {"en": "Care", "fr": "Soin"}),
    "blame": Value("blame", "limiting", {"en": "Blame", "fr": "Blâme"}),
    "silos": Value("silos", "limiting", {"en": "Silos", "fr": "Silos"}),
}


def votes(lens, data):
    return [Vote(r, "x", lens, v) for r, values in data for v in values]


VOTES = votes(
    "current", [("r1", ["blame", "trust"]), ("r2", ["blame", "silos"]), ("r3", ["trust"])]
)
VOTES += votes("desired", [("r1", ["trust", "care"]), ("r2", ["care"]), ("r3", ["care", "trust"])])


def test_entropy_matches_and_jumps():
    report = culture_report(CATALOGUE, VOTES, top=2, min_group=3)
    # current votes: blame 2, trust 2, silos 1 → limiting 3 of 5 = 60 %
    assert report["entropy"] == pytest.approx(60.0)
    assert report["band"] == "critical"
    assert (report["limiting_votes"], report["current_votes"]) == (3, 5)
    # top 2 (ties by key): current blame 2, trust 2; desired care 3, trust 2
    assert [(r["value"], r["votes"]) for r in report["top_current"]] == [("blame", 2), ("trust", 2)]
    assert [(r["value"], r["votes"]) for r in report["top_desired"]] == [("care", 3), ("trust", 2)]
    assert report["matches"] == [
        {"value": "trust", "current_votes": 2, "desired_votes": 2, "kind": "positive"}
    ]
    assert report["jumps"] == [
        {"value": "care", "desired_votes": 3, "current_votes": 0, "kind": "positive"}
    ]


def test_entropy_hidden_under_five_respondents():
    report = culture_report(CATALOGUE, VOTES)
    assert report["entropy"] is None and report["top_current"] == [] and not report["shown"]


@pytest.mark.parametrize(
    ("entropy", "band"),
    [(0, "healthy"), (10, "healthy"), (10.5, "minor"), (20, "minor"), (25, "significant"),
     (40, "serious"), (40.1, "critical")],
)  # fmt: skip
def test_barrett_bands(entropy, band):
    assert entropy_band(entropy) == band
