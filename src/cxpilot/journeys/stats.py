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
- Linear probability models with cluster-robust standard errors: see
  :mod:`cxpilot.kernel.regression` (``cluster_ols``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
