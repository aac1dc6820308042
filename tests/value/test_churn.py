"""Churn risk: the label read from a file, bad files refused with a clear error, the AUC of a
known signal, the reasons of a linear model checked by hand, the command's JSON, the
warehouse features and label on hand-built data, and the page."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.value import churn

runner = CliRunner()


def synthetic(n: int = 1200, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``signal`` drives churn (log-odds 1.5 per unit, intercept −1), ``noise`` does not,
    ``plan`` (three levels) adds +1 for ``basic``. Returns the frame, the label and the true
    log-odds."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    noise = rng.normal(size=n)
    plan = rng.choice(["basic", "plus", "pro"], size=n)
    logit = -1.0 + 1.5 * signal + (plan == "basic") * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    frame = pd.DataFrame({"signal": signal, "noise": noise, "plan": plan})
    return frame, y, logit


# ------------------------------------------------------------------ the label


@pytest.mark.pure
@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["yes", "No", " YES ", "no"], [1, 0, 1, 0]),
        (["true", "False", "TRUE"], [1, 0, 1]),
        (["1", "0", "1.0", "0.0"], [1, 0, 1, 0]),
        (["Churned", "retained", "churned"], [1, 0, 1]),
        ([True, False], [1, 0]),
        ([1, 0, 1], [1, 0, 1]),
    ],
)
def test_labels_are_mapped(values, expected):
    assert churn.labels_mapped(values, "churn").tolist() == expected


@pytest.mark.pure
def test_an_empty_label_is_left_out():
    found = churn.labels_mapped(["yes", "", None, "no"], "churn")
    assert found[0] == 1 and found[3] == 0 and np.isnan(found[1]) and np.isnan(found[2])


@pytest.mark.pure
@pytest.mark.parametrize("odd", ["maybe", "2", "yes please", "-1"])
def test_an_ambiguous_label_is_refused_naming_column_and_values(odd):
    with pytest.raises(ValidationError) as exc:
        churn.labels_mapped(["yes", "no", odd], "Exited")
    assert "'Exited'" in exc.value.detail and repr(odd) in exc.value.detail
    assert exc.value.where == "--target Exited"


@pytest.mark.pure
def test_a_hostile_label_is_refused_shortened(hostile):
    if not hostile.strip() or hostile.strip().lower() in churn.POSITIVE | churn.NEGATIVE:
        pytest.skip("an empty label is left out, not refused")
    with pytest.raises(ValidationError) as exc:
        churn.labels_mapped(["yes", hostile], "churn")
    assert len(exc.value.detail) < 400


# ------------------------------------------------------------------ the columns


@pytest.mark.pure
def test_columns_are_typed():
    n = 100
    frame = pd.DataFrame(
        {
            "id": [f"C{i}" for i in range(n)],
            "age": [str(20 + i % 50) if i % 10 else "" for i in range(n)],
            "plan": ["a", "b"] * (n // 2),
            "same": ["x"] * n,
            "flag": [True, False] * (n // 2),
            "empty": [None] * n,
        }
    )
    found = churn.columns_typed(frame)
    assert found.numeric == ["age", "flag"]
    assert found.categorical == ["plan"]
    assert found.dropped == {"id": "id-like text", "same": "constant", "empty": "empty"}
    assert np.isnan(found.frame["age"].iloc[0]) and found.frame["age"].iloc[1] == 21.0


# ------------------------------------------------------------------ the model


@pytest.mark.pure
def test_auc_of_a_known_signal():
    frame, y, logit = synthetic()
    model = churn.churn_fit(churn.columns_typed(frame), y)
    # the best any model can do on these rows: the true log-odds as the score
    from sklearn.metrics import roc_auc_score

    best = roc_auc_score(y, logit)
    assert best - 0.03 < model.auc <= best + 0.02
    assert 0 < model.auc_sd < 0.05 and len(model.auc_folds) == 5
    assert model.auc_boosting is not None and 0.7 < model.auc_boosting <= best + 0.02
    top = churn.ranked(model.features)
    assert top[0].name == "signal" and top[0].coefficient > 0
    noise = next(f for f in model.features if f.name == "noise")
    assert noise.importance < 0.1 * top[0].importance
    basic = next(f for f in model.features if f.name == "plan=basic")
    assert basic.coefficient > 0
    # calibrated: the bins' predicted and observed rates agree
    assert len(model.calibration) == 10 and sum(b["n"] for b in model.calibration) == len(y)
    gap = max(abs(b["predicted"] - b["observed"]) for b in model.calibration)
    assert gap < 0.1
    # the slope of the true log-odds is recovered, per unit of the feature
    assert top[0].per_unit == pytest.approx(1.5, abs=0.25)


@pytest.mark.pure
def test_reasons_of_a_linear_model_by_hand():
    """The contribution of a feature is a·β·(x − mean)/sd: recomputed here with numpy from
    the fitted coefficients, and the log-odds of the risk are the intercept plus their sum."""
    frame, y, _ = synthetic(n=600, seed=3)
    frame = frame[["signal", "noise"]]
    model = churn.churn_fit(churn.columns_typed(frame), y, compare=False)
    lr = model.pipeline[-1]
    x = frame.to_numpy()
    mean, sd = x.mean(axis=0), x.std(axis=0)  # the population sd, as StandardScaler
    a, b = model.platt_a, model.platt_b
    by_hand = a * lr.coef_[0] * (x - mean) / sd
    base, parts = model.log_odds_parts(frame)
    assert np.allclose(parts, by_hand)
    risk = model.risk(frame)
    z = lr.intercept_[0] + ((x - mean) / sd) @ lr.coef_[0]
    assert np.allclose(risk, 1 / (1 + np.exp(-(a * z + b))))
    assert np.allclose(np.log(risk / (1 - risk)), base + parts.sum(axis=1))
    # a customer two sd above on the signal and at the mean of the noise: one reason
    probe = pd.DataFrame({"signal": [mean[0] + 2 * sd[0]], "noise": [mean[1]]})
    reasons = model.reasons(probe)[0]
    assert len(reasons) == 1 and model.features[reasons[0][0]].name == "signal"
    assert reasons[0][1] == pytest.approx(2 * a * lr.coef_[0][0])
    # below the mean on both: nothing raises the risk, no reason
    low = pd.DataFrame({"signal": [mean[0] - sd[0]], "noise": [mean[1] - np.sign(lr.coef_[0][1]) * sd[1]]})
    assert model.reasons(low)[0] == []


# ------------------------------------------------------------------ a file, by the command


def write(tmp_path, frame: pd.DataFrame, name: str = "customers.csv"):
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path)
    elif name.endswith(".jsonl"):
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False)
    return path


def labelled(n: int = 400, seed: int = 2) -> pd.DataFrame:
    frame, y, _ = synthetic(n=n, seed=seed)
    frame.insert(0, "customerID", [f"C{i:05d}" for i in range(n)])
    frame["Churn"] = np.where(y == 1, "Yes", "No")
    return frame


@pytest.mark.pure
@pytest.mark.parametrize("name", ["customers.csv", "customers.parquet", "customers.jsonl"])
def test_train_a_file_prints_the_json(tmp_path, name):
    path = write(tmp_path, labelled(), name)
    result = runner.invoke(
        app,
        ["churn", "train", "--file", str(path), "--target", "churn", "--id", "customerid",
         "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert {"auc", "auc_sd", "n", "positives", "features", "calibration", "compare"} <= set(found)
    assert found["n"] == 400 and 0 < found["positives"] < 400
    assert 0.7 < found["auc"] < 1
    names = [f["feature"] for f in found["features"]]
    assert names[0] == "signal" and "customerID" not in {f["column"] for f in found["features"]}
    assert all({"feature", "importance", "coefficient"} <= set(f) for f in found["features"])
    assert all({"predicted", "observed", "n"} <= set(b) for b in found["calibration"])


def refused(args: list[str]) -> str:
    result = runner.invoke(app, ["churn", "train", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.pure
def test_bad_files_are_refused_clearly(tmp_path):
    good = labelled()
    path = write(tmp_path, good)
    out = refused(["--file", str(path), "--target", "exited"])
    assert "no column 'exited'" in out and "Churn" in out
    out = refused(["--file", str(path), "--target", "Churn", "--id", "nope"])
    assert "no column 'nope'" in out
    one = good.assign(Churn="No")
    out = refused(["--file", str(write(tmp_path, one, "one.csv")), "--target", "Churn"])
    assert "one class" in out
    few = good.head(20)
    out = refused(["--file", str(write(tmp_path, few, "few.csv")), "--target", "Churn"])
    assert "20 labelled row(s)" in out
    odd = good.assign(Churn=["Yes", "No", "Perhaps", "No"] * 100)
    out = refused(["--file", str(write(tmp_path, odd, "odd.csv")), "--target", "Churn"])
    assert "'Perhaps'" in out and "'Churn'" in out
    dup = good.assign(customerID="same")
    out = refused(["--file", str(write(tmp_path, dup, "dup.csv")), "--target", "Churn", "--id", "customerID"])
    assert "more than one row" in out
    only_ids = good[["customerID", "Churn"]]
    out = refused(["--file", str(write(tmp_path, only_ids, "ids.csv")), "--target", "Churn"])
    assert "no column to learn from" in out
    out = refused(["--file", str(tmp_path / "missing.csv"), "--target", "Churn"])
    assert "no such file" in out
    out = refused(["--file", str(path)])
    assert "--target" in out
    out = refused(["--file", str(path), "--target", "Churn", "--cutoff", "2025-01-01"])
    assert "--cutoff" in out
    out = refused(["--cutoff", "2025-13-01"])
    assert "not a date" in out
    out = refused(["--cutoff", "2025-01-01", "--window-days", "0"])
    assert "--window-days" in out


@pytest.mark.pure
def test_a_hostile_column_name_is_refused(tmp_path, hostile):
    path = write(tmp_path, labelled())
    if not hostile.strip():
        out = refused(["--file", str(path), "--target", hostile])
        return
    out = refused(["--file", str(path), "--target", hostile])
    assert "no column" in out


@pytest.mark.pure
def test_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    refused(["--file", str(path), "--target", "Churn"])
