"""Writes of the customers domain: resolve the warehouse's customer records into persons, and
the people's decisions on pairs of records (confirm, reject, merge, unmerge).

Three derived warehouse tables hold the result (declared in :data:`DERIVED`):

* ``customer_persons`` — one row per customer record: ``source, customer_id, person_id``;
  the mapping every analysis joins on;
* ``customer_golden`` — one row per person: ``person_id``, the golden fields (first_name,
  last_name, email, phone, address, postcode, city, country, birth_date, segment),
  ``sources`` and ``records``;
* ``customer_pairs`` — the pairs of records scored by the last run at or above the lower of
  the threshold and the review band: ``source_l, customer_id_l, source_r, customer_id_r,
  match_probability``. A decision re-draws the persons from them without scoring again.

The three are written all or nothing: each is written in full under a staging name, then the
old tables are dropped and the new ones renamed in one transaction (DuckDB and PostgreSQL
both make that DDL transactional; another engine gets the renames one after the other).
The app database keeps the run (its model and summary), the decisions and the audit trail
(:mod:`cxpilot.customers.models`), in the same transaction as each write.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import transaction
from django.utils import timezone

from cxpilot.customers.engine import Key, cluster_labels, golden_records, person_ids
from cxpilot.customers.linkage import dedupe
from cxpilot.customers.models import (
    Decision,
    EventKind,
    LinkageRun,
    PairDecision,
    PersonEvent,
    ResolveSettings,
)
from cxpilot.customers.selectors import RECORD_FIELDS
from cxpilot.kernel import roles
from cxpilot.kernel.audit import reason_text
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.warehouse.connection import Transaction, warehouse
from cxpilot.warehouse.services import derived_replace

__all__ = [
    "DERIVED",
    "customers_resolve",
    "ensure_derived",
    "pair_confirm",
    "pair_reject",
    "person_unmerge",
    "records_merge",
    "resolution_erase",
]

DERIVED: dict[str, ibis.Schema] = {
    "customer_persons": ibis.schema(
        {"source": "string", "customer_id": "string", "person_id": "string"}
    ),
    "customer_golden": ibis.schema(
        {
            "person_id": "string",
            "first_name": "string",
            "last_name": "string",
            "email": "string",
            "phone": "string",
            "address": "string",
            "postcode": "string",
            "city": "string",
            "country": "string",
            "birth_date": "date",
            "segment": "string",
            "sources": "string",
            "records": "int64",
        }
    ),
    "customer_pairs": ibis.schema(
        {
            "source_l": "string",
            "customer_id_l": "string",
            "source_r": "string",
            "customer_id_r": "string",
            "match_probability": "float64",
        }
    ),
}
#: The customers columns the resolution reads.
RECORD_COLUMNS = ("source", "customer_id", *RECORD_FIELDS)

RESOLVE = "customers.resolve_customers"
REVIEW = "customers.review_pairs"


def ensure_derived(con: Any) -> None:
    existing = set(con.list_tables())
    for name, schema in DERIVED.items():
        if name not in existing:
            con.create_table(name, schema=schema)


def _records(con: Any) -> pa.Table:
    t = con.table("customers").select(*RECORD_COLUMNS)
    data: pa.Table = t.to_pyarrow()
    data = data.cast(
        pa.schema(
            [
                pa.field(f.name, pa.string()) if f.name in ("source", "customer_id") else f
                for f in data.schema
            ]
        )
    )
    return data.sort_by([("source", "ascending"), ("customer_id", "ascending")])


def _keys(records: pa.Table) -> list[Key]:
    return list(
        zip(
            records.column("source").to_pylist(),
            records.column("customer_id").to_pylist(),
            strict=True,
        )
    )


_SEP = "\x1f"


def _joined(source: Any, customer_id: Any) -> pa.Array:
    """``source`` and ``customer_id`` as one string per record."""
    joined = pc.binary_join_element_wise(
        pc.cast(source, pa.string()), pc.cast(customer_id, pa.string()), _SEP
    )
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def _numbers(keys: pa.Array, known: pa.Array) -> np.ndarray:
    """The position of each of ``keys`` in ``known``, -1 where it is not there."""
    found = pc.index_in(keys, value_set=known).fill_null(-1)
    return np.asarray(found.to_numpy(zero_copy_only=False), np.int64)


def _decided(known: pa.Array, pairs: Sequence[tuple[Key, Key]]) -> np.ndarray:
    """Decided pairs as pairs of record numbers, those naming an unknown record left out."""
    if not pairs:
        return np.zeros((0, 2), np.int64)
    a = _numbers(
        _joined(pa.array([x[0] for x, _ in pairs]), pa.array([x[1] for x, _ in pairs])), known
    )
    b = _numbers(
        _joined(pa.array([y[0] for _, y in pairs]), pa.array([y[1] for _, y in pairs])), known
    )
    keep = (a >= 0) & (b >= 0)
    return np.stack([a[keep], b[keep]], axis=1)


def _previous(con: Any) -> dict[Key, str]:
    t = con.table("customer_persons").to_pyarrow()
    return dict(
        zip(
            zip(t.column("source").to_pylist(), t.column("customer_id").to_pylist(), strict=True),
            t.column("person_id").to_pylist(),
            strict=True,
        )
    )


def _decisions() -> tuple[list[tuple[Key, Key]], list[tuple[Key, Key]]]:
    confirmed: list[tuple[Key, Key]] = []
    rejected: list[tuple[Key, Key]] = []
    rows = PairDecision.objects.values_list(
        "source_a", "customer_id_a", "source_b", "customer_id_b", "decision"
    )
    for sa, ia, sb, ib, decision in rows:
        (confirmed if decision == Decision.CONFIRM else rejected).append(((sa, ia), (sb, ib)))
    return confirmed, rejected


def _name(actor: Actor) -> str:
    if actor is None:
        return ""
    return str(actor.get_username()) if actor.is_authenticated else ""


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


def _persons_write(
    con: Any,
    *,
    records: pa.Table,
    pairs: pa.Table,
    threshold: float,
    last_number: int,
    actor: Actor,
    reason: str,
    run: LinkageRun | None,
    write_pairs: bool,
    detached: Sequence[Key] = (),
    split_kind: str = EventKind.SPLIT,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Draw the persons from ``pairs`` and the decisions, keep their ids stable against the
    stored mapping (records of ``detached`` leave their person's id to the others), compute
    the golden records and replace the derived tables; record merges and splits in the audit
    trail. Returns counts, the changes recorded (``changes``) and, when the persons are drawn
    again after a decision (``write_pairs`` false), the records whose person changed
    (``moved``)."""
    say = progress or (lambda _m: None)
    conf = ResolveSettings.current()
    # the records numbered in the order of their keys (``records`` is sorted by them)
    row_keys = _joined(records.column("source"), records.column("customer_id"))
    known = pc.unique(row_keys)
    row = _numbers(row_keys, known)
    left = _numbers(_joined(pairs.column("source_l"), pairs.column("customer_id_l")), known)
    right = _numbers(_joined(pairs.column("source_r"), pairs.column("customer_id_r")), known)
    scored = (left >= 0) & (right >= 0)
    probability = pairs.column("match_probability").to_numpy()
    confirmed, rejected = _decisions()
    labels = cluster_labels(
        len(known),
        left[scored],
        right[scored],
        np.asarray(probability, np.float64)[scored],
        threshold,
        confirmed=_decided(known, confirmed),
        rejected=_decided(known, rejected),
    )
    keys = _keys(records)
    first_row = np.unique(row, return_index=True)[1]
    groups: list[list[Key]] = [[] for _ in range(int(labels.max(initial=-1)) + 1)]
    for number in np.argsort(labels, kind="stable").tolist():
        groups[labels[number]].append(keys[first_row[number]])
    say("keeping the person ids")
    previous = _previous(con)
    assigned = person_ids(groups, previous, last_number, detached)
    person_of = pa.array(assigned.ids, pa.string()).take(pa.array(labels[row]))
    moved: list[Key] = []
    if not write_pairs:  # a decision: say which records changed person
        now_of = dict(zip(keys, person_of.to_pylist(), strict=True))
        moved = sorted(k for k, pid in previous.items() if k in now_of and now_of[k] != pid)
    say("computing the golden records")
    golden = golden_records(records, person_of, conf.rules(), conf.trust)
    mapping = pa.table(
        {
            "source": records.column("source"),
            "customer_id": records.column("customer_id"),
            "person_id": person_of,
        }
    )
    tables = {"customer_persons": mapping, "customer_golden": golden}
    if write_pairs:
        tables["customer_pairs"] = pairs
    say("writing the tables")
    derived_replace(con, tables, DERIVED)
    now = timezone.now()
    PersonEvent.objects.bulk_create(
        PersonEvent(
            at=now,
            kind=EventKind.MERGE if change.kind == "merge" else split_kind,
            person_id=change.person_id,
            others=list(change.others),
            records=[f"{s}:{i}" for s, i in change.records],
            reason=reason,
            actor=_user(actor),
            actor_name=_name(actor),
            run=run,
        )
        for change in assigned.changes
    )
    # per source, its records in a person with another record of that source
    sources = pc.unique(records.column("source").combine_chunks()).to_pylist()
    sources = sorted(str(x) for x in sources)
    code = _numbers(pc.cast(records.column("source"), pa.string()), pa.array(sources, pa.string()))
    width = max(len(sources), 1)
    cells, counts = np.unique(labels[row] * width + code, return_counts=True)
    twice = counts > 1
    within = np.bincount(cells[twice] % width, weights=counts[twice], minlength=width)
    return {
        "records": records.num_rows,
        "persons": len(groups),
        "persons_new": assigned.new,
        "merges": sum(c.kind == "merge" for c in assigned.changes),
        "splits": sum(c.kind == "split" for c in assigned.changes),
        "duplicates_found": {s: int(within[i]) for i, s in enumerate(sources)},
        "last_number": assigned.last_number,
        "changes": assigned.changes,
        "moved": moved,
    }


def customers_resolve(
    *,
    actor: Actor = None,
    threshold: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Resolve every customer record of the warehouse (all sources) into persons.

    Scores the pairs with the linkage model (:func:`cxpilot.customers.linkage.dedupe`, fitted
    on the records themselves), applies the people's decisions, draws the persons at
    ``threshold`` (the settings' by default), keeps their ids stable, computes the golden
    records and replaces ``customer_persons``, ``customer_golden`` and ``customer_pairs``.
    Returns ``records``, ``persons``, ``pairs_scored``, ``duplicates_found`` (per source:
    its records found to be the same person as another record of that source),
    ``persons_new``, ``merges``, ``splits`` and ``seconds``."""
    from cxpilot.customers.selectors import threshold_checked

    roles.require(actor, RESOLVE)
    say = progress or (lambda _m: None)
    conf = ResolveSettings.current()
    threshold = conf.threshold if threshold is None else threshold_checked(threshold)
    started = timezone.now()
    clock = time.perf_counter()
    say("reading the customers")
    with warehouse() as con:
        ensure_derived(con)
        records = _records(con)
    floor = min(conf.review_low, threshold)
    parameters: dict[str, Any] = {}
    scored = 0
    pairs = DERIVED["customer_pairs"].to_pyarrow().empty_table()
    if records.num_rows >= 2:
        found = dedupe(records, floor, cluster=False, progress=say)
        pairs, scored, parameters = found.pairs, found.pairs_scored, found.model.as_dict()
    say("drawing the persons")
    latest = LinkageRun.latest_run()
    with transaction.atomic():
        run = LinkageRun.objects.create(
            started_at=started, threshold=threshold, pairs_scored=scored, parameters=parameters
        )
        with warehouse() as con:
            ensure_derived(con)
            outcome = _persons_write(
                con,
                records=records,
                pairs=pairs,
                threshold=threshold,
                last_number=latest.last_person_number if latest else 0,
                actor=actor,
                reason=f"resolution run {run.pk}",
                run=run,
                write_pairs=True,
                progress=say,
            )
        seconds = time.perf_counter() - clock
        summary = {
            "records": outcome["records"],
            "persons": outcome["persons"],
            "pairs_scored": scored,
            "duplicates_found": outcome["duplicates_found"],
            "persons_new": outcome["persons_new"],
            "merges": outcome["merges"],
            "splits": outcome["splits"],
            "seconds": round(seconds, 2),
        }
        run.records, run.persons, run.seconds = outcome["records"], outcome["persons"], seconds
        run.last_person_number = outcome["last_number"]
        run.summary = summary
        run.save()
    return summary


# ------------------------------------------------------------------------------ decisions


def _reason(reason: Any) -> str:
    return reason_text(reason)


def _present(con: Any, keys: Sequence[Key], where: str) -> None:
    """Raise NotFound unless every record of ``keys`` is in the warehouse's customers."""
    wanted = ibis.memtable(
        pa.table(
            {
                "source": pa.array([k[0] for k in keys], pa.string()),
                "customer_id": pa.array([k[1] for k in keys], pa.string()),
            }
        )
    )
    c = con.table("customers").select("source", "customer_id")
    rows = wanted.anti_join(c, ["source", "customer_id"]).to_pyarrow().to_pylist()
    missing = {(r["source"], r["customer_id"]) for r in rows}
    for key in keys:
        if key in missing:
            raise NotFound(f"no customer record {key[0]}:{key[1]}", where=where)


def _recluster(
    actor: Actor, reason: str, detached: Sequence[Key] = (), split_kind: str = EventKind.SPLIT
) -> dict[str, Any] | None:
    """Draw the persons again from the last run's pairs and every decision. None before any
    run (the decisions then apply at the first one)."""
    latest = LinkageRun.latest_run()
    if latest is None:
        return None
    with warehouse() as con:
        ensure_derived(con)
        records = _records(con)
        pairs = con.table("customer_pairs").to_pyarrow()
        outcome = _persons_write(
            con,
            records=records,
            pairs=pairs,
            threshold=latest.threshold,
            last_number=latest.last_person_number,
            actor=actor,
            reason=reason,
            run=None,
            write_pairs=False,
            detached=detached,
            split_kind=split_kind,
        )
    LinkageRun.objects.filter(pk=latest.pk).update(last_person_number=outcome["last_number"])
    return outcome


def _decide(
    *, actor: Actor, pairs: Iterable[tuple[Key, Key]], decision: str, reason: str, where: str
) -> list[tuple[Key, Key]]:
    now = timezone.now()
    done = []
    for a, b in pairs:
        if a == b:
            raise ValidationError("a pair is two different records", where=where)
        a, b = (a, b) if a <= b else (b, a)
        PairDecision.objects.update_or_create(
            source_a=a[0],
            customer_id_a=a[1],
            source_b=b[0],
            customer_id_b=b[1],
            defaults={
                "decision": decision,
                "reason": reason,
                "decided_by": _user(actor),
                "decided_by_name": _name(actor),
                "decided_at": now,
            },
        )
        done.append((a, b))
    return done


def _moved(outcome: dict[str, Any] | None, named: Iterable[Key]) -> list[str]:
    """The records other than those ``named`` whose person changed: a decision on two records
    carries the other records of their persons with them, and says so."""
    if outcome is None:
        return []
    skip = set(named)
    return [f"{s}:{i}" for s, i in outcome["moved"] if (s, i) not in skip]


def _person_of(con: Any, key: Key) -> str | None:
    t = con.table("customer_persons")
    rows = (
        t.filter((t.source == key[0]) & (t.customer_id == key[1]))
        .select("person_id")
        .to_pyarrow()
        .column("person_id")
        .to_pylist()
    )
    return str(rows[0]) if rows else None


def _pair_decide(*, actor: Actor, a: Key, b: Key, reason: str, decision: str) -> dict[str, Any]:
    roles.require(actor, REVIEW)
    why = _reason(reason)
    with transaction.atomic():
        with warehouse() as con:
            ensure_derived(con)
            _present(con, [a, b], "pair")
        (pair,) = _decide(actor=actor, pairs=[(a, b)], decision=decision, reason=why, where="pair")
        PersonEvent.objects.create(
            at=timezone.now(),
            kind=EventKind.CONFIRM if decision == Decision.CONFIRM else EventKind.REJECT,
            records=[f"{s}:{i}" for s, i in pair],
            reason=why,
            actor=_user(actor),
            actor_name=_name(actor),
        )
        outcome = _recluster(actor, why)
        with warehouse() as con:
            ensure_derived(con)
            person_a, person_b = _person_of(con, pair[0]), _person_of(con, pair[1])
    return {
        "decision": decision,
        "record_a": f"{pair[0][0]}:{pair[0][1]}",
        "record_b": f"{pair[1][0]}:{pair[1][1]}",
        "person_a": person_a,
        "person_b": person_b,
        "applied": outcome is not None,
        "moved": _moved(outcome, pair),
    }


def pair_confirm(*, actor: Actor, a: Key, b: Key, reason: str) -> dict[str, Any]:
    """Record that records ``a`` and ``b`` (``(source, customer_id)``) are the same person,
    and draw the persons again: they are one from now on, in every later run too (unless a
    rejection elsewhere forbids it)."""
    return _pair_decide(actor=actor, a=a, b=b, reason=reason, decision=Decision.CONFIRM)


def pair_reject(*, actor: Actor, a: Key, b: Key, reason: str) -> dict[str, Any]:
    """Record that records ``a`` and ``b`` are different persons, and draw the persons again:
    they are never in one person from now on, in every later run too."""
    return _pair_decide(actor=actor, a=a, b=b, reason=reason, decision=Decision.REJECT)


def records_merge(*, actor: Actor, records: Sequence[Key], reason: str) -> dict[str, Any]:
    """Make ``records`` (two or more) one person: every pair of them is confirmed (so that an
    earlier rejection between two of them, left by an unmerge, no longer keeps them apart).
    ``applied`` says whether they are one person now; ``apart`` lists those that rejected
    pairs with other records still keep apart (the merge is then not recorded)."""
    roles.require(actor, REVIEW)
    why = _reason(reason)
    keys = list(dict.fromkeys(records))
    if len(keys) < 2:
        raise ValidationError("name at least two different records to merge", where="records")
    with transaction.atomic():
        with warehouse() as con:
            ensure_derived(con)
            _present(con, keys, "records")
        _decide(
            actor=actor,
            pairs=[(a, b) for i, a in enumerate(keys) for b in keys[i + 1 :]],
            decision=Decision.CONFIRM,
            reason=why,
            where="records",
        )
        outcome = _recluster(actor, why)
        with warehouse() as con:
            person = _person_of(con, keys[0])
            apart = [f"{s}:{i}" for s, i in keys if _person_of(con, (s, i)) != person]
        moved = _moved(outcome, keys)
        if apart or outcome is None:
            # decisions kept (they apply at the next run), but no merge to record
            return {
                "person_id": person,
                "records": len(keys),
                "applied": False,
                "apart": apart,
                "moved": moved,
            }
        # the merge of their persons (if they were not one already) is in the audit trail
        # once, written with who and why as the persons were drawn again
    return {
        "person_id": person,
        "records": len(keys),
        "applied": True,
        "apart": [],
        "moved": moved,
    }


def person_unmerge(
    *, actor: Actor, person_id: str, records: Sequence[Key], reason: str
) -> dict[str, Any]:
    """Take ``records`` out of person ``person_id``: every pair of one of them with one of the
    person's other records is rejected, and the persons drawn again (the records taken out
    stay together where they match each other)."""
    roles.require(actor, REVIEW)
    why = _reason(reason)
    keys = list(dict.fromkeys(records))
    if not keys:
        raise ValidationError("name the records to take out of the person", where="records")
    with transaction.atomic():
        with warehouse() as con:
            ensure_derived(con)
            t = con.table("customer_persons")
            rows = t.filter(t.person_id == person_id).to_pyarrow()
        members = set(
            zip(
                rows.column("source").to_pylist(),
                rows.column("customer_id").to_pylist(),
                strict=True,
            )
        )
        if not members:
            raise NotFound(f"no person {person_id}", where="person")
        outside = [k for k in keys if k not in members]
        if outside:
            raise ValidationError(
                f"{outside[0][0]}:{outside[0][1]} is not a record of {person_id}",
                where="records",
            )
        rest = sorted(members - set(keys))
        if not rest:
            raise ValidationError(
                "that is every record of the person: leave at least one", where="records"
            )
        _decide(
            actor=actor,
            pairs=[(k, r) for k in keys for r in rest],
            decision=Decision.REJECT,
            reason=why,
            where="records",
        )
        # the split is written to the audit trail as this unmerge, with who and why
        outcome = _recluster(actor, why, detached=keys, split_kind=EventKind.UNMERGE)
        with warehouse() as con:
            now_of = defaultdict(list)
            for k in keys:
                now_of[_person_of(con, k) or ""].append(k)
    return {
        "person_id": person_id,
        "records": len(keys),
        "now": sorted(p for p in now_of if p),
        "applied": outcome is not None,
        "moved": _moved(outcome, keys),
    }


# ------------------------------------------------------------------------------ erasure


def resolution_erase(*, tx: Transaction, person_id: str, records: Sequence[Key]) -> dict[str, int]:
    """Delete what the resolution keeps of person ``person_id`` and their ``records``: their
    rows of ``customer_persons`` and ``customer_golden``, every scored pair with one of their
    records (``customer_pairs``) in the warehouse transaction ``tx``; every decision on a pair
    with one of their records and every audit event that names one of them or the person, in
    the caller's app-database transaction (which must be open). An event or decision is
    deleted whole: its reason is free text that may name the person. Returns the rows
    deleted per table.

    The other persons keep their ids and golden records: the person's records were one
    person apart from every other, so nothing else is drawn again."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("resolution_erase runs in the caller's app-database transaction")
    keys = list(dict.fromkeys((str(s), str(c)) for s, c in records))
    out = {
        "customer_persons": tx.delete_keys("customer_persons", [(person_id,)], ("person_id",))
        + tx.delete_keys("customer_persons", keys),
        "customer_golden": tx.delete_keys("customer_golden", [(person_id,)], ("person_id",)),
        "customer_pairs": tx.delete_keys("customer_pairs", keys, ("source_l", "customer_id_l"))
        + tx.delete_keys("customer_pairs", keys, ("source_r", "customer_id_r")),
    }
    wanted = set(keys)
    decisions = [
        pk
        for pk, *pair in PairDecision.objects.values_list(
            "pk", "source_a", "customer_id_a", "source_b", "customer_id_b"
        ).iterator()
        if (pair[0], pair[1]) in wanted or (pair[2], pair[3]) in wanted
    ]
    out["customers.pairdecision"] = _delete_pks(PairDecision, decisions)
    named = {f"{s}:{c}" for s, c in keys}
    events = [
        pk
        for pk, person, recs in PersonEvent.objects.values_list(
            "pk", "person_id", "records"
        ).iterator()
        if person == person_id or named.intersection(map(str, recs or ()))
    ]
    out["customers.personevent"] = _delete_pks(PersonEvent, events)
    return out


def _delete_pks(model: Any, pks: list[int]) -> int:
    done = 0
    for start in range(0, len(pks), 500):
        done += model.objects.filter(pk__in=pks[start : start + 500]).delete()[0]
    return done
