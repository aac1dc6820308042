"""The paired t-test: the mean of differences within pairs, with its interval. Pure: numbers
in, numbers out; the engine computes the differences' count, mean and standard deviation.

For n pairs with differences dᵢ, mean d̄ and sample standard deviation s (n − 1):
SE = s/√n, t = d̄/SE with n − 1 degrees of freedom, two-sided p = 2·P(T > |t|), and the
interval d̄ ± t(1 − α/2, n − 1)·SE (Student 1908, "The probable error of a mean", Biometrika
6(1)). The classic example, Cushny and Peebles' sleep data (R's ``sleep`` data set, which
Student used), gives with R's ``t.test(extra ~ group, data = sleep, paired = TRUE)`` a mean
difference of 1.58 hours, t = 4.0621, df = 9, p = 0.002833, 95% interval 0.7001 to 2.4599;
``scipy.stats.ttest_rel`` agrees. The tests check both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as sps


@dataclass(frozen=True)
class PairedT:
    n: int
    mean: float | None
    sd: float | None
    se: float | None
    t: float | None
    p: float | None
    ci_low: float | None
    ci_high: float | None


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def paired_t(n: int, mean: float | None, sd: float | None, *, confidence: float = 0.95) -> PairedT:
    """The paired t-test of ``n`` differences of mean ``mean`` and sample standard deviation
    ``sd``. With fewer than two pairs there is no interval; with differences all equal (sd 0)
    the interval is the mean itself and there is no t."""
    if not 0 < confidence < 1:
        raise ValueError("the confidence is between 0 and 1")
    mean, sd = _finite(mean), _finite(sd)
    if n < 1 or mean is None:
        return PairedT(n, None, None, None, None, None, None, None)
    if n < 2 or sd is None:
        return PairedT(n, mean, None, None, None, None, None, None)
    se = sd / math.sqrt(n)
    q = float(sps.t.ppf(0.5 + confidence / 2, n - 1))
    if se == 0:
        return PairedT(n, mean, sd, 0.0, None, None, mean, mean)
    t = mean / se
    p = float(2 * sps.t.sf(abs(t), n - 1))
    return PairedT(n, mean, sd, se, t, p, mean - q * se, mean + q * se)
