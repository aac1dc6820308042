"""The event log of journey analysis: one row per interaction, with its case and activity.

A **case** is what one journey is the path of: a ``person`` (every record of a unified
customer, ``customer_persons``; a record not resolved yet counts as its own person), a
``record`` (one customer id of one source: the only choice with ``--file``), or a
``journey`` (the ``journey_id`` of the interaction's ``attributes``, for data that numbers
its journeys: an order and what follows it). An **activity** is the interaction's
``touchpoint`` or its ``type``. Events are ordered by ``timestamp``, ties broken by
``event_id``: the order pm4py uses when the log is sorted the same way.

Everything here builds Ibis expressions: the engine does the work, no row reaches Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from cxpilot.kernel.errors import ValidationError

CASES = ("person", "record", "journey")
ACTIVITIES = ("touchpoint", "type")


@dataclass(frozen=True)
class LogFilters:
    """What the log keeps: a period (``start`` and ``end`` days, both included) and one value
    of segment, channel, touchpoint, and the touchpoints of one journey of the organisation
    model (``journey``: its key)."""

    start: dt.date | None = None
    end: dt.date | None = None
    segment: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    journey: str | None = None

    def checked(self) -> LogFilters:
        if self.start and self.end and self.end < self.start:
            raise ValidationError("--to is before --from", where="--to")
        return self


@dataclass(frozen=True)
class EventLog:
    """An Ibis table with ``case_keys`` (the columns naming a case), ``activity``, ``ts``,
    ``event_id``, and the interaction's ``touchpoint``, ``type``, ``channel``, ``source``,
    ``customer_id``; ``case`` and ``activity`` say how it was built."""

    table: Any
    case_keys: tuple[str, ...]
    case: str
    activity: str
    in_warehouse: bool
    notes: list[str] = field(default_factory=list)

    def window(self, **kwargs: Any) -> Any:
        """The window of each case in time order (ties by event id)."""
        t = self.table
        return ibis.window(
            group_by=[t[k] for k in self.case_keys], order_by=[t.ts, t.event_id], **kwargs
        )


def check_choice(value: str, allowed: tuple[str, ...], where: str) -> str:
    text = (value or "").strip().lower()
    if text not in allowed:
        raise ValidationError(f"{value!r} is not one of {', '.join(allowed)}", where=where)
    return text


@contextmanager
def interactions_source(file: Path | None) -> Iterator[tuple[Any, bool]]:
    """The ``interactions`` table: the warehouse's, or a file's in the ``interactions``
    import format read as it is into an in-memory DuckDB (touchpoints need not exist in
    the organisation model). Yields ``(table, in_warehouse)``."""
    if file is None:
        from cxpilot.warehouse.connection import warehouse

        with warehouse() as con:
            yield con.table("interactions"), True
        return
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(table="interactions", path=file)
    checked.raise_if_bad(analysing=True)
    data = checked.data
    if "imported_at" not in data.column_names:
        data = data.append_column("imported_at", pa.nulls(data.num_rows, pa.timestamp("us")))
    con = ibis.duckdb.connect()
    try:
        yield con.create_table("interactions", data), False
    finally:
        con.disconnect()


def journey_id(attributes: Any) -> Any:
    """The ``journey_id`` of an ``attributes`` JSON text (a string or a whole number), or
    null."""
    value = attributes.cast("json")["journey_id"]
    return ibis.coalesce(value.str, value.int.cast("string"))


def stage_touchpoints(journey: str) -> list[tuple[str, str, list[str]]]:
    """The stages of the organisation's journey ``journey`` (its key), in order:
    ``(stage key, stage name, [touchpoint keys])``; a ``NotFound`` if there is none."""
    from cxpilot.kernel.errors import NotFound
    from cxpilot.organisation.models import Journey

    found = Journey.objects.filter(key=journey).prefetch_related("stages__touchpoints").first()
    if found is None:
        from cxpilot.organisation.models import Journey as J

        known = ", ".join(J.objects.values_list("key", flat=True)) or "none yet"
        raise NotFound(
            f"no journey {journey!r} in the organisation model (known: {known})",
            where="--journey",
        )
    return [
        (s.key, s.name, sorted(tp.key for tp in s.touchpoints.all()))
        for s in found.stages.order_by("position")
    ]


def event_log(
    interactions: Any,
    *,
    case: str = "person",
    activity: str = "touchpoint",
    filters: LogFilters | None = None,
    in_warehouse: bool = True,
) -> EventLog:
    """The event log of ``interactions`` (an Ibis table in the ``interactions`` format)."""
    case = check_choice(case, CASES, "--case")
    activity = check_choice(activity, ACTIVITIES, "--activity")
    filters = (filters or LogFilters()).checked()
    t = interactions
    notes: list[str] = []
    if filters.start:
        t = t.filter(t.timestamp >= dt.datetime.combine(filters.start, dt.time()))
    if filters.end:
        t = t.filter(
            t.timestamp < dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time())
        )
    if filters.channel:
        t = t.filter(t.channel == filters.channel)
    if filters.touchpoint:
        t = t.filter(t.touchpoint == filters.touchpoint)
    if filters.journey:
        if not in_warehouse:
            raise ValidationError(
                "the journeys of the organisation model are not used with --file",
                where="--journey",
            )
        journey_tps = [tp for _k, _n, tps in stage_touchpoints(filters.journey) for tp in tps]
        t = t.filter(t.touchpoint.isin(journey_tps or [""]))
    if case == "person" and not in_warehouse:
        case = "record"
        notes.append("a file has no unified customers: each customer id is a case")
    if filters.segment and not in_warehouse:
        raise ValidationError(
            "segments come from the imported customers; they are not available with --file",
            where="--segment",
        )
    if case == "person":
        from cxpilot.customers.selectors import answers_with_person
        from cxpilot.warehouse.connection import warehouse

        with warehouse() as con:
            t = answers_with_person(con, t)
        keys: tuple[str, ...] = ("person",)
    elif case == "journey":
        t = t.mutate(journey_id=journey_id(t.attributes)).filter(lambda r: r.journey_id.notnull())
        keys = ("journey_id",)
    else:
        keys = ("source", "customer_id")
    if filters.segment:
        t = with_segment(t, by_person=case == "person")
        t = t.filter(t.segment == filters.segment)
    chosen = t.touchpoint if activity == "touchpoint" else t.type
    t = t.filter(chosen.notnull())
    base = ["touchpoint", "type", "channel", "source", "customer_id"]
    t = t.select(
        *[k for k in keys if k not in base],
        *base,
        activity=chosen,
        ts=t.timestamp,
        event_id=t.event_id,
    )
    return EventLog(t, keys, case, activity, in_warehouse, notes)


def with_segment(t: Any, *, by_person: bool) -> Any:
    """``t`` (with ``source``, ``customer_id`` and, ``by_person``, ``person``) with the
    ``segment`` of its customer: the person's golden record's when ``by_person`` (a record
    that says none, a support ticket, takes the person's), else the record's own."""
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        c = con.table("customers").select(
            "source", "customer_id", own=con.table("customers").segment
        )
        if by_person:
            from cxpilot.customers.selectors import golden_segments

            g = golden_segments(con)
    t = t.left_join(c, (t.source == c.source) & (t.customer_id == c.customer_id)).select(t, c.own)
    if not by_person:
        return t.rename(segment="own")
    t = t.left_join(g, t.person == g.person_id).select(t, g.segment)
    return t.mutate(segment=ibis.coalesce(t.segment, t.own)).drop("own")
