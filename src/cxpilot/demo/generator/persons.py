"""The persons behind the records: identity, segment, acquisition, churn, purchase rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxpilot.demo import banks
from cxpilot.demo.generator.arrays import Array, draw, weights
from cxpilot.demo.generator.calendar import H_STORE, hours
from cxpilot.demo.generator.parameters import (
    CRM_DUPLICATE_RATE,
    DAY,
    DAYS,
    ENGLISH_SHARE,
    PERSON_EFFECT_SD,
    SEGMENTS,
    START_D,
    SUPPORT_SHARE_ESHOP,
    SUPPORT_SHARE_OTHER,
    day_index,
)


@dataclass
class Persons:
    n: int
    segment: Array
    female: Array
    first: Array  # index into the first-name bank (women then men)
    last: Array
    birth: Array  # days since 1970-01-01
    postcode: Array  # index into POSTCODES
    street_no: Array
    street_type: Array
    street_name: Array
    phone: Array  # the 9 digits after the leading 0
    english: Array
    acquired: Array  # day index (negative: before the period)
    acquired_sec: Array
    eshop: Array
    eshop_since: Array  # day index
    support: Array
    crm_dup: Array
    crm_dup_since: Array
    loyalty: Array
    optin: Array
    effect: Array
    purchase_rate: Array  # per day
    start: Array  # first day of activity in the period
    churn: Array  # day of churn (>= DAYS: not in the period)
    churn_cause: Array  # 0 none, 1 baseline, 2 call_centre


FIRST_NAMES = [n for n, _ in banks.FEMALE_FIRST_NAMES] + [n for n, _ in banks.MALE_FIRST_NAMES]
_N_FEMALE = len(banks.FEMALE_FIRST_NAMES)
LAST_NAMES = [n for n, _ in banks.LAST_NAMES]
POSTCODES: list[tuple[int, str]] = [
    (ci, code) for ci, (_, codes, _) in enumerate(banks.CITIES) for code in codes
]
#: Landline numbers start with 01-05 by region: the zone of each postcode's department.
_ZONES = {
    1: (75, 77, 78, 91, 92, 93, 94, 95),
    2: (14, 29, 35, 37, 44, 45, 49, 56, 72, 76),
    3: (10, 21, 25, 51, 54, 57, 59, 67, 68, 80),
    4: (6, 13, 30, 34, 38, 42, 43, 63, 66, 69, 73, 74, 83, 84),
    5: (17, 31, 33, 64, 79, 86, 87),
}
_ZONE_OF = {dep: zone for zone, deps in _ZONES.items() for dep in deps}
_LANDLINE_ZONE = np.array([_ZONE_OF[int(code[:2])] for _, code in POSTCODES])
_POSTCODE_WEIGHTS = weights([banks.CITIES[ci][2] / len(banks.CITIES[ci][1]) for ci, _ in POSTCODES])


def draw_persons(rng: np.random.Generator, n: int, cum_purchase: Array) -> Persons:
    seg = draw(rng, weights([s.share for s in SEGMENTS]), n)
    female = rng.random(n) < 0.52
    f_idx = draw(rng, weights([w for _, w in banks.FEMALE_FIRST_NAMES]), n)
    m_idx = draw(rng, weights([w for _, w in banks.MALE_FIRST_NAMES]), n) + _N_FEMALE
    first = np.where(female, f_idx, m_idx)
    last = draw(rng, weights([w for _, w in banks.LAST_NAMES]), n)
    lo = np.array([s.age[0] for s in SEGMENTS])[seg]
    hi = np.array([s.age[1] for s in SEGMENTS])[seg]
    age_days = (lo + rng.random(n) * (hi - lo)) * 365.25
    birth = (int(START_D.astype(np.int64)) - age_days).astype(np.int64)
    postcode = draw(rng, _POSTCODE_WEIGHTS, n)
    street_no = np.minimum(1 + (rng.pareto(1.1, n) * 6).astype(np.int64), 280)
    street_type = draw(rng, weights([w for _, _, w in banks.STREET_TYPES]), n)
    street_name = rng.integers(0, len(banks.STREET_NAMES), n)
    mobile = rng.random(n)
    lead = np.where(mobile < 0.7, 6, np.where(mobile < 0.9, 7, _LANDLINE_ZONE[postcode]))
    phone = lead * 100_000_000 + rng.integers(0, 100_000_000, n)
    english = rng.random(n) < ENGLISH_SHARE
    # acquisition: 65% known before the period (since 2012), 35% recruited during it
    existing = rng.random(n) < 0.65
    first_day = day_index("2012-01-01")
    old = rng.integers(first_day, 0, n)
    grid = np.arange(DAYS + 1, dtype=np.float64)
    new = np.floor(np.interp(rng.random(n) * cum_purchase[-1], cum_purchase, grid)).astype(np.int64)
    new = np.minimum(new, DAYS - 1)
    acquired = np.where(existing, old, new)
    acquired_sec = acquired * DAY + hours(rng, H_STORE, n)
    eshop = rng.random(n) < np.array([s.eshop_share for s in SEGMENTS])[seg]
    u = rng.random(n)
    since_old = acquired + (u**2 * (DAYS - 30 - acquired)).astype(np.int64)
    since_new = np.where(
        rng.random(n) < 0.5, acquired, acquired + (u * (DAYS - acquired) * 0.5).astype(np.int64)
    )
    eshop_since = np.where(existing, since_old, since_new)
    support = rng.random(n) < np.where(eshop, SUPPORT_SHARE_ESHOP, SUPPORT_SHARE_OTHER)
    start = np.maximum(acquired + 1, 0)
    crm_dup_since = start + 30 + (rng.random(n) * (DAYS - start - 30)).astype(np.int64)
    crm_dup = (rng.random(n) < CRM_DUPLICATE_RATE) & (crm_dup_since < DAYS)
    loyalty = rng.random(n) < 0.5
    optin = rng.random(n) < 0.7
    effect = rng.normal(0.0, PERSON_EFFECT_SD, n)
    mean_rate = np.array([s.purchases_per_year for s in SEGMENTS])[seg]
    purchase_rate = rng.gamma(2.0, mean_rate / 2.0) / 365.0
    hazard = np.array([s.churn_hazard for s in SEGMENTS])[seg]
    churn_at = start + rng.exponential(365.0 / hazard)
    churn = np.minimum(np.floor(churn_at), 10 * DAYS).astype(np.int64)
    churn = np.maximum(churn, start + 1)
    churn_cause = np.where(churn < DAYS, 1, 0)
    return Persons(
        n=n, segment=seg, female=female, first=first, last=last, birth=birth, postcode=postcode,
        street_no=street_no, street_type=street_type, street_name=street_name, phone=phone,
        english=english, acquired=acquired, acquired_sec=acquired_sec, eshop=eshop,
        eshop_since=eshop_since, support=support, crm_dup=crm_dup, crm_dup_since=crm_dup_since,
        loyalty=loyalty, optin=optin, effect=effect, purchase_rate=purchase_rate, start=start,
        churn=churn, churn_cause=churn_cause,
    )  # fmt: skip
