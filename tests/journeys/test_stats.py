"""The cluster-robust OLS of the moments of truth, held to published figures: Stata's
``regress invest mvalue kstock, vce(cluster company)`` on the Grunfeld investment data
(the first 200 firm-years, 10 firms: value is mvalue, capital is kstock) that statsmodels ships, and the sandwich formula written out."""

from __future__ import annotations

import numpy as np
import pytest

from cxpilot.kernel.regression import cluster_ols, sandwich

pytestmark = pytest.mark.pure

#: Stata 13, ``regress invest mvalue kstock, vce(cluster company)`` on Grunfeld (as recorded
#: in statsmodels' test results, results_grunfeld_ols_robust_cluster.py): b, se, p, ci.
STATA = {
    "mvalue": (
        0.11556215606596,
        0.01589433647768,
        0.00004710548549,
        0.07960666895505,
        0.15151764317688,
    ),
    "kstock": (
        0.23067848754982,
        0.08496711097464,
        0.02380515903536,
        0.03846952885627,
        0.42288744624337,
    ),
    "_cons": (
        -42.714369016733,
        20.425202580078,
        0.06604843284516,
        -88.919387334862,
        3.4906493013959,
    ),
}


def grunfeld() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from statsmodels.datasets import grunfeld as data

    frame = data.load_pandas().data.iloc[:200]  # Stata's file has the first ten firms
    x = np.column_stack([frame.value, frame.capital, np.ones(len(frame))])
    return frame.invest.to_numpy(float), x, frame.firm.to_numpy()


@pytest.mark.parametrize("column,name", [(0, "mvalue"), (1, "kstock"), (2, "_cons")])
def test_cluster_ols_gives_statas_figures_on_grunfeld(column, name):
    y, x, firms = grunfeld()
    fit = cluster_ols(y, x, firms, column=column)
    b, se, p, low, high = STATA[name]
    assert fit.n == 200 and fit.clusters == 10
    assert fit.coef == pytest.approx(b, rel=1e-7)
    assert fit.se == pytest.approx(se, rel=1e-7)
    assert fit.p_value == pytest.approx(p, rel=1e-5)
    assert (fit.ci_low, fit.ci_high) == pytest.approx((low, high), rel=1e-6)


def test_the_sandwich_written_out_is_the_fits_covariance():
    y, x, firms = grunfeld()
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    v = sandwich(x, y - x @ beta, firms)
    se = np.sqrt(np.diag(v))
    assert se == pytest.approx([STATA[n][1] for n in ("mvalue", "kstock", "_cons")], rel=1e-7)


def test_the_sandwich_by_hand_on_four_rows():
    # y = a + b·x on 4 rows in 2 clusters; residuals and sums worked out by hand
    x = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([1.0, 3.0, 2.0, 2.0])
    # OLS: a = mean of y at x=0 = 1.5, b = 2.5 − 1.5 = 1; residuals −0.5, 0.5, 0.5, −0.5
    u = np.array([-0.5, 0.5, 0.5, -0.5])
    groups = np.array(["g1", "g1", "g2", "g2"])
    # cluster scores: g1: (−0.5 + 0.5, 0.5) = (0, 0.5); g2: (0.5 − 0.5, −0.5) = (0, −0.5)
    # meat = [[0, 0], [0, 0.5]]; (X'X)⁻¹ = [[0.5, −0.5], [−0.5, 1]]
    # bread·meat·bread = [[0.125, −0.25], [−0.25, 0.5]]; c = 2/1 · 3/2 = 3
    expected = 3 * np.array([[0.125, -0.25], [-0.25, 0.5]])
    assert sandwich(x, u, groups) == pytest.approx(expected)
    fit = cluster_ols(y, x, groups, column=1)
    assert fit.coef == pytest.approx(1.0)
    assert fit.se == pytest.approx(np.sqrt(1.5))


def test_too_few_clusters_or_rows_is_refused():
    x = np.column_stack([np.ones(5), np.arange(5.0)])
    with pytest.raises(ValueError, match="1 clusters"):
        cluster_ols(np.arange(5.0), x, np.zeros(5), column=1)
    with pytest.raises(ValueError, match="too few"):
        cluster_ols(np.arange(2.0), x[:2], np.arange(2), column=1)
