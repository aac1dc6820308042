"""NPS, CES and CSAT with their uncertainty: pure functions, numpy in, numbers out.

Every estimator works on counts (and sums) so the warehouse can aggregate and this module
only finishes the arithmetic. Arrays broadcast: one call computes every group at once.

Sources
- NPS = %promoters (9–10) − %detractors (0–6). Scoring promoters +1, passives 0, detractors −1,
  the NPS/100 is the mean of a trinomial variable whose variance is (p + d) − (p − d)², so
  SE = 100·sqrt(((p + d) − (p − d)²)/n) (Rocks, B. 2016, "Interval estimation for the 'net
  promoter score'", The American Statistician 70(4); Lewis & Sauro, MeasuringU, 2021).
- Adjusted-Wald NPS interval: add 3 to n and ¾ to promoters and to detractors, then use the
  same SE on the adjusted proportions (Rocks 2016, the best-covering of the methods compared).
- Two NPS compared by a z-test on their difference, SE = sqrt(SE₁² + SE₂²) (independent
  samples).
- Wilson score interval for a proportion (Wilson 1927; Newcombe 1998):
  (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n).
- Mean with a Student-t interval: x̄ ± t(1−α/2, n−1)·s/√n; two means by Welch's t-test.
- Two proportions by the pooled two-proportion z-test.
- Post-stratification: weights per answer (population share / sample share of its segment);
  weighted proportions, with Kish's effective sample size n_eff = (Σw)²/Σw² in every SE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

Z95 = float(sps.norm.ppf(0.975))
SMALL_SAMPLE = 30
ArrayLike = np.ndarray | float | int


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _safe_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def z_for(confidence: float) -> float:
    return float(sps.norm.ppf(0.5 + confidence / 2))


# --------------------------------------------------------------------------- NPS


@dataclass(frozen=True)
class NpsResult:
    n: np.ndarray
    promoters: np.ndarray
    passives: np.ndarray
    detractors: np.ndarray
    score: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    small_sample: np.ndarray


def nps(
    promoters: ArrayLike,
    detractors: ArrayLike,
    n: ArrayLike,
    *,
    confidence: float = 0.95,
    method: str = "wald",
    n_effective: ArrayLike | None = None,
) -> NpsResult:
    """NPS (−100..100) with SE and interval, from counts (or weighted counts).

    ``method`` is ``"wald"`` (the trinomial SE around the observed NPS) or
    ``"adjusted-wald"`` (Rocks 2016). With weights, pass weighted counts and ``n`` = Σw, and
    ``n_effective`` = Kish's effective size for the SE.
    """
    P, D, N = _arr(promoters), _arr(detractors), _arr(n)
    size = N if n_effective is None else _arr(n_effective)
    p, d = _safe_div(P, N), _safe_div(D, N)
    score = 100 * _safe_div(P - D, N)
    se = 100 * np.sqrt(np.maximum((p + d) - (p - d) ** 2, 0) / np.where(size > 0, size, np.nan))
    z = z_for(confidence)
    if method == "wald":
        centre, half = score, z * se
    elif method == "adjusted-wald":
        pa = (p * size + 0.75) / (size + 3)
        da = (d * size + 0.75) / (size + 3)
        centre = 100 * (pa - da)
        half = z * 100 * np.sqrt(np.maximum((pa + da) - (pa - da) ** 2, 0) / (size + 3))
    else:
        raise ValueError(f"unknown NPS interval method {method!r}")
    return NpsResult(
        n=N,
        promoters=P,
        passives=N - P - D,
        detractors=D,
        score=score,
        se=se,
        ci_low=np.maximum(centre - half, -100),
        ci_high=np.minimum(centre + half, 100),
        small_sample=size < SMALL_SAMPLE,
    )


def nps_of_scores(
    scores: np.ndarray, weights: np.ndarray | None = None, **kwargs: object
) -> NpsResult:
    """NPS of raw 0–10 scores (optionally weighted)."""
    s = np.asarray(scores, dtype=float)
    w = np.ones_like(s) if weights is None else np.asarray(weights, dtype=float)
    n_eff = w.sum() ** 2 / (w**2).sum() if len(w) else 0.0
    return nps(
        (w * (s >= 9)).sum(),
        (w * (s <= 6)).sum(),
        w.sum(),
        n_effective=None if weights is None else n_eff,
        **kwargs,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Comparison:
    delta: np.ndarray
    se: np.ndarray
    statistic: np.ndarray
    p_value: np.ndarray
    significant: np.ndarray


def nps_compare(a: NpsResult, b: NpsResult, *, alpha: float = 0.05) -> Comparison:
    """Is NPS ``a`` different from NPS ``b``? Two-sided z-test on the difference (a − b)."""
    return _z_test(a.score - b.score, np.sqrt(a.se**2 + b.se**2), alpha)


def _z_test(delta: np.ndarray, se: np.ndarray, alpha: float) -> Comparison:
    """Two-sided z-test of ``delta`` with standard error ``se`` (no test where se is 0)."""
    z = _safe_div(delta, se)
    p = 2 * sps.norm.sf(np.abs(z))
    return Comparison(delta, se, z, p, np.nan_to_num(p, nan=1.0) < alpha)


# --------------------------------------------------------------------------- proportions


@dataclass(frozen=True)
class ProportionResult:
    n: np.ndarray
    successes: np.ndarray
    score: np.ndarray  # percent
    se: np.ndarray  # percent
    ci_low: np.ndarray
    ci_high: np.ndarray
    small_sample: np.ndarray


def wilson(successes: ArrayLike, n: ArrayLike, *, confidence: float = 0.95) -> ProportionResult:
    """A proportion in percent with its Wilson score interval."""
    x, N = _arr(successes), _arr(n)
    p = _safe_div(x, N)
    z = z_for(confidence)
    safe_n = np.where(N > 0, N, np.nan)
    denom = 1 + z**2 / safe_n
    centre = (p + z**2 / (2 * safe_n)) / denom
    half = z * np.sqrt(p * (1 - p) / safe_n + z**2 / (4 * safe_n**2)) / denom
    return ProportionResult(
        n=N,
        successes=x,
        score=100 * p,
        se=100 * np.sqrt(p * (1 - p) / safe_n),
        ci_low=100 * (centre - half),
        ci_high=100 * (centre + half),
        small_sample=N < SMALL_SAMPLE,
    )


def proportions_compare(
    a: ProportionResult, b: ProportionResult, *, alpha: float = 0.05
) -> Comparison:
    """Two-sided pooled z-test for two proportions (in percent points)."""
    pooled = _safe_div(a.successes + b.successes, a.n + b.n)
    se = 100 * np.sqrt(
        pooled
        * (1 - pooled)
        * (_safe_div(np.ones_like(a.n), a.n) + _safe_div(np.ones_like(b.n), b.n))
    )
    return _z_test(a.score - b.score, se, alpha)


# --------------------------------------------------------------------------- means


@dataclass(frozen=True)
class MeanResult:
    n: np.ndarray
    score: np.ndarray
    sd: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    small_sample: np.ndarray


def mean_t(
    total: ArrayLike,
    total_sq: ArrayLike,
    n: ArrayLike,
    *,
    confidence: float = 0.95,
    bounds: tuple[float, float] | None = None,
) -> MeanResult:
    """Mean with a Student-t interval, from n, Σx and Σx² (sample SD with n − 1). With
    ``bounds`` (a scale's ends, 1..7 for a CES), the interval stops at them, as an NPS
    interval stops at ±100: no mean of the scale lies beyond."""
    S, Q, N = _arr(total), _arr(total_sq), _arr(n)
    mean = _safe_div(S, N)
    var = _safe_div(Q - N * mean**2, N - 1)
    sd = np.sqrt(np.maximum(var, 0))
    se = _safe_div(sd, np.sqrt(N))
    t = sps.t.ppf(0.5 + confidence / 2, np.where(N > 1, N - 1, np.nan))
    low, high = mean - t * se, mean + t * se
    if bounds is not None:
        low, high = np.clip(low, *bounds), np.clip(high, *bounds)
    return MeanResult(N, mean, sd, se, low, high, N < SMALL_SAMPLE)


def means_compare(a: MeanResult, b: MeanResult, *, alpha: float = 0.05) -> Comparison:
    """Welch's two-sided t-test for two means."""
    va, vb = a.se**2, b.se**2
    se = np.sqrt(va + vb)
    delta = a.score - b.score
    t = _safe_div(delta, se)
    df = _safe_div((va + vb) ** 2, _safe_div(va**2, a.n - 1) + _safe_div(vb**2, b.n - 1))
    p = 2 * sps.t.sf(np.abs(t), df)
    return Comparison(delta, se, t, p, np.nan_to_num(p, nan=1.0) < alpha)


# --------------------------------------------------------------------------- weights


def poststratification_weights(
    sample_segments: np.ndarray, population_shares: dict[str, float]
) -> np.ndarray:
    """Weight of each answer: population share of its segment / sample share of it.

    Segments absent from ``population_shares`` get weight 0 (they are not in the target
    population); shares are normalised to sum to 1.
    """
    segs = np.asarray(sample_segments, dtype=object)
    total = sum(population_shares.values())
    if total <= 0:
        raise ValueError("population shares must sum to a positive number")
    values, counts = np.unique(segs, return_counts=True)
    sample_share = dict(zip(values.tolist(), (counts / len(segs)).tolist(), strict=True))
    w = np.array([population_shares.get(s, 0.0) / total / sample_share[s] for s in segs.tolist()])
    return w
