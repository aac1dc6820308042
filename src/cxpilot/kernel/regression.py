"""Regressions shared by the domains: pure functions, numpy in, numbers out (no Django).

**Linear probability model with cluster-robust standard errors** (:func:`cluster_ols`).
Ordinary least squares of ``y`` on ``X`` (``y`` a 0/1 outcome gives a linear probability
model: each coefficient is a difference in probability), with the covariance of the
coefficients estimated by the cluster-robust sandwich (Liang & Zeger 1986; Cameron &
Miller, "A Practitioner's Guide to Cluster-Robust Inference", J. Human Resources 50(2),
2015, eq. 11)::

    V = c · (X'X)⁻¹ · (Σ_g X_g' û_g û_g' X_g) · (X'X)⁻¹,   c = G/(G−1) · (N−1)/(N−K)

over the G clusters g (here: persons), N rows and K columns, û the OLS residuals. It stays
valid when the rows of one cluster are correlated (a person's answers share their mood and
their later behaviour) and when the errors are heteroscedastic (always, for a 0/1 outcome).
Intervals and p-values use Student's t with G − 1 degrees of freedom, as Stata's
``regress …, vce(cluster …)``; the fit is statsmodels' ``OLS.fit(cov_type="cluster")``
with the same small-sample correction ``c`` (``use_correction=True``, ``use_t=True``),
checked in the tests against Stata's published figures on the Grunfeld data.

**Newey-West (HAC) OLS** (:func:`hac_ols`): the same OLS with the covariance of Newey, W. K.
& West, K. D. (1987), "A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix", Econometrica 55(3), 703–708: Bartlett weights
1 − l/(L+1) on the autocovariances of the scores up to lag ``L``, for time series (monthly
means) whose errors are correlated from one period to the next; statsmodels'
``OLS.fit(cov_type="HAC")``, Student's t with N − K degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClusterFit:
    """One coefficient of a cluster-robust OLS fit."""

    coef: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n: int
    clusters: int


def cluster_ols(
    y: np.ndarray,
    x: np.ndarray,
    groups: np.ndarray,
    *,
    column: int,
    level: float = 0.95,
) -> ClusterFit:
    """OLS of ``y`` on ``x`` (an N×K matrix that holds its own constant column), covariance
    clustered by ``groups`` (N labels); the coefficient of ``x[:, column]`` with its standard
    error, ``level`` interval and two-sided p-value (t with G − 1 degrees of freedom).

    Raises ``ValueError`` when there are fewer than two clusters or fewer rows than columns.
    """
    import statsmodels.api as sm

    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    codes = np.unique(np.asarray(groups), return_inverse=True)[1]
    n, k = x.shape
    clusters = int(codes.max()) + 1 if n else 0
    if clusters < 2 or n <= k:
        raise ValueError(f"{n} rows, {k} columns and {clusters} clusters: too few to fit")
    fit = sm.OLS(y, x).fit(
        cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True}, use_t=True
    )
    low, high = fit.conf_int(alpha=1 - level)[column]
    return ClusterFit(
        coef=float(fit.params[column]),
        se=float(fit.bse[column]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[column]),
        n=n,
        clusters=clusters,
    )


def sandwich(x: np.ndarray, residuals: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """The cluster-robust covariance ``V`` of the module's formula, written out in numpy (the
    small-sample factor ``c`` included): the hand computation :func:`cluster_ols` is held to."""
    x = np.asarray(x, dtype=float)
    u = np.asarray(residuals, dtype=float)
    codes = np.unique(np.asarray(groups), return_inverse=True)[1]
    n, k = x.shape
    g = int(codes.max()) + 1
    scores = np.zeros((g, k))
    np.add.at(scores, codes, x * u[:, None])  # Σ over each cluster of x_i û_i
    bread = np.linalg.pinv(x.T @ x)
    meat = scores.T @ scores
    c = g / (g - 1) * (n - 1) / (n - k)
    return c * bread @ meat @ bread


def hac_ols(
    y: np.ndarray, x: np.ndarray, *, column: int, maxlags: int = 1, level: float = 0.95
) -> ClusterFit:
    """OLS of ``y`` on ``x`` (N×K, its own constant column) with the Newey-West covariance
    up to lag ``maxlags`` (see above); the coefficient of ``x[:, column]`` (``clusters`` is
    the number of rows: each period is its own). Raises ``ValueError`` with too few rows."""
    import statsmodels.api as sm

    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if n <= k + 1:
        raise ValueError(f"{n} periods and {k} columns: too few to fit")
    fit = sm.OLS(y, x).fit(
        cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": True}, use_t=True
    )
    low, high = fit.conf_int(alpha=1 - level)[column]
    return ClusterFit(
        coef=float(fit.params[column]),
        se=float(fit.bse[column]),
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(fit.pvalues[column]),
        n=n,
        clusters=n,
    )
