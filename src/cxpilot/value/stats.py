"""Customer lifetime value for non-contractual customers: pure functions, numpy in, numbers out.

**BG/NBD** (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An Alternative
to the Pareto/NBD Model", Marketing Science 24(2), 275–284). While alive, a customer buys as
a Poisson process of rate λ ~ Gamma(r, α); after each purchase they drop out with probability
p ~ Beta(a, b). From a customer's repeat purchases ``x``, the time of the last one ``t_x`` and
their age ``T`` (from the first purchase, which is not a repeat, to the end of calibration),
the log-likelihood (their eq. 6) is

    ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
           + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]

On the 2,357 CDNOW customers (39 weeks): r = 0.243, α = 4.414, a = 0.793, b = 2.426,
ln L = −9582.4. The expected purchases in the next ``t`` (their eq. 10) and the probability
of being alive (Fader, Hardie & Lee 2008 note, eq. 2) follow in closed form, with Gauss's
hypergeometric function.

**Gamma-Gamma** (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): the
mean of a customer's ``x`` repeat transactions ``m`` given their mean spend ν ~ Gamma(q, γ),
each transaction ~ Gamma(p, ν); the log-likelihood of ``m`` is

    ln L = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ+mx)

On the 946 CDNOW customers with a repeat purchase: p = 6.25, q = 3.74, γ = 15.44. The
expected mean spend of a customer is (γ + m x) p / (p x + q − 1).

**A KPI's relation to churn** (:func:`churn_slope`): per answer, the churn after it (0 or 100)
regressed on the answer's KPI value (NPS: promoter +100, passive 0, detractor −100; CES or
CSAT: the score) by OLS with standard errors clustered by person
(:func:`cxpilot.kernel.regression.cluster_ols`, Cameron & Miller 2015): the slope is in churn
points per KPI point. A linear probability model; observational, an association. With
``months``, a fixed effect (a dummy) per month of answer is added, as the moments of truth
do (:mod:`cxpilot.journeys.moments`): the slope is then read within a month, so that a KPI
trending over time (a release) is not mistaken for its relation to churn, nor the shorter
follow-up of later answers.

**Value of one KPI point** (:func:`point_value`): a point more of the KPI changes churn by
``b`` points (the slope), so it keeps ``−b/100`` of a customer per customer, each worth the
margin ``M`` a customer brings in a year: ``V = −b/100 × M`` per customer per year.

**Variance of a product of independent estimates** (:func:`product_sd`; Goodman, L. A.
1960, "On the Exact Variance of Products", JASA 55(292), 708–713):
``Var(XY) = (x² + s_x²)(y² + s_y²) − x²y²``, i.e. the delta method's first-order terms
``y²s_x² + x²s_y²`` plus ``s_x²s_y²``. Nested, it gives the product of any number of factors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

Array = np.ndarray

#: The 95 % normal quantile: a standard error read from a 95 % interval is its half-width / Z95.
Z95 = 1.959963984540054
#: The relation of a KPI to churn needs this many answers, and this many on each side of the
#: middle of the scale (NPS: promoters and detractors).
MIN_SLOPE_ANSWERS, MIN_SLOPE_SIDE = 100, 30


@dataclass(frozen=True)
class Slope:
    """Churn points per KPI point, with its 95 % interval and the data it rests on."""

    slope: float
    ci_low: float
    ci_high: float
    answers: int
    persons: int

    @property
    def se(self) -> float:
        """The standard error the interval implies (half-width / :data:`Z95`)."""
        return (self.ci_high - self.ci_low) / (2 * Z95)


def churn_slope(
    x: Array, churned: Array, persons: Array, *, middle: float = 0.0, months: Array | None = None
) -> Slope | None:
    """The OLS slope of ``churned`` (0 or 100) on the KPI values ``x``, standard errors
    clustered by ``persons`` (see above); None with fewer than :data:`MIN_SLOPE_ANSWERS`
    answers, fewer than :data:`MIN_SLOPE_SIDE` of them above ``middle`` or below it (the
    middle of the scale: 0 for NPS points, 4 for CES 1–7, 3 for CSAT 1–5), or no finite
    standard error. ``months``: each answer's month, for the fixed effects (see above)."""
    import math

    from cxpilot.kernel.regression import cluster_ols

    x = np.asarray(x, dtype=float)
    y = np.asarray(churned, dtype=float)
    if len(x) < MIN_SLOPE_ANSWERS or min((x > middle).sum(), (x < middle).sum()) < MIN_SLOPE_SIDE:
        return None
    columns = [np.ones(len(x)), x]
    if months is not None:
        codes = np.unique(np.asarray(months), return_inverse=True)[1]
        columns += [(codes == k).astype(float) for k in range(1, int(codes.max()) + 1)]
    try:
        fit = cluster_ols(y, np.column_stack(columns), persons, column=1)
    except ValueError:
        return None
    if not (math.isfinite(fit.se) and fit.se > 0):
        return None
    return Slope(fit.coef, fit.ci_low, fit.ci_high, fit.n, fit.clusters)


def product_sd(x: float, sx: float, y: float, sy: float) -> float:
    """The standard deviation of the product of independent estimates ``x`` ± ``sx`` and
    ``y`` ± ``sy`` (Goodman 1960, see above)."""
    var = (x * x + sx * sx) * (y * y + sy * sy) - (x * y) ** 2
    return float(np.sqrt(max(var, 0.0)))


@dataclass(frozen=True)
class PointValue:
    """Money per KPI point per customer per year, its 95 % interval and standard deviation."""

    value: float
    sd: float
    ci_low: float
    ci_high: float


def point_value(slope: Slope, margin: float, margin_se: float) -> PointValue:
    """``V = −b/100 × M`` (see above), its standard deviation from the slope's and the
    margin's by :func:`product_sd`, and its normal 95 % interval."""
    b = -slope.slope / 100.0
    value = b * margin
    sd = product_sd(b, slope.se / 100.0, margin, margin_se)
    return PointValue(value, sd, value - Z95 * sd, value + Z95 * sd)


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float


def bg_nbd_log_likelihood(params: Array, x: Array, t_x: Array, big_t: Array) -> Array:
    """Each customer's BG/NBD log-likelihood (eq. 6) at ``params`` = (r, α, a, b)."""
    r, alpha, a, b = (float(v) for v in params)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.betaln(a, b + x) - special.betaln(a, b)
    a3 = -(r + x) * np.log(alpha + big_t)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(
            x > 0,
            np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
            -np.inf,
        )
    return a1 + a2 + np.logaddexp(a3, a4)


def _fit(neg: object, start: Array, both: object = None) -> Array:
    """Minimise ``neg`` over log-parameters (every parameter > 0): by L-BFGS-B on ``both``
    (the value and its analytic gradient) when given and it converges, else by Nelder-Mead
    then BFGS on the value alone. The search tries points where the likelihood overflows;
    ``neg`` and ``both`` turn those into a huge cost, so numpy's warnings there are noise."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _search(neg, start, both)


def _search(neg: object, start: Array, both: object = None) -> Array:
    if both is not None:
        quick = optimize.minimize(both, np.log(start), jac=True, method="L-BFGS-B",
                                  options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-8})  # fmt: skip
        if quick.success and np.all(np.isfinite(quick.x)):
            return np.exp(quick.x)
    first = optimize.minimize(neg, np.log(start), method="Nelder-Mead",
                              options={"maxiter": 4000, "xatol": 1e-8, "fatol": 1e-8})  # fmt: skip
    best = optimize.minimize(neg, first.x, method="BFGS", options={"gtol": 1e-8})
    return np.exp(best.x if best.fun <= first.fun else first.x)


def _dot(a: Array, b: Array) -> float:
    """Σ a·b, elementwise (a BLAS dot product can stall on a busy machine's threads)."""
    return float(np.sum(a * b))


@dataclass(frozen=True)
class _Compressed:
    """Customers of the same (x, t_x, T) as one row of weight ``w``, and the distinct
    ``x`` (``ux``, weight ``uw``) for the terms that depend on ``x`` alone."""

    x: Array
    t_x: Array
    big_t: Array
    w: Array
    ux: Array
    uw: Array


@dataclass(frozen=True)
class Groups:
    """The distinct histories (x, t_x, T) of the customers, ``count`` customers each;
    ``inverse`` the group of each customer. The BG/NBD reads a customer through their
    history alone: its likelihood and predictions are computed once a group."""

    x: Array
    t_x: Array
    big_t: Array
    count: Array
    inverse: Array


def groups(x: Array, t_x: Array, big_t: Array) -> Groups:
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    if x.size == 0:
        empty = np.zeros(0)
        return Groups(empty, empty, empty, empty, np.zeros(0, np.int64))
    order = np.lexsort((big_t, t_x, x))
    xs, ts, bs = x[order], t_x[order], big_t[order]
    new = np.ones(x.size, dtype=bool)
    new[1:] = (np.diff(xs) != 0) | (np.diff(ts) != 0) | (np.diff(bs) != 0)
    number = np.cumsum(new) - 1
    inverse = np.empty(x.size, np.int64)
    inverse[order] = number
    starts = np.flatnonzero(new)
    count = np.diff(np.append(starts, x.size)).astype(float)
    return Groups(xs[starts], ts[starts], bs[starts], count, inverse)


def _compressed(x: Array, t_x: Array, big_t: Array) -> _Compressed:
    g = groups(x, t_x, big_t)
    ux = np.unique(g.x)
    uw = np.bincount(np.searchsorted(ux, g.x), weights=g.count, minlength=ux.size)
    return _Compressed(g.x, g.t_x, g.big_t, g.count, ux, uw)


def _bg_nbd_value_grad(log_params: Array, c: _Compressed) -> tuple[float, Array]:
    """The BG/NBD log-likelihood (eq. 6) summed over the customers, and its gradient in
    log-parameters (the derivatives of the closed form, with the digamma function ψ)."""
    r, alpha, a, b = np.exp(log_params)
    ux, uw = c.ux, c.uw
    psi = special.digamma
    # the terms of x alone
    value = _dot(uw, special.gammaln(r + ux) + special.betaln(a, b + ux))
    value += float(uw.sum()) * (-special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b))
    d_r = _dot(uw, psi(r + ux) - psi(r)) + float(uw.sum()) * np.log(alpha)
    d_alpha = float(uw.sum()) * r / alpha
    d_a = _dot(uw, psi(a + b) - psi(a + b + ux))
    d_b = _dot(uw, psi(b + ux) - psi(a + b + ux) - psi(b) + psi(a + b))
    # the terms of each (x, t_x, T)
    x, w = c.x, c.w
    log_t = np.log(alpha + c.big_t)
    log_tx = np.log(alpha + c.t_x)
    a3 = -(r + x) * log_t
    has = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(has, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * log_tx,
                      -np.inf)  # fmt: skip
    top = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - top), np.exp(a4 - top)
    value += _dot(w, top)
    d_r += _dot(w, -w3 * log_t - w4 * log_tx)
    d_alpha += _dot(w, -(r + x) * (w3 / (alpha + c.big_t) + w4 / (alpha + c.t_x)))
    d_a += _dot(w, w4) / a
    with np.errstate(divide="ignore", invalid="ignore"):
        d_b += _dot(w, np.where(has, -w4 / np.maximum(b + x - 1, 1e-300), 0.0))
    return value, np.array([r * d_r, alpha * d_alpha, a * d_a, b * d_b])


def bg_nbd_fit(x: Array, t_x: Array, big_t: Array) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters of the customers (``x`` repeat purchases, the
    last at ``t_x``, observed for ``T``, in one time unit). Customers of the same history
    count once with their number as weight; BFGS on the analytic gradient."""
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    c = _compressed(x, t_x, big_t)

    def neg(log_params: Array) -> float:
        value = -_bg_nbd_value_grad(log_params, c)[0]
        return value if np.isfinite(value) else 1e300

    def both(log_params: Array) -> tuple[float, Array]:
        value, grad = _bg_nbd_value_grad(log_params, c)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(grad)
        return -value, -grad

    params = _fit(neg, np.array([1.0, 1.0, 1.0, 1.0]), both)
    ll = _bg_nbd_value_grad(np.log(params), c)[0]
    r, alpha, a, b = (float(v) for v in params)
    return BgNbd(r=r, alpha=alpha, a=a, b=b, log_likelihood=float(ll))


def bg_nbd_alive(m: BgNbd, x: Array, t_x: Array, big_t: Array) -> Array:
    """P(alive | x, t_x, T)."""
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (m.a / np.maximum(m.b + x - 1, 1e-300)) * ((m.alpha + big_t) / (m.alpha + t_x)) ** (
            m.r + x
        )
    return np.where(x > 0, 1.0 / (1.0 + ratio), 1.0)


def bg_nbd_expected(m: BgNbd, t: float, x: Array, t_x: Array, big_t: Array) -> Array:
    """E[purchases in the next ``t`` | x, t_x, T] (eq. 10)."""
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
    z = t / (m.alpha + big_t + t)
    hyp = special.hyp2f1(m.r + x, m.b + x, m.a + m.b + x - 1, z)
    first = (m.a + m.b + x - 1) / (m.a - 1)
    body = 1.0 - ((m.alpha + big_t) / (m.alpha + big_t + t)) ** (m.r + x) * hyp
    return first * body * bg_nbd_alive(m, x, t_x, big_t)


def gamma_gamma_log_likelihood(params: Array, x: Array, mean: Array) -> Array:
    p, q, g = (float(v) for v in params)
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(mean)
        + px * np.log(x)
        - (px + q) * np.log(g + mean * x)
    )


def _gamma_gamma_value_grad(
    log_params: Array, ux: Array, uw: Array, x: Array, mean: Array, fixed: float
) -> tuple[float, Array]:
    """The Gamma-Gamma log-likelihood summed over the customers and its gradient in
    log-parameters; ``ux``/``uw`` the distinct x and their counts, ``fixed`` the sum of
    x·ln m + x·ln x (the p terms of the data)."""
    p, q, g = np.exp(log_params)
    psi = special.digamma
    pu = p * ux
    n = float(uw.sum())
    value = _dot(uw, special.gammaln(pu + q) - special.gammaln(pu)) - n * special.gammaln(q)
    value += n * q * np.log(g) + p * fixed - float(np.sum(np.log(mean)))
    log_gm = np.log(g + mean * x)
    value -= float(np.sum((p * x + q) * log_gm))
    d_p = _dot(uw, ux * (psi(pu + q) - psi(pu))) + fixed - _dot(x, log_gm)
    d_q = _dot(uw, psi(pu + q)) - n * psi(q) + n * np.log(g) - float(log_gm.sum())
    d_g = n * q / g - float(np.sum((p * x + q) / (g + mean * x)))
    return value, np.array([p * d_p, q * d_q, g * d_g])


def gamma_gamma_fit(x: Array, mean: Array) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters of the customers with ``x`` ≥ 1 repeat
    transactions of mean value ``mean`` (> 0); BFGS on the analytic gradient."""
    x, mean = np.asarray(x, dtype=float), np.asarray(mean, dtype=float)
    ux, uw = np.unique(x, return_counts=True)
    uw = uw.astype(float)
    fixed = _dot(x, np.log(mean)) + _dot(x, np.log(x))

    def neg(log_params: Array) -> float:
        value = -_gamma_gamma_value_grad(log_params, ux, uw, x, mean, fixed)[0]
        return value if np.isfinite(value) else 1e300

    def both(log_params: Array) -> tuple[float, Array]:
        value, grad = _gamma_gamma_value_grad(log_params, ux, uw, x, mean, fixed)
        if not (np.isfinite(value) and np.all(np.isfinite(grad))):
            return 1e300, np.zeros_like(grad)
        return -value, -grad

    params = _fit(neg, np.array([1.0, 1.0, 1.0]), both)
    ll = float(np.sum(gamma_gamma_log_likelihood(params, x, mean)))
    p, q, g = (float(v) for v in params)
    return GammaGamma(p=p, q=q, gamma=g, log_likelihood=ll)


def gamma_gamma_expected(m: GammaGamma, x: Array, mean: Array) -> Array:
    """E[mean spend | x, m] = (γ + m x) p / (p x + q − 1)."""
    x, mean = np.asarray(x, dtype=float), np.asarray(mean, dtype=float)
    return (m.gamma + mean * x) * m.p / (m.p * x + m.q - 1)


def bg_nbd_unconditional(m: BgNbd, t: Array) -> Array:
    """E[X(t)], the purchases a new customer makes in their first ``t`` (FHL 2005, eq. 9):

    (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))]
    """
    t = np.asarray(t, dtype=float)
    hyp = special.hyp2f1(m.r, m.b, m.a + m.b - 1, t / (m.alpha + t))
    return (m.a + m.b - 1) / (m.a - 1) * (1.0 - (m.alpha / (m.alpha + t)) ** m.r * hyp)


#: Weeks in a month, as ``lifetimes``' ``customer_lifetime_value`` counts them.
MONTH_WEEKS = 4.345


def clv(
    m: BgNbd,
    x: Array,
    t_x: Array,
    big_t: Array,
    value: Array,
    *,
    months: int,
    monthly_rate: float,
) -> Array:
    """The discounted value of each customer's purchases in the next ``months`` months:

        CLV = Σ_{i=1..months} (E[X(i·w)] − E[X((i−1)·w)]) · value / (1 + d)^i

    with E[X(t)] the expected purchases in the next ``t`` weeks given the history
    (:func:`bg_nbd_expected`), ``w`` = 4.345 weeks a month, ``value`` the margin one purchase
    brings (expected spend × margin share) and ``d`` the monthly discount rate. This is
    ``customer_lifetime_value`` of ``lifetimes`` 0.11.3 (Davidson-Pilon) with ``freq="W"``,
    the discounted-cash-flow reading of Fader, Hardie & Lee (2005) and Fader & Hardie (2013):
    the expected purchases of each month times the expected spend, brought back to today."""
    value = np.asarray(value, dtype=float)
    g = groups(x, t_x, big_t)
    return value * discounted_purchases(m, g, months=months, monthly_rate=monthly_rate)[g.inverse]


def discounted_purchases(m: BgNbd, g: Groups, *, months: int, monthly_rate: float) -> Array:
    """Σ_{i=1..months} (E[X(i·w)] − E[X((i−1)·w)]) / (1 + d)^i of each group's history."""
    total = np.zeros_like(g.x)
    before = np.zeros_like(g.x)
    for i in range(1, months + 1):
        upto = bg_nbd_expected(m, i * MONTH_WEEKS, g.x, g.t_x, g.big_t)
        total += (upto - before) / (1.0 + monthly_rate) ** i
        before = upto
    return total


def numerical_hessian(f: object, theta: Array, h: float = 1e-3) -> Array:
    """The Hessian of the scalar function ``f`` at ``theta`` by central differences
    (four evaluations an entry off the diagonal, three on it)."""
    theta = np.asarray(theta, dtype=float)
    k = theta.size
    call = f  # a callable: Array -> float
    f0 = float(call(theta))  # type: ignore[operator]
    out = np.zeros((k, k))
    steps = np.eye(k) * h
    for i in range(k):
        up = float(call(theta + steps[i]))  # type: ignore[operator]
        down = float(call(theta - steps[i]))  # type: ignore[operator]
        out[i, i] = (up - 2 * f0 + down) / h**2
        for j in range(i):
            pp = float(call(theta + steps[i] + steps[j]))  # type: ignore[operator]
            pm = float(call(theta + steps[i] - steps[j]))  # type: ignore[operator]
            mp = float(call(theta - steps[i] + steps[j]))  # type: ignore[operator]
            mm = float(call(theta - steps[i] - steps[j]))  # type: ignore[operator]
            out[i, j] = out[j, i] = (pp - pm - mp + mm) / (4 * h**2)
    return out


@dataclass(frozen=True)
class Covariance:
    """The covariance of the log-parameters (the inverse of the observed information, the
    negative Hessian of the log-likelihood in log-parameters), and whether it is whole:
    ``full`` is false when the information is not positive definite (the likelihood runs to
    an edge) and the directions it does not bound are left out (a pseudo-inverse)."""

    matrix: Array
    full: bool


def log_parameter_covariance(information: Array) -> Covariance:
    """:class:`Covariance` from the observed ``information`` (−Hessian of ln L)."""
    info = np.asarray(information, dtype=float)
    if not np.all(np.isfinite(info)):
        return Covariance(np.zeros_like(info), False)
    values, vectors = np.linalg.eigh((info + info.T) / 2)
    keep = values > 1e-9 * max(float(values.max(initial=0.0)), 1e-300)
    inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    return Covariance(inverse, bool(keep.all()))


def bg_nbd_covariance(m: BgNbd, x: Array, t_x: Array, big_t: Array) -> Covariance:
    """Covariance of (ln r, ln α, ln a, ln b) at the fit."""
    x, t_x, big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))

    def ll(theta: Array) -> float:
        return float(np.sum(bg_nbd_log_likelihood(np.exp(theta), x, t_x, big_t)))

    theta = np.log([m.r, m.alpha, m.a, m.b])
    return log_parameter_covariance(-numerical_hessian(ll, theta))


def gamma_gamma_covariance(m: GammaGamma, x: Array, mean: Array) -> Covariance:
    """Covariance of (ln p, ln q, ln γ) at the fit."""
    x, mean = np.asarray(x, dtype=float), np.asarray(mean, dtype=float)

    def ll(theta: Array) -> float:
        return float(np.sum(gamma_gamma_log_likelihood(np.exp(theta), x, mean)))

    theta = np.log([m.p, m.q, m.gamma])
    return log_parameter_covariance(-numerical_hessian(ll, theta))


@dataclass(frozen=True)
class Predictions:
    """Per customer: P(alive), expected purchases over the horizon, expected spend a
    purchase, CLV; each of the first, second and fourth with a 95 % interval (``_low``,
    ``_high``) for the uncertainty of the fitted parameters alone."""

    p_alive: Array
    p_alive_low: Array
    p_alive_high: Array
    expected_purchases: Array
    expected_purchases_low: Array
    expected_purchases_high: Array
    expected_spend: Array
    clv: Array
    clv_low: Array
    clv_high: Array
    #: d CLV / d θ (7 × customers) and the covariance Σ of θ, for intervals of sums
    clv_gradient: Array
    sigma: Array


Z95 = 1.959963984540054


def _point(
    theta: Array,
    g: Groups,
    x: Array,
    mean: Array,
    margin: Array,
    horizon: float,
    months: int,
    monthly_rate: float,
) -> tuple[Array, Array, Array, Array]:
    r, alpha, a, b, p, q, gm = (float(v) for v in np.exp(theta))
    bg = BgNbd(r, alpha, a, b, float("nan"))
    spend = gamma_gamma_expected(GammaGamma(p, q, gm, float("nan")), x, np.nan_to_num(mean))
    alive = bg_nbd_alive(bg, g.x, g.t_x, g.big_t)[g.inverse]
    expected = bg_nbd_expected(bg, horizon, g.x, g.t_x, g.big_t)[g.inverse]
    per = discounted_purchases(bg, g, months=months, monthly_rate=monthly_rate)[g.inverse]
    return alive, expected, spend, spend * margin * per


def predict(
    bg: BgNbd,
    gg: GammaGamma,
    x: Array,
    t_x: Array,
    big_t: Array,
    mean: Array,
    margin: Array,
    *,
    horizon: float,
    months: int,
    monthly_rate: float,
    bg_cov: Covariance | None = None,
    gg_cov: Covariance | None = None,
    h: float = 1e-5,
) -> Predictions:
    """Every customer's predictions (``mean`` NaN where they have no repeat purchase: the
    spend is then the population's mean, γ p / (q − 1); ``margin`` the share of a purchase
    kept as margin) and, with the covariances, their 95 % intervals by the delta method.

    Delta method (e.g. Greene, *Econometric Analysis*, §4.6): for a prediction g(θ) of the
    log-parameters θ with covariance Σ, Var g ≈ ∇gᵀ Σ ∇g, the gradient taken per customer
    by central differences (two evaluations of the vectorised predictions a parameter). The
    interval is drawn on the logit scale for P(alive) and the log scale for the counts and
    values (so it stays within their range), then mapped back. The BG/NBD and Gamma-Gamma
    fits are independent, so Σ is block-diagonal. Only the uncertainty of the parameters is
    counted: not the randomness of a customer's own future (a customer expected to buy
    1.2 times buys 0, 1, 2…), nor whether the models fit the data."""
    x, t_x, big_t, mean, margin = (
        np.asarray(v, dtype=float) for v in (x, t_x, big_t, mean, margin)
    )
    theta = np.log([bg.r, bg.alpha, bg.a, bg.b, gg.p, gg.q, gg.gamma])
    args = (groups(x, t_x, big_t), x, mean, margin, horizon, months, monthly_rate)
    alive, expected, spend, value = _point(theta, *args)
    sigma = np.zeros((7, 7))
    if bg_cov is not None:
        sigma[:4, :4] = bg_cov.matrix
    if gg_cov is not None:
        sigma[4:, 4:] = gg_cov.matrix
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (_logit(alive), np.log(expected), np.log(value))
    grads = [np.zeros((7, x.size)) for _ in centre]
    raw = np.zeros((7, x.size))
    for k in range(7):
        if not np.any(sigma[k]):
            continue
        step = np.zeros(7)
        step[k] = h
        up = _point(theta + step, *args)
        down = _point(theta - step, *args)
        raw[k] = (up[3] - down[3]) / (2 * h)
        for grad, f_up, f_down, scale in zip(
            grads,
            (up[0], up[1], up[3]),
            (down[0], down[1], down[3]),
            ("logit", "log", "log"),
            strict=True,
        ):
            tr = _logit if scale == "logit" else np.log
            with np.errstate(invalid="ignore", divide="ignore"):
                grad[k] = (tr(f_up) - tr(f_down)) / (2 * h)
    bounds = []
    for grad, mid in zip(grads, centre, strict=True):
        grad = np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
        se = np.sqrt(np.maximum(np.einsum("kn,kl,ln->n", grad, sigma, grad), 0.0))
        with np.errstate(invalid="ignore"):
            bounds.append((mid - Z95 * se, mid + Z95 * se))
    (al, ah), (el, eh), (vl, vh) = bounds
    with np.errstate(over="ignore", invalid="ignore"):
        return Predictions(
            p_alive=alive,
            p_alive_low=np.where(alive >= 1.0, 1.0, special.expit(al)),
            p_alive_high=np.where(alive >= 1.0, 1.0, special.expit(ah)),
            expected_purchases=expected,
            expected_purchases_low=np.where(expected > 0, np.exp(el), 0.0),
            expected_purchases_high=np.where(expected > 0, np.exp(eh), 0.0),
            expected_spend=spend,
            clv=value,
            clv_low=np.where(value > 0, np.exp(vl), np.minimum(value, 0.0)),
            clv_high=np.where(value > 0, np.exp(vh), np.minimum(value, 0.0)),
            clv_gradient=np.nan_to_num(raw, nan=0.0, posinf=0.0, neginf=0.0),
            sigma=sigma,
        )


def total_interval(pred: Predictions, mask: Array) -> tuple[float, float, float]:
    """The sum of the CLV of the customers of ``mask`` (the customer equity) and its 95 %
    interval by the delta method: the gradient of a sum is the sum of the gradients, so the
    parameters' uncertainty, shared by every customer, is not averaged away (the sum of the
    customers' own bounds would be no interval of the sum). Drawn on the log scale."""
    mask = np.asarray(mask, dtype=bool)
    total = float(pred.clv[mask].sum())
    if total <= 0:
        return total, total, total
    grad = pred.clv_gradient[:, mask].sum(axis=1)
    se = float(np.sqrt(max(grad @ pred.sigma @ grad, 0.0))) / total
    return total, total * float(np.exp(-Z95 * se)), total * float(np.exp(Z95 * se))


def _logit(p: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(p) - np.log1p(-p)
