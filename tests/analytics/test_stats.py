"""The VoC statistics against published values and hand computations from their formulas."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from cxpilot.analytics import stats

pytestmark = pytest.mark.pure


def test_nps_published_case_from_the_issue():
    # 100 answers, 50 promoters, 20 detractors: NPS 30, SE 7.81, margin ±15.31
    r = stats.nps(50, 20, 100)
    assert float(r.score) == 30
    assert round(float(r.se), 2) == 7.81
    assert round(float(r.score - r.ci_low), 2) == 15.31
    assert round(float(r.ci_high - r.score), 2) == 15.31
    assert float(r.passives) == 30 and not bool(r.small_sample)


def test_nps_se_is_the_trinomial_mean_se():
    # scoring +1/0/−1, the NPS/100 is a mean: its SE is the SD (ddof=0) over sqrt(n)
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 11, 500)
    x = np.where(scores >= 9, 1.0, np.where(scores <= 6, -1.0, 0.0))
    r = stats.nps_of_scores(scores)
    assert float(r.score) == pytest.approx(100 * x.mean())
    assert float(r.se) == pytest.approx(100 * x.std(ddof=0) / np.sqrt(len(x)))


def test_nps_adjusted_wald():
    # Rocks (2016): add 3 to n and 3/4 to promoters and detractors
    r = stats.nps(50, 20, 100, method="adjusted-wald")
    pa, da = 50.75 / 103, 20.75 / 103
    half = 1.959964 * np.sqrt(((pa + da) - (pa - da) ** 2) / 103)
    assert float(r.ci_low) == pytest.approx(100 * (pa - da - half), abs=1e-3)
    assert float(r.ci_high) == pytest.approx(100 * (pa - da + half), abs=1e-3)
    assert (round(float(r.ci_low), 2), round(float(r.ci_high), 2)) == (14.05, 44.20)
    # all promoters: the Wald interval collapses to a point, the adjusted one does not
    assert float(stats.nps(10, 0, 10).se) == 0
    adjusted = stats.nps(10, 0, 10, method="adjusted-wald")
    assert float(adjusted.ci_low) < 100 and bool(adjusted.small_sample)


def test_nps_compare_z_test():
    a, b = stats.nps(50, 20, 100), stats.nps(30, 30, 100)  # NPS 30 vs 0
    c = stats.nps_compare(a, b)
    se_b = 100 * np.sqrt((0.6 - 0) / 100)
    assert float(c.delta) == 30
    assert float(c.se) == pytest.approx(np.hypot(7.810249, se_b), rel=1e-6)
    z = 30 / np.hypot(7.810249, se_b)
    assert float(c.p_value) == pytest.approx(2 * sps.norm.sf(z), rel=1e-6)
    assert bool(c.significant)
    assert not bool(stats.nps_compare(stats.nps(50, 20, 100), stats.nps(48, 21, 100)).significant)


def test_wilson_published_values():
    # Wilson interval for 4 successes of 5 trials: 0.3755–0.9638 (Newcombe 1998 style tables;
    # Sauro & Lewis, "Quantifying the User Experience", ch. 3)
    r = stats.wilson(4, 5)
    assert (round(float(r.ci_low) / 100, 4), round(float(r.ci_high) / 100, 4)) == (0.3755, 0.9638)
    # Newcombe (1998), Table I: 81/263 → 0.2553 to 0.3662
    r = stats.wilson(81, 263)
    assert (round(float(r.ci_low) / 100, 4), round(float(r.ci_high) / 100, 4)) == (0.2553, 0.3662)
    # 0/10 keeps a positive upper bound: Newcombe Table I, 0 to 0.2775
    r = stats.wilson(0, 10)
    assert round(float(r.ci_low), 6) == 0 and round(float(r.ci_high) / 100, 4) == 0.2775


def test_mean_t_interval():
    # x = 2, 3, 4, 5, 6: mean 4, s = 1.5811, t(0.975, 4) = 2.7764 → 2.0368 to 5.9632
    x = np.array([2, 3, 4, 5, 6], dtype=float)
    r = stats.mean_t(x.sum(), (x**2).sum(), len(x))
    assert float(r.score) == 4 and round(float(r.sd), 4) == 1.5811
    assert (round(float(r.ci_low), 4), round(float(r.ci_high), 4)) == (2.0368, 5.9632)


def test_a_mean_interval_stops_at_the_ends_of_its_scale():
    # CES 7, 7, 7, 7, 7, 7, 7, 7, 7, 6: mean 6.9, s = 0.3162, se = 0.1, t(0.975, 9) = 2.2622
    # → 6.6738 to 7.1262, past the top of a 1..7 scale: it stops at 7
    x = np.array([7] * 9 + [6], dtype=float)
    free = stats.mean_t(x.sum(), (x**2).sum(), len(x))
    assert (round(float(free.ci_low), 4), round(float(free.ci_high), 4)) == (6.6738, 7.1262)
    r = stats.mean_t(x.sum(), (x**2).sum(), len(x), bounds=(1, 7))
    assert (round(float(r.ci_low), 4), float(r.ci_high)) == (6.6738, 7.0)
    assert float(r.score) == pytest.approx(6.9) and float(r.se) == pytest.approx(0.1)
    # and at the bottom: 1, 1, 1, 2: mean 1.25, se 0.25, t(0.975, 3) = 3.1824 → 0.4544 to
    # 2.0456 → 1 to 2.0456
    y = np.array([1, 1, 1, 2], dtype=float)
    r = stats.mean_t(y.sum(), (y**2).sum(), len(y), bounds=(1, 7))
    assert float(r.ci_low) == 1.0 and round(float(r.ci_high), 2) == 2.05


def test_welch_and_two_proportions_match_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.integers(1, 8, 80).astype(float), rng.integers(2, 8, 60).astype(float)
    ra = stats.mean_t(a.sum(), (a**2).sum(), len(a))
    rb = stats.mean_t(b.sum(), (b**2).sum(), len(b))
    c = stats.means_compare(ra, rb)
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert float(c.statistic) == pytest.approx(ref.statistic)
    assert float(c.p_value) == pytest.approx(ref.pvalue)
    # two proportions: 45/100 vs 30/100, pooled p = .375, z = .15 / sqrt(.375·.625·2/100) = 2.1909
    c = stats.proportions_compare(stats.wilson(45, 100), stats.wilson(30, 100))
    assert round(float(c.statistic), 4) == 2.1909
    assert float(c.p_value) == pytest.approx(2 * sps.norm.sf(2.1909), abs=1e-4)


def test_small_sample_flag_and_empty_groups():
    assert bool(stats.nps(5, 5, 29).small_sample) and not bool(stats.nps(5, 5, 30).small_sample)
    r = stats.nps(0, 0, 0)
    assert np.isnan(r.score) and bool(r.small_sample)


def test_poststratification():
    segments = np.array(["a"] * 80 + ["b"] * 20)
    w = stats.poststratification_weights(segments, {"a": 0.5, "b": 0.5})
    assert w[0] == pytest.approx(0.625) and w[-1] == pytest.approx(2.5)
    scores = np.array([10] * 80 + [0] * 20)  # a: all promoters, b: all detractors
    assert float(stats.nps_of_scores(scores).score) == 60
    weighted = stats.nps_of_scores(scores, weights=w)
    assert float(weighted.score) == pytest.approx(0)  # half and half in the population
    n_eff = w.sum() ** 2 / (w**2).sum()
    assert float(weighted.se) == pytest.approx(100 * np.sqrt(1 / n_eff))
    with pytest.raises(ValueError):
        stats.poststratification_weights(segments, {"a": 0})
