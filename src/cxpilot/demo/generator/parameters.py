"""The parameters of the demo company: its period, organisation, segments, planted truths,
survey model and the noise of each source's records (documented in ``docs/demo-data.md``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
    "relation": "email",
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

# The relationship survey (truth (f)): once a year, by e-mail from the CRM, to every person
# still a customer on its first day; a share answers the relationship NPS ("would you
# recommend Maison Lumière?") on the touchpoint ``relation``, in the days that follow.
RELATION_SURVEY = "barometre_relationnel"
RELATION_SURVEY_START = "2026-10-05"
RELATION_SURVEY_DAYS = 14
RELATION_ANSWER_RATE = 0.3
#: What makes the relationship score (truth (f)): each touchpoint's weight on the person's
#: standardised mean score there (0–100 scale, their answers before the relationship answer;
#: 0 where they gave none). The other touchpoints weigh nothing.
RELATION_DRIVERS: dict[str, float] = {"delivery": 0.7, "store": 0.45, "product": 0.25}
#: The relationship experience's own noise (in the units of the weights) and the NPS mean.
RELATION_NOISE_SD = 0.5
RELATION_NPS_MEAN = 7.6

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

LANGS = ("fr", "en")
TONES = ("neg", "mixed", "pos")
