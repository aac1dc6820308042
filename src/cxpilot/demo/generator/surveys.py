"""Survey scores, their tone, and the log of answered survey invitations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxpilot.demo.generator.arrays import Array
from cxpilot.demo.generator.calendar import H_WEB, hours
from cxpilot.demo.generator.parameters import DAY, METRIC_SCALE, SURVEY_INDEX, SURVEYS


def draw_scores(rng: np.random.Generator, metric: str, mean: Array, z: Array) -> Array:
    slope, noise, low, high = METRIC_SCALE[metric]
    raw = mean + slope * z + noise * rng.standard_normal(z.size)
    return np.clip(np.rint(raw), low, high).astype(np.int64)


def tone_of(metric: str, score: Array) -> Array:
    """0 negative, 1 mixed, 2 positive."""
    if metric == "nps":
        return np.where(score <= 6, 0, np.where(score <= 8, 1, 2))
    if metric == "ces":
        return np.where(score <= 3, 0, np.where(score == 4, 1, 2))
    return np.where(score <= 2, 0, np.where(score == 3, 1, 2))


@dataclass
class SurveyLog:
    """Survey invitations that were answered: one row per questionnaire."""

    person: list[Array]
    sec: list[Array]
    kind: list[Array]
    source: list[Array]
    z: list[Array]
    cause: list[Array]
    preset_nps: list[Array]  # call surveys reuse the call's scores (-1: draw)
    preset_ces: list[Array]

    def add(
        self,
        rng: np.random.Generator,
        survey: str,
        person: Array,
        at: Array,
        delay: tuple[int, int],
        source: Array | int,
        effect: Array,
        shift: Array | float = 0.0,
        cause: Array | int = 0,
        z: Array | None = None,
        nps: Array | None = None,
        ces: Array | None = None,
    ) -> tuple[Array, Array]:
        """Invite after the events at ``at`` (seconds); keep the answered invitations.

        The answer comes ``delay`` seconds later (uniform); a delay of a day or more lands at
        a waking hour. Returns the indices of the answered invitations and their answer times.
        """
        spec = SURVEYS[SURVEY_INDEX[survey]]
        answered = np.flatnonzero(rng.random(person.size) < spec.answer_rate)
        n = answered.size
        who = person[answered]
        after = at[answered]
        sec = after + rng.integers(delay[0], delay[1], n)
        if delay[1] >= DAY:
            snapped = (sec // DAY) * DAY + hours(rng, H_WEB, n)
            sec = np.where(snapped < after + delay[0], snapped + DAY, snapped)
        if z is None:
            shift = np.broadcast_to(np.asarray(shift, np.float64), (person.size,))[answered]
            z = effect[who] + rng.standard_normal(n) + shift
        else:
            z = z[answered]
        self.person.append(who)
        self.sec.append(sec)
        self.kind.append(np.full(n, SURVEY_INDEX[survey], np.int8))
        self.source.append(np.broadcast_to(np.asarray(source, np.int8), (person.size,))[answered])
        self.z.append(z)
        self.cause.append(np.broadcast_to(np.asarray(cause, np.int8), (person.size,))[answered])
        none = np.full(n, -1, np.int64)
        self.preset_nps.append(nps[answered] if nps is not None else none)
        self.preset_ces.append(ces[answered] if ces is not None else none)
        return answered, sec
