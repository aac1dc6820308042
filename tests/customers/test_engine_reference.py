"""The engine's vectorised persons and golden records against the straightforward Python
they replace (kept here as the reference): the same persons, ids and golden records on
random inputs, decisions and ties included."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxpilot.customers.engine import (
    ADDRESS_FIELDS,
    GOLDEN_FIELDS,
    RULE_FIELDS,
    RULES,
    clusters,
    golden_records,
)

pytestmark = pytest.mark.pure


def reference_clusters(records, pairs, threshold, *, confirmed=(), rejected=()):
    """Links added one at a time: confirmed pairs, then the others from the most probable
    down, each left out when it would put a rejected pair in one person."""
    keys = sorted(set(records))
    index = {k: i for i, k in enumerate(keys)}
    parent = list(range(len(keys)))
    forbid: dict[int, set[int]] = defaultdict(set)

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    def pair(a, b):
        return (a, b) if a <= b else (b, a)

    no = set()
    for a, b in rejected:
        if a in index and b in index and a != b:
            forbid[index[a]].add(index[b])
            forbid[index[b]].add(index[a])
            no.add(pair(a, b))

    def union(a, b):
        ra, rb = find(index[a]), find(index[b])
        if ra == rb:
            return
        members_a = {i for i in range(len(keys)) if find(i) == ra}
        members_b = {i for i in range(len(keys)) if find(i) == rb}
        if any(forbid[i] & members_b for i in members_a):
            return
        parent[ra] = rb

    for a, b in sorted({pair(a, b) for a, b in confirmed}):
        if a in index and b in index and (a, b) not in no:
            union(a, b)
    edges = sorted(
        (-p, *pair(a, b)) for a, b, p in pairs if p >= threshold and a in index and b in index
    )
    for _, a, b in edges:
        if (a, b) not in no:
            union(a, b)
    groups = defaultdict(list)
    for k in keys:
        groups[find(index[k])].append(k)
    return sorted(groups.values(), key=lambda g: g[0])


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _timestamp(value: Any) -> float:
    if isinstance(value, dt.datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=dt.UTC).timestamp()
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()
    return float("-inf")


def reference_golden(records: pa.Table, person_of, rules, trust) -> list[dict]:
    rank = {s: i for i, s in enumerate(trust)}
    rows = records.to_pylist()
    members = defaultdict(list)
    for i, pid in enumerate(person_of):
        members[pid].append(i)

    def order(rule, r, size):
        row = rows[r]
        recent = -_timestamp(row.get("created_at"))
        trusted = (rank.get(row["source"], len(rank)), row["source"], recent)
        tail = (row["source"], row["customer_id"])
        if rule == "most_recent":
            return (recent, trusted, tail)
        if rule == "most_complete":
            return (tuple(-x for x in size), trusted, tail)
        return (trusted, tail)

    out = []
    for pid in sorted(members):
        found: dict[str, Any] = {"person_id": pid}
        for name in RULE_FIELDS:
            rule = rules.get(name, "most_trusted")
            group = ADDRESS_FIELDS if name == "address" else (name,)

            def size(r, group=group):
                values = [rows[r].get(c) for c in group]
                first = values[0]
                filled = sum(not _empty(v) for v in values)
                return (filled, len(first.strip()) if isinstance(first, str) else 0)

            having = [r for r in members[pid] if any(not _empty(rows[r].get(c)) for c in group)]

            def tier(r, name=name):
                # the address: a street beats a postcode or city, which beats a country alone
                if name != "address":
                    return 0
                row = rows[r]
                if not _empty(row.get("address")):
                    return 0
                return 1 if not (_empty(row.get("postcode")) and _empty(row.get("city"))) else 2

            best = min(having, key=lambda r: (tier(r), order(rule, r, size(r)))) if having else None
            for c in group:
                value = None if best is None else rows[best].get(c)
                found[c] = value.strip() or None if isinstance(value, str) else value
        found["sources"] = ",".join(sorted({rows[r]["source"] for r in members[pid]}))
        found["records"] = len(members[pid])
        out.append({c: found[c] for c in ("person_id", *GOLDEN_FIELDS, "sources", "records")})
    return out


SOURCES = ["crm", "eshop", "support", "Zed", "édition"]
keys = st.tuples(st.sampled_from(SOURCES), st.sampled_from(["1", "2", "10", "B", "a", "é"]))


@st.composite
def scored(draw):
    """Records, and pairs and decisions mostly among them (a few naming unknown records)."""
    records = draw(st.lists(keys, min_size=1, max_size=12))
    some = (
        st.one_of(st.sampled_from(records), keys)
        if draw(st.booleans())
        else st.sampled_from(records)
    )
    probability = st.sampled_from([0.1, 0.5, 0.6, 0.6, 0.9, 0.99, 0.99])
    pairs = draw(st.lists(st.tuples(some, some, probability), max_size=25))
    confirmed = draw(st.lists(st.tuples(some, some), max_size=4))
    rejected = draw(st.lists(st.tuples(some, some), max_size=5))
    return records, pairs, confirmed, rejected


@settings(max_examples=400, deadline=None)
@given(data=scored(), threshold=st.sampled_from([0.5, 0.7]))
def test_the_persons_are_those_of_the_links_added_one_at_a_time(data, threshold):
    records, pairs, confirmed, rejected = data
    assert clusters(
        records, pairs, threshold, confirmed=confirmed, rejected=rejected
    ) == reference_clusters(records, pairs, threshold, confirmed=confirmed, rejected=rejected)


TEXT = st.sampled_from(
    [None, "", "  ", "\u3000x ", "Jean", "Jean-Baptiste", "JB", " Léa\t", "\x1c"]
)
WHEN = st.sampled_from(
    [
        None,
        dt.datetime(2020, 1, 1),
        dt.datetime(2020, 1, 1),
        dt.datetime(2020, 1, 1, 0, 0, 0, 1),
        dt.datetime(2021, 6, 1, 5),
    ]
)
BORN = st.sampled_from([None, dt.date(1980, 1, 2), dt.date(1990, 5, 6)])


@st.composite
def customers(draw):
    ids = draw(st.lists(keys, min_size=1, max_size=10, unique=True))
    n = len(ids)
    columns = {c: draw(st.lists(TEXT, min_size=n, max_size=n)) for c in GOLDEN_FIELDS}
    columns["birth_date"] = draw(st.lists(BORN, min_size=n, max_size=n))
    columns["created_at"] = draw(st.lists(WHEN, min_size=n, max_size=n))
    table = pa.table({"source": [k[0] for k in ids], "customer_id": [k[1] for k in ids], **columns})
    if draw(st.booleans()):
        table = table.drop_columns(["created_at", "segment"])
    person_of = draw(st.lists(st.sampled_from(["P1", "P2", "P10", "A"]), min_size=n, max_size=n))
    return table, person_of


@settings(max_examples=300, deadline=None)
@given(
    data=customers(),
    rules=st.dictionaries(st.sampled_from(RULE_FIELDS), st.sampled_from(RULES)),
    trust=st.lists(st.sampled_from(SOURCES), unique=True, max_size=3),
)
def test_golden_records_are_those_of_the_rules_applied_record_by_record(data, rules, trust):
    table, person_of = data
    got = golden_records(table, person_of, rules, trust)
    assert got.to_pylist() == reference_golden(table, person_of, rules, trust)
    assert got.schema.field("birth_date").type == pa.date32()


def test_golden_records_read_times_with_a_zone_and_dates():
    paris = dt.timezone(dt.timedelta(hours=2))
    at = [
        dt.datetime(2020, 1, 1, 1, tzinfo=paris),
        dt.datetime(2019, 12, 31, 23, 30, tzinfo=dt.UTC),
    ]
    table = pa.table(
        {
            "source": ["crm", "eshop"],
            "customer_id": ["1", "2"],
            "email": ["old@x.fr", "new@x.fr"],
            "created_at": pa.array(at, pa.timestamp("us", "UTC")),
        }
    )
    (row,) = golden_records(table, ["P", "P"], {"email": "most_recent"}, []).to_pylist()
    assert row["email"] == "new@x.fr"  # 23:30 UTC is after 01:00 in Paris (23:00 UTC)
    dated = table.set_column(
        3, "created_at", pa.array([dt.date(2021, 1, 1), dt.date(2020, 1, 1)], pa.date32())
    )
    (row,) = golden_records(dated, ["P", "P"], {"email": "most_recent"}, []).to_pylist()
    assert row["email"] == "old@x.fr"
