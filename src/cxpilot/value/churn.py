"""Churn risk: a calibrated classifier on a customer table with a churn label, or on the
features CX Pilot holds per person in the warehouse, with its cross-validated ROC AUC, its
calibration curve and the factors behind each customer's risk.

The method (docs/value.md, "Churn risk"):

- **Features.** Numbers are used as numbers (missing values imputed by the median, with an
  indicator of the missing value); text and categories are one-hot encoded, levels rarer than
  1% of the rows (at least 5 rows) merged into one "rare" level and at most
  :data:`MAX_LEVELS` levels kept; ids and constant columns are left out. Every encoded column
  is then standardised (mean 0, standard deviation 1).
- **Model.** L2-penalised logistic regression (``C`` = 1) on the standardised features:
  log-odds ``z = β0 + Σ βj x̃j``. Calibrated by Platt scaling (Platt 1999): ``p = σ(a z + b)``,
  ``a`` and ``b`` fitted by maximum likelihood on the out-of-fold log-odds of the
  cross-validation, so the calibration never sees the rows it is fitted on through the model.
- **AUC.** Stratified 5-fold cross-validation (shuffled, seeded): the ROC AUC of each fold's
  held-out rows, their mean and standard deviation; the same folds for a histogram gradient
  boosting model (scikit-learn's ``HistGradientBoostingClassifier``), as a comparison.
- **Calibration curve.** The out-of-fold calibrated probabilities cut in (up to) ten bins of
  equal counts: each bin's mean predicted probability against its observed churn rate.
- **Factors.** The calibrated log-odds decompose exactly, for the linear model:
  ``a z + b = (a β0 + b) + Σ a βj (xj − x̄j)/sj``, so the contribution of feature ``j`` to
  a customer's risk is ``a βj (xj − x̄j)/sj`` (log-odds, against the average customer). A
  customer's top reasons are their three largest positive contributions; a feature's
  importance is the mean absolute contribution over the customers.

Pure computation (arrays and frames in, numbers out) above the line ``# --- warehouse``; the
warehouse features and the ``churn_scores`` table below it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cxpilot.kernel.errors import ValidationError

#: Label values read as "churned" and as "stayed" (lower case, trimmed).
POSITIVE = frozenset({"1", "1.0", "yes", "y", "true", "t", "churn", "churned", "lost", "left"})
NEGATIVE = frozenset(
    {"0", "0.0", "no", "n", "false", "f", "retained", "stayed", "active", "kept", "current"}
)
#: Fewer rows, or fewer of either class, give no model worth reading.
MIN_ROWS = 50
MIN_CLASS = 10
FOLDS = 5
#: One-hot: at most this many levels of a column; a level rarer than RARE_SHARE of the rows
#: (and than RARE_MIN rows) joins the "rare" level.
MAX_LEVELS = 20
RARE_SHARE = 0.01
RARE_MIN = 5
#: A text column with more distinct values than this share of its rows is an id or free text.
ID_LIKE_SHARE = 0.5
CALIBRATION_BINS = 10
TOP_REASONS = 3
#: The rows a file may have (a bigger table is a job for the warehouse).
MAX_ROWS = 2_000_000


def _short(text: str, limit: int = 40) -> str:
    text = text.replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def labels_mapped(values: Sequence[Any], column: str) -> np.ndarray:
    """The churn label of each row: 1.0 (churned), 0.0 (stayed) or NaN (empty). Reads
    yes/no, true/false, 1/0, churned/retained (and a few synonyms: :data:`POSITIVE`,
    :data:`NEGATIVE`), in any case; refuses any other value, or a column with both "1"-like
    and "yes"-like spellings of one class mixed with an unknown one."""
    out = np.full(len(values), np.nan)
    unknown: dict[str, int] = {}
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, bool):
            out[i] = float(value)
            continue
        text = str(value).strip().lower()
        if text == "":
            continue
        if text in POSITIVE:
            out[i] = 1.0
        elif text in NEGATIVE:
            out[i] = 0.0
        else:
            unknown[text] = unknown.get(text, 0) + 1
    if unknown:
        shown = ", ".join(repr(_short(v)) for v in sorted(unknown)[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValidationError(
            f"the churn label must read yes/no, true/false, 1/0 or churned/retained; "
            f"column {_short(column)!r} also holds {shown}{more}",
            where=f"--target {_short(column)}",
        )
    return out


@dataclass(frozen=True)
class Columns:
    """A table's columns sorted for the model: numbers, categories, and those left out
    (name → why)."""

    frame: pd.DataFrame
    numeric: list[str]
    categorical: list[str]
    dropped: dict[str, str]


def _as_numbers(values: pd.Series) -> pd.Series | None:
    """``values`` (text) as floats when every non-empty value reads as a finite number."""
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    numbers = pd.to_numeric(text.where(present), errors="coerce")
    if bool((numbers.isna() & present).any()):
        return None
    finite = np.isfinite(numbers.fillna(0).to_numpy(dtype=float))
    return numbers.astype(float) if bool(finite.all()) else None


def columns_typed(frame: pd.DataFrame, *, skip: Sequence[str] = ()) -> Columns:
    """Sort ``frame``'s columns (but ``skip``): numbers (every value reads as a number,
    booleans as 0/1), categories (text with at most ID_LIKE_SHARE distinct values), and the
    left-out ones: constant, empty, or id-like text."""
    numeric: list[str] = []
    categorical: list[str] = []
    dropped: dict[str, str] = {}
    out: dict[str, pd.Series] = {}
    n = len(frame)
    for name in frame.columns:
        if name in skip:
            continue
        col = frame[name]
        if col.dtype == bool:
            col = col.astype(float)
        numbers = col.astype(float) if pd.api.types.is_numeric_dtype(col) else _as_numbers(col)
        if numbers is not None and numbers.notna().any():
            if numbers.nunique(dropna=False) <= 1:
                dropped[name] = "constant"
                continue
            out[name] = numbers
            numeric.append(name)
            continue
        text = col.astype("string").str.strip()
        text = text.where(text != "")
        levels = text.nunique(dropna=True)
        if levels == 0:
            dropped[name] = "empty"
        elif text.nunique(dropna=False) <= 1:
            dropped[name] = "constant"
        elif levels > max(MAX_LEVELS, ID_LIKE_SHARE * n):
            dropped[name] = "id-like text"
        else:
            out[name] = text.astype(object).where(text.notna(), None)
            categorical.append(name)
    return Columns(pd.DataFrame(out, index=frame.index), numeric, categorical, dropped)


# --- the model


@dataclass(frozen=True)
class Feature:
    """One encoded column: ``name`` (``column`` or ``column=level``), its mean and standard
    deviation over the rows, its calibrated coefficient ``a βj`` (log-odds per standard
    deviation) and its importance (mean absolute contribution, log-odds)."""

    name: str
    column: str
    level: str | None
    mean: float
    scale: float
    coefficient: float
    importance: float


@dataclass
class ChurnModel:
    """A fitted, calibrated churn model and its cross-validated measures."""

    n: int
    positives: int
    auc: float
    auc_sd: float
    auc_folds: list[float]
    auc_boosting: float | None
    auc_boosting_sd: float | None
    calibration: list[dict[str, float]]
    features: list[Feature]
    dropped: dict[str, str]
    platt_a: float
    platt_b: float
    intercept: float
    pipeline: Any = field(repr=False)
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "positives": self.positives,
            "auc": round(self.auc, 4),
            "auc_sd": round(self.auc_sd, 4),
            "auc_folds": [round(a, 4) for a in self.auc_folds],
            "folds": FOLDS,
            "model": "logistic regression (standardised features, L2, Platt-calibrated)",
            "compare": {
                "logistic_regression": round(self.auc, 4),
                "gradient_boosting": None
                if self.auc_boosting is None
                else round(self.auc_boosting, 4),
                "gradient_boosting_sd": None
                if self.auc_boosting_sd is None
                else round(self.auc_boosting_sd, 4),
            },
            "features": [
                {
                    "feature": f.name,
                    "column": f.column,
                    "level": f.level,
                    "coefficient": round(f.coefficient, 4),
                    "importance": round(f.importance, 4),
                }
                for f in self.features
            ],
            "dropped": [{"column": k, "why": v} for k, v in self.dropped.items()],
            "calibration": self.calibration,
            "platt": {"a": round(self.platt_a, 6), "b": round(self.platt_b, 6)},
        }

    def log_odds_parts(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(base, contributions): each row's calibrated log-odds is ``base`` plus the sum of
        its row of ``contributions`` (rows × features, in :attr:`features` order)."""
        encoded = self.pipeline[:-1].transform(frame[self.numeric + self.categorical])
        coef = np.array([f.coefficient for f in self.features])
        contributions = np.asarray(encoded, dtype=float) * coef
        return np.full(len(frame), self.intercept), contributions

    def risk(self, frame: pd.DataFrame) -> np.ndarray:
        """The calibrated probability of churn of each row of ``frame``."""
        base, parts = self.log_odds_parts(frame)
        return _sigmoid(base + parts.sum(axis=1))

    def reasons(self, frame: pd.DataFrame, top: int = TOP_REASONS) -> list[list[tuple[int, float]]]:
        """Each row's largest positive contributions (feature index, log-odds), largest
        first, at most ``top``."""
        _, parts = self.log_odds_parts(frame)
        out: list[list[tuple[int, float]]] = []
        for row in parts:
            order = np.argsort(-row, kind="stable")[:top]
            out.append([(int(j), float(row[j])) for j in order if row[j] > 0])
        return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))


def _pipeline(numeric: list[str], categorical: list[str], n: int, *, scaled: bool) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts: list[tuple[str, Any, list[str]]] = []
    if numeric:
        parts.append(("num", SimpleImputer(strategy="median", add_indicator=True), numeric))
    if categorical:
        rare = max(RARE_MIN, math.ceil(RARE_SHARE * n))
        onehot = OneHotEncoder(
            min_frequency=rare,
            max_categories=MAX_LEVELS,
            handle_unknown="infrequent_if_exist",
            sparse_output=False,
        )
        cat = Pipeline(
            [
                ("fill", SimpleImputer(strategy="constant", fill_value="(missing)")),
                ("onehot", onehot),
            ]
        )
        parts.append(("cat", cat, categorical))
    encode = ColumnTransformer(parts, verbose_feature_names_out=True)
    if not scaled:
        from sklearn.ensemble import HistGradientBoostingClassifier

        return Pipeline([("encode", encode), ("model", HistGradientBoostingClassifier())])
    return Pipeline(
        [
            ("encode", encode),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=1.0, max_iter=5000)),
        ]
    )


def _checked(y: np.ndarray, where: str) -> None:
    n = len(y)
    positives = int(y.sum())
    if n < MIN_ROWS:
        raise ValidationError(
            f"{n} labelled row(s); the model needs {MIN_ROWS} or more", where=where
        )
    if positives == 0 or positives == n:
        raise ValidationError(
            "every labelled row is in one class ("
            + ("churned" if positives else "stayed")
            + "); the model needs both",
            where=where,
        )
    if min(positives, n - positives) < MIN_CLASS:
        raise ValidationError(
            f"{positives} churned and {n - positives} stayed; the model needs {MIN_CLASS} "
            "or more of each",
            where=where,
        )


def _calibration(p: np.ndarray, y: np.ndarray) -> list[dict[str, float]]:
    order = np.argsort(p, kind="stable")
    bins = min(CALIBRATION_BINS, max(2, len(p) // 20))
    out = []
    for chunk in np.array_split(order, bins):
        if len(chunk) == 0:
            continue
        out.append(
            {
                "predicted": round(float(p[chunk].mean()), 4),
                "observed": round(float(y[chunk].mean()), 4),
                "n": len(chunk),
            }
        )
    return out


def _name_parts(
    raw: str, numeric: list[str], categorical: list[str]
) -> tuple[str, str, str | None]:
    """An encoded column's (name, column, level) from scikit-learn's output name."""
    kind, _, rest = raw.partition("__")
    if kind == "num":
        if rest.startswith("missingindicator_"):
            column = rest[len("missingindicator_") :]
            return f"{column} (missing)", column, "(missing)"
        return rest, rest, None
    for column in sorted(categorical, key=len, reverse=True):
        if rest.startswith(column + "_"):
            level = rest[len(column) + 1 :]
            if level.endswith("_sklearn") and level.startswith("infrequent"):
                level = "(rare)"
            return f"{column}={level}", column, level
    return rest, rest, None


def churn_fit(
    columns: Columns, y: np.ndarray, *, where: str = "--target", seed: int = 0, compare: bool = True
) -> ChurnModel:
    """The calibrated logistic model of ``y`` (1 churned, 0 stayed) on ``columns``, with its
    cross-validated AUC (and the gradient boosting's when ``compare``) and calibration curve.
    See the module's docstring for the method."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    _checked(y, where)
    if not columns.numeric and not columns.categorical:
        raise ValidationError(
            "no column to learn from: every other column is an id, constant or empty",
            where=where,
        )
    frame = columns.frame[columns.numeric + columns.categorical]
    n = len(y)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    oof = np.zeros(n)
    aucs: list[float] = []
    boosted: list[float] = []
    for train, test in folds.split(np.zeros(n), y):
        model = _pipeline(columns.numeric, columns.categorical, len(train), scaled=True)
        model.fit(frame.iloc[train], y[train])
        oof[test] = model.decision_function(frame.iloc[test])
        aucs.append(float(roc_auc_score(y[test], oof[test])))
        if compare:
            other = _pipeline(columns.numeric, columns.categorical, len(train), scaled=False)
            other.fit(frame.iloc[train], y[train])
            boosted.append(
                float(roc_auc_score(y[test], other.predict_proba(frame.iloc[test])[:, 1]))
            )
    platt = LogisticRegression(C=np.inf, max_iter=1000)  # no penalty: plain Platt scaling
    platt.fit(oof.reshape(-1, 1), y)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    calibration = _calibration(_sigmoid(a * oof + b), y)

    full = _pipeline(columns.numeric, columns.categorical, n, scaled=True)
    full.fit(frame, y)
    encoded = np.asarray(full[:-1].transform(frame), dtype=float)
    beta = full[-1].coef_[0]
    contributions = encoded * (a * beta)
    importance = np.abs(contributions).mean(axis=0)
    scaler = full.named_steps["scale"]
    names = full.named_steps["encode"].get_feature_names_out()
    features = []
    for j, raw in enumerate(names):
        name, column, level = _name_parts(str(raw), columns.numeric, columns.categorical)
        features.append(
            Feature(
                name=name,
                column=column,
                level=level,
                mean=float(scaler.mean_[j]),
                scale=float(scaler.scale_[j]),
                coefficient=float(a * beta[j]),
                importance=float(importance[j]),
            )
        )
    # the importance ranking is kept in the report; the model keeps the encoded order
    return ChurnModel(
        n=n,
        positives=int(y.sum()),
        auc=float(np.mean(aucs)),
        auc_sd=float(np.std(aucs, ddof=1)),
        auc_folds=aucs,
        auc_boosting=float(np.mean(boosted)) if boosted else None,
        auc_boosting_sd=float(np.std(boosted, ddof=1)) if boosted else None,
        calibration=calibration,
        features=features,
        dropped=dict(columns.dropped),
        platt_a=a,
        platt_b=b,
        intercept=float(a * full[-1].intercept_[0] + b),
        pipeline=full,
        numeric=list(columns.numeric),
        categorical=list(columns.categorical),
    )


def ranked(features: list[Feature]) -> list[Feature]:
    """``features`` by importance, largest first (ties by name)."""
    return sorted(features, key=lambda f: (-f.importance, f.name))


# --- a customer table from a file


def file_frame(path: Path, *, target: str, id_column: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    """A customer file (CSV, Parquet, JSON Lines) as (features frame, label): the label
    column mapped (:func:`labels_mapped`), the rows without a label left out; the id column
    kept as the frame's index."""
    from cxpilot.warehouse.files import read_file

    raw = read_file(path)
    if raw.num_rows > MAX_ROWS:
        raise ValidationError(
            f"{raw.num_rows:,} rows; a file may have {MAX_ROWS:,} at most", where=str(path)
        )
    by_lower = {name.strip().lower(): name for name in raw.columns}
    names = ", ".join(_short(c) for c in list(raw.columns)[:30])

    def found(column: str, option: str) -> str:
        actual = by_lower.get(column.strip().lower())
        if actual is None:
            raise ValidationError(
                f"the file has no column {_short(column)!r} (it has: {names})",
                where=f"{option} {_short(column)}",
            )
        return actual

    label_column = found(target, "--target")
    key = found(id_column, "--id") if id_column else None
    if key == label_column:
        raise ValidationError("the id column cannot be the label", where="--id")
    frame = pd.DataFrame({name: values.to_pandas() for name, values in raw.columns.items()})
    y = labels_mapped(frame[label_column].tolist(), label_column)
    keep = ~np.isnan(y)
    frame = frame.loc[keep].reset_index(drop=True)
    if key is not None:
        ids = frame[key].astype("string")
        if bool(ids.isna().any()):
            raise ValidationError("some rows have no id", where=f"--id {_short(key)}")
        if bool(ids.duplicated().any()):
            first = str(ids[ids.duplicated()].iloc[0])
            raise ValidationError(
                f"the id {_short(first)!r} is on more than one row", where=f"--id {_short(key)}"
            )
        frame.index = pd.Index(ids.astype(str).tolist(), name="id")
        frame = frame.drop(columns=[key])
    return frame.drop(columns=[label_column]), y[keep]


def churn_train_file(
    *, path: Path, target: str, id_column: str | None, compare: bool = True
) -> ChurnModel:
    """The churn model of a customer file with a churn label (``target``)."""
    frame, y = file_frame(path, target=target, id_column=id_column)
    columns = columns_typed(frame)
    return churn_fit(columns, y, where=f"{path}", compare=compare)
