"""Statistics of irritants: how many NPS points a theme costs, with a confidence interval.

Pure numpy/scipy; no Django and no I/O.

**NPS points at stake.** Of the N answers with an NPS score, n_t mention theme t (their
verbatim has it); d_t is the detractor share among them and d_r among the other N − n_t. Were
the theme's detractor share that of the rest, n_t·(d_t − d_r) detractors would be passives and
the NPS would rise by

    impact = 100 · (n_t / N) · (d_t − d_r)        (NPS points)

A theme that detractors name more often than others has a positive impact (an irritant); a
theme of happy customers has a negative one (a strength). The 95 % interval is Newcombe's
hybrid score interval for the difference of two independent proportions (Newcombe 1998,
method 10), scaled by the fixed share n_t / N.

Newcombe, R. G. (1998). Interval estimation for the difference between independent
proportions: comparison of eleven methods. *Statistics in Medicine* 17, 873–890.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from cxpilot.analytics.stats import wilson

__all__ = ["Impact", "impact", "newcombe_difference"]


def newcombe_difference(
    x1: ArrayLike, n1: ArrayLike, x2: ArrayLike, n2: ArrayLike, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval (method 10) for p1 − p2 = x1/n1 − x2/n2.

    With Wilson intervals (l1, u1) and (l2, u2) of each proportion:
    lower = D − sqrt((p1 − l1)² + (u2 − p2)²), upper = D + sqrt((u1 − p1)² + (p2 − l2)²).
    """
    a1, m1 = np.asarray(x1, float), np.asarray(n1, float)
    a2, m2 = np.asarray(x2, float), np.asarray(n2, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = a1 / m1, a2 / m2
    w1 = wilson(a1, m1, confidence=confidence)  # in percent
    w2 = wilson(a2, m2, confidence=confidence)
    l1, u1, l2, u2 = w1.ci_low / 100, w1.ci_high / 100, w2.ci_low / 100, w2.ci_high / 100
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return low, high


@dataclass(frozen=True)
class Impact:
    """Per theme (arrays aligned with the inputs). NPS values are in points (−100…100)."""

    mentions: np.ndarray
    share: np.ndarray
    nps_with: np.ndarray
    nps_without: np.ndarray
    impact: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray


def impact(
    *,
    mentions: ArrayLike,
    promoters: ArrayLike,
    detractors: ArrayLike,
    total: ArrayLike,
    total_promoters: ArrayLike,
    total_detractors: ArrayLike,
    confidence: float = 0.95,
) -> Impact:
    """NPS points at stake of each theme (see the module docstring).

    ``mentions``, ``promoters``, ``detractors``: answers mentioning the theme, and how many of
    them are promoters (9–10) and detractors (0–6); ``total*``: the same for all answers in
    scope (scalars or arrays broadcast against the theme arrays).
    """
    n_t = np.asarray(mentions, float)
    p_t, d_t = np.asarray(promoters, float), np.asarray(detractors, float)
    n, p, d = (np.asarray(v, float) for v in (total, total_promoters, total_detractors))
    n_r, p_r, d_r = n - n_t, p - p_t, d - d_t
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n_t / n
        nps_with = 100 * (p_t - d_t) / n_t
        nps_without = 100 * (p_r - d_r) / n_r
        diff = d_t / n_t - d_r / n_r
    low, high = newcombe_difference(d_t, n_t, d_r, n_r, confidence=confidence)
    return Impact(
        mentions=n_t,
        share=share,
        nps_with=nps_with,
        nps_without=nps_without,
        impact=100 * share * diff,
        ci_low=100 * share * low,
        ci_high=100 * share * high,
    )
