"""Per-customer predictions on the CDNOW sample against ``lifetimes`` 0.11.3 and by hand.

The reference numbers below were computed once with ``lifetimes`` 0.11.3 (its wheel in the
bench cache, installed apart from the project) on the same 2,357 CDNOW customers
(calibration to 1997-09-30, weeks): ``BetaGeoFitter().fit(x, t_x, T)``, its
``conditional_probability_alive``, ``conditional_expected_number_of_purchases_up_to_time(39,
…)`` and ``standard_errors_``; ``GammaGammaFitter().fit`` on the 946 repeat customers and its
``customer_lifetime_value(bgf, …, time=12, discount_rate=0.01, freq="W")``."""

from __future__ import annotations

import numpy as np
import pytest

from cxpilot.value import stats
from tests.value.test_stats import calibration  # noqa: F401  (fixture)

pytestmark = pytest.mark.pure

# customer id -> (x, P(alive), E[purchases in 39 weeks], CLV 12 months at 1 % a month)
LIFETIMES = {
    4: (2, 0.7266202977882558, 1.2259944296717087, 36.27397745116224),
    18: (0, 1.0, 0.1965487848502833, 8.417957595001974),
    21: (1, 0.21239102434936685, 0.20341882760529692, 4.6409361264846165),
    50: (0, 1.0, 0.1947936422126432, 8.344480971584243),
}
LIFETIMES_CLV_TOTAL = 71507.9533161374
LIFETIMES_SE_BG = {"r": 0.012557379181029435, "alpha": 0.3782241012650519,
                   "a": 0.1857337496972114, "b": 0.7054138496770862}  # fmt: skip
LIFETIMES_SE_GG = {"p": 1.1900553463971715, "q": 0.2901330675935596, "gamma": 4.159422802213708}


def _row(customer: int) -> int:
    """The position of a CDNOW customer id in the calibration arrays (sorted ids)."""
    return {4: 0, 18: 1, 21: 2, 50: 3}[customer]


def _means(x: np.ndarray, repeats) -> np.ndarray:
    """Each customer's mean repeat spend (NaN without a repeat), in the arrays' order."""
    means = np.full(x.size, np.nan)
    means[x > 0] = repeats["mean"].to_numpy()
    return means


def test_p_alive_expected_purchases_and_clv_agree_with_lifetimes(calibration):  # noqa: F811
    x, t_x, big_t, repeats = calibration
    bg = stats.bg_nbd_fit(x, t_x, big_t)
    gg = stats.gamma_gamma_fit(repeats["count"].to_numpy(), repeats["mean"].to_numpy())
    alive = stats.bg_nbd_alive(bg, x, t_x, big_t)
    expected = stats.bg_nbd_expected(bg, 39, x, t_x, big_t)
    spend = stats.gamma_gamma_expected(gg, x, np.nan_to_num(_means(x, repeats)))
    clv = stats.clv(bg, x, t_x, big_t, spend, months=12, monthly_rate=0.01)
    for customer, (purchases, p, e, value) in LIFETIMES.items():
        i = _row(customer)
        assert x[i] == purchases
        assert alive[i] == pytest.approx(p, rel=1e-5)
        assert expected[i] == pytest.approx(e, rel=1e-5)
        assert clv[i] == pytest.approx(value, rel=1e-5)
    assert clv.sum() == pytest.approx(LIFETIMES_CLV_TOTAL, rel=1e-5)


def test_clv_by_hand_for_one_customer(calibration):  # noqa: F811
    """Two months by hand: (E[X(w)]·v/(1+d) + (E[X(2w)] − E[X(w)])·v/(1+d)²)."""
    x, t_x, big_t, _ = calibration
    bg = stats.bg_nbd_fit(x, t_x, big_t)
    one = [np.array([v]) for v in (x[0], t_x[0], big_t[0])]
    e1 = float(stats.bg_nbd_expected(bg, 4.345, *one)[0])
    e2 = float(stats.bg_nbd_expected(bg, 8.69, *one)[0])
    by_hand = e1 * 30.0 / 1.02 + (e2 - e1) * 30.0 / 1.02**2
    found = stats.clv(bg, *one, np.array([30.0]), months=2, monthly_rate=0.02)
    assert float(found[0]) == pytest.approx(by_hand, rel=1e-12)


def test_standard_errors_agree_with_lifetimes(calibration):  # noqa: F811
    """The covariance of the log-parameters, mapped back (se(θ) = θ · se(ln θ)), is the
    inverse Hessian lifetimes reports."""
    x, t_x, big_t, repeats = calibration
    bg = stats.bg_nbd_fit(x, t_x, big_t)
    cov = stats.bg_nbd_covariance(bg, x, t_x, big_t)
    assert cov.full
    se = np.sqrt(np.diag(cov.matrix)) * np.array([bg.r, bg.alpha, bg.a, bg.b])
    assert se == pytest.approx(list(LIFETIMES_SE_BG.values()), rel=1e-3)
    gg = stats.gamma_gamma_fit(repeats["count"].to_numpy(), repeats["mean"].to_numpy())
    gcov = stats.gamma_gamma_covariance(gg, repeats["count"].to_numpy(), repeats["mean"].to_numpy())
    gse = np.sqrt(np.diag(gcov.matrix)) * np.array([gg.p, gg.q, gg.gamma])
    assert gse == pytest.approx(list(LIFETIMES_SE_GG.values()), rel=1e-3)


def test_delta_method_intervals(calibration):  # noqa: F811
    x, t_x, big_t, repeats = calibration
    bg = stats.bg_nbd_fit(x, t_x, big_t)
    gg = stats.gamma_gamma_fit(repeats["count"].to_numpy(), repeats["mean"].to_numpy())
    bg_cov = stats.bg_nbd_covariance(bg, x, t_x, big_t)
    gg_cov = stats.gamma_gamma_covariance(
        gg, repeats["count"].to_numpy(), repeats["mean"].to_numpy()
    )
    means = _means(x, repeats)
    found = stats.predict(bg, gg, x, t_x, big_t, means, np.full(x.size, 0.5), horizon=39,
                          months=12, monthly_rate=0.01, bg_cov=bg_cov, gg_cov=gg_cov)  # fmt: skip
    for name in ("p_alive", "expected_purchases", "clv"):
        mid, low, high = (getattr(found, name + s) for s in ("", "_low", "_high"))
        assert np.all(low <= mid + 1e-12) and np.all(mid <= high + 1e-12)
    # no repeat purchase: alive for sure, whatever the parameters
    assert found.p_alive_low[1] == found.p_alive_high[1] == 1.0
    # the first customer's P(alive) by hand: logit scale, gradient by central differences
    theta = np.log([bg.r, bg.alpha, bg.a, bg.b])
    one = [np.array([v]) for v in (x[0], t_x[0], big_t[0])]

    def logit(th: np.ndarray) -> float:
        p = float(stats.bg_nbd_alive(stats.BgNbd(*np.exp(th), 0.0), *one)[0])
        return np.log(p / (1 - p))

    grad = np.array([(logit(theta + h) - logit(theta - h)) / 2e-6 for h in np.eye(4) * 1e-6])
    se = float(np.sqrt(grad @ bg_cov.matrix @ grad))
    low = 1 / (1 + np.exp(-(logit(theta) - stats.Z95 * se)))
    assert found.p_alive_low[0] == pytest.approx(low, rel=1e-5)
    assert found.clv[0] == pytest.approx(LIFETIMES[4][3] * 0.5, rel=1e-5)
    # the equity's interval: the delta method on the sum, narrower than the sum of bounds
    total, t_low, t_high = stats.total_interval(found, np.ones(x.size, dtype=bool))
    assert total == pytest.approx(found.clv.sum())
    grad = found.clv_gradient.sum(axis=1)
    se = float(np.sqrt(grad @ found.sigma @ grad)) / total
    assert t_low == pytest.approx(total * np.exp(-stats.Z95 * se))
    assert t_high == pytest.approx(total * np.exp(stats.Z95 * se))
    assert 0.8 * total < t_low < total < t_high < 1.2 * total


def test_groups_count_each_history_once():
    x = np.array([0.0, 2, 0, 2, 1])
    t_x = np.array([0.0, 3, 0, 3, 1])
    big_t = np.array([5.0, 6, 5, 6, 6])
    g = stats.groups(x, t_x, big_t)
    assert g.count.tolist() == [2.0, 1.0, 2.0]  # (0, 0, 5), (1, 1, 6), (2, 3, 6)
    assert np.array_equal(g.x[g.inverse], x) and np.array_equal(g.big_t[g.inverse], big_t)


def test_unconditional_expectation_is_the_mean_of_new_customers():
    """E[X(t)] (eq. 9) against a simulation of the model's customers."""
    m = stats.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)
    rng = np.random.default_rng(3)
    n, t = 200_000, 39.0
    lam = rng.gamma(m.r, 1 / m.alpha, n)
    drop = rng.beta(m.a, m.b, n)
    count = np.zeros(n)
    now = np.zeros(n)
    live = np.arange(n)
    while live.size:
        now[live] += rng.exponential(1.0, live.size) / np.maximum(lam[live], 1e-300)
        live = live[now[live] <= t]
        count[live] += 1
        live = live[rng.random(live.size) >= drop[live]]
    expected = float(stats.bg_nbd_unconditional(m, np.array([t]))[0])
    assert count.mean() == pytest.approx(expected, rel=0.03)
