"""The inbox: collected answers and events are committed to the app DB, acknowledged, then
flushed to the warehouse idempotently (by source and id).

Kill the process at any point: a record acknowledged is in the inbox; a record flushed twice
(the process died after the warehouse write, before marking it) is written once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from cxpilot.kernel import roles
from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.jobs import Periodic
from cxpilot.kernel.sql import insert_rows
from cxpilot.warehouse import ingest
from cxpilot.warehouse.files import records_to_raw
from cxpilot.warehouse.models import InboxItem
from cxpilot.warehouse.schema import table as table_spec
from cxpilot.warehouse.selectors import touchpoint_lookup
from cxpilot.warehouse.validate import records_checked, validate

log = logging.getLogger("cxpilot.inbox")

#: Sent after records reach the warehouse: ``sender`` is the table name, ``records`` the rows
#: (dicts in the import format). The voice-of-the-customer domain opens follow-up cases on it.
records_flushed = Signal()
INBOX_TABLES = ("interactions", "responses")
MAX_RECORDS = 1000
#: Up to this many records, they are checked one by one in Python (faster than Arrow for a
#: handful); the vectorised validator takes over for more, or for any record not plainly valid.
FEW_RECORDS = 50


@dataclass
class Receipt:
    accepted: int
    duplicates: int
    ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FlushReport:
    flushed: int = 0
    added: dict[str, int] = field(default_factory=dict)
    pending: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "flushed": self.flushed,
            **{f"added_{k}": v for k, v in self.added.items()},
            "pending": self.pending,
        }


#: Set when a receipt commits: wakes the background flush (:func:`inbox_worker`).
_wakeup = threading.Event()


def inbox_receive(
    *,
    table: str,
    records: list[dict[str, Any]],
    source: str,
    actor: Any = None,
    where: str = "body",
) -> Receipt:
    """Validate ``records`` and commit them to the inbox; return only once committed.

    All or nothing: one bad record rejects the batch (ValidationError lists the problems).
    A record already received (same table, source and id) is acknowledged again, not stored
    twice.
    """
    roles.require(actor, "organisation.import_data")
    rows = inbox_rows(table=table, records=records, source=source, where=where)
    with transaction.atomic():
        return inbox_add(table=table, rows=rows)


def inbox_rows(
    *,
    table: str,
    records: list[dict[str, Any]],
    source: str,
    where: str = "body",
    touchpoints: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """``records`` checked against the import format of ``table``: the rows to store (what
    :func:`inbox_add` takes). Raise ValidationError listing the problems.

    ``touchpoints`` (lower-cased keys and names -> key) are the touchpoints the records may
    name; by default every touchpoint of the organisation.
    """
    if table not in INBOX_TABLES:
        raise ValidationError(
            f"the inbox takes {' or '.join(INBOX_TABLES)}, not {table!r}", where="table"
        )
    if not isinstance(records, list) or not records:
        raise ValidationError("expected a non-empty list of records", where=where)
    if len(records) > MAX_RECORDS:
        raise ValidationError(f"at most {MAX_RECORDS} records per request", where=where)
    spec = table_spec(table)
    known = touchpoint_lookup() if touchpoints is None else touchpoints
    if len(records) <= FEW_RECORDS:
        rows = records_checked(records, spec, default_source=source, touchpoints=known)
        if rows is not None:
            return rows
    checked = validate(
        records_to_raw(records, where),
        spec,
        default_source=source,
        touchpoints=known,
        from_api=True,
    )
    checked.raise_if_bad()
    return [_jsonable(row) for row in checked.data.to_pylist()]


def inbox_add(*, table: str, rows: list[dict[str, Any]]) -> Receipt:
    """Store checked ``rows`` (from :func:`inbox_rows`) in the inbox, in the caller's
    transaction (which must be open): acknowledge them only once it commits."""
    key = table_spec(table).key
    now = timezone.now()
    items = [
        {
            "table": table,
            "source": row["source"],
            "record_id": row[key],
            "payload": row,
            "received_at": now,
            "flushed_at": None,
        }
        for row in rows
    ]
    # table, source and id: the unique index answers it, however large the inbox grows
    existing = set(
        InboxItem.objects.filter(
            table=table,
            source__in={i["source"] for i in items},
            record_id__in=[i["record_id"] for i in items],
        ).values_list("source", "record_id")
    )
    before = sum((i["source"], i["record_id"]) in existing for i in items)
    insert_rows(InboxItem, items, ignore_conflicts=True)
    transaction.on_commit(_wakeup.set)
    return Receipt(
        accepted=len(items) - before, duplicates=before, ids=[i["record_id"] for i in items]
    )


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in row.items()
        if v is not None
    }


#: Held by a flush from reading the inbox to announcing what it wrote; see :func:`flush_paused`.
_flushing = threading.RLock()


@contextmanager
def flush_paused() -> Iterator[None]:
    """No flush runs in this process meanwhile (one under way is waited for). An erasure
    holds it, so that no record read from the inbox before it reaches the warehouse (or opens
    a case) after it."""
    with _flushing:
        yield


def inbox_flush(*, batch_size: int = 5000) -> FlushReport:
    """Move the inbox records pending when it starts to the warehouse, oldest first, in
    batches. Those that arrive meanwhile wait for the next flush: under a stream of answers,
    a flush that chased them would run without end in ever smaller batches, each paying the
    fixed cost of a warehouse write, a verbatim analysis and the opening of cases."""
    with _flushing:
        return _flush(batch_size)


def _flush(batch_size: int) -> FlushReport:
    report = FlushReport()
    pending = InboxItem.objects.filter(flushed_at__isnull=True)
    last = pending.order_by("-id").values_list("id", flat=True).first()
    while last is not None:
        batch = list(pending.filter(id__lte=last).order_by("id")[:batch_size])
        if not batch:
            break
        for table in INBOX_TABLES:
            payloads = [item.payload for item in batch if item.table == table]
            if not payloads:
                continue
            checked = validate(
                records_to_raw(payloads, "inbox"), table_spec(table), default_source="inbox"
            )
            added = ingest.load_arrow(table=table, data=checked.good)
            report.added[table] = report.added.get(table, 0) + added
        _mark_flushed([item.pk for item in batch])
        report.flushed += len(batch)
        for table in INBOX_TABLES:
            payloads = [item.payload for item in batch if item.table == table]
            if payloads:
                _announce(table, payloads)
    report.pending = InboxItem.objects.filter(flushed_at__isnull=True).count()
    return report


def _announce(table: str, records: list[dict[str, Any]]) -> None:
    for receiver, result in records_flushed.send_robust(sender=table, records=records):
        if isinstance(result, Exception):
            log.error("after flushing %s, %s failed: %s", table, receiver, result)


def _mark_flushed(ids: list[int]) -> None:
    InboxItem.objects.filter(pk__in=ids).update(flushed_at=timezone.now())


def inbox_worker(
    interval: float = 5.0,
    *,
    quiet_pause: float = 0.5,
    busy_pause: float = 30.0,
    busy: int = 200,
    quiet_gap: float = 2.0,
) -> Periodic:
    """The background job of the server that flushes the inbox: at once (what a previous
    process left), when a receipt commits, and every ``interval`` seconds (for what a failed
    flush left). Start it, then stop it.

    Between two flushes it pauses ``quiet_pause`` seconds, so that a lone answer reaches the
    warehouse within about that time; after a flush of ``busy`` records or more (a stream of
    answers), ``busy_pause``: fewer, larger flushes cost much less per answer (the warehouse
    write, the verbatim analysis and the follow-up cases each have a cost per flush). A
    pause ends early when no answer came for ``quiet_gap`` seconds: the end of a stream
    reaches the warehouse within about that time, not 30 s later."""
    job = Periodic(
        "inbox",
        lambda: None,
        every=interval,
        wakeup=_wakeup,
        pause=quiet_pause,
        quiet_gap=quiet_gap,
    )

    def flush() -> None:
        report = inbox_flush()
        if report.flushed:
            log.info("inbox: flushed %s record(s)", report.flushed)
        job.pause = busy_pause if report.flushed >= busy else quiet_pause

    job.func = flush
    _wakeup.set()
    return job
