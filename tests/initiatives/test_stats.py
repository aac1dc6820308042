"""The statistics of initiatives against hand computations (see the module's sources)."""

from __future__ import annotations

import numpy as np
import pytest

from cxpilot.initiatives import stats

pytestmark = pytest.mark.pure


def test_nps_per_answer_averages_to_the_nps() -> None:
    y = stats.kpi_values("nps", np.array([10, 9, 8, 7, 6, 0, 10, 3]))
    assert list(y) == [100, 100, 0, 0, -100, -100, 100, -100]
    # 3 promoters, 3 detractors of 8: NPS 0
    assert y.mean() == pytest.approx(0.0)
    assert list(stats.kpi_values("ces", np.array([1, 7]))) == [1.0, 7.0]
    with pytest.raises(ValueError, match="unknown metric"):
        stats.kpi_values("nsp", np.array([1]))


def hand_case() -> tuple[np.ndarray, ...]:
    # touched before 3, 4, 5 (mean 4); touched after 6, 7, 5, 6 (mean 6);
    # comparison before 5, 4, 6 (mean 5); comparison after 5, 6, 5, 6 (mean 5.5)
    y = np.array([3, 4, 5, 6, 7, 5, 6, 5, 4, 6, 5, 6, 5, 6], dtype=float)
    touched = np.array([1] * 7 + [0] * 7, dtype=bool)
    post = np.array([0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1], dtype=bool)
    persons = np.arange(14)
    return y, touched, post, persons


def test_did_is_the_difference_of_the_four_means_written_by_hand() -> None:
    y, touched, post, persons = hand_case()
    cells = stats.did_cells(y, touched, post)
    assert (cells.touched_before, cells.touched_after) == (4.0, 6.0)
    assert (cells.comparison_before, cells.comparison_after) == (5.0, 5.5)
    assert cells.n == (3, 4, 3, 4)
    # (6 − 4) − (5.5 − 5) = 1.5
    assert cells.did == pytest.approx(1.5)
    fit = stats.did(y, touched, post, persons)
    assert fit.effect == pytest.approx(1.5)
    assert fit.method == "did" and fit.n == 14 and fit.clusters == 14
    assert fit.ci_low < 1.5 < fit.ci_high
    # one person per answer: the cluster-robust SE is the HC1 one, by hand from the residuals
    x = np.column_stack([np.ones(14), touched, post, touched * post]).astype(float)
    u = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    bread = np.linalg.inv(x.T @ x)
    v = 14 / 13 * 13 / 10 * bread @ (x.T * u**2) @ x @ bread
    assert fit.se == pytest.approx(np.sqrt(v[3, 3]))


def test_did_refuses_an_empty_cell() -> None:
    y, touched, post, persons = hand_case()
    keep = ~(touched & post)
    with pytest.raises(ValueError, match="no answer"):
        stats.did(y[keep], touched[keep], post[keep], persons[keep])


def test_pretrend_is_the_slope_difference_before_the_start() -> None:
    # touched: 2 + 0.5·m, comparison: 1 + 0.2·m, each month ± 1 around the line
    months = np.repeat([-3, -2, -1], 4)
    touched = np.tile([1, 1, 0, 0], 3).astype(bool)
    noise = np.tile([1.0, -1.0, 1.0, -1.0], 3)
    y = np.where(touched, 2 + 0.5 * months, 1 + 0.2 * months) + noise
    trend = stats.pretrend(y, touched, months, np.arange(12))
    assert trend.difference == pytest.approx(0.3)
    assert trend.months == 3
    with pytest.raises(ValueError, match="two months"):
        stats.pretrend(y[:4], touched[:4], months[:4], np.arange(4))


def test_its_finds_the_change_of_level() -> None:
    # 4 + 0.1·m before, plus a jump of 1.2 and a slope change of 0.05 from month 0
    m = np.arange(-6, 6)
    noise = np.array([0.05, -0.05] * 6)
    y = 4 + 0.1 * m + (m >= 0) * (1.2 + 0.05 * m) + noise
    fit = stats.its(y, m, 0)
    x = np.column_stack([np.ones(12), m, m >= 0, m * (m >= 0)]).astype(float)
    assert fit.effect == pytest.approx(np.linalg.lstsq(x, y, rcond=None)[0][2])
    assert fit.effect == pytest.approx(1.2, abs=0.1)
    assert fit.method == "its" and fit.n == 12
    assert fit.ci_low < fit.effect < fit.ci_high
    with pytest.raises(ValueError, match="three months"):
        stats.its(y[:8], m[:8], 0)


def test_roi_by_hand() -> None:
    found = stats.roi(
        effect=1.5,
        ci_low=1.0,
        ci_high=2.0,
        value_per_point=10.0,
        customers=1000,
        months=12,
        cost_one_off=5000.0,
        cost_monthly=500.0,
    )
    # cost 5000 + 500 × 12 = 11000; return 1.5 × 10 × 1000 = 15000 (10000 to 20000)
    assert found.cost == 11000
    assert (found.value, found.value_low, found.value_high) == (15000, 10000, 20000)
    assert found.net == 4000 and found.roi == pytest.approx(4000 / 11000)
    free = stats.roi(
        effect=-1.0,
        ci_low=-2.0,
        ci_high=0.5,
        value_per_point=10.0,
        customers=100,
        months=6,
        cost_one_off=0.0,
        cost_monthly=0.0,
    )
    # 6 months: half a year; no cost, no ratio
    assert (free.value, free.value_low, free.value_high, free.roi) == (-500, -1000, 250, None)


def test_backlog_scores_by_hand() -> None:
    ranked = stats.backlog_scores(
        stake=[4.0, 2.0, None],
        reach=[100, 400, 200],
        effect=[0.1, 0.2, 0.05],
        effort=["L", "S", "S"],
        weights=(0.4, 0.2, 0.2, 0.2),
    )
    # stake 1, .5, 0; reach .25, 1, .5; effect .5, 1, .25; effort 1, 1/3, 1/3
    expected = [
        0.4 * 1 + 0.2 * 0.25 + 0.2 * 0.5 - 0.2 * 1,
        0.4 * 0.5 + 0.2 * 1 + 0.2 * 1 - 0.2 / 3,
        0 + 0.2 * 0.5 + 0.2 * 0.25 - 0.2 / 3,
    ]
    assert [r.score for r in ranked] == pytest.approx(expected)
    # median 0.35: the second (S, 0.53) is a quick win, the third (S, 0.08) is not
    assert [r.quick_win for r in ranked] == [False, True, False]
