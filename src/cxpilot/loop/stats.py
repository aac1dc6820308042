"""Sustained shifts: a one-sided lower CUSUM over weekly scores. Pure: numpy in, numbers out.

The period-to-period test compares two calendar periods; a drop that builds over weeks, or
straddles the boundary between two periods, is split between tests and may pass none. The
CUSUM (Page 1954) accumulates the evidence week after week instead.

Each week ``t`` of a series (one metric on one touchpoint) is standardised against an
in-control reference:

    z_t = (x_t − μ₀) / (σ₀ / √n_t)

where ``x_t`` is the week's score (NPS in points; the mean score for CES and CSAT), ``n_t``
its answers, and μ₀, σ₀ the score and the per-answer standard deviation of the reference:
for NPS, scoring promoters +1, passives 0 and detractors −1, σ₀ = 100·√((p + d) − (p − d)²)
(Rocks 2016); for a mean, the sample standard deviation of the answers. In control ``z_t``
is about N(0, 1), whatever the week's sample size. The lower CUSUM

    S_0 = 0,    S_t = max(0, S_{t−1} − z_t − k)

signals when ``S_t > h`` (Montgomery, *Introduction to Statistical Quality Control*, 6th ed.,
§9.1, the tabular CUSUM; ``k`` is the reference value, ``h`` the decision interval, both in
standard errors). The estimated start of the shift is the first week after ``S`` was last 0.
After a signal the statistic is reset to 0.

**False-alarm rate.** The in-control average run length (weeks between false alarms of one
series) of a one-sided CUSUM on N(0, 1) data is, by Siegmund's approximation (Siegmund 1985,
*Sequential Analysis*, §X.2; Montgomery §9.1.3),

    ARL₀ ≈ (exp(2kb) − 2kb − 1) / (2k²),    b = h + 1.166

(k = 0.5, h = 4: 336, and 168 for the two-sided chart, as in Montgomery's Table 9.3;
h = 5: 938, two-sided 469 against the table's 465). :data:`CUSUM` uses k = 1, h = 5:
ARL₀ ≈ 113,000 weeks by this formula, and a drop of 2 standard errors is found in about 6
weeks, one of 3 in 3. The formula assumes a known reference; ours is estimated, which adds a
shared error to every week it serves. :func:`simulate_false_alarms` measures the rate of the
whole procedure (estimated reference, pooling, reset) by simulation: on series like the
demo's, ARL₀ ≈ 12,000 steps (``docs/closing-the-loop.md``). With k = 0.5 the estimated
reference costs far more (ARL₀ ≈ 1,400 steps for h = 8), hence k = 1.

**The reference** of a week is the last ``reference_weeks`` weeks before it, held fixed while
a run is under way (from the first week with ``S > 0`` until ``S`` returns to 0), so a shift
that builds is never absorbed into its own baseline. Monitoring starts once the reference
covers ``min_reference_weeks`` weeks, and after a signal it starts again from the week after
the signal, with a reference of the new level only.

**Small samples.** A week with fewer than ``min_answers`` answers is pooled with the next
ones until they reach it: a small series is checked every two or three weeks rather than on
samples too small for the normal approximation.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CUSUM",
    "SUMS",
    "Cusum",
    "Shift",
    "arl0",
    "detect_shifts",
    "lower_cusum",
    "score_and_sd",
    "simulate_false_alarms",
]

#: The sums per week a series needs (what the warehouse aggregates): answers, promoters (9–10),
#: detractors (0–6), Σscore and Σscore².
SUMS = ("n", "promoters", "detractors", "total", "total_sq")


@dataclass(frozen=True)
class Cusum:
    """The parameters of the shift detector."""

    #: Reference value, in standard errors of a week: the CUSUM is quickest for drops of
    #: about 2k standard errors, and a drift smaller than k drains away.
    k: float = 1.0
    #: Decision interval, in standard errors: a signal when S exceeds it.
    h: float = 5.0
    #: Answers needed for a step; a week with fewer is pooled with the next ones.
    min_answers: int = 30
    #: Weeks of reference before the step (or before the run under way).
    reference_weeks: int = 52
    #: Weeks of reference needed before monitoring starts (and after a signal).
    min_reference_weeks: int = 26

    @property
    def arl0(self) -> float:
        """In-control average run length (steps) by Siegmund's approximation."""
        return arl0(self.k, self.h)


#: The detector CX Pilot runs (``cxpilot alerts check``).
CUSUM = Cusum()


def arl0(k: float, h: float, shift: float = 0.0) -> float:
    """Average run length of a one-sided CUSUM with reference value ``k`` and decision
    interval ``h`` (both in standard deviations) when the mean has moved by ``shift``
    standard deviations towards the signal (0: in control), by Siegmund's approximation
    ARL ≈ (exp(−2Δb) + 2Δb − 1) / (2Δ²), Δ = shift − k, b = h + 1.166 (b² when Δ = 0)."""
    delta, b = shift - k, h + 1.166
    if abs(delta) < 1e-12:
        return b * b
    return (math.exp(-2 * delta * b) + 2 * delta * b - 1) / (2 * delta * delta)


def lower_cusum(
    z: Sequence[float] | np.ndarray, *, k: float, h: float
) -> tuple[np.ndarray, list[int]]:
    """The lower tabular CUSUM of standardised values ``z``: S_t = max(0, S_{t−1} − z_t − k),
    reset to 0 after each signal (S_t > h). Returns S (after each value, before a reset) and
    the indices of the signals."""
    values = np.asarray(z, dtype=float)
    out = np.empty(values.size)
    signals: list[int] = []
    s = 0.0
    for i, value in enumerate(values):
        s = max(0.0, s - value - k)
        out[i] = s
        if s > h:
            signals.append(i)
            s = 0.0
    return out, signals


def score_and_sd(metric: str, sums: Mapping[str, float] | np.ndarray) -> tuple[float, float]:
    """The score of pooled sums (NPS in points, else the mean score) and the standard deviation
    of one answer around it. ``sums`` is a mapping of :data:`SUMS` or an array in that order."""
    n, promoters, detractors, total, total_sq = (
        [float(sums[name]) for name in SUMS]
        if isinstance(sums, Mapping)
        else [float(v) for v in sums]
    )
    if n <= 0:
        return math.nan, math.nan
    if metric == "nps":
        p, d = promoters / n, detractors / n
        return 100 * (p - d), 100 * math.sqrt(max((p + d) - (p - d) ** 2, 0.0))
    mean = total / n
    var = (total_sq - n * mean * mean) / (n - 1) if n > 1 else math.nan
    return mean, math.sqrt(max(var, 0.0))


@dataclass(frozen=True)
class Shift:
    """A sustained drop found by the CUSUM, with its evidence."""

    detected_week: dt.date  # Monday of the week whose answers made S exceed h
    detected_on: dt.date  # the last day of that week
    start: dt.date  # estimated start of the shift: the first week of the run
    statistic: float  # S at the signal
    threshold: float  # h
    k: float
    baseline: float  # the reference score
    baseline_n: int
    reference_start: dt.date
    reference_end: dt.date  # last day of the reference
    score: float  # the score from the start of the shift to the signal
    n: int  # answers from the start of the shift to the signal
    weeks: int  # weeks from the start of the shift to the signal
    z: float  # (score − baseline) / (σ₀/√n): the drop in standard errors
    sd: float  # σ₀, the per-answer standard deviation of the reference
    steps: list[dict[str, float | str]] = field(default_factory=list)

    @property
    def delta(self) -> float:
        return self.score - self.baseline


def _steps(
    weeks: Sequence[dt.date], sums: np.ndarray, min_answers: int
) -> list[tuple[int, int, np.ndarray]]:
    """Consecutive weeks pooled until they hold ``min_answers`` answers: (first week index,
    last week index, pooled sums). A last group below the minimum is left out (not yet
    complete)."""
    steps = []
    first, acc = 0, np.zeros(sums.shape[1])
    for i in range(len(weeks)):
        acc = acc + sums[i]
        if acc[0] >= max(min_answers, 1):
            steps.append((first, i, acc))
            first, acc = i + 1, np.zeros(sums.shape[1])
    return steps


def _week_index(weeks: Sequence[dt.date]) -> list[dt.date]:
    """Every Monday from the first to the last of ``weeks`` (weeks without answers included)."""
    if not weeks:
        return []
    first, last = min(weeks), max(weeks)
    return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]


def detect_shifts(
    *,
    metric: str,
    weeks: Sequence[dt.date],
    sums: Mapping[str, Sequence[float] | np.ndarray],
    params: Cusum = CUSUM,
    trace: bool = False,
) -> list[Shift]:
    """The sustained drops of one series. ``weeks`` are the Mondays of the complete weeks that
    have answers (any order), ``sums`` the :data:`SUMS` of each. With ``trace``, each shift
    carries the steps of its run (week, score, z, S)."""
    if len(weeks) == 0:
        return []
    order = np.argsort(np.array([w.toordinal() for w in weeks]))
    given = np.column_stack([np.asarray(sums[name], dtype=float)[order] for name in SUMS])
    sorted_weeks = [weeks[i] for i in order]
    calendar = _week_index(sorted_weeks)
    position = {w: i for i, w in enumerate(calendar)}
    table = np.zeros((len(calendar), len(SUMS)))
    for row, week in zip(given, sorted_weeks, strict=True):
        table[position[week]] += row
    steps = _steps(calendar, table, params.min_answers)
    found: list[Shift] = []
    s = 0.0
    restart = 0  # week index monitoring (and its reference) starts from
    frozen: int | None = None  # first week index of the run under way
    run: list[int] = []  # step indices of the run under way
    history: list[dict[str, float | str]] = []
    for j, (first, last, pooled) in enumerate(steps):
        ref_end = first if frozen is None else frozen  # the reference ends before this week
        ref_start = max(restart, ref_end - params.reference_weeks)
        if ref_end - ref_start < params.min_reference_weeks:
            s, frozen, run, history = 0.0, None, [], []
            continue
        reference = [st for st in steps[:j] if st[0] >= ref_start and st[1] < ref_end]
        if not reference:
            continue
        ref_sums = np.sum([st[2] for st in reference], axis=0)
        mu, sd = score_and_sd(metric, ref_sums)
        x, _ = score_and_sd(metric, pooled)
        if not (sd > 0 and math.isfinite(mu) and math.isfinite(x)):
            continue
        z = (x - mu) / (sd / math.sqrt(pooled[0]))
        s = max(0.0, s - z - params.k)
        if s == 0.0:
            frozen, run, history = None, [], []
            continue
        if frozen is None:
            frozen = first
        run.append(j)
        if trace:
            history.append(
                {"week": calendar[first].isoformat(), "score": x, "z": round(z, 3), "s": s}
            )
        if s > params.h:
            run_sums = np.sum([steps[i][2] for i in run], axis=0)
            score, _ = score_and_sd(metric, run_sums)
            found.append(
                Shift(
                    detected_week=calendar[last],
                    detected_on=calendar[last] + dt.timedelta(days=6),
                    start=calendar[frozen],
                    statistic=s,
                    threshold=params.h,
                    k=params.k,
                    baseline=mu,
                    baseline_n=int(ref_sums[0]),
                    reference_start=calendar[reference[0][0]],
                    reference_end=calendar[reference[-1][1]] + dt.timedelta(days=6),
                    score=score,
                    n=int(run_sums[0]),
                    weeks=last - frozen + 1,
                    z=(score - mu) / (sd / math.sqrt(run_sums[0])),
                    sd=sd,
                    steps=history,
                )
            )
            s, frozen, run, history = 0.0, None, [], []
            restart = last + 1
    return found


def simulate_false_alarms(
    *,
    answers_per_week: Sequence[int],
    probabilities: Sequence[float],
    metric: str,
    params: Cusum = CUSUM,
    runs: int = 200,
    seed: int = 0,
) -> tuple[int, int]:
    """Run the detector on ``runs`` in-control series (answers drawn each week from the same
    distribution ``probabilities`` of the scores 0, 1, …, with ``answers_per_week[t]``
    answers in week t) and return (signals, steps monitored): the empirical false-alarm rate
    of the whole procedure, reference estimation and pooling included."""
    rng = np.random.default_rng(seed)
    scores = np.arange(len(probabilities), dtype=float)
    start = dt.date(2001, 1, 1)
    weeks = [start + dt.timedelta(weeks=i) for i in range(len(answers_per_week))]
    n = np.asarray(answers_per_week, dtype=int)
    signals = 0
    monitored = 0
    for _ in range(runs):
        counts = np.array([rng.multinomial(m, probabilities) for m in n])
        sums = {
            "n": n.astype(float),
            "promoters": counts[:, 9:].sum(axis=1) if counts.shape[1] > 9 else np.zeros(n.size),
            "detractors": counts[:, :7].sum(axis=1) if counts.shape[1] > 9 else np.zeros(n.size),
            "total": counts @ scores,
            "total_sq": counts @ (scores * scores),
        }
        signals += len(detect_shifts(metric=metric, weeks=weeks, sums=sums, params=params))
    steps = _steps(weeks, np.column_stack([n, n, n, n, n]).astype(float), params.min_answers)
    monitored = runs * sum(1 for first, _, _ in steps if first >= params.min_reference_weeks)
    return signals, monitored
