"""Tests for cxpilot.analytics.drivers against published worked examples.

Published values checked (each asserted to the precision it was printed with):

* LMG -- ``relaimpo::calc.relimp(mpg ~ am + vs + cyl, data = mtcars, type = "lmg")``
  as printed in the R ``domir`` project's comparison article ("{relaimpo}'s
  calc.relimp with type = "lmg""): am 0.1774892, vs 0.2027032, cyl 0.3817849,
  "Proportion of variance explained by model: 76.2%".
* Relative weights -- the example of R ``iopsych::relWt`` (CRAN reference manual;
  example output on https://rdrr.io/cran/iopsych/man/relWt.html): eps 0.24066119,
  0.05492664, 0.12143476, 0.28158189.
* Relative weights -- the README example of the npm package
  ``johnsons-relative-weights`` (https://www.npmjs.com/package/johnsons-relative-weights):
  raw weights, rescaled weights and R² 0.6620304789821244.
* R² of ``lm(Fertility ~ ., swiss)`` -- "Multiple R-squared: 0.7067" in R's
  ``summary.lm`` printout.

The swiss LMG values in ``test_lmg_on_swiss_matches_relaimpo_values_quoted_elsewhere``
are relaimpo output as quoted by a third party, not an official publication;
they are kept as a cross-check and labelled as such.

The two relative-weights examples are given as correlation matrices only; the
tests build a data set whose sample correlation matrix equals the published
one exactly (up to floating point), which is all either method depends on.

Data: ``swiss`` as shipped with R (``datasets::swiss``, copy from the
Rdatasets collection, csv/datasets/swiss.csv); ``mtcars`` columns mpg, cyl, vs
and am as shipped with R (``datasets::mtcars``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from numpy.typing import NDArray

from cxpilot.analytics.drivers import (
    MAX_LMG_PREDICTORS,
    Importance,
    lmg,
    r_squared,
    relative_weights,
)

pytestmark = pytest.mark.pure

# fmt: off
SWISS_NAMES = ["Agriculture", "Examination", "Education", "Catholic", "Infant.Mortality"]
SWISS = np.array([  # Fertility, Agriculture, Examination, Education, Catholic, Infant.Mortality
    (80.2, 17, 15, 12, 9.96, 22.2), (83.1, 45.1, 6, 9, 84.84, 22.2),
    (92.5, 39.7, 5, 5, 93.4, 20.2), (85.8, 36.5, 12, 7, 33.77, 20.3),
    (76.9, 43.5, 17, 15, 5.16, 20.6), (76.1, 35.3, 9, 7, 90.57, 26.6),
    (83.8, 70.2, 16, 7, 92.85, 23.6), (92.4, 67.8, 14, 8, 97.16, 24.9),
    (82.4, 53.3, 12, 7, 97.67, 21), (82.9, 45.2, 16, 13, 91.38, 24.4),
    (87.1, 64.5, 14, 6, 98.61, 24.5), (64.1, 62, 21, 12, 8.52, 16.5),
    (66.9, 67.5, 14, 7, 2.27, 19.1), (68.9, 60.7, 19, 12, 4.43, 22.7),
    (61.7, 69.3, 22, 5, 2.82, 18.7), (68.3, 72.6, 18, 2, 24.2, 21.2),
    (71.7, 34, 17, 8, 3.3, 20), (55.7, 19.4, 26, 28, 12.11, 20.2),
    (54.3, 15.2, 31, 20, 2.15, 10.8), (65.1, 73, 19, 9, 2.84, 20),
    (65.5, 59.8, 22, 10, 5.23, 18), (65, 55.1, 14, 3, 4.52, 22.4),
    (56.6, 50.9, 22, 12, 15.14, 16.7), (57.4, 54.1, 20, 6, 4.2, 15.3),
    (72.5, 71.2, 12, 1, 2.4, 21), (74.2, 58.1, 14, 8, 5.23, 23.8),
    (72, 63.5, 6, 3, 2.56, 18), (60.5, 60.8, 16, 10, 7.72, 16.3),
    (58.3, 26.8, 25, 19, 18.46, 20.9), (65.4, 49.5, 15, 8, 6.1, 22.5),
    (75.5, 85.9, 3, 2, 99.71, 15.1), (69.3, 84.9, 7, 6, 99.68, 19.8),
    (77.3, 89.7, 5, 2, 100, 18.3), (70.5, 78.2, 12, 6, 98.96, 19.4),
    (79.4, 64.9, 7, 3, 98.22, 20.2), (65, 75.9, 9, 9, 99.06, 17.8),
    (92.2, 84.6, 3, 3, 99.46, 16.3), (79.3, 63.1, 13, 13, 96.83, 18.1),
    (70.4, 38.4, 26, 12, 5.62, 20.3), (65.7, 7.7, 29, 11, 13.79, 20.5),
    (72.7, 16.7, 22, 13, 11.22, 18.9), (64.4, 17.6, 35, 32, 16.92, 23),
    (77.6, 37.6, 15, 7, 4.97, 20), (67.6, 18.7, 25, 7, 8.65, 19.5),
    (35, 1.2, 37, 53, 42.34, 18), (44.7, 46.6, 16, 29, 50.43, 18.2),
    (42.8, 27.7, 22, 29, 58.33, 19.3),
])
MTCARS = np.array([  # mpg, cyl, vs, am  (rows in R's order, Mazda RX4 … Volvo 142E)
    (21, 6, 0, 1), (21, 6, 0, 1), (22.8, 4, 1, 1), (21.4, 6, 1, 0),
    (18.7, 8, 0, 0), (18.1, 6, 1, 0), (14.3, 8, 0, 0), (24.4, 4, 1, 0),
    (22.8, 4, 1, 0), (19.2, 6, 1, 0), (17.8, 6, 1, 0), (16.4, 8, 0, 0),
    (17.3, 8, 0, 0), (15.2, 8, 0, 0), (10.4, 8, 0, 0), (10.4, 8, 0, 0),
    (14.7, 8, 0, 0), (32.4, 4, 1, 1), (30.4, 4, 1, 1), (33.9, 4, 1, 1),
    (21.5, 4, 1, 0), (15.5, 8, 0, 0), (15.2, 8, 0, 0), (13.3, 8, 0, 0),
    (19.2, 8, 0, 0), (27.3, 4, 1, 1), (26, 4, 0, 1), (30.4, 4, 1, 1),
    (15.8, 8, 0, 1), (19.7, 6, 0, 1), (15, 8, 0, 1), (21.4, 4, 1, 1),
])
# fmt: on


def data_with_correlation(
    corr: NDArray[np.float64], n: int = 60, seed: int = 0
) -> NDArray[np.float64]:
    """n×k data whose sample correlation matrix is exactly ``corr``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, corr.shape[0]))
    z -= z.mean(axis=0)
    whiten = np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return (z @ whiten) @ np.linalg.cholesky(corr).T


def values(result: list[Importance]) -> list[float]:
    return [item.importance for item in result]


# ─── published values ────────────────────────────────────────────────────────


def test_lmg_matches_relaimpo_printout_on_mtcars() -> None:
    """relaimpo::calc.relimp(mpg ~ am + vs + cyl, data = mtcars, type = "lmg"):
    am 0.1774892, vs 0.2027032, cyl 0.3817849; R² printed as 76.2%."""
    mpg, cyl, vs, am = MTCARS.T
    X = np.column_stack([am, vs, cyl])
    result = lmg(X, mpg, ["am", "vs", "cyl"])
    assert [item.name for item in result] == ["am", "vs", "cyl"]
    assert values(result) == pytest.approx([0.1774892, 0.2027032, 0.3817849], abs=5e-8)
    assert round(100 * r_squared(X, mpg), 1) == 76.2
    assert [item.rank for item in result] == [3, 2, 1]


def test_relative_weights_match_iopsych_relwt_example() -> None:
    """iopsych::relWt(Rs, 5, 1:4) example output: eps 0.24066119, 0.05492664,
    0.12143476, 0.28158189."""
    rs = np.array(
        [
            [1.0, 0.2, 0.3, 0.4, -0.4],
            [0.2, 1.0, 0.5, 0.1, 0.1],
            [0.3, 0.5, 1.0, 0.2, -0.3],
            [0.4, 0.1, 0.2, 1.0, 0.4],
            [-0.4, 0.1, -0.3, 0.4, 1.0],
        ]
    )
    data = data_with_correlation(rs)
    result = relative_weights(data[:, :4], data[:, 4])
    assert values(result) == pytest.approx(
        [0.24066119, 0.05492664, 0.12143476, 0.28158189], abs=5e-9
    )


def test_relative_weights_match_johnsons_relative_weights_npm_example() -> None:
    """npm johnsons-relative-weights README: outcome = first variable of the 7×7
    correlation matrix; raw weights, rescaled weights (%) and R² as printed."""
    corr = np.array(
        [
            [1.00, 0.66, 0.67, 0.54, 0.68, 0.62, 0.72],
            [0.66, 1.00, 0.58, 0.59, 0.68, 0.68, 0.56],
            [0.67, 0.58, 1.00, 0.52, 0.60, 0.62, 0.68],
            [0.54, 0.59, 0.52, 1.00, 0.52, 0.61, 0.45],
            [0.68, 0.68, 0.60, 0.52, 1.00, 0.63, 0.62],
            [0.62, 0.68, 0.62, 0.61, 0.63, 1.00, 0.57],
            [0.72, 0.56, 0.68, 0.45, 0.62, 0.57, 1.00],
        ]
    )
    data = data_with_correlation(corr)
    y, X = data[:, 0], data[:, 1:]
    result = relative_weights(X, y)
    raw = [
        0.10774831782516386,
        0.1164837573016094,
        0.06551431494877613,
        0.12116711335808825,
        0.08006198853448922,
        0.1710549870139989,
    ]
    rescaled = [
        16.275431607141037,
        17.594923647730514,
        9.895966579892931,
        18.302346675093172,
        12.093399182706055,
        25.837932307436496,
    ]
    assert values(result) == pytest.approx(raw, abs=1e-12)
    assert [item.share for item in result] == pytest.approx(rescaled, abs=1e-9)
    assert r_squared(X, y) == pytest.approx(0.6620304789821244, abs=1e-12)


def test_swiss_r_squared_matches_summary_lm() -> None:
    """summary(lm(Fertility ~ ., swiss)): "Multiple R-squared: 0.7067"."""
    y, X = SWISS[:, 0], SWISS[:, 1:]
    assert round(r_squared(X, y), 4) == 0.7067
    for method in (lmg, relative_weights):
        result = method(X, y, SWISS_NAMES)
        assert sum(values(result)) == pytest.approx(r_squared(X, y), abs=1e-12)
        # Education leads and Agriculture trails under both methods.
        assert [item.name for item in sorted(result, key=lambda i: i.rank)][0] == "Education"
        assert [item.name for item in sorted(result, key=lambda i: i.rank)][-1] == "Agriculture"


def test_lmg_on_swiss_matches_relaimpo_values_quoted_elsewhere() -> None:
    """calc.relimp(lm(Fertility ~ ., swiss), type = "lmg") -- values as quoted
    (13 significant digits, attributed to relaimpo 2.2-7 under R 4.4) in a
    third-party project's public test suite, not in relaimpo's own
    documentation: 0.0570912207681, 0.1711730289002, 0.2601346786244,
    0.1055701503735, 0.1127659229265; R² 0.706735001593."""
    y, X = SWISS[:, 0], SWISS[:, 1:]
    result = lmg(X, y, SWISS_NAMES)
    expected = [0.0570912207681, 0.1711730289002, 0.2601346786244, 0.1055701503735, 0.1127659229265]
    assert values(result) == pytest.approx(expected, abs=1e-12)
    assert r_squared(X, y) == pytest.approx(0.706735001593, abs=1e-12)


# ─── worked by hand ──────────────────────────────────────────────────────────


def test_two_predictors_by_hand() -> None:
    """r₁₂ = 0.5, r_y1 = 0.6, r_y2 = 0.4.

    R²(x1) = 0.36, R²(x2) = 0.16,
    R²(x1, x2) = (r_y1² + r_y2² − 2 r_y1 r_y2 r₁₂) / (1 − r₁₂²) = 0.28 / 0.75.
    LMG averages the two orderings:
      LMG₁ = ½ [R²(x1) + (R²(x1, x2) − R²(x2))] = R²(x1) + (R²(x1,x2) − R²(x1) − R²(x2)) / 2
      LMG₂ = ½ [R²(x2) + (R²(x1, x2) − R²(x1))].
    Relative weights: Λ^{1/2} = [[a, b], [b, a]], a, b = (√1.5 ± √0.5) / 2,
    β* = Λ^{1/2}⁻¹ r, ε₁ = a² β*₁² + b² β*₂² (with two predictors it equals LMG).
    """
    corr = np.array([[1.0, 0.5, 0.6], [0.5, 1.0, 0.4], [0.6, 0.4, 1.0]])
    data = data_with_correlation(corr)
    X, y = data[:, :2], data[:, 2]
    r2_full = 0.28 / 0.75
    expected = [0.36 + (r2_full - 0.36 - 0.16) / 2, 0.16 + (r2_full - 0.36 - 0.16) / 2]
    assert r_squared(X, y) == pytest.approx(r2_full, abs=1e-12)
    assert values(lmg(X, y)) == pytest.approx(expected, abs=1e-12)

    a, b = (math.sqrt(1.5) + math.sqrt(0.5)) / 2, (math.sqrt(1.5) - math.sqrt(0.5)) / 2
    beta = np.linalg.solve([[a, b], [b, a]], [0.6, 0.4])
    by_hand = [a**2 * beta[0] ** 2 + b**2 * beta[1] ** 2, b**2 * beta[0] ** 2 + a**2 * beta[1] ** 2]
    assert by_hand == pytest.approx(expected, abs=1e-12)
    assert values(relative_weights(X, y)) == pytest.approx(by_hand, abs=1e-12)


def test_orthogonal_predictors_get_their_squared_correlations() -> None:
    corr = np.eye(4)
    corr[:3, 3] = corr[3, :3] = [0.5, 0.3, 0.1]
    data = data_with_correlation(corr)
    X, y = data[:, :3], data[:, 3]
    for method in (lmg, relative_weights):
        result = method(X, y, ["a", "b", "c"])
        assert values(result) == pytest.approx([0.25, 0.09, 0.01], abs=1e-12)
        assert [item.share for item in result] == pytest.approx(
            [100 * 0.25 / 0.35, 100 * 0.09 / 0.35, 100 * 0.01 / 0.35], abs=1e-9
        )
        assert [item.rank for item in result] == [1, 2, 3]


# ─── properties ──────────────────────────────────────────────────────────────


def test_lmg_equals_average_over_all_orderings() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 4))
    X[:, 1] += 0.7 * X[:, 0]
    y = X @ [0.5, -0.2, 0.3, 0.0] + rng.normal(size=80)

    def fit(cols: tuple[int, ...]) -> float:
        return r_squared(X[:, list(cols)], y) if cols else 0.0

    brute = np.zeros(4)
    orders = list(itertools.permutations(range(4)))
    for order in orders:
        for k, j in enumerate(order):
            brute[j] += fit(tuple(sorted(order[: k + 1]))) - fit(tuple(sorted(order[:k])))
    brute /= len(orders)
    assert values(lmg(X, y)) == pytest.approx(list(brute), abs=1e-12)


def test_both_methods_sum_to_r_squared_and_shares_to_100() -> None:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(150, 6)) + rng.normal(size=(150, 1))
    y = X @ [0.4, 0.3, 0.2, 0.1, 0.0, -0.2] + rng.normal(size=150)
    total = r_squared(X, y)
    for method in (lmg, relative_weights):
        result = method(X, y)
        assert sum(values(result)) == pytest.approx(total, abs=1e-12)
        assert sum(item.share for item in result) == pytest.approx(100.0, abs=1e-9)
        assert sorted(item.rank for item in result) == [1, 2, 3, 4, 5, 6]
        assert [item.name for item in result] == [f"x{i}" for i in range(1, 7)]


def test_invalid_input_is_refused() -> None:
    rng = np.random.default_rng(1)
    many = rng.normal(size=(100, MAX_LMG_PREDICTORS + 1))
    with pytest.raises(ValueError, match="at most 15 predictors"):
        lmg(many, many.sum(axis=1) + rng.normal(size=100))
    X = rng.normal(size=(4, 4))
    with pytest.raises(ValueError, match="more observations than predictors"):
        lmg(X, rng.normal(size=4))
    with pytest.raises(ValueError, match="more observations than predictors"):
        relative_weights(X, rng.normal(size=4))
    X = rng.normal(size=(30, 3))
    X[:, 1] = 2.0
    with pytest.raises(ValueError, match="constant predictor.*b"):
        lmg(X, rng.normal(size=30), ["a", "b", "c"])
    with pytest.raises(ValueError, match="constant predictor"):
        relative_weights(X, rng.normal(size=30))
    X[:, 1] = X[:, 0] + X[:, 2]
    with pytest.raises(ValueError, match="collinear"):
        relative_weights(X, rng.normal(size=30))
    with pytest.raises(ValueError, match="collinear"):
        lmg(X, rng.normal(size=30))
    with pytest.raises(ValueError, match="2 names for 3 predictors"):
        lmg(rng.normal(size=(30, 3)), rng.normal(size=30), ["a", "b"])
    with pytest.raises(ValueError, match="rows"):
        lmg(rng.normal(size=(30, 3)), rng.normal(size=29))
