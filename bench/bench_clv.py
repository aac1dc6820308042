"""Customer lifetime value on 1,000,000 customers: CX Pilot against ``lifetimes`` 0.11.3.

The customers are drawn from the models themselves, with parameters like CDNOW's (Fader,
Hardie & Lee 2005; Fader & Hardie 2013): each customer's purchase rate λ ~ Gamma(r = 0.243,
α = 4.414), drop-out probability p ~ Beta(a = 0.793, b = 2.426), observed for T weeks
(their first purchase on a uniform day of the first 12 weeks of a 39-week calibration);
purchases on whole days, as data has them; each repeat customer's mean spend from
Gamma-Gamma (p = 6.25, q = 3.74, γ = 15.44). Seeded: the same data every run.

Both do, on the same arrays, in the same run: fit BG/NBD, fit Gamma-Gamma, P(alive), the
expected purchases over 52 weeks and the CLV over 12 months (1 % a month, ``freq="W"``).
The interval computation of CX Pilot (the delta method) is not timed: ``lifetimes`` has
none. The two must agree: parameters to 3 significant digits, predictions closely.

``lifetimes`` (unmaintained since 2020) is installed with its two own dependencies into the
bench cache (``requirements-clv.txt``, ``pip install --no-deps --target``), never into the
project. Quick run: ``BENCH_CLV_CUSTOMERS=100000``.

Run: ``python bench/run.py clv``; writes ``bench/results/clv.json``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements-clv.txt"
sys.path.insert(0, str(HERE.parent / "src"))

CUSTOMERS = int(os.environ.get("BENCH_CLV_CUSTOMERS", "1000000"))
SEED = 16
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
WEEKS = 39
HORIZON = 52.0
MONTHS = 12
MONTHLY = 0.01


def cache_dir() -> Path:
    """``$CXPILOT_BENCH_CACHE``, else ``$XDG_CACHE_HOME/cxpilot-bench`` (``~/.cache``)."""
    explicit = os.environ.get("CXPILOT_BENCH_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cxpilot-bench"


def install_peer(cache: Path) -> None:
    site = cache / "site-clv"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    stamp = site / ".cxpilot-bench-requirements"
    if not (stamp.exists() and stamp.read_text(encoding="utf-8") == wanted):
        print(f"installing lifetimes into {site}", file=sys.stderr)
        cmd = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        cmd += ["--no-deps", "--upgrade", "--target", str(site), "-r", str(REQUIREMENTS)]
        subprocess.run(cmd, check=True)
        stamp.write_text(wanted, encoding="utf-8")
    if str(site) not in sys.path:
        sys.path.append(str(site))  # after the project's own packages


def customers(n: int, seed: int = SEED) -> tuple[np.ndarray, ...]:
    """``x, t_x, T`` (weeks, on whole days) and the mean repeat spend of ``n`` customers."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(BG["r"], 1.0 / BG["alpha"], n) / 7.0  # a day
    drop = rng.beta(BG["a"], BG["b"], n)
    birth = rng.integers(0, 12 * 7, n)
    span = WEEKS * 7 - birth  # days observed after the first purchase
    x = np.zeros(n)
    last = np.zeros(n)
    now = np.zeros(n)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1.0, active.size) / np.maximum(lam[active], 1e-300)
        bought = now[active] <= span[active]
        active = active[bought]
        day = np.ceil(now[active])
        fresh = day > last[active]  # purchases of one day count as one
        x[active[fresh]] += 1
        last[active] = np.where(fresh, day, last[active])
        alive = rng.random(active.size) >= drop[active]
        active = active[alive]
    t_x = np.minimum(last, span) / 7.0
    big_t = span / 7.0
    nu = rng.gamma(GG["q"], 1.0 / GG["gamma"], n)
    shape = GG["p"] * np.maximum(x, 1)
    mean = np.where(x > 0, rng.gamma(shape, 1.0 / (nu * np.maximum(x, 1))), np.nan)
    return x, t_x, big_t, mean


def cxpilot_run(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, mean: np.ndarray) -> Any:
    from cxpilot.value import stats

    steps: dict[str, float] = {}
    start = time.perf_counter()
    bg = stats.bg_nbd_fit(x, t_x, big_t)
    steps["fit_bg_nbd"] = time.perf_counter() - start
    start = time.perf_counter()
    k = x > 0
    gg = stats.gamma_gamma_fit(x[k], mean[k])
    steps["fit_gamma_gamma"] = time.perf_counter() - start
    start = time.perf_counter()
    alive = stats.bg_nbd_alive(bg, x, t_x, big_t)
    steps["p_alive"] = time.perf_counter() - start
    start = time.perf_counter()
    expected = stats.bg_nbd_expected(bg, HORIZON, x, t_x, big_t)
    steps["expected_purchases"] = time.perf_counter() - start
    start = time.perf_counter()
    spend = stats.gamma_gamma_expected(gg, x, np.nan_to_num(mean))
    clv = stats.clv(bg, x, t_x, big_t, spend, months=MONTHS, monthly_rate=MONTHLY)
    steps["clv"] = time.perf_counter() - start
    params = {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b,
              "p": gg.p, "q": gg.q, "gamma": gg.gamma}  # fmt: skip
    return steps, params, alive, expected, clv


def lifetimes_run(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray, mean: np.ndarray) -> Any:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    steps: dict[str, float] = {}
    start = time.perf_counter()
    bgf = BetaGeoFitter()
    bgf.fit(x, t_x, big_t)
    steps["fit_bg_nbd"] = time.perf_counter() - start
    start = time.perf_counter()
    k = x > 0
    ggf = GammaGammaFitter()
    ggf.fit(x[k], mean[k])
    steps["fit_gamma_gamma"] = time.perf_counter() - start
    start = time.perf_counter()
    alive = bgf.conditional_probability_alive(x, t_x, big_t)
    steps["p_alive"] = time.perf_counter() - start
    start = time.perf_counter()
    expected = bgf.conditional_expected_number_of_purchases_up_to_time(HORIZON, x, t_x, big_t)
    steps["expected_purchases"] = time.perf_counter() - start
    start = time.perf_counter()
    clv = ggf.customer_lifetime_value(
        bgf, pd.Series(x), pd.Series(t_x), pd.Series(big_t), pd.Series(np.nan_to_num(mean)),
        time=MONTHS, discount_rate=MONTHLY, freq="W",
    )  # fmt: skip
    steps["clv"] = time.perf_counter() - start
    p = dict(bgf.params_) | {"p": ggf.params_["p"], "q": ggf.params_["q"],
                            "gamma": ggf.params_["v"]}  # fmt: skip
    params = {key: float(p[key]) for key in ("r", "alpha", "a", "b", "p", "q", "gamma")}
    return steps, params, np.asarray(alive), np.asarray(expected), np.asarray(clv)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-9)))


def run() -> dict[str, Any]:
    install_peer(cache_dir())
    start = time.perf_counter()
    x, t_x, big_t, mean = customers(CUSTOMERS)
    drawn = time.perf_counter() - start
    ours = cxpilot_run(x, t_x, big_t, mean)
    theirs = lifetimes_run(x, t_x, big_t, mean)
    total_ours, total_theirs = sum(ours[0].values()), sum(theirs[0].values())
    agree = {key: (float(f"{ours[1][key]:.3g}"), float(f"{theirs[1][key]:.3g}")) for key in ours[1]}
    return {
        "customers": CUSTOMERS,
        "repeat_customers": int((x > 0).sum()),
        "seed": SEED,
        "drawn_seconds": drawn,
        "true_parameters": BG | GG,
        "cxpilot": {"seconds": total_ours, "steps": ours[0], "parameters": ours[1]},
        "lifetimes": {"seconds": total_theirs, "steps": theirs[0], "parameters": theirs[1]},
        "ratio": total_theirs / total_ours,
        "parameters_agree_3_digits": all(a == b for a, b in agree.values()),
        "max_relative_difference": {
            "p_alive": _rel(ours[2], theirs[2]),
            "expected_purchases": _rel(ours[3], theirs[3]),
            "clv": _rel(ours[4], theirs[4]),
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
