"""Key-driver statistics: how much of an outcome's variance each predictor explains.

Pure numpy, no Django and no I/O. Two decompositions of the ordinary least
squares R² are offered:

* :func:`lmg` -- the Lindeman, Merenda & Gold (1980) Shapley-value
  decomposition (R's ``relaimpo::calc.relimp(type="lmg")``, Grömping 2006);
* :func:`relative_weights` -- Johnson's (2000) relative weights.

Both return one :class:`Importance` per predictor whose ``importance`` values
sum to the model R².
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from math import factorial

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_LMG_PREDICTORS = 15

__all__ = [
    "MAX_LMG_PREDICTORS",
    "Importance",
    "lmg",
    "r_squared",
    "relative_weights",
]


@dataclass(frozen=True)
class Importance:
    """Importance of one predictor.

    ``importance`` is in R² units (the values of all predictors sum to the
    model R²); ``share`` is ``importance / R²`` in percent; ``rank`` is 1 for
    the most important predictor.
    """

    name: str
    importance: float
    share: float
    rank: int


def _prepare(
    X: ArrayLike, y: ArrayLike, names: Sequence[str] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str]]:
    """Validate inputs and return (X as n×p float array, y as n-vector, names)."""
    xa = np.asarray(X, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.ndim == 1:
        xa = xa.reshape(-1, 1)
    if xa.ndim != 2:
        raise ValueError("X must be a 2-D array of shape (n_observations, n_predictors)")
    if ya.ndim != 1:
        ya = ya.reshape(-1)
    n, p = xa.shape
    if ya.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {ya.shape[0]} values")
    if p == 0:
        raise ValueError("at least one predictor is required")
    if not (np.all(np.isfinite(xa)) and np.all(np.isfinite(ya))):
        raise ValueError("X and y must not contain NaN or infinite values")
    if n <= p:
        raise ValueError(f"need more observations than predictors (n={n}, p={p})")
    if names is None:
        name_list = [f"x{i + 1}" for i in range(p)]
    else:
        name_list = [str(name) for name in names]
        if len(name_list) != p:
            raise ValueError(f"got {len(name_list)} names for {p} predictors")
    constant = [name_list[j] for j in range(p) if np.ptp(xa[:, j]) == 0.0]
    if constant:
        raise ValueError(f"constant predictor(s): {', '.join(constant)}")
    if np.ptp(ya) == 0.0:
        raise ValueError("the outcome y is constant")
    return xa, ya, name_list


def _correlations(
    xa: NDArray[np.float64], ya: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return (Rxx, rxy): predictor correlation matrix and predictor–outcome correlations."""
    corr = np.asarray(np.corrcoef(np.column_stack([xa, ya]), rowvar=False), dtype=np.float64)
    return corr[:-1, :-1], corr[:-1, -1]


def _check_not_collinear(rxx: NDArray[np.float64], names: list[str]) -> None:
    """Raise ``ValueError`` if the predictor correlation matrix is (numerically) singular."""
    eigvals = np.linalg.eigvalsh(rxx)
    if eigvals.min() <= 1e-10 * max(1.0, float(eigvals.max())):
        raise ValueError(f"predictors are perfectly collinear: {', '.join(names)}")


def _subset_r2(
    rxx: NDArray[np.float64], rxy: NDArray[np.float64], subset: tuple[int, ...]
) -> float:
    """R² of the regression on ``subset``: r_yS' R_SS⁻¹ r_yS (0 for the empty set)."""
    if not subset:
        return 0.0
    idx = list(subset)
    r_s = rxy[idx]
    r_ss = rxx[np.ix_(idx, idx)]
    try:
        coef = np.linalg.solve(r_ss, r_s)
    except np.linalg.LinAlgError as exc:
        raise ValueError("predictors are perfectly collinear") from exc
    return float(r_s @ coef)


def _to_importances(names: list[str], raw: NDArray[np.float64], total: float) -> list[Importance]:
    """Wrap raw importances with shares (percent of ``total``) and ranks (1 = largest)."""
    order = np.argsort(-raw, kind="stable")
    ranks = np.empty(len(raw), dtype=int)
    ranks[order] = np.arange(1, len(raw) + 1)
    return [
        Importance(
            name=names[j],
            importance=float(raw[j]),
            share=float(100.0 * raw[j] / total) if total > 0 else 0.0,
            rank=int(ranks[j]),
        )
        for j in range(len(raw))
    ]


def r_squared(X: ArrayLike, y: ArrayLike) -> float:
    """Coefficient of determination of the OLS regression (with intercept) of y on X.

    Computed from correlations: R² = r_xy' Rxx⁻¹ r_xy.
    """
    xa, ya, name_list = _prepare(X, y)
    rxx, rxy = _correlations(xa, ya)
    _check_not_collinear(rxx, name_list)
    return _subset_r2(rxx, rxy, tuple(range(xa.shape[1])))


def lmg(X: ArrayLike, y: ArrayLike, names: Sequence[str] | None = None) -> list[Importance]:
    """LMG (Lindeman, Merenda & Gold 1980) decomposition of R², i.e. its Shapley values.

    Each predictor's importance is its increase in R² when it is added to the
    model, averaged over all p! orderings of the predictors. Grouping orderings
    by the set S of predictors that precede j gives the exact formula used here::

        LMG_j = Σ_{S ⊆ P∖{j}} |S|! (p − 1 − |S|)! / p! · [R²(S ∪ {j}) − R²(S)]

    where the R² of every subset comes from the correlation matrix,
    R²(S) = r_yS' R_SS⁻¹ r_yS. The importances sum to the full-model R².
    This is the ``lmg`` metric of R's ``relaimpo::calc.relimp`` (Grömping, U.
    (2006), "Relative Importance for Linear Regression in R: The Package
    relaimpo", Journal of Statistical Software 17(1)); Lindeman, R.H.,
    Merenda, P.F. & Gold, R.Z. (1980), Introduction to Bivariate and
    Multivariate Analysis, p. 119ff.

    All 2^p subsets are enumerated, so at most :data:`MAX_LMG_PREDICTORS`
    predictors are accepted. Raises ``ValueError`` for more predictors, for
    n ≤ p, for a constant predictor or outcome and for perfect collinearity.
    """
    xa, ya, name_list = _prepare(X, y, names)
    p = xa.shape[1]
    if p > MAX_LMG_PREDICTORS:
        raise ValueError(
            f"lmg enumerates all 2^p subsets; at most {MAX_LMG_PREDICTORS} predictors "
            f"are supported (got {p})"
        )
    rxx, rxy = _correlations(xa, ya)
    _check_not_collinear(rxx, name_list)

    r2: dict[frozenset[int], float] = {}
    for size in range(p + 1):
        for subset in combinations(range(p), size):
            r2[frozenset(subset)] = _subset_r2(rxx, rxy, subset)

    weight = [factorial(k) * factorial(p - 1 - k) / factorial(p) for k in range(p)]
    raw = np.zeros(p, dtype=np.float64)
    for subset_key, value in r2.items():
        k = len(subset_key)
        for j in range(p):
            if j not in subset_key:
                raw[j] += weight[k] * (r2[subset_key | {j}] - value)
    total = r2[frozenset(range(p))]
    return _to_importances(name_list, raw, total)


def relative_weights(
    X: ArrayLike, y: ArrayLike, names: Sequence[str] | None = None
) -> list[Importance]:
    """Johnson's (2000) relative weights.

    With the predictor correlation matrix Rxx = Q Λ Q' (eigendecomposition) and
    predictor–outcome correlations r_xy::

        Λ* = Q Λ^{1/2} Q'          (correlations of X with its best-fitting
                                   orthogonal approximation Z)
        β* = Λ*⁻¹ r_xy             (standardized regression of y on Z)
        ε  = (Λ* ∘ Λ*) (β* ∘ β*)   (∘ = element-wise square)

    ε_j is predictor j's raw relative weight; the weights sum to the model R².
    Source: Johnson, J.W. (2000), "A heuristic method for estimating the
    relative weight of predictor variables in multiple regression",
    Multivariate Behavioral Research 35(1), 1–19; Tonidandel, S. & LeBreton,
    J.M. (2011), "Relative importance analysis: a useful supplement to
    regression analysis", Journal of Business and Psychology 26, 1–9. Same
    computation as ``iopsych::relWt`` in R.
    """
    xa, ya, name_list = _prepare(X, y, names)
    rxx, rxy = _correlations(xa, ya)
    _check_not_collinear(rxx, name_list)
    eigvals, eigvecs = np.linalg.eigh(rxx)
    lambda_star = eigvecs @ np.diag(np.sqrt(eigvals)) @ eigvecs.T
    beta_star = np.linalg.solve(lambda_star, rxy)
    raw = (lambda_star**2) @ (beta_star**2)
    total = _subset_r2(rxx, rxy, tuple(range(xa.shape[1])))
    return _to_importances(name_list, raw, total)
