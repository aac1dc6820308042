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
#: A contribution at most this (log-odds) is rounding, not a reason.
TINY = 1e-9
#: The rows a file may have (a bigger table is a job for the warehouse).
MAX_ROWS = 2_000_000
#: The largest number a feature may hold, either sign: beyond it (1e308…) the scaler's
#: squares overflow, and no customer attribute is that large.
MAX_FEATURE = 1e15
#: How a file may write a value that is not a number (``inf``, ``nan``…): read as missing.
NOT_NUMBERS = frozenset(
    sign + word for sign in ("", "+", "-") for word in ("inf", "infinity", "nan")
)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation (makemessages reads the name) without reading the
    settings, so this module imports before Django is set up (the CLI does)."""
    return message


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
        shown = str(value).strip()
        text = shown.lower()
        if text == "":
            continue
        if text in POSITIVE:
            out[i] = 1.0
        elif text in NEGATIVE:
            out[i] = 0.0
        else:
            unknown[shown] = unknown.get(shown, 0) + 1
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
    """``values`` (text) as floats when every non-empty value reads as a number; ``inf``,
    ``nan`` and the like (:data:`NOT_NUMBERS`) are missing values."""
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "") & ~text.str.lower().isin(NOT_NUMBERS).fillna(False)
    numbers = pd.to_numeric(text.where(present), errors="coerce")
    if bool((numbers.isna() & present).any()):
        return None
    return numbers.astype(float)


def _checked_size(
    name: str, numbers: pd.Series, values: pd.Series, rows: Sequence[str] | None
) -> None:
    """A ValidationError naming the column and row of the first number too large to learn
    from (beyond :data:`MAX_FEATURE` either way, or written so large it reads as infinite)."""
    huge = np.abs(numbers.to_numpy(dtype=float, na_value=0.0)) > MAX_FEATURE
    if not huge.any():
        return
    i = int(np.flatnonzero(huge)[0])
    where = rows[i] if rows is not None else f"row {i + 1}"
    raise ValidationError(
        f"column {_short(str(name))!r} holds {_short(str(values.iloc[i]))!r}, too large to "
        f"learn from (at most {MAX_FEATURE:g} either way)",
        where=f"{where}:{_short(str(name))}",
    )


def columns_typed(
    frame: pd.DataFrame, *, skip: Sequence[str] = (), rows: Sequence[str] | None = None
) -> Columns:
    """Sort ``frame``'s columns (but ``skip``): numbers (every value reads as a number,
    booleans as 0/1; ``inf`` and ``nan`` are missing), categories (text with at most
    ID_LIKE_SHARE distinct values), and the left-out ones: constant, empty, or id-like text.
    A number beyond :data:`MAX_FEATURE` is refused, naming its column and row (``rows``: where
    each row comes from, as a file says it)."""
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
        if pd.api.types.is_numeric_dtype(col):
            numbers = col.astype(float)
            numbers = numbers.where(np.isfinite(numbers.to_numpy()))
        else:
            numbers = _as_numbers(col)
        if numbers is not None:
            _checked_size(name, numbers, col, rows)
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

    @property
    def per_unit(self) -> float:
        """The calibrated log-odds per unit of the feature (for a level: being at it)."""
        return self.coefficient / self.scale if self.scale else 0.0


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
                    "per_unit": round(f.per_unit, 6),
                    "importance": round(f.importance, 4),
                }
                for f in ranked(self.features)
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
            out.append([(int(j), float(row[j])) for j in order if row[j] > TINY])
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
    _checked(y, where)
    # one thread: the small matrices of a churn table gain nothing from more, and a busy
    # machine's OpenMP threads would make the gradient boosting crawl
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _fit(columns, y, where=where, seed=seed, compare=compare)


def _fit(columns: Columns, y: np.ndarray, *, where: str, seed: int, compare: bool) -> ChurnModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

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


def file_frame(
    path: Path, *, target: str, id_column: str | None
) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """A customer file (CSV, Parquet, JSON Lines) as (features frame, label, where each row
    is in the file): the label column mapped (:func:`labels_mapped`), the rows without a
    label left out; the id column kept as the frame's index."""
    from cxpilot.warehouse.selectors import file_read

    raw = file_read(path=path)
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
    rows = [raw.where(int(i)) for i in np.flatnonzero(keep)]
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
    return frame.drop(columns=[label_column]), y[keep], rows


def churn_train_file(
    *, path: Path, target: str, id_column: str | None, compare: bool = True
) -> ChurnModel:
    """The churn model of a customer file with a churn label (``target``)."""
    frame, y, rows = file_frame(path, target=target, id_column=id_column)
    columns = columns_typed(frame, rows=rows)
    return churn_fit(columns, y, where=f"{path}", compare=compare)


# --- warehouse: the features CX Pilot holds per person, as of a cutoff

#: The touchpoint whose answers and interactions are calls.
CALL_TOUCHPOINT = "call_centre"
#: The days after the cutoff in which a person who neither buys nor interacts has churned.
WINDOW_DAYS = 180
MAX_WINDOW_DAYS = 3650
#: The model's inputs from the warehouse, in words (the page and the reasons show these).
WAREHOUSE_FEATURES: dict[str, str] = {
    "recency_days": gettext_noop("days since the last purchase or interaction"),
    "days_since_purchase": gettext_noop("days since the last purchase"),
    "tenure_days": gettext_noop("days since the first purchase or interaction"),
    "purchase_days": gettext_noop("days with a purchase"),
    "purchases_recent": gettext_noop("days with a purchase in the window before"),
    "spend": gettext_noop("spend (purchases less refunds)"),
    "refunds": gettext_noop("refunds"),
    "interactions_recent": gettext_noop("interactions in the window before"),
    "calls": gettext_noop("calls to the call centre"),
    "calls_recent": gettext_noop("calls in the window before"),
    "bad_calls_recent": gettext_noop("poor call-centre answers in the window before"),
    "answers": gettext_noop("survey answers"),
    "nps_mean": gettext_noop("mean NPS answer"),
    "nps_last": gettext_noop("last NPS answer"),
    "nps_trend": gettext_noop("NPS trend (window before less earlier)"),
    "ces_mean": gettext_noop("mean CES answer"),
    "ces_last": gettext_noop("last CES answer"),
    "poor_answers": gettext_noop("poor survey answers"),
    "sentiment_mean": gettext_noop("mean verbatim sentiment"),
    "negative_verbatims": gettext_noop("negative verbatims"),
    "cases": gettext_noop("follow-up cases"),
    "cases_open": gettext_noop("follow-up cases open at the cutoff"),
    "cases_late": gettext_noop("follow-up cases closed late"),
    "segment": gettext_noop("segment"),
}


def window_checked(days: Any, where: str = "--window-days") -> int:
    try:
        value = int(days)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError("give a whole number of days", where=where) from None
    if not 1 <= value <= MAX_WINDOW_DAYS:
        raise ValidationError(f"give 1 to {MAX_WINDOW_DAYS} days", where=where)
    return value


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _frame(expr: Any) -> pd.DataFrame:
    return expr.to_pyarrow().to_pandas().set_index("person")


def _with_person(con: Any, table: Any) -> Any:
    from cxpilot.customers.selectors import answers_with_person

    return answers_with_person(con, table)


def _cases(con: Any, end: dt.datetime) -> pd.DataFrame | None:
    """Per person: follow-up cases of the answers given before ``end`` (a case dates from
    its answer: one opened on an import of older answers belongs to their time), open at
    ``end``, closed after their due date (before ``end``)."""
    import ibis
    import pyarrow as pa
    from django.utils import timezone

    from cxpilot.loop.selectors import visible_cases

    aware = timezone.make_aware(end, dt.UTC) if timezone.is_naive(end) else end
    rows = list(
        visible_cases(actor=None)
        .filter(answered_at__lt=aware)
        .values_list("source", "customer_id", "due_at", "closed_at")
    )
    if not rows:
        return None
    open_at_end = [c is None or c >= aware for _, _, _, c in rows]
    late = [c is not None and c < aware and c > d for _, _, d, c in rows]
    cases = pa.table(
        {
            "source": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "open_at_end": open_at_end,
            "late": late,
        }
    )
    t = _with_person(con, ibis.memtable(cases))
    return _frame(
        t.group_by("person").aggregate(
            cases=t.count(),
            cases_open=t.open_at_end.ifelse(1, 0).sum(),
            cases_late=t.late.ifelse(1, 0).sum(),
        )
    )


def _sentiment(con: Any, r: Any) -> pd.DataFrame | None:
    """Per person: mean polarity and negative verbatims of the analysed answers in ``r``."""
    if "verbatim_analysis" not in con.list_tables():
        return None
    a = con.table("verbatim_analysis").select("source", "response_id", "polarity", "sentiment")
    m = r.select("source", "response_id", "person").inner_join(a, ["source", "response_id"])
    return _frame(
        m.group_by("person").aggregate(
            sentiment_mean=m.polarity.mean(),
            negative_verbatims=(m.sentiment < 0).ifelse(1, 0).sum(),
        )
    )


def warehouse_frame(con: Any, *, cutoff: dt.date, window_days: int) -> pd.DataFrame:
    """One row per person active (a purchase or an interaction) in the ``window_days`` up to
    ``cutoff`` (included): their features as of the end of ``cutoff`` (see
    :data:`WAREHOUSE_FEATURES`), index ``person``. Every aggregate is one grouped query in
    the engine."""
    from cxpilot.customers.selectors import golden_segments
    from cxpilot.loop.selectors import poor_thresholds

    end = _midnight(cutoff + dt.timedelta(days=1))
    start = end - dt.timedelta(days=window_days)
    poor = poor_thresholds()

    x = con.table("transactions")
    x = _with_person(con, x.filter(x.timestamp < end))
    bought = x.amount > 0
    tx = _frame(
        x.group_by("person").aggregate(
            first_tx=x.timestamp.min(),
            last_purchase=x.timestamp.max(where=bought),
            last_tx=x.timestamp.max(),
            purchase_days=x.timestamp.date().nunique(where=bought),
            purchases_recent=x.timestamp.date().nunique(where=bought & (x.timestamp >= start)),
            spend=x.amount.sum(),
            refunds=(x.amount < 0).ifelse(1, 0).sum(),
        )
    )
    i = con.table("interactions")
    i = _with_person(con, i.filter(i.timestamp < end))
    call = i.touchpoint == CALL_TOUCHPOINT
    it = _frame(
        i.group_by("person").aggregate(
            first_it=i.timestamp.min(),
            last_it=i.timestamp.max(),
            interactions_recent=(i.timestamp >= start).ifelse(1, 0).sum(),
            calls=call.ifelse(1, 0).sum(),
            calls_recent=(call & (i.timestamp >= start)).ifelse(1, 0).sum(),
        )
    )
    r = con.table("responses")
    r = _with_person(con, r.filter(r.timestamp < end))
    nps = r.metric == "nps"
    ces = r.metric == "ces"
    recent = r.timestamp >= start
    poor_answer = (
        (nps & (r.score <= poor["nps"]))
        | (ces & (r.score <= poor["ces"]))
        | ((r.metric == "csat") & (r.score <= poor["csat"]))
    )
    score = r.score.cast("float64")  # a mean of integers is a decimal on PostgreSQL
    rs = _frame(
        r.group_by("person").aggregate(
            answers=r.count(),
            nps_mean=score.mean(where=nps),
            nps_last=score.argmax(r.timestamp, where=nps),
            nps_recent=score.mean(where=nps & recent),
            nps_before=score.mean(where=nps & ~recent),
            ces_mean=score.mean(where=ces),
            ces_last=score.argmax(r.timestamp, where=ces),
            poor_answers=poor_answer.ifelse(1, 0).sum(),
            bad_calls_recent=r.timestamp.date().nunique(
                where=(r.touchpoint == CALL_TOUCHPOINT) & recent & poor_answer
            ),
        )
    )
    rs["nps_trend"] = rs.pop("nps_recent") - rs.pop("nps_before")
    parts = [tx, it, rs, _sentiment(con, r), _cases(con, end)]
    g = golden_segments(con)
    segments = g.select(person=g.person_id, segment=g.segment).to_pyarrow().to_pandas()
    persons = tx.join(it, how="outer")
    for part in parts[2:]:
        if part is not None:
            persons = persons.join(part, how="left")
    persons = persons.join(segments.set_index("person"), how="left")
    last = persons[["last_tx", "last_it"]].max(axis=1)
    first = persons[["first_tx", "first_it"]].min(axis=1)
    persons = persons.loc[last >= pd.Timestamp(start)].copy()
    last = last.loc[persons.index]
    first = first.loc[persons.index]
    at = pd.Timestamp(end)
    persons["recency_days"] = (at - last).dt.total_seconds() / 86400.0
    persons["tenure_days"] = (at - first).dt.total_seconds() / 86400.0
    persons["days_since_purchase"] = (at - persons["last_purchase"]).dt.total_seconds() / 86400.0
    for count in ("purchase_days", "purchases_recent", "refunds", "interactions_recent", "calls"):
        persons[count] = persons[count].fillna(0)
    for count in ("calls_recent", "answers", "poor_answers", "bad_calls_recent", "spend"):
        persons[count] = persons[count].fillna(0)
    for count in ("negative_verbatims", "cases", "cases_open", "cases_late"):
        if count in persons:
            persons[count] = persons[count].fillna(0)
    keep = [name for name in WAREHOUSE_FEATURES if name in persons.columns]
    out = persons[keep].copy()
    out.index.name = "person"
    return out.sort_index()


def _active_after(con: Any, *, cutoff: dt.date, window_days: int) -> set[str]:
    """The persons with a purchase or an interaction in the ``window_days`` after ``cutoff``."""
    import ibis

    end = _midnight(cutoff + dt.timedelta(days=1))
    until = end + dt.timedelta(days=window_days)
    x = con.table("transactions")
    x = x.filter((x.timestamp >= end) & (x.timestamp < until) & (x.amount > 0))
    i = con.table("interactions")
    i = i.filter((i.timestamp >= end) & (i.timestamp < until))
    both = ibis.union(
        x.select("source", "customer_id"), i.select("source", "customer_id"), distinct=True
    )
    p = _with_person(con, both)
    return {str(v) for v in p.select("person").distinct().to_pyarrow().column(0).to_pylist()}


def data_end(con: Any) -> dt.date | None:
    """The last day with a purchase or an interaction in the warehouse."""
    days = []
    for name in ("transactions", "interactions"):
        found = con.table(name).timestamp.max().to_pyarrow().as_py()
        if found is not None:
            days.append(found.date() if isinstance(found, dt.datetime) else found)
    return max(days) if days else None


def warehouse_columns(frame: pd.DataFrame) -> Columns:
    """The warehouse features typed for the model (segment the one category); a feature
    constant over these persons is left out."""
    numeric = [c for c in frame.columns if c != "segment"]
    categorical = ["segment"] if "segment" in frame.columns else []
    typed = frame.copy()
    dropped: dict[str, str] = {}
    for name in [*numeric, *categorical]:
        if typed[name].nunique(dropna=False) <= 1:
            dropped[name] = "constant"
    numeric = [c for c in numeric if c not in dropped]
    categorical = [c for c in categorical if c not in dropped]
    for name in numeric:
        typed[name] = typed[name].astype(float)
    for name in categorical:
        typed[name] = typed[name].astype(object).where(typed[name].notna(), None)
    return Columns(typed[numeric + categorical], numeric, categorical, dropped)


@dataclass
class WarehouseModel:
    """The churn model fitted on the warehouse as of ``cutoff``, with its label window."""

    cutoff: dt.date
    window_days: int
    model: ChurnModel

    def as_dict(self) -> dict[str, Any]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "window_days": self.window_days,
            "label": "no purchase and no interaction in the window after the cutoff",
            **self.model.as_dict(),
        }


def churn_train_warehouse(*, cutoff: dt.date, window_days: int = WINDOW_DAYS) -> WarehouseModel:
    """The churn model of the persons active in the ``window_days`` up to ``cutoff``: their
    features as of ``cutoff``, and churned when they neither buy nor interact in the
    ``window_days`` after it (observed churn)."""
    from cxpilot.warehouse.connection import warehouse

    window_days = window_checked(window_days)
    with warehouse() as con:
        last = data_end(con)
        if last is None:
            raise ValidationError("no purchase or interaction in the warehouse", where="--cutoff")
        needed = cutoff + dt.timedelta(days=window_days)
        if last < needed:
            raise ValidationError(
                f"the data ends on {last.isoformat()}; a cutoff of {cutoff.isoformat()} needs "
                f"data to {needed.isoformat()} to see who churned in the {window_days} days "
                "after it: choose an earlier cutoff or a shorter window",
                where="--cutoff",
            )
        frame = warehouse_frame(con, cutoff=cutoff, window_days=window_days)
        after = _active_after(con, cutoff=cutoff, window_days=window_days)
    y = np.array([0.0 if p in after else 1.0 for p in frame.index])
    model = churn_fit(warehouse_columns(frame), y, where="--cutoff")
    return WarehouseModel(cutoff=cutoff, window_days=window_days, model=model)


def feature_words(name: str) -> str:
    """A feature (``column``, ``column=level`` or ``column (missing)``) in words, in the
    active language."""
    from django.utils.translation import gettext

    column, _, level = name.partition("=")
    if name.endswith(" (missing)"):
        base = name[: -len(" (missing)")]
        words = gettext(WAREHOUSE_FEATURES.get(base, base))
        return gettext("no %(what)s") % {"what": words}
    words = gettext(WAREHOUSE_FEATURES.get(column, column))
    if level:
        shown = gettext("a rare value") if level == "(rare)" else level
        return f"{words}: {shown}"
    return words


def _label(feature: Feature, value: Any) -> str:
    words = feature_words(feature.name)
    if feature.level is not None:
        return words
    return f"{words}: {float(value):.4g} (average {feature.mean:.4g})"


#: The columns of the derived table ``churn_scores`` (contract of the value domain).
SCORES_SCHEMA = {
    "customer": "string",
    "risk": "float64",
    "reasons": "string",
    "model": "string",
    "computed_at": "timestamp",
}


def _write_scores(con: Any, table: Any) -> None:
    """Replace ``churn_scores`` whole, all or nothing (the warehouse's derived tables'
    writer)."""
    import ibis

    from cxpilot.warehouse.services import derived_replace

    derived_replace(con, {"churn_scores": table}, {"churn_scores": ibis.schema(SCORES_SCHEMA)})


@dataclass(frozen=True)
class Scored:
    as_of: dt.date
    trained: WarehouseModel
    persons: int
    mean_risk: float


def churn_score(
    *, actor: Any, as_of: dt.date | None = None, window_days: int = WINDOW_DAYS
) -> Scored:
    """Score every person active in the ``window_days`` up to ``as_of`` (default: the last
    day with data): the model is trained at the cutoff ``as_of − window_days`` (whose churn
    is observed), then applied to the features as of ``as_of``; writes ``churn_scores``
    whole (risk and top reasons per person), or nothing when anything fails."""
    import pyarrow as pa
    from django.utils import timezone

    from cxpilot.kernel import roles
    from cxpilot.warehouse.connection import warehouse

    roles.require(actor, "value.view_value")
    window_days = window_checked(window_days)
    with warehouse() as con:
        last = data_end(con)
    if last is None:
        raise ValidationError("no purchase or interaction in the warehouse", where="--as-of")
    as_of = as_of or last
    trained = churn_train_warehouse(
        cutoff=as_of - dt.timedelta(days=window_days), window_days=window_days
    )
    model = trained.model
    with warehouse() as con:
        frame = warehouse_frame(con, cutoff=as_of, window_days=window_days)
        if frame.empty:
            raise ValidationError(
                f"no person active in the {window_days} days to {as_of}", where="--as-of"
            )
        columns = frame.copy()
        for name in model.numeric + model.categorical:
            if name not in columns:
                columns[name] = np.nan if name in model.numeric else None
        for name in model.categorical:
            columns[name] = columns[name].astype(object).where(columns[name].notna(), None)
        risk = model.risk(columns)
        reasons = model.reasons(columns)
        encoded = np.asarray(
            model.pipeline[:-1].transform(columns[model.numeric + model.categorical])
        )
        described = json.dumps(
            {
                **trained.as_dict(),
                "features": [],
                "as_of": as_of.isoformat(),
                "kind": "logistic",
            },
            sort_keys=True,
        )
        now = timezone.now().replace(tzinfo=None)
        rows = []
        for k in range(len(frame.index)):
            found = []
            for j, contribution in reasons[k]:
                f = model.features[j]
                value = encoded[k, j] * f.scale + f.mean
                found.append(
                    {
                        "feature": f.name,
                        "label": _label(f, value),
                        "contribution": round(contribution, 4),
                    }
                )
            rows.append(json.dumps(found, ensure_ascii=False))
        table = pa.table(
            {
                "customer": pa.array([str(p) for p in frame.index], pa.string()),
                "risk": pa.array(risk, pa.float64()),
                "reasons": pa.array(rows, pa.string()),
                "model": pa.array([described] * len(rows), pa.string()),
                "computed_at": pa.array([now] * len(rows), pa.timestamp("us")),
            }
        )
        _write_scores(con, table)
    return Scored(as_of=as_of, trained=trained, persons=len(rows), mean_risk=float(np.mean(risk)))


# --- the risk list (page and export)

#: Rows the page shows (the CSV export has them all).
PAGE_ROWS = 200


@dataclass
class RiskList:
    """The persons of ``churn_scores`` by risk, highest first, with their segment, CLV (when
    ``customer_value`` exists), last NPS answer and open follow-up cases; and the model."""

    rows: list[dict[str, Any]]
    total: int
    segments: list[str]
    model: dict[str, Any]
    has_clv: bool
    has_cases: bool


def _open_cases(con: Any, actor: Any, persons: list[str]) -> dict[str, int] | None:
    """Open follow-up cases per person of ``persons``, or None when ``actor`` may not see
    cases."""
    import ibis
    import pyarrow as pa

    from cxpilot.kernel import roles
    from cxpilot.loop.models import CaseStatus
    from cxpilot.loop.selectors import visible_cases

    if not roles.may(actor, "loop.view_followupcase"):
        return None
    rows = list(
        visible_cases(actor=actor)
        .exclude(status=CaseStatus.CLOSED)
        .values_list("source", "customer_id")
    )
    if not rows or not persons:
        return {}
    cases = pa.table({"source": [r[0] for r in rows], "customer_id": [r[1] for r in rows]})
    t = _with_person(con, ibis.memtable(cases))
    t = t.filter(t.person.isin(persons))
    found = t.group_by("person").aggregate(n=t.count()).to_pyarrow().to_pylist()
    return {str(r["person"]): int(r["n"]) for r in found}


def churn_risk_list(
    *, actor: Any, segment: str | None = None, limit: int | None = PAGE_ROWS
) -> RiskList:
    """The risk list (see :class:`RiskList`), of one ``segment`` or all; ``limit`` rows at
    most (None: all). One query in the engine for the scores and what they are shown with."""
    from cxpilot.customers.selectors import golden_segments
    from cxpilot.kernel import roles
    from cxpilot.value.selectors import churn_scores
    from cxpilot.warehouse.connection import warehouse

    roles.require(actor, "value.view_value")
    with warehouse() as con:
        s = churn_scores(con)
        g = golden_segments(con)
        t = s.left_join(g, s.customer == g.person_id).select(s, segment=g.segment)
        segments = sorted(
            str(v)
            for v in t.select("segment").distinct().to_pyarrow().column(0).to_pylist()
            if v is not None
        )
        if segment:
            if segment not in segments:
                raise ValidationError(
                    f"no scored customer is in the segment {_short(segment)!r}", where="segment"
                )
            t = t.filter(t.segment == segment)
        has_clv = "customer_value" in con.list_tables()
        if has_clv:
            v = con.table("customer_value").select("customer", clv=lambda c: c.clv)
            t = t.left_join(v, t.customer == v.customer).select(t, v.clv)
        r = con.table("responses")
        r = _with_person(con, r.filter(r.metric == "nps"))
        last = r.group_by("person").aggregate(nps_last=r.score.argmax(r.timestamp))
        t = t.left_join(last, t.customer == last.person).select(t, last.nps_last)
        total = int(t.count().to_pyarrow().as_py())
        ordered = t.order_by([t.risk.desc(), t.customer])
        if limit is not None:
            ordered = ordered.limit(limit)
        rows = ordered.to_pyarrow().to_pylist()
        first = s.select("model").limit(1).to_pyarrow().to_pylist()
        cases = _open_cases(con, actor, [str(row["customer"]) for row in rows])
    from cxpilot.customers.selectors import UNRESOLVED_PREFIX

    model = json.loads(first[0]["model"]) if first else {}
    out = []
    for row in rows:
        person = str(row["customer"])
        resolved = not person.startswith(UNRESOLVED_PREFIX)
        reasons = json.loads(row["reasons"] or "[]")
        out.append(
            {
                "customer": person,
                "shown": person if resolved else ":".join(person.split(UNRESOLVED_PREFIX)[1:]),
                "resolved": resolved,
                "risk": float(row["risk"]),
                "segment": row["segment"],
                "clv": row.get("clv"),
                "nps_last": row["nps_last"],
                "open_cases": None if cases is None else cases.get(str(row["customer"]), 0),
                "reasons": [
                    {**reason, "words": feature_words(str(reason.get("feature", "")))}
                    for reason in reasons
                ],
                "computed_at": row["computed_at"],
            }
        )
    return RiskList(
        rows=out,
        total=total,
        segments=segments,
        model=model,
        has_clv=has_clv,
        has_cases=cases is not None,
    )


def calibration_chart(bins: list[dict[str, float]]) -> dict[str, Any]:
    """The calibration curve (Vega-Lite): each bin's mean predicted probability against its
    observed churn rate, with the diagonal of a perfect calibration."""
    import altair as alt
    from django.utils.translation import gettext

    from cxpilot.kernel.charts import BRAND, MUTED, finish

    predicted, observed = gettext("Predicted risk"), gettext("Observed churn")
    data = alt.Data(values=[{"p": b["predicted"], "o": b["observed"], "n": b["n"]} for b in bins])
    scale = alt.Scale(domain=[0, 1])
    diagonal = (
        alt.Chart(alt.Data(values=[{"p": 0, "o": 0}, {"p": 1, "o": 1}]))
        .mark_line(color=MUTED, strokeDash=[4, 4])
        .encode(x=alt.X("p:Q", scale=scale), y=alt.Y("o:Q", scale=scale))
    )
    curve = (
        alt.Chart(data)
        .mark_line(color=BRAND, point=True)
        .encode(
            x=alt.X("p:Q", title=predicted, scale=scale, axis=alt.Axis(format="%")),
            y=alt.Y("o:Q", title=observed, scale=scale, axis=alt.Axis(format="%")),
            tooltip=[
                alt.Tooltip("p:Q", title=predicted, format=".1%"),
                alt.Tooltip("o:Q", title=observed, format=".1%"),
                alt.Tooltip("n:Q", title=gettext("Customers")),
            ],
        )
    )
    return finish(alt.layer(diagonal, curve).properties(width="container", height=260))
