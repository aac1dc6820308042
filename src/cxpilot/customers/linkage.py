"""Record linkage: which customer records are the same person (Splink, DuckDB backend).

Pure: Arrow tables in, Arrow tables and plain data out, in an in-memory DuckDB of its own
(no Django, no warehouse). The model is Fellegi–Sunter's, as Splink implements it: each pair
of records gets, per comparison, the level it falls in (exact, nickname, typo…); each level
carries a match weight log2(m/u), where m is how often true matches fall in it and u how
often non-matches do; the weights add up with the prior into a match probability.

Records are first normalised (:mod:`cxpilot.customers.normalise`). Comparisons (each with a
null level that weighs nothing):

- ``first_name``: exact (weighted by the name's frequency), first and last names swapped,
  same by nickname (Nico/Nicolas), Jaro–Winkler ≥ 0.92, ≥ 0.8, else;
- ``last_name``: exact (frequency-weighted), swapped, Jaro–Winkler ≥ 0.92, ≥ 0.8, else;
- ``birth_date``: exact, day and month swapped, one or two characters off (a typo or two
  transposed digits: Damerau–Levenshtein ≤ 1, ≤ 2), else;
- ``email``: exact, the same local part at another domain, Jaro–Winkler ≥ 0.88, else;
- ``phone`` (E.164): exact, one digit off or two swapped, else;
- ``address``: exact; same number and street at Jaro–Winkler ≥ 0.9; street ≥ 0.9 with another
  or no number; same number and street ≥ 0.7; else;
- ``place`` (postcode and city together, as they say the same thing twice): both equal,
  postcode equal, city equal with the postcode one character off, city equal, postcode one
  character off or city at Jaro–Winkler ≥ 0.9, else.

A comparison whose fields are empty on one side (a file without e-mails) is left out, and so
are the blocking rules that need them.

**Blocking** (which pairs are scored at all): pairs that share a phone, an e-mail, the digits
of a phone in another order with the last name's Soundex, a birth date with the last name's
Soundex (or with it and day and month swapped), the first name, the city, the postcode or the
street number; first name and the last name's Soundex with the postcode, the city or the
street number; the street and its number with the postcode, the last name's Soundex or the
first name; first and last names swapped with the postcode. Each rule joins two independent
things (or one nearly unique), so that the pairs grow about linearly with the records: a rule
on a name alone, or on a postcode and a street number, would pair every namesake or
neighbour with every other. Neighbours are paired too (the same postcode with the street
number, the street, the first name or the last name's Soundex; the same street and number),
but only in blocks of at most :data:`NEIGHBOURS_CAP` records. Only where the records hold no
birth date, postcode, city, address or phone are first and last name (or them swapped, or
the first name and the last name's Soundex) blocked on alone.

**Training** without labels (Splink's usual flow): the prior (the probability that two random
records match) from deterministic rules with an assumed recall of :data:`PRIOR_RECALL` (where
they find no pair, or all, as in tiny files: one match per record of the larger file);
u by random sampling of :data:`U_PAIRS` pairs with a fixed seed (an exact match the sample
never meets, as the same e-mail among a million records, from the values' counts instead of
Splink's default); m by expectation-maximisation
on the pairs sharing first and last name, then on those sharing a birth date (else a
postcode). The same data gives the same model and the same pairs.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.customers.normalise import features

__all__ = [
    "DEFAULT_SEED",
    "Comparison",
    "Dedupe",
    "Level",
    "Linkage",
    "ModelParameters",
    "dedupe",
    "link",
]

DEFAULT_SEED = 42
#: Pairs sampled to estimate u (the non-matches' level frequencies).
U_PAIRS = 1e6
#: Share of the true matches that the deterministic rules are assumed to find when the prior
#: is estimated from them.
PRIOR_RECALL = 0.7
#: Most pairs an EM session uses (Splink samples records deterministically above it).
EM_PAIRS = 2e6


@dataclass(frozen=True)
class Level:
    """One comparison level: what it means, m, u and its match weight (log2 m/u)."""

    label: str
    m_probability: float | None
    u_probability: float | None
    match_weight: float | None
    is_null_level: bool = False


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class ModelParameters:
    """The fitted model as plain data: the prior and each comparison's levels. ``splink``
    holds Splink's own settings (with m and u), enough to load the model again."""

    probability_two_random_records_match: float
    comparisons: tuple[Comparison, ...]
    splink: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def prior_match_weight(self) -> float:
        p = self.probability_two_random_records_match
        return math.log2(p / (1 - p))

    def as_dict(self) -> dict[str, Any]:
        return {
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "prior_match_weight": self.prior_match_weight,
            "comparisons": [
                {
                    "name": c.name,
                    "levels": [
                        {
                            "label": lv.label,
                            "m_probability": lv.m_probability,
                            "u_probability": lv.u_probability,
                            "match_weight": lv.match_weight,
                            "is_null_level": lv.is_null_level,
                        }
                        for lv in c.levels
                    ],
                }
                for c in self.comparisons
            ],
        }


@dataclass(frozen=True)
class Linkage:
    """What :func:`link` found: ``pairs`` (``id_a``, ``id_b``, ``match_probability``, best
    first), the pairs scored, the fitted model and how many records each file held."""

    pairs: pa.Table
    pairs_scored: int
    model: ModelParameters
    records_a: int = 0
    records_b: int = 0


#: Below this many records in a file, the model has too few pairs to learn its weights from
#: and keeps its starting values: the command says so.
FEW_RECORDS = 1000


@dataclass(frozen=True)
class Dedupe:
    """What :func:`dedupe` found: ``pairs`` (``source_l``, ``customer_id_l``, ``source_r``,
    ``customer_id_r``, ``match_probability``), ``clusters`` (``source``, ``customer_id``,
    ``cluster_id``: the smallest record key of its cluster), the pairs scored and the model."""

    pairs: pa.Table
    clusters: pa.Table
    pairs_scored: int
    model: ModelParameters


# ---------------------------------------------------------------------------- the model


def _comparisons(present: set[str]) -> list[Any]:
    """The comparisons of the fields ``present``. Each level has a starting m probability:
    what the model keeps where expectation-maximisation has no pairs to learn from (small
    files); EM replaces it where it has."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def comparison(name: str, null_sql: str, levels: Sequence[tuple[Any, float]]) -> Any:
        null = cll.CustomLevel(null_sql, label_for_charts="missing").configure(is_null_level=True)
        rest = [level.configure(m_probability=m) for level, m in levels]
        other = max(0.01, 1 - sum(m for _, m in levels))
        return cl.CustomComparison(
            output_column_name=name,
            comparison_levels=[null, *rest, cll.ElseLevel().configure(m_probability=other)],
        )

    def missing(*cols: str) -> str:
        return " OR ".join(f'"{c}_l" IS NULL OR "{c}_r" IS NULL' for c in cols)

    def custom(sql: str, label: str) -> Any:
        return cll.CustomLevel(sql, label_for_charts=label)

    def jw(col: str, at: float) -> Any:
        return custom(
            f'jaro_winkler_similarity("{col}_l", "{col}_r") >= {at}',
            f"{col} Jaro-Winkler >= {at}",
        )

    def exact(col: str, tf: bool = False) -> Any:
        return cll.ExactMatchLevel(col, term_frequency_adjustments=tf)

    def swapped() -> Any:
        return custom(
            'jaro_winkler_similarity("first_name_l", "last_name_r") >= 0.9 '
            'AND jaro_winkler_similarity("last_name_l", "first_name_r") >= 0.9',
            "first and last names swapped (Jaro-Winkler >= 0.9 each)",
        )

    both_names = {"first_name", "last_name"} <= present
    out: list[Any] = []
    if "first_name" in present:
        levels: list[tuple[Any, float]] = [(exact("first_name", tf=True), 0.8)]
        if both_names:
            levels.append((swapped(), 0.02))
        levels.append(
            (
                custom(
                    'list_has_any("first_name_keys_l", "first_name_keys_r")', "same by nickname"
                ),
                0.04,
            )
        )
        levels += [(jw("first_name", 0.92), 0.08), (jw("first_name", 0.8), 0.03)]
        out.append(comparison("first_name", missing("first_name"), levels))
    if "last_name" in present:
        levels = [(exact("last_name", tf=True), 0.85)]
        if both_names:
            levels.append((swapped(), 0.02))
        levels += [(jw("last_name", 0.92), 0.08), (jw("last_name", 0.8), 0.03)]
        out.append(comparison("last_name", missing("last_name"), levels))
    if "birth_date" in present:
        out.append(
            comparison(
                "birth_date",
                missing("birth_date"),
                [
                    (exact("birth_date"), 0.9),
                    (
                        custom('"birth_date_l" = "birth_date_swapped_r"', "day and month swapped"),
                        0.02,
                    ),
                    (cll.DamerauLevenshteinLevel("birth_date", 1), 0.04),
                    (cll.DamerauLevenshteinLevel("birth_date", 2), 0.02),
                ],
            )
        )
    if "email" in present:
        out.append(
            comparison(
                "email",
                missing("email"),
                [
                    (exact("email"), 0.8),
                    (custom('"email_local_l" = "email_local_r"', "same local part"), 0.05),
                    (jw("email", 0.88), 0.05),
                ],
            )
        )
    if "phone" in present:
        out.append(
            comparison(
                "phone",
                missing("phone"),
                [(exact("phone"), 0.8), (cll.DamerauLevenshteinLevel("phone", 1), 0.05)],
            )
        )
    if "address" in present:
        same_number = '"street_number_l" = "street_number_r"'
        street = (
            'greatest(jaro_winkler_similarity("street_l", "street_r"), '
            'jaro_winkler_similarity("street_words_l", "street_words_r"))'
        )
        out.append(
            comparison(
                "address",
                missing("address"),
                [
                    (exact("address"), 0.6),
                    (
                        custom(
                            f"{same_number} AND {street} >= 0.9",
                            "same number, street Jaro-Winkler >= 0.9",
                        ),
                        0.2,
                    ),
                    (custom(f"{street} >= 0.9", "street Jaro-Winkler >= 0.9"), 0.05),
                    (
                        custom(
                            f"{same_number} AND {street} >= 0.7",
                            "same number, street Jaro-Winkler >= 0.7",
                        ),
                        0.05,
                    ),
                ],
            )
        )
    pcode, city = "postcode" in present, "city" in present
    if pcode or city:
        same_pc = '"postcode_l" = "postcode_r"'
        same_city = '"city_l" = "city_r"'
        near_pc = 'damerau_levenshtein("postcode_l", "postcode_r") <= 1'
        levels = []
        if pcode and city:
            levels.append((custom(f"{same_pc} AND {same_city}", "postcode and city equal"), 0.75))
        if pcode:
            levels.append((custom(same_pc, "postcode equal"), 0.08))
        if pcode and city:
            levels.append(
                (custom(f"{same_city} AND {near_pc}", "city equal, postcode 1 off"), 0.05)
            )
        if city:
            levels.append((custom(same_city, "city equal"), 0.05))
        near = [near_pc] if pcode else []
        if city:
            near.append('jaro_winkler_similarity("city_l", "city_r") >= 0.9')
        levels.append(
            (custom(" OR ".join(near), "postcode 1 off or city Jaro-Winkler >= 0.9"), 0.03)
        )
        null_sql = " AND ".join(
            f'("{c}_l" IS NULL OR "{c}_r" IS NULL)' for c in ("postcode", "city") if c in present
        )
        out.append(comparison("place", null_sql, levels))
    household = _household(present)
    if household is not None:
        out.append(household)
    return out


#: The weight of the household rule, in bits (fixed, not learnt): see :func:`_household`.
HOUSEHOLD_WEIGHT = -30.0


def _household(present: set[str]) -> Any:
    """The household rule, as a comparison of its own: two records whose first names differ
    wholly (not equal, not a nickname, not an initial or a prefix, Jaro-Winkler below 0.8, not
    swapped with the last name) while their birth dates (not equal, not day and month swapped,
    more than two characters apart) or their e-mails (not equal, nor their part before the @,
    Jaro-Winkler below 0.88) differ wholly too are two persons, whatever they share: one
    address, one phone, one last name are a household's, not one person's. The model's
    comparisons are independent given a match, so that a household, agreeing on four of them,
    would score higher than most true matches; this comparison weighs :data:`HOUSEHOLD_WEIGHT`
    bits against them (m and u fixed, not trained), and nothing otherwise. A pair so set apart
    can still be confirmed by a person. None where the records hold no first name, or neither
    birth dates nor e-mails."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    if "first_name" not in present or not present & {"birth_date", "email"}:
        return None

    def yes(sql: str) -> str:
        return f"coalesce({sql}, FALSE)"

    same_first = [
        '"first_name_l" = "first_name_r"',
        'list_has_any("first_name_keys_l", "first_name_keys_r")',
        'jaro_winkler_similarity("first_name_l", "first_name_r") >= 0.8',
        'starts_with("first_name_l", "first_name_r")',
        'starts_with("first_name_r", "first_name_l")',
    ]
    if "last_name" in present:
        same_first.append(
            'jaro_winkler_similarity("first_name_l", "last_name_r") >= 0.9 '
            'AND jaro_winkler_similarity("last_name_l", "first_name_r") >= 0.9'
        )
    differs = []
    if "birth_date" in present:
        differs.append(
            '"birth_date_l" IS NOT NULL AND "birth_date_r" IS NOT NULL '
            'AND "birth_date_l" <> "birth_date_r" '
            "AND NOT " + yes('"birth_date_l" = "birth_date_swapped_r"') + " "
            'AND damerau_levenshtein("birth_date_l", "birth_date_r") > 2'
        )
    if "email" in present:
        differs.append(
            '"email_l" IS NOT NULL AND "email_r" IS NOT NULL AND "email_l" <> "email_r" '
            "AND NOT " + yes('"email_local_l" = "email_local_r"') + " "
            'AND jaro_winkler_similarity("email_l", "email_r") < 0.88'
        )
    first_differs = " AND ".join(f"NOT {yes(c)}" for c in same_first)
    sql = f"({first_differs}) AND (" + " OR ".join(f"({d})" for d in differs) + ")"
    m = 2.0**HOUSEHOLD_WEIGHT
    return cl.CustomComparison(
        output_column_name="household",
        comparison_levels=[
            cll.CustomLevel(
                '"first_name_l" IS NULL OR "first_name_r" IS NULL', label_for_charts="missing"
            ).configure(is_null_level=True),
            cll.CustomLevel(
                sql, label_for_charts="first names wholly different, birth dates or e-mails too"
            ).configure(
                m_probability=m, u_probability=1.0, fix_m_probability=True, fix_u_probability=True
            ),
            cll.ElseLevel().configure(
                m_probability=1.0, u_probability=1.0, fix_m_probability=True, fix_u_probability=True
            ),
        ],
    )


#: What a name is combined with in a blocking rule. Where the records hold none of these, the
#: names are blocked on alone (:data:`_NAMES_ALONE`).
_WITH_NAMES = frozenset({"birth_date", "postcode", "city", "address", "phone"})
#: Most records a block of neighbours (:data:`_NEIGHBOURS`) may hold to be scored.
NEIGHBOURS_CAP = 20
#: Keys of records living close together: the name of the column that holds one, the fields
#: it needs and the features it is made of. The column is empty where more than
#: :data:`NEIGHBOURS_CAP` records share the key: a postcode and a street number can name a
#: house or a tower block, and the pairs of a large block grow with its square.
_NEIGHBOURS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("near_number", ("postcode", "address"), ("postcode", "street_number")),
    ("near_street", ("postcode", "address"), ("postcode", "street_words")),
    ("near_last_name", ("postcode", "last_name"), ("postcode", "last_name_soundex")),
    ("near_first_name", ("postcode", "first_name"), ("postcode", "first_name")),
    ("same_street", ("address",), ("street_words", "street_number")),
)


def _same(*columns: str) -> str:
    return " AND ".join(f'l."{c}" = r."{c}"' for c in columns)


#: Blocking rules for predictions: the fields each needs, and the rule. Each pairs records
#: on two independent things (a name and a place, a birth date and a name or a place…), or
#: on one that is nearly unique (phone, e-mail), so that its blocks stay small however many
#: records there are: a rule on a name alone, or a postcode and a street number, pairs every
#: namesake or neighbour with every other, and its pairs grow with the square of the records.
#: Neighbours are paired only in blocks of at most :data:`NEIGHBOURS_CAP` records.
_BLOCKING: tuple[tuple[tuple[str, ...], str], ...] = (
    (("phone",), _same("phone")),
    (("email",), _same("email")),
    (("birth_date", "last_name"), _same("birth_date", "last_name_soundex")),
    (("birth_date", "first_name"), _same("birth_date", "first_name")),
    (
        ("birth_date", "last_name"),
        'l."birth_date" = r."birth_date_swapped" AND l."last_name_soundex" = r."last_name_soundex"',
    ),
    (("birth_date", "city"), _same("birth_date", "city")),
    (("birth_date", "postcode"), _same("birth_date", "postcode")),
    (("birth_date", "address"), _same("birth_date", "street_number")),
    (("postcode", "address"), _same("postcode", "street_words", "street_number")),
    (
        ("first_name", "last_name", "postcode"),
        _same("first_name", "last_name_soundex", "postcode"),
    ),
    (("first_name", "last_name", "city"), _same("first_name", "last_name_soundex", "city")),
    (
        ("first_name", "last_name", "address"),
        _same("first_name", "last_name_soundex", "street_number"),
    ),
    (("last_name", "address"), _same("last_name_soundex", "street_words", "street_number")),
    (("first_name", "address"), _same("first_name", "street_words", "street_number")),
    (("phone", "last_name"), _same("phone_digits", "last_name_soundex")),
    (
        ("first_name", "last_name", "postcode"),
        'l."first_name" = r."last_name" AND l."last_name" = r."first_name" '
        'AND l."postcode" = r."postcode"',
    ),
    *((needs, _same(column)) for column, needs, _ in _NEIGHBOURS),
)
#: The names alone, where the records hold nothing of :data:`_WITH_NAMES`.
_NAMES_ALONE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("first_name", "last_name"), _same("first_name", "last_name")),
    (
        ("first_name", "last_name"),
        'l."first_name" = r."last_name" AND l."last_name" = r."first_name"',
    ),
    (("first_name", "last_name"), _same("first_name", "last_name_soundex")),
)

#: Rules whose pairs are nearly all matches: the prior is estimated from them.
_DETERMINISTIC: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("first_name", "last_name", "birth_date"),
        'l."first_name" = r."first_name" AND l."last_name" = r."last_name" '
        'AND l."birth_date" = r."birth_date"',
    ),
    (("email",), 'l."email" = r."email"'),
    (("phone",), 'l."phone" = r."phone"'),
)


def _present(tables: Sequence[pa.Table], *, each: bool) -> set[str]:
    """The fields with a value somewhere: in every table (``each``) or in any."""
    fields = ("first_name", "last_name", "email", "phone", "address", "postcode", "city")
    found = set()
    for name in (*fields, "birth_date"):
        has = [t.num_rows > 0 and t.column(name).null_count < t.num_rows for t in tables]
        if all(has) if each else any(has):
            found.add(name)
    return found


def _rules(rules: Sequence[tuple[tuple[str, ...], str]], present: set[str]) -> list[Any]:
    """The rules whose columns are ``present``, as Splink blocking rules (DuckDB SQL)."""
    from splink.blocking_rule_library import CustomRule

    return [CustomRule(sql, sql_dialect="duckdb") for needs, sql in rules if set(needs) <= present]


def _neighbours(tables: Sequence[pa.Table]) -> list[pa.Table]:
    """``tables`` (features) with a column per key of :data:`_NEIGHBOURS`: the key where at
    most :data:`NEIGHBOURS_CAP` records of all the tables share it, else empty."""
    out = list(tables)
    for column, _, parts in _NEIGHBOURS:
        keys = [
            pc.binary_join_element_wise(*(pc.cast(t.column(c), pa.string()) for c in parts), "|")
            for t in tables
        ]
        every = pa.chunked_array(keys, pa.string()).combine_chunks()
        counts = pc.value_counts(every.drop_null())
        small = pc.filter(
            counts.field("values"), pc.less_equal(counts.field("counts"), NEIGHBOURS_CAP)
        )
        for i, key in enumerate(keys):
            kept = pc.if_else(pc.is_in(key, value_set=small), key, pa.scalar(None, pa.string()))
            out[i] = out[i].append_column(column, kept)
    return out


def _blocking(present: set[str]) -> list[Any]:
    """The blocking rules for predictions on records holding the fields ``present``."""
    names_alone = _NAMES_ALONE if not present & _WITH_NAMES else ()
    return _rules((*_BLOCKING, *names_alone), present)


#: What Splink scores with for an m or u that training never observed (a level no pair of the
#: sample fell in: the same phone but for one typo, among a million random pairs).
NOT_OBSERVED = 1e-6


def _observed(value: Any) -> float | None:
    """An m or u of the saved model as Splink scores with it: a number, or
    :data:`NOT_OBSERVED` where Splink saved "level not observed"."""
    if isinstance(value, str):
        return NOT_OBSERVED
    return float(value) if value is not None else None


def _parameters(settings: dict[str, Any]) -> ModelParameters:
    comparisons = []
    for comp in settings.get("comparisons", []):
        levels = []
        for level in comp.get("comparison_levels", []):
            m, u = _observed(level.get("m_probability")), _observed(level.get("u_probability"))
            weight = math.log2(m / u) if m and u else None
            levels.append(
                Level(
                    label=str(level.get("label_for_charts") or level.get("sql_condition")),
                    m_probability=m,
                    u_probability=u,
                    match_weight=weight,
                    is_null_level=bool(level.get("is_null_level")),
                )
            )
        comparisons.append(Comparison(str(comp.get("output_column_name")), tuple(levels)))
    return ModelParameters(
        probability_two_random_records_match=float(
            settings.get("probability_two_random_records_match") or 0.0001
        ),
        comparisons=tuple(comparisons),
        splink=settings,
    )


def _exact_u(tables: Sequence[pa.Table], column: str, *, link: bool) -> float:
    """The probability that two records with a value in ``column`` hold the same one: over
    the pairs of one table, sum of c(c-1) / (N(N-1)) over the values' counts c (N values
    in all); across two tables (``link``), sum of a*b / (Na*Nb). Where no two records share
    a value, one pair's worth (2 / (N(N-1)), or 1 / (Na*Nb)): the pairs are too few to
    tell more."""
    counts = []
    for table in tables:
        values = table.column(column).drop_null()
        vc = pc.value_counts(values)
        pairs = zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True)
        counts.append(dict(pairs))
    if link:
        a, b = counts
        na, nb = sum(a.values()), sum(b.values())
        if not na or not nb:
            return 0.0
        same = sum(c * b.get(v, 0) for v, c in a.items())
        return max(same, 1) / (na * nb)
    (one,) = counts
    n = sum(one.values())
    if n < 2:
        return 0.0
    same = sum(c * (c - 1) for c in one.values())
    return max(same, 2) / (n * (n - 1))


def _unsampled_u(linker: Any, tables: Sequence[pa.Table], *, link: bool) -> None:
    """Give u to the exact-match levels that the random sample left without one, from the
    values' counts (:func:`_exact_u`). The sample is :data:`U_PAIRS` pairs whatever the
    records: from about 300,000 records on, it holds no two with the same e-mail or phone,
    and Splink then falls back on its default u for an exact match (about 1e-3, a thousand
    times too high), which takes some 9 bits from the weight of the same e-mail or phone."""
    from splink.internals.constants import LEVEL_NOT_OBSERVED_TEXT

    for comparison in linker._settings_obj.comparisons:
        levels = [level for level in comparison.comparison_levels if not level.is_null_level]
        first = levels[0] if levels else None  # u of a later level depends on the earlier ones
        if first is None or not first._is_exact_match:
            continue
        if first._u_probability not in (None, LEVEL_NOT_OBSERVED_TEXT):
            continue
        columns = first._exact_match_colnames
        if len(columns) == 1 and all(columns[0] in t.column_names for t in tables):
            u = _exact_u(tables, columns[0], link=link)
            if u > 0:
                first.u_probability = u


def _fit(
    linker: Any,
    present: set[str],
    seed: int,
    prior: float,
    tables: Sequence[pa.Table],
    *,
    link: bool = False,
) -> None:
    """Train ``linker`` without labels: prior, u by sampling (exact-match levels the sample
    misses from the ``tables``' values), m by EM. ``prior`` is kept when the deterministic
    rules find no pair or every pair (small files)."""
    from splink import block_on

    deterministic = _rules(_DETERMINISTIC, present)
    if deterministic:
        try:
            linker.training.estimate_probability_two_random_records_match(
                deterministic, recall=PRIOR_RECALL
            )
        except ValueError:  # more pairs than the recall allows: keep the default
            pass
    estimated = linker._settings_obj._probability_two_random_records_match
    chosen = estimated if 0 < estimated < 0.5 else prior
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=seed)
    _unsampled_u(linker, tables, link=link)
    sessions: list[tuple[set[str], Any]] = []
    if {"first_name", "last_name"} <= present:
        # with the postcode where there is one: a block on the names alone fills up with
        # namesakes as the records grow (at 300,000 demo records, most of its pairs), which
        # EM then takes for matches: a differing birth date or e-mail came to weigh nothing
        names = ["first_name", "last_name", *(["postcode"] if "postcode" in present else [])]
        sessions.append((set(names), block_on(*names)))
    taken = set().union(*(blocked for blocked, _ in sessions))
    for column in ("birth_date", "phone", "email", "postcode"):
        if column in present and column not in taken:
            sessions.append(({column}, block_on(column)))
            break
    compared = _compared(present)
    for blocked, rule in sessions:
        if not compared - _compared(blocked):
            continue  # EM leaves out the comparisons it blocks on: nothing would be left
        saved = copy.deepcopy(linker._settings_obj)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=EM_PAIRS
            )
        except Exception:  # noqa: BLE001 - no pairs to train on: the starting m stay
            # a session that fails half-way may leave the settings without its comparisons
            linker._settings_obj = saved
    # an EM session that stops half-way (no pairs) may leave its own prior behind
    linker._settings_obj._probability_two_random_records_match = chosen
    _floor_m(linker._settings_obj.comparisons)


#: The least m probability a level keeps after training. EM drives to almost nothing the m of
#: a level it never saw among the pairs it took for matches (a moved person's address on a
#: small base: m 1e-44, a weight of -146 bits that no agreement elsewhere can outweigh); the
#: floor keeps such a level strong evidence against (about -10 bits) without a veto.
M_FLOOR = 1e-3


def _floor_m(comparisons: Any) -> None:
    """Raise every level's m probability to :data:`M_FLOOR` at least, the other levels of its
    comparison scaled down so that the m of a comparison still sum to 1."""
    for comparison in comparisons:
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        if any(getattr(lv, "_fix_m_probability", False) for lv in levels):
            continue  # a rule's fixed weights (the household rule), not learnt
        ms = [lv.m_probability for lv in levels]
        if any(m is None for m in ms) or not ms:
            continue
        low = [m < M_FLOOR for m in ms]
        if not any(low) or all(low):
            continue
        spare = 1.0 - M_FLOOR * sum(low)
        rest = sum(m for m, is_low in zip(ms, low, strict=True) if not is_low)
        for level, m, is_low in zip(levels, ms, low, strict=True):
            level.m_probability = M_FLOOR if is_low else m * spare / rest


def _compared(fields: set[str]) -> set[str]:
    """The comparisons (output names) that the fields ``fields`` feed."""
    place = {"postcode", "city"}
    return {"place" if f in place else f for f in fields}


def _quiet() -> None:
    logging.getLogger("splink").setLevel(logging.ERROR)


def _db_api() -> tuple[Any, Any]:
    """Splink's DuckDB API on a connection of its own, and that connection."""
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(":memory:")
    return DuckDBAPI(connection=con), con


def _scored(con: Any, scored: Any, threshold: float, *extra: str) -> tuple[int, pa.Table]:
    """How many pairs Splink scored, and those at or above ``threshold`` (``unique_id_l``,
    ``unique_id_r``, ``match_probability`` and the ``extra`` columns), read in its DuckDB:
    only the pairs kept leave it."""
    table = scored.physical_name
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 - Splink's name
    columns = ", ".join(f'"{c}"' for c in ("unique_id_l", "unique_id_r", *extra))
    kept = con.execute(
        f"SELECT {columns}, match_probability FROM {table} "  # noqa: S608 - Splink's name
        "WHERE match_probability >= ? AND NOT isnan(match_probability)",
        [threshold],
    ).arrow()
    if isinstance(kept, pa.RecordBatchReader):  # DuckDB 1.4 on
        kept = kept.read_all()
    return int(row[0]) if row else 0, kept


@contextmanager
def _one_thread(con: Any) -> Iterator[None]:
    """DuckDB's seeded sampling repeats only on one thread: training (u by sampling, EM on
    sampled pairs) runs on one, so the same files give the same model on a busy machine too;
    scoring then uses every core."""
    con.execute("SET threads TO 1")
    try:
        yield
    finally:
        con.execute("RESET threads")


def link(
    a: pa.Table,
    b: pa.Table,
    threshold: float = 0.5,
    *,
    seed: int = DEFAULT_SEED,
    region: str = "FR",
    progress: Callable[[str], None] | None = None,
) -> Linkage:
    """Pairs of records of ``a`` and ``b`` (customers import format, ``customer_id`` the
    id) that are the same person with a probability of at least ``threshold``, best first.
    Pairs within one file are not looked for (Splink's ``link_only``). ``progress`` is told
    each step."""
    from splink import Linker, SettingsCreator

    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be between 0 and 1")
    say = progress or (lambda _m: None)
    _quiet()
    say(f"normalising {a.num_rows:,} + {b.num_rows:,} records")
    fa, fb = features(a, region=region), features(b, region=region)
    present = _present([fa, fb], each=True)
    fa, fb = _neighbours([fa, fb])
    db_api, con = _db_api()
    prior = min(0.5, 1 / max(fa.num_rows, fb.num_rows, 2))
    settings = SettingsCreator(
        link_type="link_only",
        probability_two_random_records_match=prior,
        unique_id_column_name="unique_id",
        comparisons=_comparisons(present),
        blocking_rules_to_generate_predictions=_blocking(present),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    sdf_a = db_api.register(fa, dataset_display_name="a")
    sdf_b = db_api.register(fb, dataset_display_name="b")
    linker = Linker([sdf_a, sdf_b], settings, log_level=logging.ERROR)
    say("training the model")
    with _one_thread(con):
        _fit(linker, present, seed, prior, [fa, fb], link=True)
    model = _parameters(linker.misc.save_model_to_json())
    say("scoring the pairs")
    pairs_scored, rel = _scored(con, linker.inference.predict(), threshold, "source_dataset_l")
    flip = pc.equal(rel.column("source_dataset_l"), "b")
    id_a = pc.if_else(flip, rel.column("unique_id_r"), rel.column("unique_id_l"))
    id_b = pc.if_else(flip, rel.column("unique_id_l"), rel.column("unique_id_r"))
    pairs = pa.table(
        {
            "id_a": pc.cast(id_a, pa.string()),
            "id_b": pc.cast(id_b, pa.string()),
            "match_probability": pc.cast(rel.column("match_probability"), pa.float64()),
        }
    )
    pairs = pairs.sort_by(
        [("match_probability", "descending"), ("id_a", "ascending"), ("id_b", "ascending")]
    )
    return Linkage(
        pairs=pairs,
        pairs_scored=pairs_scored,
        model=model,
        records_a=a.num_rows,
        records_b=b.num_rows,
    )


def dedupe(
    records: pa.Table,
    threshold: float = 0.5,
    *,
    seed: int = DEFAULT_SEED,
    region: str = "FR",
    cluster: bool = True,
    progress: Callable[[str], None] | None = None,
) -> Dedupe:
    """Pairs of records that are the same person, within and across sources, and the
    clusters they make at ``threshold``. ``records``: the customers table (``source`` and
    ``customer_id`` key a record). Every pair of records may be scored (Splink's
    ``dedupe_only`` over all sources at once, which scores the same pairs as
    ``link_and_dedupe`` over one table per source). ``cluster=False`` leaves the clusters
    empty (a caller that builds its own from the pairs). ``progress`` is told each step."""
    from splink import Linker, SettingsCreator

    if not 0 <= threshold <= 1:
        raise ValueError("threshold must be between 0 and 1")
    say = progress or (lambda _m: None)
    _quiet()
    say(f"normalising {records.num_rows:,} records")
    source = pc.cast(records.column("source"), pa.string())
    customer = pc.cast(records.column("customer_id"), pa.string())
    keys = pc.binary_join_element_wise(source, customer, "\x1f")
    feats = features(records, ids=keys, region=region)
    present = _present([feats], each=False)
    (feats,) = _neighbours([feats])
    db_api, con = _db_api()
    prior = min(0.5, 1 / max(feats.num_rows, 2))
    settings = SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior,
        unique_id_column_name="unique_id",
        comparisons=_comparisons(present),
        blocking_rules_to_generate_predictions=_blocking(present),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    sdf = db_api.register(feats, dataset_display_name="records")
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    say("training the model")
    with _one_thread(con):
        _fit(linker, present, seed, prior, [feats])
    model = _parameters(linker.misc.save_model_to_json())
    say("scoring the pairs")
    scored = linker.inference.predict()
    pairs_scored, rel = _scored(con, scored, threshold)

    def split(ids: pa.Array) -> tuple[pa.Array, pa.Array]:
        parts = pc.split_pattern(pc.cast(ids, pa.string()), "\x1f", max_splits=1)
        return pc.list_element(parts, 0), pc.list_element(parts, 1)

    src_l, id_l = split(rel.column("unique_id_l"))
    src_r, id_r = split(rel.column("unique_id_r"))
    pairs = pa.table(
        {
            "source_l": src_l,
            "customer_id_l": id_l,
            "source_r": src_r,
            "customer_id_r": id_r,
            "match_probability": pc.cast(rel.column("match_probability"), pa.float64()),
        }
    ).sort_by([("match_probability", "descending"), ("source_l", "ascending")])
    if cluster:
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(scored, threshold)
        ct = clustered.as_pyarrow_table()
        src, cid = split(ct.column("unique_id"))
        cluster_ids = pc.cast(ct.column("cluster_id"), pa.string())
    else:
        src = cid = cluster_ids = pa.array([], pa.string())
    clusters = pa.table({"source": src, "customer_id": cid, "cluster_id": cluster_ids}).sort_by(
        [("cluster_id", "ascending"), ("source", "ascending"), ("customer_id", "ascending")]
    )
    return Dedupe(pairs=pairs, clusters=clusters, pairs_scored=pairs_scored, model=model)
