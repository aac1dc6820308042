"""Persons from pairs: decisions respected, ids stable across runs, merges and splits
recorded, golden records by the survivorship rules."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from cxpilot.customers.engine import (
    clusters,
    format_person_id,
    golden_records,
    person_ids,
)

pytestmark = pytest.mark.pure

A, B, C, D, E = (("crm", "1"), ("eshop", "2"), ("support", "3"), ("crm", "4"), ("eshop", "5"))


def test_components_at_the_threshold_and_singletons():
    pairs = [(A, B, 0.9), (B, C, 0.6), (D, E, 0.4)]
    assert clusters([A, B, C, D, E], pairs, 0.5) == [[A, B, C], [D], [E]]
    assert clusters([A, B, C, D, E], pairs, 0.7) == [[A, B], [D], [E], [C]]


def test_a_rejected_pair_is_never_one_person_even_through_others():
    pairs = [(A, B, 0.99), (B, C, 0.95), (A, C, 0.6)]
    # cutting the edge A-C alone would leave A and C together through B
    groups = clusters([A, B, C], pairs, 0.5, rejected=[(C, A)])
    assert [A, C] not in groups and not any({A, C} <= set(g) for g in groups)
    assert [A, B] in groups  # the more probable link is kept


def test_a_confirmed_pair_is_one_person_below_the_threshold_and_unscored():
    assert clusters([A, B, D], [(A, B, 0.1)], 0.5, confirmed=[(B, A), (D, A)]) == [[A, D, B]]


def test_a_rejection_wins_over_contradicting_confirmations():
    groups = clusters([A, B, C], [], 0.5, confirmed=[(A, B), (B, C)], rejected=[(A, C)])
    assert not any({A, C} <= set(g) for g in groups)


def test_decisions_on_unknown_records_are_ignored():
    ghost = ("crm", "gone")
    assert clusters([A, B], [(A, ghost, 0.9)], 0.5, confirmed=[(A, ghost)]) == [[A], [B]]


def test_the_same_clusters_keep_every_id():
    groups = [[A, B], [C], [D, E]]
    first = person_ids(groups, {})
    assert first.ids == [format_person_id(i) for i in (1, 2, 3)] and first.new == 3
    previous = {k: pid for g, pid in zip(groups, first.ids, strict=True) for k in g}
    again = person_ids(groups, previous, first.last_number)
    assert again.ids == first.ids and again.new == 0 and again.changes == []


def test_a_new_record_joins_its_person_and_new_persons_get_new_numbers():
    previous = {A: "PER-00000001", B: "PER-00000001", C: "PER-00000002"}
    found = person_ids([[A, B, D], [C], [E]], previous, last_number=5)
    assert found.ids == ["PER-00000001", "PER-00000002", "PER-00000006"]
    assert found.changes == []


def test_a_merge_keeps_the_larger_then_the_older_id_and_is_recorded():
    larger = person_ids([[A, B, C]], {A: "PER-00000009", B: "PER-00000009", C: "PER-00000003"})
    assert larger.ids == ["PER-00000009"]
    (change,) = larger.changes
    assert (change.kind, change.person_id, change.others) == (
        "merge",
        "PER-00000009",
        ("PER-00000003",),
    )
    older = person_ids([[A, B]], {A: "PER-00000009", B: "PER-00000003"})
    assert older.ids == ["PER-00000003"]


def test_a_split_keeps_the_id_on_the_larger_part_and_is_recorded():
    previous = {A: "PER-00000001", B: "PER-00000001", C: "PER-00000001"}
    found = person_ids([[A], [B, C]], previous, last_number=1)
    assert found.ids == ["PER-00000002", "PER-00000001"]
    (change,) = found.changes
    assert change.kind == "split" and change.person_id == "PER-00000001"
    assert change.others == ("PER-00000002",) and change.records == (A, B, C)


def _records(**columns):
    n = len(columns["source"])
    base = {
        c: [None] * n
        for c in (
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
            "created_at",
        )
    }
    base.update(columns)
    return pa.table(base)


def test_golden_record_by_rule_and_trust_order():
    t = _records(
        source=["eshop", "crm", "support"],
        customer_id=["2", "1", "3"],
        first_name=["Nico", "Nicolas", "NICOLAS"],
        last_name=["Martin", "MARTIN", " "],
        email=["new@x.fr", None, "old@x.fr"],
        phone=[None, "0612345678", "0699999999"],
        address=["3 av. Foch", "12 rue des Lilas", None],
        postcode=["75016", "42000", "69001"],
        city=["Paris", "Saint-Étienne", "Lyon"],
        birth_date=[None, dt.date(1984, 3, 7), dt.date(1984, 7, 3)],
        created_at=[dt.datetime(2025, 1, 1), dt.datetime(2020, 1, 1), dt.datetime(2024, 1, 1)],
    )
    rules = {"email": "most_recent", "address": "most_recent", "first_name": "most_complete"}
    (row,) = golden_records(t, ["P"] * 3, rules, ["crm", "eshop", "support"]).to_pylist()
    assert row["first_name"] == "Nicolas"  # longest, then the most trusted
    assert row["last_name"] == "MARTIN"  # the CRM's (most trusted by default)
    assert row["email"] == "new@x.fr"  # the most recent record with one
    assert row["phone"] == "0612345678"  # most trusted: the CRM has one
    # the address comes whole from one record: the most recent with any part of it
    assert (row["address"], row["postcode"], row["city"]) == ("3 av. Foch", "75016", "Paris")
    assert row["birth_date"] == dt.date(1984, 3, 7)
    assert row["sources"] == "crm,eshop,support" and row["records"] == 3


def test_golden_values_are_never_empty_when_a_record_has_one_and_trust_order_counts():
    t = _records(
        source=["support", "eshop"],
        customer_id=["1", "2"],
        email=["  ", "a@b.fr"],
        first_name=["Léa", "Lea"],
    )
    (row,) = golden_records(t, ["P", "P"], {}, ["support", "eshop"]).to_pylist()
    assert row["email"] == "a@b.fr" and row["first_name"] == "Léa"
    (row,) = golden_records(t, ["P", "P"], {}, ["eshop"]).to_pylist()
    assert row["first_name"] == "Lea"  # unlisted sources come after the listed ones
    with pytest.raises(ValueError, match="unknown survivorship rule"):
        golden_records(t, ["P", "P"], {"email": "loudest"}, [])


def test_a_golden_address_is_a_street_before_a_town_before_a_country_alone():
    t = _records(
        source=["crm", "eshop", "support"],
        customer_id=["1", "2", "3"],
        address=["12 rue des Lilas", None, None],
        postcode=["42000", "69001", None],
        city=["Saint-Étienne", "Lyon", None],
        country=["FR", "FR", "France"],
        created_at=[dt.datetime(2020, 1, 1), dt.datetime(2023, 1, 1), dt.datetime(2025, 1, 1)],
    )
    # the most recent record has only a country: the address comes from the one with a street
    (row,) = golden_records(t, ["P"] * 3, {"address": "most_recent"}, ["crm"]).to_pylist()
    assert (row["address"], row["city"], row["country"]) == (
        "12 rue des Lilas",
        "Saint-Étienne",
        "FR",
    )
    no_street = t.filter(pa.array([False, True, True]))
    (row,) = golden_records(no_street, ["P"] * 2, {"address": "most_recent"}, []).to_pylist()
    assert (row["address"], row["city"], row["country"]) == (None, "Lyon", "FR")
