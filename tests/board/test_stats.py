"""The board's rule and tests against numbers computed by hand."""

from __future__ import annotations

import math

import pytest
from scipy import stats as sps

from cxpilot.board import stats

pytestmark = pytest.mark.pure


@pytest.mark.parametrize(
    ("value", "target", "tolerance", "higher", "expected"),
    [
        (30, 25, 5, True, "green"),  # above the target
        (25, 25, 0, True, "green"),  # meeting it exactly
        (21, 25, 5, True, "amber"),  # 4 short, within 5
        (20, 25, 5, True, "amber"),  # exactly at the edge of the tolerance
        (19.9, 25, 5, True, "red"),
        (24, 25, 0, True, "red"),  # no tolerance: any shortfall is red
        (40, 48, 0, False, "green"),  # lower is better: hours to close
        (50, 48, 4, False, "amber"),
        (53, 48, 4, False, "red"),
        (None, 25, 5, True, None),
        (30, None, 5, True, None),
        (math.nan, 25, 5, True, None),
    ],
)
def test_red_amber_green(value, target, tolerance, higher, expected) -> None:
    assert stats.status(value, target, tolerance, higher) == expected


def test_the_rule_is_stated() -> None:
    assert "tolerance" in stats.RULE and "p < 0.05" in stats.RULE


def test_two_nps_by_hand() -> None:
    # now: 100 answers, 50 promoters, 20 detractors → NPS 30, variance .7 − .09 = .61
    # then: 100 answers, 30 promoters, 30 detractors → NPS 0, variance .6
    # SE of the difference = 100·√((.61 + .6)/100) = 11 → z = 30/11
    now = {"n": 100, "promoters": 50, "detractors": 20}
    then = {"n": 100, "promoters": 30, "detractors": 30}
    f = stats.figure("nps", now)
    assert f.value == pytest.approx(30.0)
    assert f.ci_low == pytest.approx(30 - 1.959964 * 7.81025, abs=1e-3)
    c = stats.compare("nps", now, then)
    assert c.change == pytest.approx(30.0)
    assert c.p_value == pytest.approx(2 * sps.norm.sf(30 / 11), rel=1e-9)
    assert c.p_value == pytest.approx(0.00639, abs=1e-4)
    assert c.significant is True


def test_two_proportions_by_hand() -> None:
    # 60/100 against 40/100: pooled .5, SE = 100·√(.25·(1/100 + 1/100)) = 7.0711, z = 2.8284
    now, then = {"n": 100, "successes": 60}, {"n": 100, "successes": 40}
    f = stats.figure("proportion", now)
    # Wilson: (0.6 + z²/200 ± z·√(.24/100 + z²/40000)) / (1 + z²/100)
    z = 1.959964
    centre = (0.6 + z * z / 200) / (1 + z * z / 100)
    half = z * math.sqrt(0.24 / 100 + z * z / 40000) / (1 + z * z / 100)
    assert f.value == pytest.approx(60.0)
    assert f.ci_low == pytest.approx(100 * (centre - half), abs=1e-4)
    assert f.ci_high == pytest.approx(100 * (centre + half), abs=1e-4)
    c = stats.compare("proportion", now, then)
    assert c.change == pytest.approx(20.0)
    assert c.p_value == pytest.approx(0.004678, abs=1e-5)
    assert c.significant is True


def test_two_means_by_hand() -> None:
    # 1, 2, 3, 4 against 3, 4, 5, 6: means 2.5 and 4.5, each SD √(5/3), SE √(5/12);
    # Welch: t = −2 / √(5/6) = −2.1909, df = 6
    now = {"n": 4, "total": 10, "total_sq": 30}
    then = {"n": 4, "total": 18, "total_sq": 86}
    c = stats.compare("mean", now, then, min_sample=2)
    assert c.change == pytest.approx(-2.0)
    assert c.p_value == pytest.approx(2 * sps.t.sf(2 / math.sqrt(5 / 6), 6), rel=1e-9)
    assert c.p_value == pytest.approx(0.0710, abs=1e-3)
    assert c.significant is False
    reference = sps.ttest_ind([1, 2, 3, 4], [3, 4, 5, 6], equal_var=False)
    assert c.p_value == pytest.approx(reference.pvalue, rel=1e-9)


def test_too_few_answers_are_not_tested() -> None:
    now, then = {"n": 29, "successes": 29}, {"n": 100, "successes": 0}
    c = stats.compare("proportion", now, then)
    assert c.change == pytest.approx(100.0)
    assert c.significant is None and c.p_value is None


def test_no_earlier_month_no_change() -> None:
    assert stats.compare("nps", {"n": 50, "promoters": 5, "detractors": 5}, None) == stats.NO_CHANGE
    assert stats.figure("nps", None).value is None
    assert stats.figure("mean", {"n": 0, "total": 0, "total_sq": 0}).value is None
    assert stats.plain_change(5, None) is None
    assert stats.plain_change(5, 3) == 2
