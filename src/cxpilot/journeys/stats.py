"""Statistics of the journeys domain: pure functions, numbers in, numbers out (no Django, no I/O).

Sources
- Difference of two independent proportions p₁ − p₂ with Newcombe's hybrid score interval
  ("method 10" of Newcombe, R. G. 1998, "Interval estimation for the difference between
  independent proportions: comparison of eleven methods", Statistics in Medicine 17,
  873–890): with (l₁, u₁) and (l₂, u₂) the Wilson score intervals of each proportion,
  δ = p₁ − p₂, low = δ − sqrt((p₁ − l₁)² + (u₂ − p₂)²), high = δ + sqrt((u₁ − p₁)² +
  (p₂ − l₂)²). Newcombe's examples: 56/70 − 48/80 = 0.2 (0.0524, 0.3339),
  9/10 − 3/10 = 0.6 (0.1705, 0.8090).
- Difference of two independent NPS: NPS₁ − NPS₂ ± z·sqrt(SE₁² + SE₂²), the trinomial SEs
  of :func:`cxpilot.analytics.stats.nps` (Rocks 2016), as ``nps_compare`` tests it.
- **Linear probability model with cluster-robust standard errors** (:func:`cluster_ols`).
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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cxpilot.analytics import stats as voc_stats


@dataclass(frozen=True)
class Difference:
    delta: float | None
    ci_low: float | None
    ci_high: float | None


def _none(x: float) -> float | None:
    return None if x != x else float(x)  # NaN: none


def proportion_difference(
    x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95
) -> Difference:
    """p₁ − p₂ in percentage points with Newcombe's hybrid score interval (see above);
    none when a side has no case."""
    if n1 <= 0 or n2 <= 0:
        return Difference(None, None, None)
    a = voc_stats.wilson(x1, n1, confidence=confidence)
    b = voc_stats.wilson(x2, n2, confidence=confidence)
    p1, l1, u1 = float(a.score), float(a.ci_low), float(a.ci_high)
    p2, l2, u2 = float(b.score), float(b.ci_low), float(b.ci_high)
    delta = p1 - p2
    low = delta - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = delta + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Difference(delta, low, high)


def nps_difference(
    a: voc_stats.NpsResult, b: voc_stats.NpsResult, *, confidence: float = 0.95
) -> Difference:
    """NPS a − NPS b with its Wald interval (see above); none when a side has no answer."""
    if float(a.n) <= 0 or float(b.n) <= 0:
        return Difference(None, None, None)
    delta = float(a.score - b.score)
    se = math.sqrt(float(a.se) ** 2 + float(b.se) ** 2)
    z = voc_stats.z_for(confidence)
    return Difference(_none(delta), _none(delta - z * se), _none(delta + z * se))


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
