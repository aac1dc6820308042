"""Numbers a file should never hold (inf, nan, 1e308): refused where they are, or read as
missing by the churn model; no NaN in a JSON output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxpilot.cli import app
from cxpilot.kernel.errors import ValidationError
from cxpilot.value import churn, selectors, stats

runner = CliRunner()


def sales(tmp_path, hostile: str) -> str:
    """Forty customers buying three times each; one amount is ``hostile``."""
    lines = ["transaction_id,customer_id,timestamp,amount"]
    for c in range(40):
        for k in range(3):
            lines.append(f"t{c}-{k},c{c},2026-0{k + 1}-{c % 28 + 1:02d},{10 + c + k}")
    lines[5] = lines[5].rsplit(",", 1)[0] + "," + hostile
    path = tmp_path / "sales.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("hostile", "reason"),
    [
        ("inf", "is not a finite number"),
        ("-inf", "is not a finite number"),
        ("nan", "is not a finite number"),
        ("1e308", "must be at most 1e+12"),
    ],
)
def test_clv_fit_refuses_a_file_with_a_hostile_amount(db, tmp_path, hostile, reason):
    path = sales(tmp_path, hostile)
    result = runner.invoke(
        app, ["clv", "fit", "--file", path, "--calibration-end", "2026-06-30", "-f", "json"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "NaN" not in result.stdout
    assert "sales.csv:line 6" in result.output and "amount" in result.output
    assert reason in result.output and hostile in result.output


def test_a_fit_that_is_not_finite_is_an_error_not_nan(db, tmp_path, monkeypatch):
    real = stats.gamma_gamma_fit

    def broken(x, mean):
        fit = real(x, mean)
        return stats.GammaGamma(fit.p, fit.q, fit.gamma, float("nan"))

    monkeypatch.setattr(stats, "gamma_gamma_fit", broken)
    path = sales(tmp_path, "12")
    with pytest.raises(ValidationError, match="gamma_gamma model's log_likelihood") as info:
        selectors.clv_fit(calibration_end=dt.date(2026, 6, 30), file=Path(path))
    assert info.value.where == "--calibration-end"
    result = runner.invoke(
        app, ["clv", "fit", "--file", path, "--calibration-end", "2026-06-30", "-f", "json"]
    )
    assert result.exit_code == 2 and "not a finite number" in result.output
    assert "NaN" not in result.stdout


def customers(tmp_path, hostile: str, n: int = 300):
    rng = np.random.default_rng(1)
    signal = rng.normal(size=n)
    churned = np.where(rng.random(n) < 1 / (1 + np.exp(-2 * signal)), "Yes", "No")
    values = [f"{v:.3f}" for v in signal]
    values[5] = hostile
    frame = pd.DataFrame({"id": [f"C{i}" for i in range(n)], "signal": values, "churn": churned})
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    return str(path)


@pytest.mark.pure
@pytest.mark.parametrize("hostile", ["inf", "-Infinity", "nan", "NaN"])
def test_churn_reads_inf_and_nan_as_missing(tmp_path, hostile):
    path = customers(tmp_path, hostile)
    result = runner.invoke(
        app,
        ["churn", "train", "--file", path, "--target", "churn", "--id", "id", "-f", "json"],
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["n"] == 300 and found["auc"] > 0.7
    assert "signal" in {f["column"] for f in found["features"]}
    frame, _, rows = churn.file_frame(Path(path), target="churn", id_column="id")
    typed = churn.columns_typed(frame, rows=rows)
    assert typed.numeric == ["signal"] and np.isnan(typed.frame["signal"].iloc[5])
    assert np.isfinite(typed.frame["signal"].drop(index=typed.frame.index[5])).all()


@pytest.mark.pure
@pytest.mark.parametrize("hostile", ["1e308", "-1e308", "1e400", "2e15"])
def test_churn_refuses_a_number_too_large_naming_column_and_line(tmp_path, hostile):
    path = customers(tmp_path, hostile)
    result = runner.invoke(
        app,
        ["churn", "train", "--file", path, "--target", "churn", "--id", "id", "-f", "json"],
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "customers.csv:line 7:signal" in result.output
    assert f"'{hostile}'" in result.output and "too large" in result.output


@pytest.mark.pure
def test_churn_typed_numbers_in_a_numeric_frame():
    frame = pd.DataFrame({"x": [1.0, np.inf, 3.0, -np.inf, np.nan, 2.0], "y": [1, 2, 3, 4, 5, 6]})
    typed = churn.columns_typed(frame)
    assert typed.numeric == ["x", "y"]
    assert typed.frame["x"].isna().tolist() == [False, True, False, True, True, False]
    with pytest.raises(ValidationError, match="too large") as info:
        churn.columns_typed(frame.assign(y=[1, 2, 1e300, 4, 5, 6]))
    assert info.value.where == "row 3:y"
