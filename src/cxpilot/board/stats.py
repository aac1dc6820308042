"""The board's arithmetic: pure functions, no Django, no warehouse.

**Red / amber / green** (:func:`status`): a KPI with a target is *green* when its value
meets the target (at least the target when higher is better, at most it when lower is
better), *amber* when it misses the target by no more than the tolerance (in the KPI's own
unit: NPS points, points of a score, percentage points, hours…), *red* beyond. No target or
no value: no status.

**Significance** (:func:`figure` and :func:`compare`): each figure is computed from the
warehouse's sums, and its change against an earlier month is tested with the test that fits
what it is (:mod:`cxpilot.analytics.stats`, where the formulas and their sources are):

- an **NPS** (−100..100): the trinomial standard error of Rocks (2016), the two months
  compared by a two-sided z-test on the difference, SE = √(SE₁² + SE₂²);
- a **mean** (CES, 1–7): a Student-t interval, the two months compared by Welch's t-test;
- a **proportion** (CSAT's share satisfied, a conversion rate, a promise kept): the Wilson
  score interval, the two months compared by the pooled two-proportion z-test.

A change is *significant* when the two-sided p-value is below 5 %, and is only tested when
both months have at least :data:`MIN_SAMPLE` answers (or visits, or starts): below that the
flag is ``None`` (not tested), never ``False``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cxpilot.analytics import stats
from cxpilot.warehouse.schema import METRIC_RANGES

Kind = Literal["nps", "mean", "proportion"]
KINDS: tuple[Kind, ...] = ("nps", "mean", "proportion")

#: The level of the tests.
ALPHA = 0.05
#: Fewer answers than this on either side: the change is not tested (as on the dashboard).
MIN_SAMPLE = 30


def gettext_noop(text: str) -> str:
    """Marks a text for translation (extracted by ``makemessages``) without translating it
    here: the selectors do, in the language of the request."""
    return text


#: The red/amber/green rule, in words (the selectors translate it).
RULE = gettext_noop(
    "Green: the value meets the target (at least the target when higher is better, at most "
    "the target when lower is better). Amber: it misses the target by no more than the "
    "tolerance set with the target, in the KPI's own unit. Red: it misses it by more. No "
    "status without a target. A change is marked significant when its two-sided test gives "
    "p < 0.05 (z-test for an NPS, Welch's t-test for a mean, the two-proportion z-test for a "
    "share), with at least 30 answers in each month."
)


def status(
    value: float | None, target: float | None, tolerance: float | None, higher_is_better: bool
) -> Literal["green", "amber", "red"] | None:
    """Green, amber or red for ``value`` against ``target`` (see the module's rule); None
    without a value or a target. ``tolerance`` (≥ 0, None meaning 0) is how far short is
    still amber."""
    if value is None or target is None or not math.isfinite(value):
        return None
    slack = max(float(tolerance or 0.0), 0.0)
    short = (target - value) if higher_is_better else (value - target)
    if short <= 0:
        return "green"
    if short <= slack:
        return "amber"
    return "red"


@dataclass(frozen=True)
class Figure:
    """A figure of one month: its value, 95 % interval and size (answers, visits…)."""

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


@dataclass(frozen=True)
class Change:
    """The change of a figure against an earlier month: ``change`` = now − then;
    ``significant`` None when not tested (no earlier figure, too few on either side)."""

    change: float | None
    p_value: float | None
    significant: bool | None


NO_CHANGE = Change(None, None, None)


def _f(x: object) -> float | None:
    value = float(np.asarray(x, dtype=float))
    return value if math.isfinite(value) else None


def _result(
    kind: Kind, sums: Mapping[str, float]
) -> stats.NpsResult | stats.MeanResult | stats.ProportionResult:
    n = float(sums.get("n", 0))
    if kind == "nps":
        return stats.nps(float(sums["promoters"]), float(sums["detractors"]), n)
    if kind == "mean":
        # the board's one mean is the CES (selectors._KIND): its interval stays on 1..7
        return stats.mean_t(
            float(sums["total"]), float(sums["total_sq"]), n, bounds=METRIC_RANGES["ces"]
        )
    if kind == "proportion":
        return stats.wilson(float(sums["successes"]), n)
    raise ValueError(f"unknown kind {kind!r}")


def figure(kind: Kind, sums: Mapping[str, float] | None) -> Figure:
    """The figure of ``sums``: an NPS from ``n``, ``promoters``, ``detractors``; a mean from
    ``n``, ``total`` (Σx) and ``total_sq`` (Σx²); a proportion (percent) from ``n`` and
    ``successes``. No sums or n = 0: no value."""
    if not sums or float(sums.get("n", 0)) <= 0:
        return Figure(None, None, None, 0)
    r = _result(kind, sums)
    return Figure(_f(r.score), _f(r.ci_low), _f(r.ci_high), int(round(float(sums["n"]))))


def compare(
    kind: Kind,
    now: Mapping[str, float] | None,
    then: Mapping[str, float] | None,
    *,
    min_sample: int = MIN_SAMPLE,
    alpha: float = ALPHA,
) -> Change:
    """The change from ``then`` to ``now`` (sums as for :func:`figure`) and its two-sided
    test at ``alpha``; not tested (``significant`` None) when either side has fewer than
    ``min_sample``."""
    if not now or not then or float(now.get("n", 0)) <= 0 or float(then.get("n", 0)) <= 0:
        return NO_CHANGE
    a, b = _result(kind, now), _result(kind, then)
    delta = _f(a.score - b.score)
    if min(float(now["n"]), float(then["n"])) < min_sample:
        return Change(delta, None, None)
    if kind == "nps":
        c = stats.nps_compare(a, b, alpha=alpha)  # type: ignore[arg-type]
    elif kind == "mean":
        c = stats.means_compare(a, b, alpha=alpha)  # type: ignore[arg-type]
    else:
        c = stats.proportions_compare(a, b, alpha=alpha)  # type: ignore[arg-type]
    p = _f(c.p_value)
    if p is None:
        return Change(delta, None, None)
    return Change(delta, p, bool(p < alpha))


def plain_change(now: float | None, then: float | None) -> float | None:
    """now − then for a figure without a test (a count, an amount); None if either is."""
    if now is None or then is None:
        return None
    return now - then
