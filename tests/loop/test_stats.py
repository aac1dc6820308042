"""The shift detector on numbers: a published CUSUM example, published average run lengths,
the in-control rate by simulation, and the detector on series whose truth is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cxpilot.analytics import stats as metric_stats
from cxpilot.loop.stats import (
    CUSUM,
    Cusum,
    arl0,
    detect_shifts,
    lower_cusum,
    score_and_sd,
    simulate_false_alarms,
)

pytestmark = pytest.mark.pure

#: Montgomery, Introduction to Statistical Quality Control (6th ed.), Example 9.1, Table 9.1:
#: 20 observations from N(10, 1), then 10 from N(11, 1).
MONTGOMERY_9_1 = [
    9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
    9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
    10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52,
]  # fmt: skip


def test_montgomery_example_9_1():
    """The upper CUSUM of the example (μ0 = 10, σ = 1, K = 0.5, H = 5) is our lower CUSUM of
    the values mirrored around μ0: it signals at period 29 with C⁺ = 5.28, and the run began
    at period 23 (N⁺ = 7: the shift is estimated to start after period 22)."""
    z = [-(x - 10.0) for x in MONTGOMERY_9_1]
    s, signals = lower_cusum(z, k=0.5, h=5)
    assert signals == [28]
    assert s[28] == pytest.approx(5.28, abs=0.005)
    # some values of the table's C⁺ column
    assert s[3] == pytest.approx(1.16, abs=0.005)
    assert s[4] == pytest.approx(2.82, abs=0.005)
    assert s[21] == 0.0
    assert s[27] == pytest.approx(4.47, abs=0.005)
    last_zero = max(i for i in range(28) if s[i] == 0.0)
    assert last_zero + 1 == 22  # index 22 is period 23: N⁺ = 29 − 22 = 7


def test_arl0_against_montgomery_table_9_3():
    """Two-sided tabular CUSUM, k = 0.5: ARL₀ 168 for h = 4 and 465 for h = 5; the one-sided
    chart signals half as often (Siegmund's approximation, within 1 %)."""
    assert arl0(0.5, 4) / 2 == pytest.approx(168, rel=0.01)
    assert arl0(0.5, 5) / 2 == pytest.approx(465, rel=0.01)
    # shifted by one σ: Table 9.3 gives 8.38 (h = 4) and 10.4 (h = 5)
    assert arl0(0.5, 4, shift=1.0) == pytest.approx(8.38, rel=0.01)
    assert arl0(0.5, 5, shift=1.0) == pytest.approx(10.4, rel=0.01)
    assert arl0(0.5, 4, shift=0.5) == pytest.approx((4 + 1.166) ** 2)


def test_in_control_run_length_by_simulation():
    """The one-sided CUSUM with k = 0.5, h = 4 on N(0, 1) data signals every ≈ 336 steps."""
    rng = np.random.default_rng(7)
    runs = 3000
    s = np.zeros(runs)
    length = np.zeros(runs)
    alive = np.ones(runs, dtype=bool)
    step = 0
    while alive.any() and step < 20_000:
        step += 1
        s = np.where(alive, np.maximum(0.0, s - rng.standard_normal(runs) - 0.5), s)
        stopped = alive & (s > 4)
        length[stopped] = step
        alive &= ~stopped
    assert not alive.any()
    mean = length.mean()
    se = length.std() / np.sqrt(runs)
    assert abs(mean - arl0(0.5, 4)) < 3 * se, (mean, se)


def test_score_and_sd_agree_with_the_metrics():
    n, promoters, detractors = 100, 50, 20
    score, sd = score_and_sd(
        "nps",
        {"n": n, "promoters": promoters, "detractors": detractors, "total": 0, "total_sq": 0},
    )
    ref = metric_stats.nps(promoters, detractors, n)
    assert score == pytest.approx(float(ref.score)) == 30
    assert sd / np.sqrt(n) == pytest.approx(float(ref.se))  # 7.81, Rocks 2016
    scores = np.array([5, 4, 4, 3, 1, 5, 5, 2], dtype=float)
    mean, sd = score_and_sd("csat", [scores.size, 0, 0, scores.sum(), (scores**2).sum()])
    assert mean == pytest.approx(scores.mean())
    assert sd == pytest.approx(scores.std(ddof=1))


MONDAY = dt.date(2024, 1, 1)


def weekly(rng, weeks: int, n: int, probabilities, drop_at: int | None = None, drop_to=None):
    """Sums of ``weeks`` weeks of ``n`` answers drawn from ``probabilities`` over scores 0…,
    from ``drop_to`` on from week ``drop_at``."""
    scores = np.arange(len(probabilities), dtype=float)
    rows = []
    for w in range(weeks):
        p = drop_to if drop_at is not None and w >= drop_at else probabilities
        c = rng.multinomial(n, p)
        rows.append([n, c[9:].sum(), c[:7].sum(), c @ scores, c @ scores**2])
    sums = np.array(rows, dtype=float)
    keys = ("n", "promoters", "detractors", "total", "total_sq")
    return [MONDAY + dt.timedelta(weeks=w) for w in range(weeks)], {
        k: sums[:, i] for i, k in enumerate(keys)
    }


#: NPS +15 (40 % promoters, 25 % detractors), then NPS −10 (25 %, 35 %).
NPS_BEFORE = [0.05, 0.03, 0.03, 0.03, 0.03, 0.04, 0.04, 0.15, 0.20, 0.20, 0.20]
NPS_AFTER = [0.07, 0.04, 0.04, 0.05, 0.05, 0.05, 0.05, 0.20, 0.20, 0.15, 0.10]


def test_a_sustained_drop_is_found_within_weeks_and_dated():
    rng = np.random.default_rng(1)
    weeks, sums = weekly(rng, 80, 90, NPS_BEFORE, drop_at=60, drop_to=NPS_AFTER)
    (shift,) = detect_shifts(metric="nps", weeks=weeks, sums=sums, params=CUSUM)
    assert weeks[60] <= shift.detected_week <= weeks[64]
    assert shift.detected_on == shift.detected_week + dt.timedelta(days=6)
    assert weeks[57] <= shift.start <= weeks[62]
    assert shift.baseline == pytest.approx(15, abs=4)
    assert shift.score == pytest.approx(-10, abs=8) and shift.delta < -15
    assert shift.statistic > shift.threshold == CUSUM.h
    assert shift.reference_end < shift.start and shift.baseline_n >= 26 * 90
    assert shift.z < -3


def test_no_signal_in_control_nor_on_a_rise():
    rng = np.random.default_rng(2)
    weeks, sums = weekly(rng, 104, 60, NPS_BEFORE)
    assert detect_shifts(metric="nps", weeks=weeks, sums=sums) == []
    weeks, sums = weekly(rng, 104, 60, NPS_AFTER, drop_at=50, drop_to=NPS_BEFORE)
    assert detect_shifts(metric="nps", weeks=weeks, sums=sums) == []


def test_monitoring_waits_for_a_reference_and_pauses_after_a_signal():
    rng = np.random.default_rng(3)
    # a drop in week 10: too early, there is no reference yet; the new level becomes the norm
    weeks, sums = weekly(rng, 104, 90, NPS_BEFORE, drop_at=10, drop_to=NPS_AFTER)
    assert detect_shifts(metric="nps", weeks=weeks, sums=sums) == []
    # one drop gives one signal: after it the detector learns the new level again
    weeks, sums = weekly(rng, 104, 90, NPS_BEFORE, drop_at=40, drop_to=NPS_AFTER)
    assert len(detect_shifts(metric="nps", weeks=weeks, sums=sums)) == 1


def test_small_weeks_are_pooled_and_gaps_allowed():
    rng = np.random.default_rng(4)
    weeks, sums = weekly(rng, 104, 12, NPS_BEFORE, drop_at=70, drop_to=NPS_AFTER)
    keep = [i for i in range(104) if i % 9 != 4]  # some weeks without any answer
    weeks = [weeks[i] for i in keep]
    sums = {k: v[keep] for k, v in sums.items()}
    (shift,) = detect_shifts(metric="nps", weeks=weeks, sums=sums, params=CUSUM)
    assert shift.detected_week >= MONDAY + dt.timedelta(weeks=70)
    assert (shift.detected_week - MONDAY).days // 7 <= 86
    # steps of at least 30 answers: three weeks of 12
    traced = detect_shifts(metric="nps", weeks=weeks, sums=sums, trace=True)[0]
    gaps = np.diff([dt.date.fromisoformat(str(s["week"])).toordinal() for s in traced.steps])
    assert traced.steps and all(g >= 14 for g in gaps)
    # the order of the weeks given does not matter
    again = detect_shifts(
        metric="nps",
        weeks=weeks[::-1],
        sums={k: v[::-1] for k, v in sums.items()},
    )
    assert [s.detected_week for s in again] == [shift.detected_week]


def test_a_drop_split_by_a_month_boundary_is_one_signal():
    """A drop of a mean (CSAT 1–5) that builds over four weeks across a month boundary."""
    rng = np.random.default_rng(5)
    before = [0, 0.04, 0.06, 0.12, 0.40, 0.38]  # mean ≈ 4.02
    after = [0, 0.10, 0.09, 0.16, 0.35, 0.30]  # mean ≈ 3.66
    weeks, sums = weekly(rng, 70, 95, before)
    for w, share in zip(range(56, 70), [0.25, 0.5, 0.75] + [1.0] * 11, strict=True):
        mix = (1 - share) * np.array(before) + share * np.array(after)
        c = rng.multinomial(95, mix)
        s = np.arange(6, dtype=float)
        sums["total"][w], sums["total_sq"][w] = c @ s, c @ s**2
    (shift,) = detect_shifts(metric="csat", weeks=weeks, sums=sums)
    assert weeks[56] <= shift.detected_week <= weeks[62]
    assert shift.delta == pytest.approx(-0.3, abs=0.15)


def test_simulated_false_alarm_rate_of_the_shipped_detector():
    """In control, with 40 answers a week over two years, the whole procedure (estimated
    reference, pooling) gives well under one false alarm in 50 series-years."""
    signals, steps = simulate_false_alarms(
        answers_per_week=[40] * 104, probabilities=NPS_BEFORE, metric="nps", runs=100, seed=11
    )
    assert steps == 100 * (104 - CUSUM.min_reference_weeks)
    assert signals <= 2
    # a chart with a far lower threshold does cry wolf
    loud, _ = simulate_false_alarms(
        answers_per_week=[40] * 104,
        probabilities=NPS_BEFORE,
        metric="nps",
        runs=100,
        seed=11,
        params=Cusum(k=0.25, h=2),
    )
    assert loud > 20 * max(signals, 1)
