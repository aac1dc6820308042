"""From scored pairs of customer records to persons: clusters, stable ids, golden records.

Pure (no Django, no I/O). A record is keyed by ``(source, customer_id)``.

- :func:`clusters`: the connected components of the pairs at or above the threshold, with
  the people's decisions applied. A confirmed pair is always an edge; a rejected pair never
  is, and more: its two records never end in one person (edges are added one by one,
  confirmed pairs first, then the others from the most probable down, and an edge that would
  join two groups holding a rejected pair is left out). Where decisions contradict each
  other (A–B and B–C confirmed, A–C rejected) the rejection wins.
- :func:`person_ids`: a stable ``person_id`` for each cluster, given the previous run's
  mapping. Each previous id goes to at most one cluster and each cluster keeps at most one:
  the (cluster, id) pairs are taken in order of how many of the cluster's records carried the
  id, then the older id first (ids are numbered in the order they were given), then the
  cluster's smallest record. So a re-run on the same data keeps every id, a new record
  joins the id of the records it matches, two persons that merge keep the id of the larger
  (on a tie the older), and when a person splits the part with most of its records keeps its
  id. Clusters left without an id get new ones, numbered in the order of their smallest
  record. Merges and splits are returned as :class:`Change` for the audit trail.
- :func:`golden_records`: one record per person by survivorship rules, per field:
  ``most_trusted`` (the value of the most trusted source, by the trust order; sources not in
  it come after, by name), ``most_recent`` (the value of the record created last) or
  ``most_complete`` (the longest value). Empty values never win. Ties fall to the next
  criteria (trust, then recency, then the record key). The address, postcode, city and
  country come together from one record (the ``address`` rule chooses it among the records
  with a street, else with a postcode or city, else with a country; ``most_complete`` is
  then the record with most of the four).

Each works on whole columns (numpy, Arrow compute, SciPy's connected components), so a
million records take seconds: :func:`cluster_labels` and :func:`golden_records` take and give
arrays; :func:`clusters` is the same drawing on record keys. Only the persons that a
rejected pair concerns are drawn link by link in Python, as above.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "ADDRESS_FIELDS",
    "GOLDEN_FIELDS",
    "PERSON_PREFIX",
    "RULES",
    "RULE_FIELDS",
    "Assignment",
    "Change",
    "Key",
    "cluster_labels",
    "clusters",
    "format_person_id",
    "golden_records",
    "person_ids",
]

Key = tuple[str, str]

#: The fields of a golden record, in order.
GOLDEN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "country",
    "birth_date",
    "segment",
)
#: The fields taken together from one record, by the ``address`` rule.
ADDRESS_FIELDS = ("address", "postcode", "city", "country")
#: The fields that have a survivorship rule of their own (``address`` for the four above).
RULE_FIELDS = ("first_name", "last_name", "email", "phone", "address", "birth_date", "segment")
RULES = ("most_trusted", "most_recent", "most_complete")

PERSON_PREFIX = "PER-"
_DIGITS = 8


def format_person_id(number: int) -> str:
    return f"{PERSON_PREFIX}{number:0{_DIGITS}d}"


def _number(person_id: str) -> int | None:
    found = re.fullmatch(re.escape(PERSON_PREFIX) + r"(\d+)", person_id)
    return int(found.group(1)) if found else None


# ----------------------------------------------------------------------------- clusters


def _pair(a: Key, b: Key) -> tuple[Key, Key]:
    return (a, b) if a <= b else (b, a)


def _as_index_pairs(pairs: Any) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return array[:, 0], array[:, 1]


def cluster_labels(
    n: int,
    left: Any,
    right: Any,
    probability: Any,
    threshold: float,
    *,
    confirmed: Any = (),
    rejected: Any = (),
) -> np.ndarray:
    """The persons of records ``0 … n-1`` (numbered in the order of their keys): for each
    record, the number of its person, persons numbered in the order of their smallest record.
    ``left``, ``right`` and ``probability`` are the scored pairs (record numbers); ``confirmed``
    and ``rejected`` the decided pairs, as pairs of record numbers. The rules of
    :func:`clusters`."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if n == 0:
        return np.zeros(0, np.int64)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    probability = np.asarray(probability, dtype=np.float64)
    ca, cb = _as_index_pairs(confirmed)
    ra, rb = _as_index_pairs(rejected)
    keep = ra != rb
    ra, rb = ra[keep], rb[keep]

    def ordered(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.minimum(a, b), np.maximum(a, b)

    ca, cb = ordered(ca, cb)
    ra, rb = ordered(ra, rb)
    above = probability >= threshold
    ea, eb, ep = *ordered(left[above], right[above]), probability[above]
    no = np.unique(ra * n + rb)

    def allowed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return ~np.isin(a * n + b, no)

    keep_c, keep_e = allowed(ca, cb), allowed(ea, eb)
    ca, cb = ca[keep_c], cb[keep_c]
    ea, eb, ep = ea[keep_e], eb[keep_e], ep[keep_e]
    ga, gb = np.concatenate([ca, ea]), np.concatenate([cb, eb])
    graph = coo_matrix((np.ones(ga.size, np.int8), (ga, gb)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    component = component.astype(np.int64)
    # a component holding both records of a rejected pair is drawn link by link
    held = np.unique(component[ra][component[ra] == component[rb]])
    group = component
    if held.size:
        group = component.copy()
        inside = np.isin(component, held)
        records = np.flatnonzero(inside)
        in_c = inside[ca] & inside[cb]
        in_e = inside[ea] & inside[eb]
        order = np.lexsort((eb[in_e], ea[in_e], -ep[in_e]))
        c_order = np.lexsort((cb[in_c], ca[in_c]))
        in_r = inside[ra] & inside[rb]
        roots = _linked(
            records,
            zip(ca[in_c][c_order].tolist(), cb[in_c][c_order].tolist(), strict=True),
            zip(ea[in_e][order].tolist(), eb[in_e][order].tolist(), strict=True),
            zip(ra[in_r].tolist(), rb[in_r].tolist(), strict=True),
        )
        # the part of a component is named by its root, a record number: n + root
        group[records] = n + roots
    # persons numbered in the order of their smallest record
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    rank = np.empty(first.size, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.ravel()]


def _linked(
    records: np.ndarray,
    confirmed: Iterable[tuple[int, int]],
    edges: Iterable[tuple[int, int]],
    rejected: Iterable[tuple[int, int]],
) -> np.ndarray:
    """The root of each of ``records`` once the links are added one at a time: ``confirmed``
    then ``edges`` (each in the order given), a link left out when it would put both records
    of a ``rejected`` pair in one person."""
    parent = {int(r): int(r) for r in records}
    forbid: dict[int, set[int]] = defaultdict(set)  # root -> records rejected with a member
    for a, b in rejected:
        forbid[a].add(b)
        forbid[b].add(a)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        small, large = (ra, rb) if len(forbid.get(ra, ())) <= len(forbid.get(rb, ())) else (rb, ra)
        if any(find(x) == large for x in forbid.get(small, ())):
            return  # would put a rejected pair in one person
        parent[small] = large
        if small in forbid:
            forbid[large] |= forbid.pop(small)

    for a, b in confirmed:
        union(a, b)
    for a, b in edges:
        union(a, b)
    return np.array([find(int(r)) for r in records], np.int64)


def clusters(
    records: Iterable[Key],
    pairs: Iterable[tuple[Key, Key, float]],
    threshold: float,
    *,
    confirmed: Iterable[tuple[Key, Key]] = (),
    rejected: Iterable[tuple[Key, Key]] = (),
) -> list[list[Key]]:
    """The persons: lists of record keys (each sorted), ordered by their smallest record.
    Every record is in exactly one; a record that matches nobody is a person of its own.
    Pairs and decisions naming a record not in ``records`` are ignored."""
    keys = sorted(set(records))
    index = {k: i for i, k in enumerate(keys)}

    def known(pairs: Iterable[tuple[Key, Key]]) -> list[tuple[int, int]]:
        return [(index[a], index[b]) for a, b in pairs if a in index and b in index]

    scored = [(index[a], index[b], float(p)) for a, b, p in pairs if a in index and b in index]
    labels = cluster_labels(
        len(keys),
        [a for a, _, _ in scored],
        [b for _, b, _ in scored],
        [p for _, _, p in scored],
        threshold,
        confirmed=known(confirmed),
        rejected=known(rejected),
    )
    groups: list[list[Key]] = [[] for _ in range(int(labels.max()) + 1 if keys else 0)]
    for k, label in zip(keys, labels.tolist(), strict=True):
        groups[label].append(k)
    return groups


# ---------------------------------------------------------------------------- stable ids


@dataclass(frozen=True)
class Change:
    """A merge (``person_id`` kept, ``others`` the ids it absorbed) or a split (``person_id``
    the id that was split, ``others`` the ids its records now have), with the records
    concerned."""

    kind: str  # "merge" | "split"
    person_id: str
    others: tuple[str, ...]
    records: tuple[Key, ...]


@dataclass(frozen=True)
class Assignment:
    """``ids[i]`` is the person id of ``clusters[i]``; ``last_number`` the highest number
    given so far; ``new`` how many ids are new; ``changes`` the merges and splits."""

    ids: list[str]
    last_number: int
    new: int
    changes: list[Change] = field(default_factory=list)


def _age(person_id: str) -> tuple[int, int | float, str]:
    number = _number(person_id)
    return (0, number, "") if number is not None else (1, 0, person_id)


def person_ids(
    groups: Sequence[Sequence[Key]],
    previous: Mapping[Key, str],
    last_number: int = 0,
    detached: Collection[Key] = (),
) -> Assignment:
    """Stable ids for ``groups`` (from :func:`clusters`) given the ``previous`` mapping of
    record -> person id; new ids are numbered after ``last_number`` (and after every id of
    ``previous``). Records of ``detached`` (taken out of their person by an unmerge) do not
    carry their previous id: the records left keep it, even when as few."""
    known = [n for n in map(_number, previous.values()) if n is not None]
    last = max([last_number, *known])
    leaving = set(detached)
    candidates = []
    for i, group in enumerate(groups):
        carried = Counter(previous[k] for k in group if k in previous and k not in leaving)
        for old, n in carried.items():
            candidates.append((-n, _age(old), i, old))
    candidates.sort()
    ids: list[str | None] = [None] * len(groups)
    used: set[str] = set()
    for _, _, i, old in candidates:
        if ids[i] is None and old not in used:
            ids[i] = old
            used.add(old)
    new = 0
    for i in range(len(groups)):
        if ids[i] is None:
            last += 1
            new += 1
            ids[i] = format_person_id(last)
    final = [str(x) for x in ids]
    changes: list[Change] = []
    where: dict[str, set[str]] = defaultdict(set)  # old id -> ids its records now have
    for group, pid in zip(groups, final, strict=True):
        olds = sorted({previous[k] for k in group if k in previous}, key=_age)
        for old in olds:
            where[old].add(pid)
        if len(olds) > 1:
            others = tuple(o for o in olds if o != pid)
            changes.append(Change("merge", pid, others, tuple(group)))
    split = {old for old, now in where.items() if len(now) > 1}
    held: dict[str, list[Key]] = defaultdict(list)
    if split:
        for k, v in previous.items():
            if v in split:
                held[v].append(k)
    for old in sorted(split, key=_age):
        if len(where[old]) > 1:
            records = tuple(sorted(held[old]))
            others = tuple(sorted(where[old] - {old}, key=_age))
            changes.append(Change("split", old, others, records))
    return Assignment(ids=final, last_number=last, new=new, changes=changes)


# ------------------------------------------------------------------------- golden records


#: The characters :meth:`str.strip` removes: a value of only these is empty.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array, dictionaries decoded."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values


def _is_text(values: pa.Array) -> bool:
    t = values.type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def _trimmed(values: pa.Array) -> pa.Array:
    """Text trimmed as :meth:`str.strip` trims it; an empty value null."""
    text = pc.utf8_trim(values.cast(pa.string()), characters=WHITESPACE)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _rank(values: pa.Array) -> np.ndarray:
    """Each value's rank among the distinct values (strings in code point order)."""
    if len(values) == 0:
        return np.zeros(0, np.int64)
    ranks = pc.rank(values, sort_keys="ascending", tiebreaker="dense")
    return np.asarray(ranks.to_numpy(zero_copy_only=False), np.int64)


def _newest_first(values: pa.Array) -> np.ndarray:
    """Minus each record's creation time in microseconds since 1970 UTC (a time without a
    zone read as UTC, a date at midnight); +inf where there is none, so that it comes last."""
    n = len(values)
    t = values.type
    if pa.types.is_timestamp(t):
        micro = values.cast(pa.timestamp("us", t.tz), safe=False).cast(pa.int64())
    elif pa.types.is_date(t):
        micro = values.cast(pa.timestamp("us")).cast(pa.int64())
    else:
        return np.full(n, np.inf)
    valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), bool)
    ints = np.asarray(micro.fill_null(0).to_numpy(zero_copy_only=False), np.float64)
    return np.where(valid, -ints, np.inf)


def _codes(values: pa.Array, value_set: pa.Array) -> np.ndarray:
    """The position of each value in ``value_set``."""
    found = pc.index_in(values, value_set=value_set)
    return np.asarray(found.to_numpy(zero_copy_only=False), np.int64)


def _valid(values: pa.Array) -> np.ndarray:
    return np.asarray(values.is_valid().to_numpy(zero_copy_only=False), bool)


def golden_records(
    records: pa.Table,
    person_of: Sequence[str] | pa.Array,
    rules: Mapping[str, str],
    trust: Sequence[str],
) -> pa.Table:
    """One row per person: ``person_id``, :data:`GOLDEN_FIELDS`, ``sources`` (the sources of
    its records, comma-separated, in alphabetical order) and ``records`` (how many), persons
    in the order of their ids. ``records`` is the customers table (``source``,
    ``customer_id``, the golden fields and ``created_at``), ``person_of`` the person of each
    of its rows, ``rules`` field -> rule for :data:`RULE_FIELDS` (``most_trusted`` where
    missing), ``trust`` the sources from the most trusted down."""
    for name, rule in rules.items():
        if rule not in RULES:
            raise ValueError(f"unknown survivorship rule {rule!r} for {name}")
    n = records.num_rows

    def column(name: str) -> pa.Array:
        if name in records.column_names:
            return _plain(records.column(name))
        return pa.nulls(n, pa.string())

    if isinstance(person_of, pa.Array | pa.ChunkedArray):
        persons = _plain(person_of).cast(pa.string())
    else:
        persons = pa.array(person_of, pa.string())
    ids = pc.unique(persons)
    ids = ids.take(pc.sort_indices(ids))
    person = _codes(persons, ids)
    source = column("source")
    alphabetical = pc.unique(source)
    alphabetical = alphabetical.take(pc.sort_indices(alphabetical))
    by_source = _codes(source, alphabetical)
    place = {s: i for i, s in enumerate(trust)}
    trust_of = [place.get(s, len(place)) for s in alphabetical.to_pylist()]
    trusted = np.asarray(trust_of, np.int64)[by_source]
    by_id = _rank(column("customer_id"))
    newest = _newest_first(column("created_at"))
    # lexsort keys, the last first: the most trusted source (then its newest record), then
    # the record key, then the row
    tail: tuple[np.ndarray, ...] = (np.arange(n), by_id, by_source, newest, by_source, trusted)

    values: dict[str, pa.Array] = {}
    length: dict[str, np.ndarray] = {}
    for c in GOLDEN_FIELDS:
        raw = column(c)
        if _is_text(raw):
            values[c] = _trimmed(raw)
            counted = pc.utf8_length(values[c]).fill_null(0)
            length[c] = np.asarray(counted.to_numpy(zero_copy_only=False), np.int64)
        else:
            values[c] = raw
            length[c] = np.zeros(n, np.int64)
    filled = {c: _valid(v) for c, v in values.items()}

    out: dict[str, pa.Array] = {"person_id": ids}
    for name in RULE_FIELDS:
        rule = rules.get(name, "most_trusted")
        group = ADDRESS_FIELDS if name == "address" else (name,)
        count = np.asarray(np.sum([filled[c] for c in group], axis=0), np.int64)
        keys: tuple[np.ndarray, ...] = tail
        if rule == "most_recent":
            keys = (*tail, newest)
        elif rule == "most_complete":
            keys = (*tail, -length[group[0]], -count)
        if name == "address":
            # a record with a street beats one with only a postcode or city, which beats one
            # with only a country, whatever the rule: the rule chooses within the best tier
            tier = np.where(
                filled["address"], 0, np.where(filled["postcode"] | filled["city"], 1, 2)
            )
            keys = (*keys, tier)
        having = np.flatnonzero(count > 0)
        ranked = having[np.lexsort(tuple(k[having] for k in (*keys, person)))]
        owner = person[ranked]
        first = np.ones(ranked.size, bool)
        first[1:] = owner[1:] != owner[:-1]
        best = np.full(len(ids), -1, np.int64)
        best[owner[first]] = ranked[first]
        chosen = pa.array(best, mask=best < 0)
        for c in group:
            out[c] = values[c].take(chosen).cast(pa.date32() if c == "birth_date" else pa.string())
    # the sources of each person, once each, in alphabetical order
    width = len(alphabetical)
    pairs = np.unique(person * width + by_source)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(pairs // width, minlength=len(ids)))])
    names = alphabetical.cast(pa.string()).take(pa.array(pairs % width))
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), names)
    result = {c: out[c] for c in ("person_id", *GOLDEN_FIELDS)}
    result["sources"] = pc.binary_join(lists, ",")
    result["records"] = pa.array(np.bincount(person, minlength=len(ids)), pa.int64())
    return pa.table(result)
