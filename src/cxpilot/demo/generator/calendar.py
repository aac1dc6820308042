"""Time: hours of the day, the seasonal calendar, Poisson processes of days, time order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxpilot.demo.generator.arrays import Array, draw, weights
from cxpilot.demo.generator.parameters import DAY, DAYS, SEASONS, START_D, WEEKDAY_FACTORS


def hours(rng: np.random.Generator, profile: Sequence[float], size: int) -> Array:
    return draw(rng, weights(profile), size) * 3600 + rng.integers(0, 3600, size)


# Relative activity by hour of the day (0-23) of each kind of event.
# fmt: off
H_WEB = (1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 1.5, 2.5, 3, 3.2, 3.5, 4, 4, 3.5, 3.3, 3.3, 3.5, 4, 5, 5.5, 5, 3.5, 2)
H_STORE = (0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 5, 5, 4.5, 5, 5.5, 6, 6.5, 6, 3, 0, 0, 0, 0)
H_CALL = (0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 7, 7, 4, 4, 6, 6, 6, 5, 3, 0, 0, 0, 0, 0)
H_DELIVERY = (0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 6, 6, 4, 4, 5, 5, 5, 4, 3, 1, 0, 0, 0, 0)
# fmt: on


def daily_intensities() -> tuple[Array, Array]:
    """Cumulative daily intensities (length DAYS + 1) of purchases and of flat activity."""
    dates = START_D + np.arange(DAYS)
    weight = np.ones(DAYS)
    for first, last, factor in SEASONS:
        weight[(dates >= np.datetime64(first)) & (dates <= np.datetime64(last))] = factor
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    weight *= np.asarray(WEEKDAY_FACTORS)[weekday]
    weight /= weight.mean()
    flat = np.ones(DAYS)
    return np.concatenate([[0.0], np.cumsum(weight)]), np.concatenate([[0.0], np.cumsum(flat)])


def poisson_days(
    rng: np.random.Generator, rate_per_day: Array, start: Array, end: Array, cum: Array
) -> tuple[Array, Array]:
    """A Poisson process per person on the day window ``[start, end)`` with intensity ``cum``.

    Returns the person index and the day (integer) of each event, persons in order.
    """
    grid = np.arange(DAYS + 1, dtype=np.float64)
    lo = np.interp(np.clip(start, 0, DAYS), grid, cum)
    hi = np.interp(np.clip(end, 0, DAYS), grid, cum)
    exposure = np.clip(hi - lo, 0.0, None)
    count = rng.poisson(rate_per_day * exposure)
    person = np.repeat(np.arange(rate_per_day.size), count)
    u = lo[person] + rng.random(person.size) * exposure[person]
    day = np.floor(np.interp(u, cum, grid)).astype(np.int64)
    day = np.clip(day, np.clip(start, 0, DAYS)[person], np.clip(end, 0, DAYS)[person] - 1)
    return person, day


def time_order(sec: Array) -> Array:
    """Row order by day (a stable radix sort: linear time on tens of millions of rows)."""
    return np.argsort((sec // DAY).astype(np.int16), kind="stable")
