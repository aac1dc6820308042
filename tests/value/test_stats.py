"""BG/NBD and Gamma-Gamma against their published estimates on the CDNOW sample.

The 2,357-customer sample ships inside the ``lifetimes`` wheel (``Lifetimes-0.11.3``), which
the test command fetches once into the bench cache (``bench/eval_linkage.py``, sha256
checked); the tests are skipped when it could not be fetched."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from cxpilot.value import stats

pytestmark = pytest.mark.pure

WHEEL = "Lifetimes-0.11.3-py3-none-any.whl"


def _cdnow() -> str:
    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    import eval_linkage

    wheel = eval_linkage.wheel_path(wheel=eval_linkage.LIFETIMES_WHEEL)
    if not wheel.exists():
        pytest.skip(f"{WHEEL} is not in the bench cache")
    with zipfile.ZipFile(wheel) as archive:
        return archive.read("lifetimes/datasets/CDNOW_sample.txt").decode()


@pytest.fixture(scope="module")
def calibration():
    import pandas as pd

    df = pd.read_csv(
        io.StringIO(_cdnow()),
        sep=r"\s+",
        header=None,
        names=["customer", "customer2", "date", "cds", "amount"],
        dtype={"date": str},
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")  # 39 weeks
    days = df[df.date <= end].groupby(["customer", "date"], as_index=False)["amount"].sum()
    g = days.groupby("customer")
    first, last, n = g.date.min(), g.date.max(), g.date.nunique()
    x = (n - 1).to_numpy(float)
    t_x = ((last - first).dt.days / 7).to_numpy(float)
    big_t = ((end - first).dt.days / 7).to_numpy(float)
    days["rank"] = days.groupby("customer").date.rank(method="first")
    repeats = days[days["rank"] > 1].groupby("customer")["amount"].agg(["mean", "count"])
    return x, t_x, big_t, repeats


def test_bg_nbd_reproduces_fader_hardie_lee_2005(calibration):
    x, t_x, big_t, _ = calibration
    assert x.size == 2357
    m = stats.bg_nbd_fit(x, t_x, big_t)
    assert (round(m.r, 3), round(m.alpha, 3), round(m.a, 3), round(m.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    assert round(m.log_likelihood, 1) == -9582.4
    # the paper's worked customer: x = 2, t_x = 30.43, T = 38.86 → 1.226 purchases in 39 weeks
    found = stats.bg_nbd_expected(m, 39, np.array([2.0]), np.array([30.43]), np.array([38.86]))
    assert round(float(found[0]), 3) == 1.226


def test_gamma_gamma_reproduces_fader_hardie_2013(calibration):
    *_, repeats = calibration
    assert len(repeats) == 946
    m = stats.gamma_gamma_fit(repeats["count"].to_numpy(), repeats["mean"].to_numpy())
    assert (round(m.p, 2), round(m.q, 2), round(m.gamma, 2)) == (6.25, 3.74, 15.44)


def test_clv_fit_on_a_transactions_file(calibration, tmp_path):
    """The command fits the same models from a file in the transactions import format."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from cxpilot.cli import app

    df = pd.read_csv(
        io.StringIO(_cdnow()),
        sep=r"\s+",
        header=None,
        names=["customer_id", "customer2", "date", "cds", "amount"],
        dtype={"date": str, "customer_id": str},
    )
    df["timestamp"] = pd.to_datetime(df["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d")
    df["transaction_id"] = [f"T{i}" for i in range(len(df))]
    path = tmp_path / "cdnow.csv"
    df[["transaction_id", "customer_id", "timestamp", "amount"]].to_csv(path, index=False)
    runner = CliRunner()
    result = runner.invoke(
        app, ["clv", "fit", "--file", str(path), "--calibration-end", "1997-09-30", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["customers"] == 2357 and found["repeat_customers"] == 946
    bg, gg = found["bg_nbd"], found["gamma_gamma"]
    assert [round(bg[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]
    assert round(bg["log_likelihood"], 1) == -9582.4
    assert [round(gg[k], 2) for k in ("p", "q", "gamma")] == [6.25, 3.74, 15.44]
    # too early: a clear error on the option, exit code 2
    early = runner.invoke(
        app, ["clv", "fit", "--file", str(path), "--calibration-end", "1996-12-31"]
    )
    assert early.exit_code == 2 and "--calibration-end" in early.output
    bad = runner.invoke(app, ["clv", "fit", "--file", str(path), "--calibration-end", "1997-13-01"])
    assert bad.exit_code == 2 and "not a date" in bad.output
