"""The demo company "Maison Lumière": a deterministic synthetic French home-goods retailer.

Pure generation (numpy and Arrow, no Django, no I/O): :func:`generate` turns a number of
persons and a seed into the four warehouse tables (customers, interactions, responses,
transactions) and a ground-truth table. Every draw comes from ``numpy.random.PCG64`` streams
derived from the seed, and the period is fixed (2024-11-01 to 2026-10-31), so one seed gives
the same tables, byte for byte, on every machine.

The planted truths (the facts later analytics must recover) are the module constants below,
documented with their effect sizes in ``docs/demo-data.md``:

(a) delivery incident on website orders from :data:`DELIVERY_INCIDENT_START`;
(b) a call-centre detractor experience triggers churn (:data:`CALL_CHURN_PROBABILITY`);
(c) the segment :data:`HIGH_CHURN_SEGMENT` churns far more than the others;
(d) seasonality of purchases (Black Friday, Christmas, sales, August);
(e) the app release of :data:`APP_RELEASE` makes the app easier (CES) and less buggy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.demo import banks, phrases

Array = npt.NDArray[Any]
Progress = Callable[[str], None]

# --------------------------------------------------------------------------------------------
# Period and calendar
# --------------------------------------------------------------------------------------------

PERIOD_START = "2024-11-01"
PERIOD_END = "2026-10-31"  # inclusive: the last day with data
DAYS = 730
DAY = 86_400
START_D = np.datetime64(PERIOD_START, "D")
START_S = np.datetime64(PERIOD_START, "s")


def day_index(date: str) -> int:
    """Days from the period start (2024-11-01 is day 0) to ``date`` (YYYY-MM-DD)."""
    return int((np.datetime64(date, "D") - START_D).astype(np.int64))


# --------------------------------------------------------------------------------------------
# The organisation as the generator sees it (keys match organisation.yaml)
# --------------------------------------------------------------------------------------------

SOURCES: tuple[str, ...] = ("crm", "eshop", "support")
CRM, ESHOP, SUPPORT = 0, 1, 2

#: touchpoint key -> channel (as in organisation.yaml).
TOUCHPOINT_CHANNELS: dict[str, str] = {
    "website": "web",
    "app": "app",
    "store": "store",
    "call_centre": "phone",
    "partner_reseller": "partner",
    "delivery": "partner",
    "email": "email",
    "chat": "web",
    "returns": "web",
    "loyalty_programme": "store",
    "click_collect": "store",
    "product": "product",
    "social_media": "web",
}
TOUCHPOINTS: tuple[str, ...] = tuple(TOUCHPOINT_CHANNELS)
TOUCHPOINT_INDEX = {key: i for i, key in enumerate(TOUCHPOINTS)}

EVENT_TYPES: tuple[str, ...] = (
    "visit",
    "order",
    "delivery",
    "lost_parcel",
    "pickup",
    "purchase",
    "return",
    "call",
    "chat",
    "email_open",
    "email_click",
    "loyalty_reward",
    "review",
    "social_click",
)
EVENT_INDEX = {key: i for i, key in enumerate(EVENT_TYPES)}


@dataclass(frozen=True)
class SegmentSpec:
    key: str
    share: float
    churn_hazard: float  # per year (exponential): P(churn within a year) = 1 - exp(-h)
    purchases_per_year: float
    basket_median: float  # euros, tax included
    margin_rate: float
    eshop_share: float
    age: tuple[int, int]


SEGMENTS: tuple[SegmentSpec, ...] = (
    SegmentSpec("familles", 0.27, 0.10, 4.0, 75.0, 0.38, 0.60, (30, 50)),
    SegmentSpec("jeunes_actifs", 0.22, 0.14, 3.2, 55.0, 0.37, 0.80, (22, 35)),
    SegmentSpec("seniors", 0.17, 0.07, 2.6, 85.0, 0.40, 0.35, (60, 85)),
    SegmentSpec("chasseurs_bonnes_affaires", 0.16, 0.60, 3.6, 45.0, 0.26, 0.70, (20, 65)),
    SegmentSpec("passionnes_deco", 0.13, 0.08, 5.0, 120.0, 0.42, 0.60, (28, 65)),
    SegmentSpec("professionnels", 0.05, 0.10, 8.0, 260.0, 0.33, 0.55, (28, 62)),
)
SEGMENT_KEYS: tuple[str, ...] = tuple(s.key for s in SEGMENTS)

# --------------------------------------------------------------------------------------------
# Planted truths
# --------------------------------------------------------------------------------------------

#: (a) From this day, home deliveries of *website* orders go wrong (new carrier).
DELIVERY_INCIDENT_START = "2026-03-01"
#: Share of website home deliveries that are late / lost, before and from the incident.
LATE_RATE_BEFORE, LATE_RATE_AFTER = 0.025, 0.30
LOST_RATE_BEFORE, LOST_RATE_AFTER = 0.003, 0.05
#: Late / lost rates of app orders (another carrier; unchanged over the period).
APP_LATE_RATE, APP_LOST_RATE = 0.025, 0.003
#: A regular expression (lower-case text) that finds the delivery theme in verbatims, and
#: only it: the words of the delivery phrases, French and English.
DELIVERY_PATTERN = (
    r"livr|colis|retard|transporteur|arriv|deliver|parcel|package|courier|\blate\b|shipping"
)
#: Extra delay of a late delivery, in days (uniform, inclusive).
LATE_EXTRA_DAYS = (4, 12)
#: Shift of the experience (standard units) of a survey after a late / lost delivery.
LATE_SHIFT, LOST_SHIFT = -2.0, -3.0

#: (b) Share of calls that go badly (long wait, unresolved), and their experience shift.
CALL_BAD_RATE = 0.30
CALL_BAD_SHIFT = -2.6
#: Mean calls per year of a person known to customer service (gamma-distributed, shape 2).
CALLS_PER_YEAR = 1.0
#: A call whose experience is a detractor (NPS 0-6) or hard (CES 1-3) triggers churn with this
#: probability, CALL_CHURN_DELAY days later (uniform, inclusive).
CALL_CHURN_PROBABILITY = 0.5
CALL_CHURN_DELAY = (7, 60)
CALL_CHURN_NPS_MAX = 6
CALL_CHURN_CES_MAX = 3

#: (c) The segment with markedly higher churn (hazard in :data:`SEGMENTS`).
HIGH_CHURN_SEGMENT = "chasseurs_bonnes_affaires"

#: (d) Purchase seasonality: (first day, last day, multiplier) of the daily purchase rate,
#: before normalisation to a mean of 1 (later ranges override earlier ones).
SEASONS: tuple[tuple[str, str, float], ...] = (
    ("2025-08-01", "2025-08-31", 0.8),
    ("2026-08-01", "2026-08-31", 0.8),
    ("2025-01-08", "2025-02-04", 1.3),
    ("2026-01-07", "2026-02-03", 1.3),
    ("2025-06-25", "2025-07-22", 1.2),
    ("2026-06-24", "2026-07-21", 1.2),
    ("2024-12-01", "2024-12-24", 1.8),
    ("2025-12-01", "2025-12-24", 1.8),
    ("2024-11-25", "2024-12-02", 2.0),
    ("2025-11-24", "2025-12-01", 2.0),
)
#: Purchase rate by weekday, Monday first.
WEEKDAY_FACTORS = (0.85, 0.85, 0.95, 0.95, 1.05, 1.45, 0.9)

#: (e) From this day the new app makes ordering easier: app CES mean and bug rate change.
APP_RELEASE = "2025-09-15"
APP_CES_MEAN_BEFORE, APP_CES_MEAN_AFTER = 4.3, 5.6
APP_BUG_RATE_BEFORE, APP_BUG_RATE_AFTER = 0.25, 0.05
WEBSITE_BUG_RATE = 0.04
BUG_SHIFT = -1.2

#: Share of persons known to each source (crm knows everyone); duplicates inside the CRM.
SUPPORT_SHARE_ESHOP, SUPPORT_SHARE_OTHER = 0.38, 0.19
CRM_DUPLICATE_RATE = 0.02
ENGLISH_SHARE = 0.25

# --------------------------------------------------------------------------------------------
# Survey model
# --------------------------------------------------------------------------------------------

#: Mean score of each (touchpoint, metric) for an average experience (z = 0).
METRIC_MEANS: dict[tuple[str, str], float] = {
    ("website", "nps"): 8.15,
    ("website", "ces"): 5.6,
    ("app", "nps"): 7.8,
    ("app", "ces"): APP_CES_MEAN_BEFORE,
    ("store", "nps"): 8.5,
    ("store", "csat"): 4.3,
    ("delivery", "csat"): 4.25,
    ("click_collect", "csat"): 4.2,
    ("click_collect", "ces"): 5.6,
    ("call_centre", "nps"): 8.3,
    ("call_centre", "ces"): 5.4,
    ("chat", "csat"): 4.0,
    ("chat", "ces"): 5.5,
    ("returns", "ces"): 4.9,
    ("returns", "csat"): 3.9,
    ("partner_reseller", "nps"): 7.4,
    ("partner_reseller", "csat"): 3.9,
    ("product", "csat"): 4.15,
    ("loyalty_programme", "csat"): 3.8,
    ("loyalty_programme", "nps"): 7.2,
}
#: metric -> (slope on the experience z, noise, low, high): score = mean + slope*z + noise*e.
METRIC_SCALE: dict[str, tuple[float, float, int, int]] = {
    "nps": (1.7, 0.8, 0, 10),
    "ces": (0.95, 0.5, 1, 7),
    "csat": (0.75, 0.35, 1, 5),
}
PERSON_EFFECT_SD = 0.6


@dataclass(frozen=True)
class SurveySpec:
    key: str
    source: int  # -1: the source of the purchase it follows
    questions: tuple[tuple[str, str, float], ...]  # (touchpoint, metric, asked share)
    answer_rate: float


SURVEYS: tuple[SurveySpec, ...] = (
    SurveySpec(
        "post_livraison_web",
        ESHOP,
        (("website", "nps", 1.0), ("delivery", "csat", 0.8), ("website", "ces", 0.3)),
        0.5,
    ),
    SurveySpec(
        "post_commande_app",
        ESHOP,
        (("app", "nps", 1.0), ("app", "ces", 0.9), ("delivery", "csat", 0.5)),
        0.45,
    ),
    SurveySpec("post_achat_magasin", CRM, (("store", "nps", 1.0), ("store", "csat", 0.6)), 0.36),
    SurveySpec(
        "post_retrait", ESHOP, (("click_collect", "csat", 1.0), ("click_collect", "ces", 0.5)), 0.4
    ),
    SurveySpec(
        "post_appel", SUPPORT, (("call_centre", "nps", 1.0), ("call_centre", "ces", 1.0)), 0.45
    ),
    SurveySpec("post_chat", SUPPORT, (("chat", "csat", 1.0), ("chat", "ces", 0.4)), 0.45),
    SurveySpec("post_retour", ESHOP, (("returns", "ces", 1.0), ("returns", "csat", 0.5)), 0.45),
    SurveySpec(
        "revendeur", CRM, (("partner_reseller", "nps", 1.0), ("partner_reseller", "csat", 0.4)), 0.3
    ),
    SurveySpec("avis_produit", -1, (("product", "csat", 1.0),), 0.5),
    SurveySpec(
        "fidelite",
        CRM,
        (("loyalty_programme", "csat", 1.0), ("loyalty_programme", "nps", 0.3)),
        0.45,
    ),
)
SURVEY_INDEX = {s.key: i for i, s in enumerate(SURVEYS)}

#: Verbatim topics a touchpoint's answers talk about when nothing specific happened:
#: touchpoint -> (negative topic weights, positive topic weights).
TOPIC_WEIGHTS: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "website": (
        {
            "price": 0.32,
            "website_bugs": 0.14,
            "stock": 0.28,
            "product_quality": 0.14,
            "returns": 0.08,
            "delivery_damaged": 0.04,
        },
        {
            "delivery_late": 0.3,
            "website_bugs": 0.25,
            "price": 0.15,
            "product_quality": 0.2,
            "stock": 0.1,
        },
    ),
    "app": (
        {"app": 0.4, "price": 0.25, "stock": 0.2, "loyalty": 0.15},
        {"app": 0.5, "delivery_late": 0.2, "price": 0.1, "loyalty": 0.2},
    ),
    "delivery": (
        {"delivery_late": 0.5, "delivery_damaged": 0.35, "delivery_lost": 0.15},
        {"delivery_late": 0.8, "delivery_damaged": 0.2},
    ),
    "store": (
        {"staff": 0.35, "stock": 0.3, "price": 0.25, "product_quality": 0.1},
        {"staff": 0.5, "stock": 0.2, "product_quality": 0.2, "price": 0.1},
    ),
    "click_collect": ({"stock": 0.5, "staff": 0.5}, {"stock": 0.5, "staff": 0.5}),
    "call_centre": (
        {"phone_wait": 0.55, "staff": 0.25, "returns": 0.2},
        {"staff": 0.5, "phone_wait": 0.5},
    ),
    "chat": ({"staff": 0.6, "returns": 0.4}, {"staff": 1.0}),
    "returns": ({"returns": 0.9, "staff": 0.1}, {"returns": 1.0}),
    "partner_reseller": (
        {"price": 0.4, "stock": 0.3, "staff": 0.3},
        {"staff": 0.4, "price": 0.3, "stock": 0.3},
    ),
    "product": ({"product_quality": 1.0}, {"product_quality": 1.0}),
    "loyalty_programme": ({"loyalty": 1.0}, {"loyalty": 1.0}),
}
#: Probability that a survey carries a verbatim, by tone of its first answer.
VERBATIM_RATE = {"neg": 0.55, "mixed": 0.35, "pos": 0.3}
#: Probability that a negative verbatim names the specific cause (late parcel, bad call…).
CAUSE_MENTION_RATE = 0.85

# causes of a survey's experience (index into _CAUSE_TOPIC)
_CAUSES = ("none", "delivery_late", "delivery_lost", "website_bugs", "app", "call")
CAUSE_INDEX = {key: i for i, key in enumerate(_CAUSES)}
CALL_BAD_TOPICS = {"phone_wait": 0.55, "staff": 0.25, "returns": 0.2}

# --------------------------------------------------------------------------------------------
# Duplicates: how each source's records differ from the person
# --------------------------------------------------------------------------------------------

#: Change flags of a source record (bits), named in the truth table's ``changes`` column.
CHANGES: tuple[str, ...] = (
    "nickname",
    "first_name_typo",
    "last_name_typo",
    "no_accents",
    "upper_case",
    "email_case",
    "other_email",
    "no_email",
    "phone_format",
    "phone_typo",
    "no_phone",
    "street_abbreviation",
    "no_address",
    "postcode_typo",
    "city_variant",
    "birth_date_swapped",
    "no_birth_date",
)
CHANGE_BIT = {name: 1 << i for i, name in enumerate(CHANGES)}

#: Phone formats: 0 "06 12 34 56 78", 1 "0612345678", 2 "+33 6 12 34 56 78",
#: 3 "+33612345678", 4 "06.12.34.56.78".
PHONE_FORMATS = (
    "0X XX XX XX XX",
    "0XXXXXXXXX",
    "+33 X XX XX XX XX",
    "+33XXXXXXXXX",
    "0X.XX.XX.XX.XX",
)


@dataclass(frozen=True)
class SourceNoise:
    nickname: float
    first_name_typo: float
    last_name_typo: float
    no_accents: float
    upper_last_name: float
    upper_case: float
    email_case: float
    other_email: float
    no_email: float
    phone_formats: tuple[float, float, float, float, float]
    phone_typo: float
    no_phone: float
    street_abbreviation: float
    no_address: float
    postcode_typo: float
    city_variant: float
    birth_date_swapped: float
    no_birth_date: float


#: Rate of each change in the records of a source (a share of its records):
#: field -> (crm, second crm record of the same person, eshop, support).
# fmt: off
NOISE_RATES: dict[str, tuple[float, float, float, float]] = {
    "nickname":            (0.0,   0.1,  0.08, 0.12),
    "first_name_typo":     (0.01,  0.05, 0.02, 0.04),
    "last_name_typo":      (0.01,  0.05, 0.02, 0.04),
    "no_accents":          (0.03,  0.3,  0.25, 0.35),
    "upper_last_name":     (0.3,   0.3,  0.02, 0.1),
    "upper_case":          (0.0,   0.05, 0.02, 0.15),
    "email_case":          (0.0,   0.05, 0.12, 0.1),
    "other_email":         (0.0,   0.2,  0.08, 0.1),
    "no_email":            (0.05,  0.1,  0.0,  0.15),
    "phone_typo":          (0.005, 0.02, 0.01, 0.02),
    "no_phone":            (0.08,  0.15, 0.3,  0.05),
    "street_abbreviation": (0.1,   0.3,  0.35, 0.45),
    "no_address":          (0.02,  0.05, 0.05, 0.45),
    "postcode_typo":       (0.005, 0.02, 0.01, 0.02),
    "city_variant":        (0.05,  0.2,  0.25, 0.35),
    "birth_date_swapped":  (0.005, 0.03, 0.01, 0.03),
    "no_birth_date":       (0.1,   0.3,  0.5,  0.75),
}
#: Share of each of the PHONE_FORMATS in a source's records.
PHONE_FORMAT_SHARES: dict[str, tuple[float, float, float, float, float]] = {
    "crm":           (0.85, 0.15, 0.0, 0.0, 0.0),
    "crm_duplicate": (0.5,  0.5,  0.0, 0.0, 0.0),
    "eshop":         (0.2,  0.4,  0.0, 0.4, 0.0),
    "support":       (0.0,  0.4,  0.3, 0.0, 0.3),
}
# fmt: on
NOISE: dict[str, SourceNoise] = {
    group: SourceNoise(
        **{field: rates[k] for field, rates in NOISE_RATES.items()},
        phone_formats=PHONE_FORMAT_SHARES[group],
    )
    for k, group in enumerate(("crm", "crm_duplicate", "eshop", "support"))
}

# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoData:
    """The generated tables: the four warehouse tables and the ground truth."""

    customers: pa.Table
    interactions: pa.Table
    responses: pa.Table
    transactions: pa.Table
    truth: pa.Table

    def tables(self) -> dict[str, pa.Table]:
        """The four warehouse tables by name (not the truth)."""
        return {
            "customers": self.customers,
            "interactions": self.interactions,
            "responses": self.responses,
            "transactions": self.transactions,
        }


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def weights(values: Sequence[float]) -> Array:
    w = np.asarray(values, dtype=np.float64)
    return w / w.sum()


def draw(rng: np.random.Generator, p: Array, size: int) -> Array:
    """Indices drawn from the categorical distribution ``p`` (inverse CDF, vectorised)."""
    cdf = np.cumsum(p)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def draw_rows(rng: np.random.Generator, cdfs: Array, group: Array) -> Array:
    """One categorical draw per row, from the distribution (CDF row) of the row's ``group``."""
    return pick(rng.random(group.size), cdfs, group)


def pick(u: Array, cdfs: Array, group: Array) -> Array:
    """Inverse CDF of uniform draws ``u``, each with the CDF row ``cdfs[group]``."""
    out = np.zeros(u.size, np.int64)
    last = cdfs.shape[1] - 1
    for g in np.unique(group):
        sel = group == g
        out[sel] = np.minimum(np.searchsorted(cdfs[g], u[sel], side="right"), last)
    return out


def dictionary(
    indices: Array, values: Sequence[str | None], wide: bool = False
) -> pa.DictionaryArray:
    """Dictionary-encoded strings: ``values[indices]``; a ``None`` value gives a null.

    Indices are 8-bit for short dictionaries (most columns), else (or if ``wide``) 32-bit.
    """
    position: dict[str, int] = {}
    for v in values:
        if v is not None:
            position.setdefault(v, len(position))
    kept = list(position)
    small = len(kept) < 128 and not wide
    remap = np.array(
        [position[v] if v is not None else -1 for v in values], np.int8 if small else np.int32
    )
    codes: Array = remap[np.asarray(indices, np.int64)]
    mask = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(codes, 0), mask=mask if mask.any() else None),
        pa.array(kept, pa.string()),
    )


def zero_padded(values: Array, width: int) -> pa.Array:
    return pc.utf8_lpad(
        pc.cast(pa.array(values.astype(np.int64)), pa.string()), width=width, padding="0"
    )


def _letters(texts: Sequence[str]) -> Array:
    """Equal-length ASCII texts as a (len(texts), length) byte matrix."""
    length = len(texts[0])
    if any(len(t) != length for t in texts):
        raise ValueError("texts must have the same length")
    return np.frombuffer("".join(texts).encode("ascii"), np.uint8).reshape(len(texts), length)


def ascii_column(
    numbers: Array,
    width: int,
    prefixes: Sequence[str] = ("",),
    prefix: Array | int = 0,
    suffixes: Sequence[str] = ("",),
    suffix: Array | int = 0,
) -> pa.Array:
    """Strings ``prefixes[prefix] + zero-padded numbers + suffixes[suffix]``, built as one
    byte buffer with numpy (ids of tens of millions of rows in a second)."""
    n = numbers.size
    pre, suf = _letters(prefixes), _letters(suffixes)
    lp, ls = pre.shape[1], suf.shape[1]
    w = lp + width + ls
    cols = np.empty((w, n), np.uint8)  # one row per character position, then transposed
    for i in range(lp):
        cols[i] = pre[:, i][prefix]
    for i in range(ls):
        cols[lp + width + i] = suf[:, i][suffix]
    # decimal digits, right to left, in float64 (exact below 2**53) with reused buffers
    x = numbers.astype(np.float64)
    q = np.empty_like(x)
    r = np.empty_like(x)
    for i in range(lp + width - 1, lp - 1, -1):
        np.floor(np.divide(x, 10.0, out=q), out=q)
        np.subtract(x, np.multiply(q, 10.0, out=r), out=r)
        r += 48.0
        cols[i] = r
        x, q = q, x
    buf = np.ascontiguousarray(cols.T)
    offsets = np.arange(n + 1, dtype=np.int64) * w
    if n * w < 2**31:
        offsets = offsets.astype(np.int32)
        return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf))


def timestamps(seconds: Array) -> pa.Array:
    return pa.array((START_S + seconds.astype("timedelta64[s]")).astype("datetime64[us]"))


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


# --------------------------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Scores
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Calls (generated first: a bad call can end the customer relationship)
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Event collection
# --------------------------------------------------------------------------------------------


class EventLog:
    """Columns of journey events, appended block by block."""

    def __init__(self) -> None:
        self.blocks: list[tuple[Array, ...]] = []

    def add(
        self,
        person: Array,
        sec: Array,
        tp: str,
        kind: str,
        source: Array | int,
        cost: Array | float,
    ) -> None:
        n = person.size
        src = np.broadcast_to(np.asarray(source, dtype=np.int8), (n,))
        self.blocks.append(
            (
                person.astype(np.int32),
                sec.astype(np.int32),
                np.full(n, TOUCHPOINT_INDEX[tp], np.int8),
                np.full(n, EVENT_INDEX[kind], np.int8),
                src,
                np.broadcast_to(np.asarray(cost, dtype=np.float64), (n,)),
            )
        )

    def columns(self) -> tuple[Array, ...]:
        cols = tuple(np.concatenate([b[i] for b in self.blocks]) for i in range(6))
        inside = (cols[1] >= 0) & (cols[1] < DAYS * DAY)
        return tuple(c[inside] for c in cols)


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


# --------------------------------------------------------------------------------------------
# Activity: purchases, journeys, surveys
# --------------------------------------------------------------------------------------------

# purchase kinds
_WEB, _APP, _CC, _STORE, _PARTNER = 0, 1, 2, 3, 4
KIND_CHANNEL = ("web", "app", "web", "store", "partner")
KIND_SOURCE = (ESHOP, ESHOP, ESHOP, CRM, CRM)
_KIND_FACTOR = np.array([1.1, 0.9, 1.0, 1.0, 1.3])


@dataclass
class Activity:
    tx_person: Array
    tx_sec: Array
    tx_kind: Array
    tx_amount: Array
    tx_margin: Array
    tx_refund: Array
    log: EventLog
    survey: SurveyLog


def draw_activity(
    rng: np.random.Generator, p: Persons, calls: Calls, cum_purchase: Array, cum_flat: Array
) -> Activity:
    end = np.minimum(p.churn, DAYS)
    incident = day_index(DELIVERY_INCIDENT_START)
    release = day_index(APP_RELEASE)
    log = EventLog()
    sv = SurveyLog([], [], [], [], [], [], [], [])

    # purchases
    person, day = poisson_days(rng, p.purchase_rate, p.start, end, cum_purchase)
    web_ok = p.eshop[person] & (day >= p.eshop_since[person])
    cdfs = np.cumsum(np.array([[0.36, 0.16, 0.10, 0.33, 0.05], [0, 0, 0, 0.85, 0.15]]), axis=1)
    kind = draw_rows(rng, cdfs, np.where(web_ok, 0, 1))
    online = kind <= _CC
    sec = day * DAY + np.where(online, hours(rng, H_WEB, day.size), hours(rng, H_STORE, day.size))
    seg = p.segment[person]
    median = np.array([s.basket_median for s in SEGMENTS])[seg] * _KIND_FACTOR[kind]
    month = (START_D + day).astype("datetime64[M]").astype(np.int64) % 12 + 1
    median = median * np.where(month == 12, 1.15, 1.0)
    amount = np.round(median * rng.lognormal(0.0, 0.75, day.size), 2)
    amount = np.maximum(amount, 2.5)
    rate = np.array([s.margin_rate for s in SEGMENTS])[seg] + rng.normal(0, 0.05, day.size)
    rate = np.clip(rate - np.where(kind == _PARTNER, 0.08, 0.0), 0.05, 0.6)
    margin = np.round(amount * rate, 2)
    tx = {
        "person": [person],
        "sec": [sec],
        "kind": [kind],
        "amount": [amount],
        "margin": [margin],
        "refund": [np.zeros(day.size, bool)],
    }

    def refund(idx: Array, at: Array, share: Array | float) -> None:
        tx["person"].append(person[idx])
        tx["sec"].append(at)
        tx["kind"].append(kind[idx])
        tx["amount"].append(-np.round(amount[idx] * share, 2))
        tx["margin"].append(-np.round(margin[idx] * share, 2))
        tx["refund"].append(np.ones(idx.size, bool))

    # pre-purchase visits (consideration)
    for k, tp, visited in ((_WEB, "website", 0.8), (_CC, "website", 0.8), (_APP, "app", 0.5)):
        idx = np.flatnonzero((kind == k) & (rng.random(kind.size) < visited))
        ahead = rng.integers(0, 3 * DAY, idx.size) + 600
        log.add(person[idx], sec[idx] - ahead, tp, "visit", ESHOP, 0.08)

    # online orders and home deliveries
    for k, tp in ((_WEB, "website"), (_APP, "app"), (_CC, "website")):
        idx = np.flatnonzero(kind == k)
        log.add(person[idx], sec[idx], tp, "order", ESHOP, 1.2 if k != _APP else 0.9)
    home = np.flatnonzero(kind <= _APP)
    after = day[home] >= incident
    is_web = kind[home] == _WEB
    late_p = np.where(is_web, np.where(after, LATE_RATE_AFTER, LATE_RATE_BEFORE), APP_LATE_RATE)
    lost_p = np.where(is_web, np.where(after, LOST_RATE_AFTER, LOST_RATE_BEFORE), APP_LOST_RATE)
    u = rng.random(home.size)
    lost = u < lost_p
    late = ~lost & (u < lost_p + late_p)
    delay = 1 + rng.poisson(1.2, home.size)
    delay = delay + np.where(
        late, rng.integers(LATE_EXTRA_DAYS[0], LATE_EXTRA_DAYS[1] + 1, home.size), 0
    )
    delivered_sec = (day[home] + delay) * DAY + hours(rng, H_DELIVERY, home.size)
    ok = ~lost
    log.add(
        person[home[ok]],
        delivered_sec[ok],
        "delivery",
        "delivery",
        ESHOP,
        np.where(late[ok], 10.5, 6.5),
    )
    lost_sec = (day[home] + rng.integers(10, 22, home.size)) * DAY + hours(rng, H_CALL, home.size)
    log.add(person[home[lost]], lost_sec[lost], "delivery", "lost_parcel", ESHOP, 25.0)
    refund(home[lost], lost_sec[lost] + rng.integers(1, 4, int(lost.sum())) * DAY, 1.0)
    # survey after delivery (or after the parcel is declared lost)
    survey_at = np.where(lost, lost_sec, delivered_sec)
    cause = np.where(
        lost,
        CAUSE_INDEX["delivery_lost"],
        np.where(late, CAUSE_INDEX["delivery_late"], CAUSE_INDEX["none"]),
    )
    bug_rate = np.where(
        is_web,
        WEBSITE_BUG_RATE,
        np.where(day[home] >= release, APP_BUG_RATE_AFTER, APP_BUG_RATE_BEFORE),
    )
    bug = (cause == CAUSE_INDEX["none"]) & (rng.random(home.size) < bug_rate)
    cause = np.where(bug, np.where(is_web, CAUSE_INDEX["website_bugs"], CAUSE_INDEX["app"]), cause)
    shift = np.where(lost, LOST_SHIFT, np.where(late, LATE_SHIFT, 0.0)) + np.where(
        bug, BUG_SHIFT, 0.0
    )
    for web_flag, survey in ((True, "post_livraison_web"), (False, "post_commande_app")):
        m = is_web == web_flag
        sv.add(
            rng,
            survey,
            person[home[m]],
            survey_at[m],
            (DAY // 4, 3 * DAY),
            ESHOP,
            p.effect,
            shift[m],
            cause[m],
        )

    # returns of delivered orders and of store purchases
    back = home[ok & (rng.random(home.size) < 0.07)]
    ret_sec = delivered_sec[np.searchsorted(home, back)] + rng.integers(2, 26, back.size) * DAY
    log.add(person[back], ret_sec, "returns", "return", ESHOP, 8.0)
    share = np.where(rng.random(back.size) < 0.5, 1.0, rng.uniform(0.3, 0.8, back.size))
    refund(back, ret_sec + rng.integers(2, 13, back.size) * DAY, share)
    sv.add(rng, "post_retour", person[back], ret_sec, (DAY, 4 * DAY), ESHOP, p.effect)
    store_back = np.flatnonzero((kind == _STORE) & (rng.random(kind.size) < 0.05))
    sret_sec = (day[store_back] + rng.integers(1, 21, store_back.size)) * DAY + hours(
        rng, H_STORE, store_back.size
    )
    log.add(person[store_back], sret_sec, "store", "return", CRM, 3.0)
    refund(store_back, sret_sec, 1.0)

    # click & collect pickups
    cc = np.flatnonzero(kind == _CC)
    pick_sec = (day[cc] + rng.integers(1, 4, cc.size)) * DAY + hours(rng, H_STORE, cc.size)
    log.add(person[cc], pick_sec, "click_collect", "pickup", ESHOP, 1.8)
    sv.add(rng, "post_retrait", person[cc], pick_sec, (3600, 2 * DAY), ESHOP, p.effect)

    # store and partner purchases
    st = np.flatnonzero(kind == _STORE)
    log.add(person[st], sec[st], "store", "purchase", CRM, 3.5)
    sv.add(rng, "post_achat_magasin", person[st], sec[st], (3600, 2 * DAY), CRM, p.effect)
    pa_ = np.flatnonzero(kind == _PARTNER)
    log.add(person[pa_], sec[pa_], "partner_reseller", "purchase", CRM, 1.0)
    sv.add(rng, "revendeur", person[pa_], sec[pa_], (DAY, 5 * DAY), CRM, p.effect)

    # product reviews, a month after a purchase
    rv = np.flatnonzero(rng.random(kind.size) < 0.2)
    rv_source = np.asarray(KIND_SOURCE, np.int8)[kind[rv]]
    answered, rv_sec = sv.add(
        rng, "avis_produit", person[rv], sec[rv], (30 * DAY, 46 * DAY), rv_source, p.effect
    )
    log.add(person[rv[answered]], rv_sec - 60, "product", "review", rv_source[answered], 0.05)

    # browsing, e-mails, social media, loyalty, chat
    eshop_start = np.where(p.eshop, np.maximum(p.start, p.eshop_since + 1), DAYS)
    vp, vd = poisson_days(rng, np.where(p.eshop, 2.0 / 365, 0.0), eshop_start, end, cum_purchase)
    on_app = rng.random(vp.size) < 0.3
    vsec = vd * DAY + hours(rng, H_WEB, vp.size)
    log.add(vp[~on_app], vsec[~on_app], "website", "visit", ESHOP, 0.08)
    log.add(vp[on_app], vsec[on_app], "app", "visit", ESHOP, 0.05)
    ep, ed = poisson_days(rng, np.where(p.optin, 1.5 / 365, 0.0), p.start, end, cum_purchase)
    esec = ed * DAY + hours(rng, H_WEB, ep.size)
    log.add(ep, esec, "email", "email_open", CRM, 0.01)
    click = rng.random(ep.size) < 0.3
    log.add(
        ep[click],
        esec[click] + rng.integers(5, 600, int(click.sum())),
        "email",
        "email_click",
        CRM,
        0.02,
    )
    sp, sd = poisson_days(rng, np.where(p.eshop, 0.5 / 365, 0.0), eshop_start, end, cum_purchase)
    log.add(sp, sd * DAY + hours(rng, H_WEB, sp.size), "social_media", "social_click", ESHOP, 0.35)
    lp, ld = poisson_days(rng, np.where(p.loyalty, 1.0 / 365, 0.0), p.start, end, cum_flat)
    lsec = ld * DAY + hours(rng, H_STORE, lp.size)
    log.add(lp, lsec, "loyalty_programme", "loyalty_reward", CRM, 1.5)
    sv.add(rng, "fidelite", lp, lsec, (DAY, 5 * DAY), CRM, p.effect)
    chat_rate = np.where(p.support & p.eshop, 0.8 / 365, 0.0)
    cp, cd = poisson_days(rng, chat_rate, eshop_start, end, cum_flat)
    csec = cd * DAY + hours(rng, H_WEB, cp.size)
    log.add(cp, csec, "chat", "chat", SUPPORT, 2.2)
    sv.add(rng, "post_chat", cp, csec, (60, 3600), SUPPORT, p.effect)

    # calls (already drawn) and their surveys
    log.add(calls.person, calls.sec, "call_centre", "call", SUPPORT, np.where(calls.bad, 9.0, 5.0))
    cause = np.where(calls.bad, CAUSE_INDEX["call"], CAUSE_INDEX["none"]).astype(np.int8)
    sv.add(
        rng, "post_appel", calls.person, calls.sec, (120, 6 * 3600), SUPPORT, p.effect,
        cause=cause, z=calls.z, nps=calls.nps, ces=calls.ces,
    )  # fmt: skip

    return Activity(
        tx_person=np.concatenate(tx["person"]),
        tx_sec=np.concatenate(tx["sec"]),
        tx_kind=np.concatenate(tx["kind"]),
        tx_amount=np.concatenate(tx["amount"]),
        tx_margin=np.concatenate(tx["margin"]),
        tx_refund=np.concatenate(tx["refund"]),
        log=log,
        survey=sv,
    )


# --------------------------------------------------------------------------------------------
# Source records (customers) and their ids
# --------------------------------------------------------------------------------------------


def _variants(names: Sequence[str], forms: Sequence[Callable[[str], str]]) -> list[str]:
    """Flat bank: name x form x accents (kept, dropped) x case (as is, upper)."""
    out: list[str] = []
    for name in names:
        for form in forms:
            base = form(name)
            for folded in (base, banks.fold(base)):
                out.extend((folded, folded.upper()))
    return out


def _nick(name: str) -> str:
    return banks.NICKNAMES.get(name, name)


_FIRST_BANK = _variants(
    FIRST_NAMES, (str, _nick, lambda s: banks.swap_typo(s, 0), lambda s: banks.swap_typo(s, 1))
)
_LAST_BANK = _variants(
    LAST_NAMES,
    (str, lambda s: banks.swap_typo(s, 0), lambda s: banks.swap_typo(s, 1), banks.drop_typo),
)
_CITY_NAMES = [c for c, _, _ in banks.CITIES]
_CITY_BANK = _variants(_CITY_NAMES, (str, banks.abbreviate_city, lambda s: s.replace("-", " ")))
_STREET_NAME_BANK = _variants(banks.STREET_NAMES, (str,))
_STREET_TYPE_BANK = _variants([t for t, _, _ in banks.STREET_TYPES], (str,))
_STREET_ABBR_BANK = [a for _, abbrs, _ in banks.STREET_TYPES for a in abbrs]
_HAS_NICK = np.array([_nick(n) != n for n in FIRST_NAMES])
_FIRST_EMAIL = [banks.email_part(n) for n in FIRST_NAMES]
_LAST_EMAIL = [banks.email_part(n) for n in LAST_NAMES]
_DOMAINS = [d for d, _ in banks.EMAIL_DOMAINS]
_DOMAIN_W = weights([w for _, w in banks.EMAIL_DOMAINS])


_PARTS: list[str] = list(
    dict.fromkeys(["", *_FIRST_EMAIL, *(n[0] for n in _FIRST_EMAIL), *_LAST_EMAIL])
)
_PART_ID = {part: i for i, part in enumerate(_PARTS)}
_FIRST_PART = np.array([_PART_ID[n] for n in _FIRST_EMAIL])
_INITIAL_PART = np.array([_PART_ID[n[0]] for n in _FIRST_EMAIL])
_LAST_PART = np.array([_PART_ID[n] for n in _LAST_EMAIL])
#: local-part patterns: (A, separator, B) with A/B one of first, initial, last, nothing
_EMAIL_PATTERNS = (
    ("first", ".", "last", 30),
    ("first", "", "last", 12),
    ("initial", ".", "last", 10),
    ("last", ".", "first", 8),
    ("first", "_", "last", 12),
    ("last", "", "", 10),
    ("first", "-", "last", 8),
    ("initial", "", "last", 10),
)
_SEPARATORS = ("", ".", "_", "-")


def draw_emails(rng: np.random.Generator, p: Persons, who: Array) -> pa.Array:
    """A lower-case e-mail address for each person of ``who`` (may repeat), all distinct."""
    n = who.size
    pattern = draw(rng, weights([w for *_, w in _EMAIL_PATTERNS]), n)
    parts = {
        "first": _FIRST_PART[p.first[who]],
        "initial": _INITIAL_PART[p.first[who]],
        "last": _LAST_PART[p.last[who]],
        "": np.zeros(n, np.int64),
    }
    a = np.zeros(n, np.int64)
    b = np.zeros(n, np.int64)
    sep = np.zeros(n, np.int64)
    for k, (pa_, sep_, pb, _) in enumerate(_EMAIL_PATTERNS):
        sel = pattern == k
        a[sel], b[sel], sep[sel] = parts[pa_][sel], parts[pb][sel], _SEPARATORS.index(sep_)
    u = rng.random(n)
    year = (p.birth[who] // 365 + 1970) % 100
    suffix = np.where(u < 0.35, rng.integers(1, 100, n), np.where(u < 0.55, year, -1))
    suffix = np.where(b == 0, rng.integers(10, 1000, n), suffix)  # "martin123"
    domain = draw(rng, _DOMAIN_W, n)
    for _ in range(50):  # a clash gets more digits until every address is distinct
        key = (((a * len(_PARTS) + b) * 4 + sep) * 100_001 + suffix + 1) * len(_DOMAINS) + domain
        order = np.argsort(key, kind="stable")
        same = np.flatnonzero(key[order][1:] == key[order][:-1]) + 1
        if same.size == 0:
            break
        clash = order[same]
        suffix[clash] = rng.integers(100, 100_000, clash.size)
    texts = pa.array(_PARTS)
    suffix_text = pc.if_else(
        pa.array(suffix >= 0), pc.cast(pa.array(np.maximum(suffix, 0)), pa.string()), pa.scalar("")
    )
    return pc.binary_join_element_wise(
        texts.take(pa.array(a)),
        pa.array(np.asarray(_SEPARATORS)[sep]),
        texts.take(pa.array(b)),
        suffix_text,
        pa.scalar("@"),
        pa.array(_DOMAINS).take(pa.array(domain)),
        "",
    )


def _phone_strings(digits9: Array, fmt: Array) -> pa.Array:
    s = zero_padded(digits9, 9)

    def part(i: int, j: int) -> pa.Array:
        return pc.utf8_slice_codeunits(s, i, j)

    d0, d1, d2, d3, d4 = part(0, 1), part(1, 3), part(3, 5), part(5, 7), part(7, 9)
    zero, plus = pa.scalar("0"), pa.scalar("+33")
    f0 = pc.binary_join_element_wise(pc.binary_join_element_wise(zero, d0, ""), d1, d2, d3, d4, " ")
    f1 = pc.binary_join_element_wise(zero, s, "")
    f2 = pc.binary_join_element_wise(plus, d0, d1, d2, d3, d4, " ")
    f3 = pc.binary_join_element_wise(plus, s, "")
    f4 = pc.binary_join_element_wise(pc.binary_join_element_wise(zero, d0, ""), d1, d2, d3, d4, ".")
    return pc.choose(pa.array(fmt.astype(np.int8)), f0, f1, f2, f3, f4)


def _swap_digit(rng: np.random.Generator, x: Array) -> Array:
    k = 10 ** rng.integers(0, 7, x.size)
    a, b = (x // k) % 10, (x // (k * 10)) % 10
    return x - a * k - b * k * 10 + b * k + a * k * 10


def source_records(
    rng: np.random.Generator,
    p: Persons,
    who: Array,
    noise: SourceNoise,
    email: pa.Array,
    other_email: pa.Array,
    created_sec: Array,
    with_segment: bool,
    country: Sequence[str | None],
) -> tuple[dict[str, pa.Array], Array]:
    """The customer columns of persons ``who`` as one source stores them, and change flags."""
    n = who.size

    def flag(rate: float) -> Array:
        return rng.random(n) < rate

    changes = np.zeros(n, np.int64)

    def mark(name: str, mask: Array) -> None:
        nonlocal changes
        changes = changes | np.where(mask, CHANGE_BIT[name], 0)

    fold = flag(noise.no_accents)
    upper_all = flag(noise.upper_case)
    upper_last = upper_all | flag(noise.upper_last_name)
    mark("no_accents", fold)
    mark("upper_case", upper_all)
    # first name: form 0 as is, 1 nickname, 2-3 typos
    first = p.first[who]
    nick = flag(noise.nickname) & _HAS_NICK[first]
    ftypo = ~nick & flag(noise.first_name_typo)
    fform = np.where(nick, 1, np.where(ftypo, 2 + rng.integers(0, 2, n), 0))
    mark("nickname", nick)
    mark("first_name_typo", ftypo)
    fi = ((first * 4 + fform) * 2 + fold) * 2 + upper_all
    ltypo = flag(noise.last_name_typo)
    lform = np.where(ltypo, 1 + rng.integers(0, 3, n), 0)
    mark("last_name_typo", ltypo)
    li = ((p.last[who] * 4 + lform) * 2 + fold) * 2 + upper_last
    # e-mail
    other = flag(noise.other_email)
    no_email = flag(noise.no_email)
    ecase = flag(noise.email_case)
    mail = pc.if_else(pa.array(other), other_email, email)
    cased = pc.if_else(pa.array(rng.random(n) < 0.5), pc.utf8_title(mail), pc.utf8_upper(mail))
    mail = pc.if_else(pa.array(ecase), cased, mail)
    mail = pc.if_else(pa.array(no_email), pa.scalar(None, pa.string()), mail)
    mark("other_email", other & ~no_email)
    mark("email_case", ecase & ~no_email)
    mark("no_email", no_email)
    # phone
    fmt = draw(rng, weights(noise.phone_formats), n)
    ptypo = flag(noise.phone_typo)
    digits = np.where(ptypo, _swap_digit(rng, p.phone[who]), p.phone[who])
    no_phone = flag(noise.no_phone)
    phone = pc.if_else(
        pa.array(no_phone), pa.scalar(None, pa.string()), _phone_strings(digits, fmt)
    )
    mark("phone_format", (fmt != 0) & ~no_phone)
    mark("phone_typo", ptypo & ~no_phone)
    mark("no_phone", no_phone)
    # address
    abbr = flag(noise.street_abbreviation)
    no_addr = flag(noise.no_address)
    tidx = p.street_type[who]
    ttext = pa.array(_STREET_TYPE_BANK).take(pa.array((tidx * 2 + fold) * 2 + upper_all))
    abbr_bank = _STREET_ABBR_BANK + [banks.fold(a) for a in _STREET_ABBR_BANK]
    atext = pa.array(abbr_bank).take(
        pa.array(tidx * 3 + rng.integers(0, 3, n) + fold * len(_STREET_ABBR_BANK))
    )
    atext = pc.if_else(pa.array(upper_all), pc.utf8_upper(atext), atext)
    stype = pc.if_else(pa.array(abbr), atext, ttext)
    sname = pa.array(_STREET_NAME_BANK).take(
        pa.array((p.street_name[who] * 2 + fold) * 2 + upper_all)
    )
    number = pc.cast(pa.array(p.street_no[who]), pa.string())
    comma = pc.if_else(pa.array(rng.random(n) < 0.2), pa.scalar(", "), pa.scalar(" "))
    address = pc.binary_join_element_wise(number, comma, stype, pa.scalar(" "), sname, "")
    address = pc.if_else(pa.array(no_addr), pa.scalar(None, pa.string()), address)
    mark("street_abbreviation", abbr & ~no_addr)
    mark("no_address", no_addr)
    pcode_idx = p.postcode[who]
    codes = np.array([int(c) for _, c in POSTCODES])[pcode_idx]
    ctypo = flag(noise.postcode_typo)
    codes = np.where(ctypo, _swap_digit(rng, codes) % 100_000, codes)
    postcode = pc.if_else(pa.array(no_addr), pa.scalar(None, pa.string()), zero_padded(codes, 5))
    mark("postcode_typo", ctypo & ~no_addr)
    cvar = flag(noise.city_variant)
    cform = np.where(cvar, 1 + rng.integers(0, 2, n), 0)
    city_idx = np.array([ci for ci, _ in POSTCODES])[pcode_idx]
    ci = ((city_idx * 3 + cform) * 2 + fold) * 2 + upper_all
    mark("city_variant", cvar & ~no_addr)
    city = pc.if_else(
        pa.array(no_addr),
        pa.scalar(None, pa.string()),
        dictionary(ci, _CITY_BANK).cast(pa.string()),
    )
    # birth date: day and month swapped (when possible), or missing
    birth = p.birth[who].astype("datetime64[D]")
    months = birth.astype("datetime64[M]")
    dom = (birth - months).astype(np.int64) + 1
    moy = months.astype(np.int64) % 12 + 1
    swapped_date = (birth.astype("datetime64[Y]").astype("datetime64[M]") + (dom - 1)).astype(
        "datetime64[D]"
    ) + (moy - 1)
    swap = flag(noise.birth_date_swapped) & (dom <= 12) & (dom != moy)
    no_birth = flag(noise.no_birth_date)
    birth = np.where(swap, swapped_date, birth)
    mark("birth_date_swapped", swap & ~no_birth)
    mark("no_birth_date", no_birth)
    birth_arr = pa.array(birth.astype("datetime64[D]"), mask=no_birth)
    country_idx = rng.integers(0, len(country), n)
    columns = {
        "first_name": dictionary(fi, _FIRST_BANK),
        "last_name": dictionary(li, _LAST_BANK),
        "email": mail,
        "phone": phone,
        "address": address,
        "postcode": postcode,
        "city": pc.dictionary_encode(city),
        "country": dictionary(country_idx, country),
        "birth_date": birth_arr,
        "segment": dictionary(p.segment[who], SEGMENT_KEYS)
        if with_segment
        else pa.nulls(n, pa.dictionary(pa.int8(), pa.string())),
        "created_at": timestamps(created_sec),
    }
    return columns, changes


def source_ids(
    rng: np.random.Generator, n: int, prefix: str, width: int, multiplier: int
) -> pa.Array:
    """``n`` distinct ids ``prefix + digits``, in an order unrelated to the persons'."""
    rank = rng.permutation(n).astype(np.int64)
    modulus = 10**width
    value = (rank * multiplier + rng.integers(0, modulus)) % modulus
    return ascii_column(value, width, (prefix,))


@dataclass
class Directory:
    """Where each person's record sits in the concatenated id array of all sources."""

    ids: pa.Array
    crm: Array
    crm_dup: Array  # -1: none
    eshop: Array
    support: Array


# --------------------------------------------------------------------------------------------
# Verbatims
# --------------------------------------------------------------------------------------------


def _cycle(values: Sequence[str], k: int) -> list[str]:
    return [values[i % len(values)] for i in range(k)]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


LANGS = ("fr", "en")
TONES = ("neg", "mixed", "pos")
_K_CORE, _K_DETAIL, _K_OPEN, _K_CLOSE = 8, 6, 11, 9
_T = len(phrases.TOPICS)


def _bank(items: list[str]) -> pa.Array:
    """A bank with its accent-free copy appended (offset ``len(items)``)."""
    return pa.array(items + [banks.fold(s) for s in items])


def _verbatim_banks() -> tuple[pa.Array, pa.Array, pa.Array, pa.Array, Array]:
    cores: list[str] = []
    details: list[str] = []
    for lang in LANGS:
        for topic in phrases.TOPICS:
            for sent in ("neg", "pos"):
                base = _cycle(phrases.CORES[topic][lang][sent], _K_CORE)
                cores += base + [_capitalised(s) for s in base]
                details += _cycle(phrases.DETAILS[topic][lang][sent], _K_DETAIL)
    openers: list[str] = []
    closers: list[str] = []
    for lang in LANGS:
        for tone in TONES:
            openers += _cycle(phrases.OPENERS[lang][tone], _K_OPEN)
            closers += _cycle(phrases.CLOSERS[lang][tone], _K_CLOSE)
    starts_sentence = np.array([o == "" or o.rstrip()[-1] in ".!?" for o in openers])
    return _bank(cores), _bank(details), _bank(openers), _bank(closers), starts_sentence


def verbatim_texts(rng: np.random.Generator, lang: Array, tone: Array, topic: Array) -> pa.Array:
    """Texts for rows of (language 0/1, tone 0/1/2, topic index)."""
    n = lang.size
    cores, details, openers, closers, starts = _verbatim_banks()
    sent = np.where(tone == 2, 1, 0)
    fold = (lang == 0) & (rng.random(n) < 0.1)
    o = (lang * 3 + tone) * _K_OPEN + rng.integers(0, _K_OPEN, n)
    cap = starts[o].astype(np.int64)
    c = (((lang * _T + topic) * 2 + sent) * 2 + cap) * _K_CORE + rng.integers(0, _K_CORE, n)
    d = ((lang * _T + topic) * 2 + sent) * _K_DETAIL + rng.integers(0, _K_DETAIL, n)
    e = (lang * 3 + tone) * _K_CLOSE + rng.integers(0, _K_CLOSE, n)
    parts = [
        openers.take(pa.array(o + fold * (len(openers) // 2))),
        cores.take(pa.array(c + fold * (len(cores) // 2))),
        details.take(pa.array(d + fold * (len(details) // 2))),
        closers.take(pa.array(e + fold * (len(closers) // 2))),
    ]
    text = pc.binary_join_element_wise(*parts, "")
    lower = pa.array(rng.random(n) < 0.08)
    return pc.if_else(lower, pc.utf8_lower(text), text)


def topic_cdfs() -> tuple[Array, Array]:
    """Per touchpoint, the CDF over topics of negative and of positive verbatims."""
    neg = np.zeros((len(TOUCHPOINTS), _T))
    pos = np.zeros((len(TOUCHPOINTS), _T))
    for tp, (n_w, p_w) in TOPIC_WEIGHTS.items():
        for topic, w in n_w.items():
            neg[TOUCHPOINT_INDEX[tp], phrases.TOPICS.index(topic)] = w
        for topic, w in p_w.items():
            pos[TOUCHPOINT_INDEX[tp], phrases.TOPICS.index(topic)] = w
    for m in (neg, pos):
        m[m.sum(axis=1) == 0, phrases.TOPICS.index("staff")] = 1.0
        m /= m.sum(axis=1, keepdims=True)
    neg_cdf, pos_cdf = np.cumsum(neg, axis=1), np.cumsum(pos, axis=1)
    neg_cdf[:, -1] = pos_cdf[:, -1] = 1.0
    return neg_cdf, pos_cdf


# --------------------------------------------------------------------------------------------
# generate()
# --------------------------------------------------------------------------------------------


def generate(*, customers: int, seed: int, progress: Progress | None = None) -> DemoData:
    """Generate Maison Lumière with ``customers`` persons from ``seed`` (pure, deterministic)."""
    return DemoData(**dict(iter_tables(customers=customers, seed=seed, progress=progress)))


def iter_tables(
    *, customers: int, seed: int, progress: Progress | None = None
) -> Iterator[tuple[str, pa.Table]]:
    """The tables of :func:`generate`, one at a time (customers, truth, transactions,
    interactions, responses), so a caller can store each and let it go before the next."""
    say = progress or (lambda _message: None)
    streams = [
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(8)
    ]
    r_person, r_calls, r_activity, r_records, r_ids, r_scores, r_text, r_refs = streams
    cum_purchase, cum_flat = daily_intensities()

    say(f"persons ({customers:,})")
    p = draw_persons(r_person, customers, cum_purchase)
    say("calls and churn")
    calls = draw_calls(r_calls, p, cum_flat)
    say("purchases, journeys and surveys")
    act = draw_activity(r_activity, p, calls, cum_purchase, cum_flat)
    del calls

    # a support record exists from the first contact (or from before the period)
    never = 10 * DAYS * DAY
    support_since = np.full(p.n, never, np.int64)
    for block in act.log.blocks:
        if block[4].size and int(block[4][0]) == SUPPORT:
            np.minimum.at(support_since, block[0], block[1])
    lead = r_records.integers(600, 3 * 3600, p.n)
    before = p.acquired_sec + (r_records.random(p.n) * np.clip(-p.acquired_sec, 0, None)).astype(
        np.int64
    )
    support_since = np.where(
        support_since >= never,
        np.where(p.acquired < 0, before, p.acquired_sec + 3600),
        support_since - lead,
    )

    say("customer records")
    customers_table, directory, truth = customer_tables(r_records, r_ids, p, support_since)
    yield "customers", customers_table
    del customers_table
    yield "truth", truth
    del truth
    say("transactions")
    transactions = transactions_table(r_refs, p, act, directory)
    empty = np.zeros(0)
    act.tx_person = act.tx_sec = act.tx_kind = act.tx_amount = act.tx_margin = act.tx_refund = empty
    yield "transactions", transactions
    del transactions
    say("interactions")
    interactions = interactions_table(r_refs, p, act, directory)
    act.log.blocks.clear()
    yield "interactions", interactions
    del interactions
    say("survey responses and verbatims")
    yield "responses", responses_table(r_scores, r_text, r_refs, p, act, directory)


def customer_tables(
    rng: np.random.Generator, rng_ids: np.random.Generator, p: Persons, support_since: Array
) -> tuple[pa.Table, Directory, pa.Table]:
    everyone = np.arange(p.n)
    both = draw_emails(rng, p, np.concatenate([everyone, everyone]))  # usual and other address
    email, other = both.slice(0, p.n), both.slice(p.n)
    groups = [
        ("crm", everyone, NOISE["crm"], p.acquired_sec, True, ("FR",)),
        (
            "crm_duplicate",
            np.flatnonzero(p.crm_dup),
            NOISE["crm_duplicate"],
            p.crm_dup_since * DAY + hours(rng, H_STORE, p.n),
            True,
            ("FR",),
        ),
        (
            "eshop",
            np.flatnonzero(p.eshop),
            NOISE["eshop"],
            p.eshop_since * DAY + hours(rng, H_WEB, p.n),
            True,
            ("France",),
        ),
        (
            "support",
            np.flatnonzero(p.support),
            NOISE["support"],
            support_since,
            False,
            ("FR", "France", None),
        ),
    ]
    id_specs = {
        "crm": ("CRM-", 8, 7919),
        "eshop": ("WEB", 9, 104_729),
        "support": ("SAV", 8, 1_299_709),
    }
    n_crm_all = p.n + groups[1][1].size
    crm_ids = source_ids(rng_ids, n_crm_all, *id_specs["crm"])
    eshop_ids = source_ids(rng_ids, groups[2][1].size, *id_specs["eshop"])
    support_ids = source_ids(rng_ids, groups[3][1].size, *id_specs["support"])
    id_parts = {
        "crm": crm_ids.slice(0, p.n),
        "crm_duplicate": crm_ids.slice(p.n),
        "eshop": eshop_ids,
        "support": support_ids,
    }
    pieces = []
    truth_pieces = []
    for name, who, noise, created, with_seg, country in groups:
        cols, changes = source_records(
            rng,
            p,
            who,
            noise,
            email.take(pa.array(who)),
            other.take(pa.array(who)),
            created[who],
            with_seg,
            country,
        )
        source = "crm" if name == "crm_duplicate" else name
        n = who.size
        table = pa.table(
            {
                "customer_id": id_parts[name],
                "source": dictionary(np.full(n, SOURCES.index(source)), SOURCES),
                **cols,
            }
        )
        if source == "crm":  # the CRM knows loyalty membership and e-mail consent
            codes = p.loyalty[who].astype(np.int64) * 2 + p.optin[who]
            attrs = [
                json.dumps({"loyalty_member": bool(c // 2), "email_opt_in": bool(c % 2)})
                for c in range(4)
            ]
            table = table.append_column("attributes", dictionary(codes, attrs))
        pieces.append(table)
        truth_pieces.append((name, who, changes, id_parts[name]))
    customers = pa.concat_tables(pieces, promote_options="default")
    offsets = np.cumsum([0] + [t.num_rows for t in pieces])
    pos = [np.full(p.n, -1, np.int64) for _ in range(4)]
    for k, (_, who, _, _) in enumerate(truth_pieces):
        pos[k][who] = offsets[k] + np.arange(who.size)
    directory = Directory(
        pa.concat_arrays([t.column("customer_id").combine_chunks() for t in pieces]),
        pos[0],
        pos[1],
        pos[2],
        pos[3],
    )
    truth = truth_table(p, truth_pieces)
    return customers, directory, truth


def _changes_text(changes: Array) -> pa.DictionaryArray:
    values, codes = np.unique(changes, return_inverse=True)
    labels = [",".join(name for name, bit in CHANGE_BIT.items() if int(v) & bit) for v in values]
    return dictionary(codes.ravel(), labels, wide=True)


def truth_table(p: Persons, pieces: list[tuple[str, Array, Array, pa.Array]]) -> pa.Table:
    tables = []
    width = max(7, len(str(p.n)))
    for name, who, changes, ids in pieces:
        n = who.size
        source = "crm" if name == "crm_duplicate" else name
        churned = p.churn[who] < DAYS
        churn_day = np.where(churned, p.churn[who], 0)
        tables.append(
            pa.table(
                {
                    "person_id": ascii_column(who + 1, width, ("P",)),
                    "source": dictionary(np.full(n, SOURCES.index(source)), SOURCES),
                    "customer_id": ids,
                    "duplicate_in_source": pa.array(np.full(n, name == "crm_duplicate")),
                    "changes": _changes_text(changes),
                    "segment": dictionary(p.segment[who], SEGMENT_KEYS),
                    "language": dictionary(p.english[who].astype(np.int64), LANGS),
                    "acquired_at": timestamps(p.acquired_sec[who]),
                    "churned_on": pa.array(
                        (START_D + churn_day).astype("datetime64[D]"), mask=~churned
                    ),
                    "churn_cause": dictionary(
                        p.churn_cause[who], (None, "baseline", "call_centre")
                    ),
                }
            )
        )
    return pa.concat_tables(tables)


def reference_positions(
    rng: np.random.Generator, p: Persons, d: Directory, person: Array, sec: Array, source: Array
) -> Array:
    """Position in the id directory of the record each row references."""
    pos = np.empty(person.size, np.int64)
    for code, where in ((CRM, d.crm), (ESHOP, d.eshop), (SUPPORT, d.support)):
        sel = np.flatnonzero(source == code)
        pos[sel] = where[person[sel]]
    # a person with a second CRM record uses it for half of the later store visits
    crm_rows = np.flatnonzero(source == CRM)
    dup = d.crm_dup[person[crm_rows]]
    cand = crm_rows[dup >= 0]
    dup = dup[dup >= 0]
    later = sec[cand] >= p.crm_dup_since[person[cand]] * DAY
    coin = rng.random(cand.size) < 0.5
    pos[cand[later & coin]] = dup[later & coin]
    if (pos < 0).any():
        raise AssertionError("an event references a person unknown to its source")
    return pos


def id_column(d: Directory, pos: Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(pos.astype(np.int32)), d.ids)


def time_order(sec: Array) -> Array:
    """Row order by day (a stable radix sort: linear time on tens of millions of rows)."""
    return np.argsort((sec // DAY).astype(np.int16), kind="stable")


def interactions_table(
    rng: np.random.Generator, p: Persons, act: Activity, d: Directory
) -> pa.Table:
    person, sec, tp, kind, source, cost = act.log.columns()
    order = time_order(sec)
    person, sec, tp, kind, source, cost = (c[order] for c in (person, sec, tp, kind, source, cost))
    pos = reference_positions(rng, p, d, person, sec, source)
    channels = sorted(set(TOUCHPOINT_CHANNELS.values()))
    tp_channel = np.array([channels.index(TOUCHPOINT_CHANNELS[t]) for t in TOUCHPOINTS])
    return pa.table(
        {
            "event_id": ascii_column(
                np.arange(person.size) + 1, 10, ("CRM-EV", "WEB-EV", "SAV-EV"), source
            ),
            "customer_id": id_column(d, pos),
            "touchpoint": dictionary(tp, TOUCHPOINTS),
            "timestamp": timestamps(sec),
            "source": dictionary(source, SOURCES),
            "channel": dictionary(tp_channel[tp], channels),
            "type": dictionary(kind, EVENT_TYPES),
            "cost": pa.array(cost),
        }
    )


def transactions_table(
    rng: np.random.Generator, p: Persons, act: Activity, d: Directory
) -> pa.Table:
    inside = (act.tx_sec >= 0) & (act.tx_sec < DAYS * DAY)
    person, sec, kind = act.tx_person[inside], act.tx_sec[inside], act.tx_kind[inside]
    amount, margin, refund = act.tx_amount[inside], act.tx_margin[inside], act.tx_refund[inside]
    order = time_order(sec)
    person, sec, kind, amount, margin, refund = (
        c[order] for c in (person, sec, kind, amount, margin, refund)
    )
    source = np.asarray(KIND_SOURCE, np.int8)[kind]
    pos = reference_positions(rng, p, d, person, sec, source)
    # ids: till receipts (TCK) in the CRM, order numbers (CMD) in the e-shop; refunds are
    # credit notes (AVT) in the CRM and reimbursements (RMB) in the e-shop
    prefix = np.where(refund, np.where(source == CRM, 2, 3), np.where(source == CRM, 0, 1))
    channels = sorted(set(KIND_CHANNEL))
    return pa.table(
        {
            "transaction_id": ascii_column(
                np.arange(person.size) + 1, 10, ("TCK", "CMD", "AVT", "RMB"), prefix
            ),
            "customer_id": id_column(d, pos),
            "timestamp": timestamps(sec),
            "amount": pa.array(amount),
            "source": dictionary(source, SOURCES),
            "margin": pa.array(margin),
            "channel": dictionary(
                np.array([channels.index(c) for c in KIND_CHANNEL])[kind], channels
            ),
        }
    )


def responses_table(
    rng: np.random.Generator,
    rng_text: np.random.Generator,
    rng_refs: np.random.Generator,
    p: Persons,
    act: Activity,
    d: Directory,
) -> pa.Table:
    sv = act.survey
    person: Array = np.concatenate(sv.person)
    sec: Array = np.concatenate(sv.sec)
    kind: Array = np.concatenate(sv.kind).astype(np.int64)
    source: Array = np.concatenate(sv.source).astype(np.int8)
    z: Array = np.concatenate(sv.z)
    cause: Array = np.concatenate(sv.cause).astype(np.int64)
    preset_nps = np.concatenate(sv.preset_nps)
    preset_ces = np.concatenate(sv.preset_ces)
    order = time_order(sec)
    order = order[sec[order] < DAYS * DAY]
    person, sec, kind, source, z, cause = (c[order] for c in (person, sec, kind, source, z, cause))
    preset_nps, preset_ces = preset_nps[order], preset_ces[order]
    release = day_index(APP_RELEASE)
    after_release = sec >= release * DAY

    # rows: (questionnaire, slot)
    q_idx: list[Array] = []
    slot_idx: list[Array] = []
    tp_idx: list[Array] = []
    metric_idx: list[Array] = []
    score: list[Array] = []
    metrics = ("nps", "ces", "csat")
    for slot in range(3):
        for k, spec in enumerate(SURVEYS):
            if slot >= len(spec.questions):
                continue
            tp, metric, share = spec.questions[slot]
            sel = np.flatnonzero(kind == k)
            if share < 1.0:
                sel = sel[rng.random(sel.size) < share]
            mean = np.full(sel.size, METRIC_MEANS[tp, metric])
            if tp == "app" and metric == "ces":
                mean = np.where(after_release[sel], APP_CES_MEAN_AFTER, APP_CES_MEAN_BEFORE)
            if tp == "app" and metric == "nps":
                mean = mean + np.where(after_release[sel], 0.3, 0.0)
            s = draw_scores(rng, metric, mean, z[sel])
            if metric == "nps":
                s = np.where(preset_nps[sel] >= 0, preset_nps[sel], s)
            if metric == "ces":
                s = np.where(preset_ces[sel] >= 0, preset_ces[sel], s)
            q_idx.append(sel)
            slot_idx.append(np.full(sel.size, slot))
            tp_idx.append(np.full(sel.size, TOUCHPOINT_INDEX[tp]))
            metric_idx.append(np.full(sel.size, metrics.index(metric)))
            score.append(s)
    # place each answer after the previous answers of its questionnaire (no sort needed)
    present = np.zeros((person.size, 3), bool)
    for sel, sl in zip(q_idx, slot_idx, strict=True):
        present[sel, sl[:1]] = True
    count = present.sum(axis=1)
    start = np.cumsum(count) - count
    rank = np.cumsum(present, axis=1) - 1
    total = int(count.sum())
    q, slot_, tp_, metric_, score_ = (np.empty(total, np.int64) for _ in range(5))
    for sel, sl, tp_i, m_i, sc in zip(q_idx, slot_idx, tp_idx, metric_idx, score, strict=True):
        at = start[sel] + rank[sel, sl[:1]]
        q[at], slot_[at], tp_[at], metric_[at], score_[at] = sel, sl, tp_i, m_i, sc

    # verbatims: on the first answer of a questionnaire, tone from that answer
    first = slot_ == 0
    tone = np.zeros(q.size, np.int64)
    for m, metric in enumerate(metrics):
        sel = first & (metric_ == m)
        tone[sel] = tone_of(metric, score_[sel])
    rate = np.array([VERBATIM_RATE[t] for t in TONES])
    has_text = first & (rng_text.random(q.size) < rate[tone])
    rows = np.flatnonzero(has_text)
    neg_cdf, pos_cdf = topic_cdfs()
    t_tp = tp_[rows]
    t_tone = tone[rows]
    t_cause = cause[q[rows]]
    u = rng_text.random(rows.size)
    random_topic = np.where(t_tone == 2, pick(u, pos_cdf, t_tp), pick(u, neg_cdf, t_tp))
    call_topics = list(CALL_BAD_TOPICS)
    call_topic = np.array([phrases.TOPICS.index(t) for t in call_topics])[
        draw(rng_text, weights(list(CALL_BAD_TOPICS.values())), rows.size)
    ]
    cause_topic = np.array(
        [
            -1,
            *(
                phrases.TOPICS.index(c)
                for c in ("delivery_late", "delivery_lost", "website_bugs", "app")
            ),
            -2,
        ]
    )[t_cause]
    cause_topic = np.where(cause_topic == -2, call_topic, cause_topic)
    use_cause = (
        (t_tone < 2) & (cause_topic >= 0) & (rng_text.random(rows.size) < CAUSE_MENTION_RATE)
    )
    topic = np.where(use_cause, cause_topic, random_topic)
    lang_q = p.english[person].astype(np.int64)
    texts = verbatim_texts(rng_text, lang_q[q[rows]], t_tone, topic)
    verbatim_idx = np.full(q.size, -1, np.int64)
    verbatim_idx[rows] = np.arange(rows.size)
    verbatim = texts.take(pa.array(verbatim_idx, mask=verbatim_idx < 0))

    # ids and references
    # "Q<questionnaire>-<question>": the answers of one questionnaire share the stem
    response_id = ascii_column(q + 1, 10, ("Q",), 0, ("-1", "-2", "-3"), slot_)
    pos = reference_positions(rng_refs, p, d, person[q], sec[q], source[q])
    channels = sorted(set(TOUCHPOINT_CHANNELS.values()))
    tp_channel = np.array([channels.index(TOUCHPOINT_CHANNELS[t]) for t in TOUCHPOINTS])
    return pa.table(
        {
            "response_id": response_id,
            "customer_id": id_column(d, pos),
            "touchpoint": dictionary(tp_, TOUCHPOINTS),
            "timestamp": timestamps(sec[q]),
            "metric": dictionary(metric_, metrics),
            "score": pa.array(score_.astype(np.int64)),
            "survey": dictionary(kind[q], [s.key for s in SURVEYS]),
            "source": dictionary(source[q], SOURCES),
            "channel": dictionary(tp_channel[tp_], channels),
            "verbatim": verbatim,
            "language": dictionary(lang_q[q], LANGS),
        }
    )


__all__ = ["DemoData", "day_index", "generate", "iter_tables"]
