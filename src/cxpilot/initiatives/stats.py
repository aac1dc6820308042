"""Statistics of the initiatives domain: pure functions, numbers in, numbers out (no Django,
no I/O).

Sources
- **KPI per answer.** CES and CSAT: the score itself, so a mean of answers is the KPI. NPS:
  +100 for a promoter (9–10), 0 for a passive, −100 for a detractor (0–6), so the mean of
  answers is %promoters − %detractors, the NPS (Rocks 2016, see
  :mod:`cxpilot.analytics.stats`).
- **Difference-in-differences** (Angrist, J. D. & Pischke, J.-S. 2009, *Mostly Harmless
  Econometrics*, ch. 5.2; Card, D. & Krueger, A. B. 1994, AER 84(4)). With the touched
  touchpoints (T) and the untouched ones of the same metric (C), before (0) and after (1) the
  start: ``DiD = (ȳ_T1 − ȳ_T0) − (ȳ_C1 − ȳ_C0)``. It is the coefficient β₃ of the
  answer-level OLS ``y = β₀ + β₁·T + β₂·post + β₃·T·post + ε`` (the saturated 2×2 model
  reproduces the four means exactly), whose standard error is clustered by person
  (:func:`cxpilot.kernel.regression.cluster_ols`: a person's answers are not independent).
  Clustering by person does not capture shocks common to a whole touchpoint; with a handful
  of touchpoints there are too few of them to cluster on (Cameron & Miller 2015, §VI), which
  is why the parallel-trends check is shown beside the effect.
- **Parallel-trends check** (Angrist & Pischke 2009, §5.2.1): before the start only,
  ``y = γ₀ + γ₁·T + γ₂·m + γ₃·T·m + ε`` with ``m`` the month (0, 1, …): γ₃ is how much faster
  the touched touchpoints' KPI moved per month than the comparison's before anything changed.
  An interval that holds 0 is what DiD assumes (it does not prove it).
- **Interrupted time series** (Wagner, A. K. et al. 2002, "Segmented regression analysis of
  interrupted time series studies in medication use research", J. Clin. Pharm. Ther. 27,
  299–309): on the monthly means, ``y_m = β₀ + β₁·m + β₂·post + β₃·(m − m₀)·post + ε``; β₂ is
  the change of level at the start ``m₀``, with Newey-West standard errors
  (:func:`cxpilot.kernel.regression.hac_ols`, lag 1). Used when no untouched touchpoint of
  the metric exists.
- **Return on investment**: the return of ``h`` months is ``effect × value of a point per
  customer per year × customers reached × h/12``; the cost is ``one-off + monthly × h``;
  ROI = (return − cost) / cost. With a value per point set as an assumption (exact), the
  return's interval is the effect's interval pushed through the same (linear) formula. With a
  value per point estimated from the data (with its own interval), the two uncertainties are
  combined: the standard error of each is its 95 % interval's half-width / 1.96, the
  standard deviation of their product is Goodman's exact variance of a product of independent
  estimates (Goodman, L. A. 1960, JASA 55(292), 708–713:
  ``Var(XY) = (x² + s_x²)(y² + s_y²) − x²y²``, the delta method's terms plus ``s_x²s_y²``;
  :func:`cxpilot.value.stats.product_sd`), and the interval is ``return ± 1.96 sd``.
- **Backlog score**: each criterion divided by its largest value in the backlog (0–1), then
  ``score = w_stake·stake + w_reach·reach + w_effect·effect − w_effort·effort`` (S = 1,
  M = 2, L = 3, over 3). A quick win is an initiative of small effort whose score is in the
  top half of the backlog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cxpilot.kernel.regression import cluster_ols, hac_ols

METRICS = ("nps", "ces", "csat")


def kpi_values(metric: str, scores: np.ndarray) -> np.ndarray:
    """The KPI value of each answer (see above): NPS as +100/0/−100, CES and CSAT as given."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use nps, ces or csat")
    s = np.asarray(scores, dtype=float)
    if metric == "nps":
        return np.where(s >= 9, 100.0, np.where(s <= 6, -100.0, 0.0))
    return s


@dataclass(frozen=True)
class Cells:
    """The four means of a 2×2 difference-in-differences and their answer counts."""

    touched_before: float
    touched_after: float
    comparison_before: float
    comparison_after: float
    n: tuple[int, int, int, int]

    @property
    def did(self) -> float:
        return (self.touched_after - self.touched_before) - (
            self.comparison_after - self.comparison_before
        )


def did_cells(y: np.ndarray, touched: np.ndarray, post: np.ndarray) -> Cells:
    """The 2×2 means (touched / comparison × before / after) of ``y``; NaN for an empty cell."""
    y = np.asarray(y, dtype=float)
    t = np.asarray(touched, dtype=bool)
    p = np.asarray(post, dtype=bool)
    cells = [(t & ~p), (t & p), (~t & ~p), (~t & p)]
    means = [float(y[c].mean()) if c.any() else float("nan") for c in cells]
    n = [int(c.sum()) for c in cells]
    return Cells(means[0], means[1], means[2], means[3], n=(n[0], n[1], n[2], n[3]))


@dataclass(frozen=True)
class Estimate:
    """An effect with its interval: ``method`` is ``did`` or ``its``; ``n`` answers (or
    months, for ``its``), ``clusters`` persons (or months)."""

    effect: float
    ci_low: float
    ci_high: float
    se: float
    p_value: float
    n: int
    clusters: int
    method: str


def did(
    y: np.ndarray,
    touched: np.ndarray,
    post: np.ndarray,
    persons: np.ndarray,
    *,
    level: float = 0.95,
) -> Estimate:
    """Difference-in-differences of ``y`` (see above), clustered by ``persons``. Raises
    ``ValueError`` when a cell of the 2×2 is empty or there are too few persons."""
    t = np.asarray(touched, dtype=float)
    p = np.asarray(post, dtype=float)
    if min(did_cells(y, t.astype(bool), p.astype(bool)).n) == 0:
        raise ValueError("a cell of the 2×2 (touched/comparison × before/after) has no answer")
    x = np.column_stack([np.ones_like(t), t, p, t * p])
    fit = cluster_ols(np.asarray(y, dtype=float), x, persons, column=3, level=level)
    return Estimate(
        fit.coef, fit.ci_low, fit.ci_high, fit.se, fit.p_value, fit.n, fit.clusters, "did"
    )


@dataclass(frozen=True)
class Trend:
    """Touched minus comparison monthly slope before the start, in KPI points a month."""

    difference: float
    ci_low: float
    ci_high: float
    months: int

    @property
    def parallel(self) -> bool:
        return self.ci_low <= 0.0 <= self.ci_high


def pretrend(
    y: np.ndarray,
    touched: np.ndarray,
    month: np.ndarray,
    persons: np.ndarray,
    *,
    level: float = 0.95,
) -> Trend:
    """The parallel-trends check on the answers before the start (see above): ``month`` is
    each answer's month number. Raises ``ValueError`` with fewer than two months."""
    t = np.asarray(touched, dtype=float)
    m = np.asarray(month, dtype=float)
    months = len(np.unique(m))
    if months < 2:
        raise ValueError("fewer than two months before the start: no trend to compare")
    x = np.column_stack([np.ones_like(t), t, m, t * m])
    fit = cluster_ols(np.asarray(y, dtype=float), x, persons, column=3, level=level)
    return Trend(fit.coef, fit.ci_low, fit.ci_high, months)


def its(
    means: np.ndarray, month: np.ndarray, start: int, *, maxlags: int = 1, level: float = 0.95
) -> Estimate:
    """Interrupted time series (see above): ``means`` the monthly KPI, ``month`` their month
    numbers, ``start`` the first month after the start. The change of level at the start.
    Raises ``ValueError`` with fewer than three months on a side."""
    y = np.asarray(means, dtype=float)
    m = np.asarray(month, dtype=float)
    post = (m >= start).astype(float)
    if post.sum() < 3 or (1 - post).sum() < 3:
        raise ValueError("fewer than three months on a side of the start")
    x = np.column_stack([np.ones_like(m), m, post, (m - start) * post])
    fit = hac_ols(y, x, column=2, maxlags=maxlags, level=level)
    return Estimate(
        fit.coef, fit.ci_low, fit.ci_high, fit.se, fit.p_value, fit.n, fit.clusters, "its"
    )


@dataclass(frozen=True)
class Return:
    cost: float
    value: float
    value_low: float
    value_high: float
    net: float
    roi: float | None  # None when the cost is 0
    #: how the interval was made: "linear" (an exact value per point) or "product"
    interval: str = "linear"


def roi(
    *,
    effect: float,
    ci_low: float,
    ci_high: float,
    value_per_point: float,
    customers: int,
    months: int,
    cost_one_off: float,
    cost_monthly: float,
    value_ci: tuple[float, float] | None = None,
) -> Return:
    """The return of ``months`` months and its interval against the cost (see above).
    ``value_ci`` is the 95 % interval of ``value_per_point`` when it is an estimate."""
    from cxpilot.value.stats import Z95, product_sd

    scale = customers * months / 12.0
    cost = cost_one_off + cost_monthly * months
    value = effect * value_per_point * scale
    roi_ = (value - cost) / cost if cost else None
    if value_ci is None:
        low, high = sorted((ci_low * value_per_point * scale, ci_high * value_per_point * scale))
        return Return(cost, value, low, high, value - cost, roi_)
    sd = scale * product_sd(
        effect,
        (ci_high - ci_low) / (2 * Z95),
        value_per_point,
        (value_ci[1] - value_ci[0]) / (2 * Z95),
    )
    return Return(cost, value, value - Z95 * sd, value + Z95 * sd, value - cost, roi_, "product")


EFFORT_UNITS = {"S": 1.0, "M": 2.0, "L": 3.0}


@dataclass(frozen=True)
class Ranked:
    score: float
    quick_win: bool


def backlog_scores(
    *,
    stake: Sequence[float | None],
    reach: Sequence[float | None],
    effect: Sequence[float | None],
    effort: Sequence[str],
    weights: tuple[float, float, float, float],
) -> list[Ranked]:
    """The backlog score of each item (see above; a missing criterion counts 0), and whether
    it is a quick win. ``weights`` are (stake, reach, effect, effort)."""

    def scaled(values: Sequence[float | None]) -> np.ndarray:
        a = np.array([max(float(v), 0.0) if v is not None else 0.0 for v in values])
        top = a.max() if a.size else 0.0
        return a / top if top > 0 else np.zeros_like(a)

    w_stake, w_reach, w_effect, w_effort = weights
    work = np.array([EFFORT_UNITS[e] / 3.0 for e in effort])
    score = (
        w_stake * scaled(stake)
        + w_reach * scaled(reach)
        + w_effect * scaled(effect)
        - w_effort * work
    )
    median = float(np.median(score)) if score.size else 0.0
    return [
        Ranked(float(s), e == "S" and float(s) >= median)
        for s, e in zip(score, effort, strict=True)
    ]
