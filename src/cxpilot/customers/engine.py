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
  with any of them; ``most_complete`` is then the record with most of the four).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

__all__ = [
    "ADDRESS_FIELDS",
    "GOLDEN_FIELDS",
    "PERSON_PREFIX",
    "RULES",
    "RULE_FIELDS",
    "Assignment",
    "Change",
    "Key",
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
    parent = list(range(len(keys)))
    forbid: dict[int, set[int]] = defaultdict(set)  # root -> records rejected with a member

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    no = set()
    for a, b in rejected:
        if a in index and b in index and a != b:
            ia, ib = index[a], index[b]
            forbid[ia].add(ib)
            forbid[ib].add(ia)
            no.add(_pair(a, b))

    def union(a: Key, b: Key) -> None:
        ra, rb = find(index[a]), find(index[b])
        if ra == rb:
            return
        small, large = (ra, rb) if len(forbid.get(ra, ())) <= len(forbid.get(rb, ())) else (rb, ra)
        if any(find(x) == large for x in forbid.get(small, ())):
            return  # would put a rejected pair in one person
        parent[small] = large
        if small in forbid:
            forbid[large] |= forbid.pop(small)

    for a, b in sorted({_pair(a, b) for a, b in confirmed}):
        if a in index and b in index and (a, b) not in no:
            union(a, b)
    edges = sorted(
        (
            (-float(p), *_pair(a, b))
            for a, b, p in pairs
            if p >= threshold and a in index and b in index
        ),
    )
    for _, a, b in edges:
        if (a, b) not in no:
            union(a, b)
    groups: dict[int, list[Key]] = defaultdict(list)
    for k in keys:  # sorted, so each group is sorted and groups come by smallest record
        groups[find(index[k])].append(k)
    return sorted(groups.values(), key=lambda g: g[0])


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
    for old in sorted(where, key=_age):
        if len(where[old]) > 1:
            records = tuple(sorted(k for k, v in previous.items() if v == old))
            others = tuple(sorted(where[old] - {old}, key=_age))
            changes.append(Change("split", old, others, records))
    return Assignment(ids=final, last_number=last, new=new, changes=changes)


# ------------------------------------------------------------------------- golden records


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _timestamp(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=dt.UTC).timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return float("-inf")


def golden_records(
    records: pa.Table,
    person_of: Sequence[str],
    rules: Mapping[str, str],
    trust: Sequence[str],
) -> pa.Table:
    """One row per person: ``person_id``, :data:`GOLDEN_FIELDS`, ``sources`` (the sources of
    its records, comma-separated, in alphabetical order) and ``records`` (how many).
    ``records`` is the customers table (``source``, ``customer_id``, the golden fields and
    ``created_at``), ``person_of`` the person of each of its rows, ``rules`` field ->
    rule for :data:`RULE_FIELDS` (``most_trusted`` where missing), ``trust`` the sources from
    the most trusted down."""
    for name, rule in rules.items():
        if rule not in RULES:
            raise ValueError(f"unknown survivorship rule {rule!r} for {name}")
    rank = {s: i for i, s in enumerate(trust)}
    columns = {
        c: records.column(c).to_pylist()
        for c in ("source", "customer_id", "created_at", *GOLDEN_FIELDS)
        if c in records.column_names
    }
    n = records.num_rows
    for c in ("created_at", *GOLDEN_FIELDS):
        columns.setdefault(c, [None] * n)
    members: dict[str, list[int]] = defaultdict(list)
    for row, pid in enumerate(person_of):
        members[pid].append(row)

    def base(row: int) -> tuple[Any, ...]:
        source = columns["source"][row]
        return (rank.get(source, len(rank)), source, -_timestamp(columns["created_at"][row]))

    def order(rule: str, row: int, size: tuple[int, ...]) -> tuple[Any, ...]:
        trusted = base(row)
        recent = -_timestamp(columns["created_at"][row])
        tail = (columns["source"][row], columns["customer_id"][row])
        if rule == "most_recent":
            return (recent, trusted, tail)
        if rule == "most_complete":
            return (tuple(-x for x in size), trusted, tail)
        return (trusted, tail)

    out: dict[str, list[Any]] = {c: [] for c in ("person_id", *GOLDEN_FIELDS)}
    sources: list[str] = []
    counts: list[int] = []
    for pid in sorted(members):
        rows = members[pid]
        out["person_id"].append(pid)
        for name in RULE_FIELDS:
            rule = rules.get(name, "most_trusted")
            group = ADDRESS_FIELDS if name == "address" else (name,)

            def size(row: int, group: tuple[str, ...] = group) -> tuple[int, ...]:
                values = [columns[c][row] for c in group]
                filled = sum(not _empty(v) for v in values)
                first = values[0]
                return (filled, len(first.strip()) if isinstance(first, str) else 0)

            having = [r for r in rows if any(not _empty(columns[c][r]) for c in group)]
            best = min(having, key=lambda r: order(rule, r, size(r))) if having else None
            for c in group:
                value = None if best is None else columns[c][best]
                if isinstance(value, str):
                    value = value.strip() or None
                out[c].append(value)
        sources.append(",".join(sorted({str(columns["source"][r]) for r in rows})))
        counts.append(len(rows))
    arrays: dict[str, pa.Array] = {
        c: pa.array(v, pa.date32() if c == "birth_date" else pa.string()) for c, v in out.items()
    }
    arrays["sources"] = pa.array(sources, pa.string())
    arrays["records"] = pa.array(counts, pa.int64())
    return pa.table(arrays)
