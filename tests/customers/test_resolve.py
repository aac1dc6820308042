"""Resolving the warehouse's customers into persons: stable ids across runs, a new record
joining its person, the people's decisions kept by later runs, golden records, the audit
trail and the permissions."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cxpilot.customers import selectors, services
from cxpilot.customers.models import EventKind, LinkageRun, PairDecision, PersonEvent
from cxpilot.demo.generator import iter_tables
from cxpilot.kernel.errors import NotFound, PermissionDenied, ValidationError
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.ingest import load_arrow

pytestmark = pytest.mark.warehouse


@pytest.fixture(scope="module")
def demo() -> tuple[pa.Table, pa.Table]:
    """The demo's customer records for 100 persons, and their truth."""
    tables = {}
    for name, table in iter_tables(customers=100, seed=7):
        tables[name] = table
        if name == "truth":
            break
    return tables["customers"], tables["truth"]


def _mapping() -> dict[tuple[str, str], str]:
    with warehouse() as con:
        rows = con.table("customer_persons").to_pyarrow().to_pylist()
    return {(r["source"], r["customer_id"]): r["person_id"] for r in rows}


def _true_pairs(truth: pa.Table, records: set) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    by_person: dict[str, list] = {}
    for r in truth.to_pylist():
        key = (r["source"], r["customer_id"])
        if key in records:
            by_person.setdefault(r["person_id"], []).append(key)
    return [tuple(sorted(ks))[:2] for ks in by_person.values() if len(ks) > 1]


def test_a_rerun_keeps_every_id_and_a_new_record_joins_its_person(db, demo):
    customers, truth = demo
    # an e-shop record of a person the CRM knows, held back for the second load
    pairs = _true_pairs(
        truth, set(zip(customers["source"].to_pylist(), customers["customer_id"].to_pylist()))
    )
    crm, eshop = next((a, b) for a, b in pairs if a[0] == "crm" and b[0] == "eshop")
    held = pc.and_(
        pc.equal(customers["source"], "eshop"), pc.equal(customers["customer_id"], eshop[1])
    )
    load_arrow(table="customers", data=customers.filter(pc.invert(held)))
    first = services.customers_resolve()
    assert first["records"] == customers.num_rows - 1
    assert first["persons"] < first["records"] and first["pairs_scored"] > 0
    assert set(first["duplicates_found"]) == {"crm", "eshop", "support"}
    ids = _mapping()
    assert len(set(ids.values())) == first["persons"]
    with warehouse() as con:
        golden = con.table("customer_golden").to_pyarrow()
    assert golden.num_rows == first["persons"]
    assert sum(golden["records"].to_pylist()) == first["records"]

    again = services.customers_resolve()
    assert _mapping() == ids
    assert (again["persons_new"], again["merges"], again["splits"]) == (0, 0, 0)

    load_arrow(table="customers", data=customers.filter(held))
    services.customers_resolve()
    after = _mapping()
    assert after[eshop] == after[crm] == ids[crm]
    assert {k: v for k, v in after.items() if k != eshop} == ids
    run = LinkageRun.latest_run()
    assert (
        run is not None and run.parameters["comparisons"] and run.summary["records"] == len(after)
    )


def test_decisions_are_kept_by_later_runs_and_audited(db, demo, make_user):
    customers, truth = demo
    load_arrow(table="customers", data=customers)
    services.customers_resolve()
    ids = _mapping()
    keys = set(ids)
    linked = next((a, b) for a, b in _true_pairs(truth, keys) if ids[a] == ids[b])
    apart = next((a, b) for a, b in zip(sorted(keys), sorted(keys)[1:]) if ids[a] != ids[b])
    lead = make_user("cx_lead")

    done = services.pair_reject(actor=lead, a=linked[0], b=linked[1], reason="not the same")
    assert done["applied"] and done["person_a"] != done["person_b"]
    after = _mapping()
    assert after[linked[0]] != after[linked[1]]
    services.pair_confirm(actor=lead, a=apart[1], b=apart[0], reason="checked by phone")
    assert _mapping()[apart[0]] == _mapping()[apart[1]]

    services.customers_resolve()  # a later run respects both
    final = _mapping()
    assert final[linked[0]] != final[linked[1]]
    assert final[apart[0]] == final[apart[1]]
    decisions = {d.decision: d for d in PairDecision.objects.all()}
    assert decisions["reject"].decided_by == lead and decisions["reject"].reason == "not the same"
    assert decisions["confirm"].decided_by_name == "cx_lead"
    kinds = set(PersonEvent.objects.values_list("kind", flat=True))
    assert {EventKind.REJECT, EventKind.CONFIRM, EventKind.SPLIT, EventKind.MERGE} <= kinds
    split = PersonEvent.objects.get(kind=EventKind.SPLIT)
    assert split.actor == lead and split.reason == "not the same"


def test_merge_and_unmerge(db, demo):
    customers, _ = demo
    load_arrow(table="customers", data=customers)
    services.customers_resolve()
    ids = _mapping()
    keys = sorted(ids)
    a, b = next((a, b) for a, b in zip(keys, keys[1:]) if ids[a] != ids[b])
    merged = services.records_merge(actor=None, records=[a, b], reason="same customer")
    person = merged["person_id"]
    assert _mapping()[a] == _mapping()[b] == person
    out = services.person_unmerge(actor=None, person_id=person, records=[b], reason="oops")
    assert _mapping()[a] != _mapping()[b] and out["now"] == [_mapping()[b]]
    assert PersonEvent.objects.filter(kind=EventKind.UNMERGE, person_id=person).exists()
    # merging again undoes the unmerge: the rejection it left between a and b gives way
    again = services.records_merge(actor=None, records=[a, b], reason="the same after all")
    assert again["applied"] and again["apart"] == [] and _mapping()[a] == _mapping()[b]
    services.person_unmerge(actor=None, person_id=_mapping()[a], records=[b], reason="no")
    with pytest.raises(ValidationError, match="every record"):
        services.person_unmerge(actor=None, person_id=_mapping()[b], records=[b], reason="x")
    with pytest.raises(NotFound):
        services.person_unmerge(actor=None, person_id="PER-99999999", records=[b], reason="x")


def test_a_decision_says_which_other_records_it_moves_and_is_audited_once(db, demo):
    customers, _ = demo
    load_arrow(table="customers", data=customers)
    services.customers_resolve()
    ids = _mapping()
    members: dict[str, list] = {}
    for key, pid in ids.items():
        members.setdefault(pid, []).append(key)
    two = sorted(sorted(ks) for ks in members.values() if len(ks) == 2)
    (a, a2), (b, b2), (first, second) = two[0], two[1], two[2]
    before = PersonEvent.objects.count()
    merged = services.records_merge(actor=None, records=[a, b], reason="same customer")
    person = merged["person_id"]
    # the other records of both persons came along, and the result says which moved
    assert _mapping()[a2] == _mapping()[b2] == person
    moved_away = sorted(f"{k[0]}:{k[1]}" for k in (a2, b2) if ids[k] != person)
    assert merged["moved"] == moved_away and len(moved_away) == 1
    merges = PersonEvent.objects.filter(kind=EventKind.MERGE)
    assert PersonEvent.objects.count() == before + 1 and merges.count() == 1
    assert merges.get().reason == "same customer"
    retired = next(p for p in (ids[a], ids[b]) if p != person)
    with pytest.raises(NotFound, match=f"{retired} is no longer a person: it was merged into"):
        selectors.person_found(key=retired)

    # one record taken out of a two-record person: the record left keeps the id
    pid = ids[first]
    out = services.person_unmerge(actor=None, person_id=pid, records=[first], reason="two")
    assert _mapping()[second] == pid and _mapping()[first] != pid
    assert out["now"] == [_mapping()[first]] and out["moved"] == []
    assert [e.kind for e in PersonEvent.objects.filter(person_id=pid)] == [EventKind.UNMERGE]


def test_review_pairs_side_by_side_and_people_s_rights(db, demo, make_user):
    customers, _ = demo
    load_arrow(table="customers", data=customers)
    with pytest.raises(PermissionDenied):
        services.customers_resolve(actor=make_user("analyst"))
    services.customers_resolve(actor=make_user("cx_lead"))
    rows = selectors.customers_pairs_to_review(low=0.0, high=1.0, limit=5)
    assert 0 < len(rows) <= 5
    first = rows[0]
    assert {"record_a", "record_b", "match_probability", "same_person", "first_name_a"} <= set(
        first
    )
    a, b = selectors.record_key(first["record_a"]), selectors.record_key(first["record_b"])
    viewer = make_user("viewer")
    with pytest.raises(PermissionDenied):
        services.pair_reject(actor=viewer, a=a, b=b, reason="no")
    with pytest.raises(ValidationError, match="reason"):
        services.pair_reject(actor=None, a=a, b=b, reason="  ")
    with pytest.raises(NotFound):
        services.pair_reject(actor=None, a=a, b=("crm", "nobody"), reason="no")
    services.pair_reject(actor=make_user("analyst", "ana"), a=a, b=b, reason="no")
    undecided = selectors.customers_pairs_to_review(low=0.0, high=1.0, limit=500)
    assert (first["record_a"], first["record_b"]) not in {
        (r["record_a"], r["record_b"]) for r in undecided
    }
    person = selectors.person_found(key=first["record_a"])
    assert person.golden["person_id"] == person.person_id
    assert any(r["source"] == a[0] and r["customer_id"] == a[1] for r in person.records)
    email = next(r["email"] for r in customers.to_pylist() if r["email"])
    assert selectors.person_found(key=f"  {email.upper()} ").person_id
    with pytest.raises(NotFound):
        selectors.person_found(key="PER-99999999")
