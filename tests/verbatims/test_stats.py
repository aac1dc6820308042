"""NPS points at stake and Newcombe's interval, against published and hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from cxpilot.verbatims.stats import impact, newcombe_difference

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_hybrid_score_interval_matches_the_paper(x1, n1, x2, n2, low, high):
    lo, hi = newcombe_difference(x1, n1, x2, n2)
    assert round(float(lo), 4) == low
    assert round(float(hi), 4) == high


def test_points_at_stake_by_hand():
    # 1,000 NPS answers: 300 promoters, 250 detractors (NPS 5).
    # 100 name the theme: 10 promoters, 60 detractors (NPS −50).
    # The other 900: 290 promoters, 190 detractors -> NPS 100·100/900 = 11.11;
    # detractor shares 0.60 vs 190/900 = 0.2111; impact = 100 · 0.1 · 0.3889 = 3.889 points:
    # were the 100 like the rest, 38.9 detractors fewer, NPS 5 + 3.89.
    r = impact(
        mentions=[100],
        promoters=[10],
        detractors=[60],
        total=1000,
        total_promoters=300,
        total_detractors=250,
    )
    assert r.share[0] == pytest.approx(0.1)
    assert r.nps_with[0] == pytest.approx(-50)
    assert r.nps_without[0] == pytest.approx(100 / 9)
    assert r.impact[0] == pytest.approx(3.8889, abs=1e-4)
    lo, hi = newcombe_difference(60, 100, 190, 900)
    assert r.ci_low[0] == pytest.approx(10 * float(lo))
    assert r.ci_high[0] == pytest.approx(10 * float(hi))
    assert r.ci_low[0] < r.impact[0] < r.ci_high[0]


def test_a_theme_of_happy_customers_is_a_strength():
    r = impact(
        mentions=[200],
        promoters=[180],
        detractors=[5],
        total=1000,
        total_promoters=300,
        total_detractors=250,
    )
    assert r.impact[0] < 0
    assert r.ci_high[0] < 0


def test_every_answer_naming_the_theme_has_no_rest():
    r = impact(
        mentions=[10],
        promoters=[0],
        detractors=[10],
        total=10,
        total_promoters=0,
        total_detractors=10,
    )
    assert np.isnan(r.nps_without[0])
    assert np.isnan(r.impact[0])
