"""Calls to customer service (drawn first: a bad call can end the relationship)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxpilot.demo.generator.arrays import Array
from cxpilot.demo.generator.calendar import H_CALL, hours, poisson_days
from cxpilot.demo.generator.parameters import (
    CALL_BAD_RATE,
    CALL_BAD_SHIFT,
    CALL_CHURN_CES_MAX,
    CALL_CHURN_DELAY,
    CALL_CHURN_NPS_MAX,
    CALL_CHURN_PROBABILITY,
    CALLS_PER_YEAR,
    DAY,
    DAYS,
    METRIC_MEANS,
)
from cxpilot.demo.generator.persons import Persons
from cxpilot.demo.generator.surveys import draw_scores


@dataclass
class Calls:
    person: Array
    sec: Array
    bad: Array
    z: Array
    nps: Array
    ces: Array


def draw_calls(rng: np.random.Generator, p: Persons, cum_flat: Array) -> Calls:
    rate = np.where(p.support, rng.gamma(2.0, CALLS_PER_YEAR / 2.0, p.n) / 365.0, 0.0)
    person, day = poisson_days(rng, rate, p.start, np.minimum(p.churn, DAYS), cum_flat)
    weekday = (day + 4) % 7  # day 0 (2024-11-01) was a Friday
    day = np.where(weekday == 6, np.maximum(day - 1, p.start[person]), day)  # closed on Sundays
    sec = day * DAY + hours(rng, H_CALL, person.size)
    bad = rng.random(person.size) < CALL_BAD_RATE
    z = p.effect[person] + rng.standard_normal(person.size) + np.where(bad, CALL_BAD_SHIFT, 0.0)
    nps = draw_scores(rng, "nps", np.full(person.size, METRIC_MEANS["call_centre", "nps"]), z)
    ces = draw_scores(rng, "ces", np.full(person.size, METRIC_MEANS["call_centre", "ces"]), z)
    trigger = ((nps <= CALL_CHURN_NPS_MAX) | (ces <= CALL_CHURN_CES_MAX)) & (
        rng.random(person.size) < CALL_CHURN_PROBABILITY
    )
    delay = rng.integers(CALL_CHURN_DELAY[0], CALL_CHURN_DELAY[1] + 1, person.size)
    churn = p.churn.copy()
    np.minimum.at(churn, person[trigger], day[trigger] + delay[trigger])
    moved = churn < p.churn
    p.churn_cause = np.where(moved & (churn < DAYS), 2, p.churn_cause)
    p.churn = churn
    keep = day < p.churn[person]
    return Calls(person[keep], sec[keep], bad[keep], z[keep], nps[keep], ces[keep])
