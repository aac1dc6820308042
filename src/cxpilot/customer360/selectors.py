"""Reads of the customer 360: the persons a search finds, and one person whole — their golden
record beside each source record, their segment, what they did, answered and bought across
every source (a timeline, newest first), summary figures and their open follow-up cases.

Every read requires the permission ``customer360.view_customer``. The persons come from the
customers domain (``customer_persons``, ``customer_golden``); the timeline joins the
warehouse's interactions, answers and transactions to the person's records in the
warehouse itself, so only one page of it is ever read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis

from cxpilot.customers import selectors as customers
from cxpilot.customers.services import ensure_derived
from cxpilot.kernel import periods, roles
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.loop import selectors as loop
from cxpilot.loop.models import FollowUpCase
from cxpilot.organisation.models import Touchpoint
from cxpilot.organisation.selectors import segment_names
from cxpilot.warehouse.connection import answers, warehouse

__all__ = [
    "KINDS",
    "TIMELINE_MAX",
    "VIEW",
    "Customer",
    "Timeline",
    "customer_get",
    "customer_timeline",
    "customers_counted",
    "customers_search",
    "segment_names",
]

#: The permission to see a customer's 360 (the CX lead, analysts, department owners).
VIEW = "customer360.view_customer"
#: The kinds of event of a timeline: interactions, survey answers, purchases and refunds.
KINDS = ("interaction", "answer", "transaction")
#: The most events a page of the timeline holds.
TIMELINE_MAX = 200
#: The fields of the golden record compared with the source records, in order (a record's
#: ``created_at`` has no golden value).
FIELDS = customers.RECORD_FIELDS
_KEYS = ["source", "customer_id"]


def customers_search(
    *, actor: Any, query: str, limit: int = 25, offset: int = 0
) -> customers.PersonsFound:
    """The persons a search finds (:func:`cxpilot.customers.selectors.persons_searched`: a
    person id, a record, a customer id, an e-mail, a phone or a name), each row with its
    ``segment_name`` (the organisation's name of the golden segment, else its key)."""
    roles.require(actor, VIEW)
    found = customers.persons_searched(query=query, limit=limit, offset=offset)
    names = segment_names()
    for row in found.rows:
        row["segment_name"] = names.get(row["segment"], row["segment"])
    return found


def customers_counted(*, actor: Any) -> dict[str, int]:
    """How many persons and records the customer base holds (``persons``, ``records``)."""
    roles.require(actor, VIEW)
    with warehouse() as con:
        ensure_derived(con)
        persons = int(con.table("customer_golden").count().to_pyarrow().as_py())
        records = int(con.table("customer_persons").count().to_pyarrow().as_py())
    return {"persons": persons, "records": records}


@dataclass(frozen=True)
class Customer:
    """One person whole.

    ``records``: each source record (``source``, ``customer_id`` and its fields), ``keys``
    their ``(source, customer_id)``; ``fields``: per field of :data:`FIELDS`, ``(field, golden value, [value of each record])``
    (the records in the order of ``records``); ``segment``: the golden segment's name (its
    key when the organisation does not name it); ``counts``: events per kind of
    :data:`KINDS`; ``summary``: ``first_seen``, ``last_seen`` (of every event),
    ``customer_since`` (the earliest record), ``answers``, ``latest`` (per metric, the latest
    answer: ``score``, ``at``, ``touchpoint``), ``purchases``, ``purchased`` (their amount),
    ``refunds``, ``refunded``, ``net``; ``cases``: the open follow-up cases of the person's
    records that ``actor`` may see, or None when they may see no case (``cases_scope`` is
    ``all`` or ``department``)."""

    person_id: str
    golden: dict[str, Any]
    records: list[dict[str, Any]]
    keys: list[tuple[str, str]]
    fields: list[tuple[str, Any, list[Any]]]
    segment: str | None
    counts: dict[str, int]
    summary: dict[str, Any]
    cases: list[FollowUpCase] | None
    cases_scope: str


def customer_get(*, actor: Any, key: str) -> Customer:
    """The person ``key`` names: a person id, or a record (``source:customer_id``). An id
    that a merge gave up gives the person it was merged into (whose ``person_id`` then
    differs from ``key``); an unknown one is :class:`NotFound`."""
    roles.require(actor, VIEW)
    text = str(key).strip()
    try:
        customers.search_text(text, where="person")  # no control character, not too long
        person = customers.person_found(key=text)
    except (NotFound, ValidationError) as exc:
        moved = customers.person_merged_into(person_id=text) if text.isprintable() else None
        if moved is None:
            raise NotFound(
                f"no person {text!r}: the id is unknown, or the person it named was split "
                "or erased since",
                where="person",
            ) from exc
        person = customers.person_found(key=moved)
    golden, records = person.golden, person.records
    fields = [
        (name, golden.get(name), [r.get(name) for r in records])
        for name in FIELDS
        if name != "created_at"
    ]
    fields.append(("created_at", None, [_moment(r.get("created_at")) for r in records]))
    segment = golden.get("segment")
    if segment:
        segment = segment_names().get(segment, segment)
    keys = [(r["source"], r["customer_id"]) for r in records]
    with warehouse() as con:
        counts, summary = _summary(con, keys)
    created = [r["created_at"] for r in records if r.get("created_at")]
    summary["customer_since"] = _moment(min(created)) if created else None
    cases: list[FollowUpCase] | None = None
    scope = ""
    if roles.may(actor, "loop.view_followupcase"):
        cases = loop.cases_of_records(actor=actor, records=keys)
        names = _touchpoint_names()
        for case in cases:
            case.touchpoint_name = names.get(case.touchpoint, case.touchpoint)  # type: ignore[attr-defined]
        scope = "all" if roles.may(actor, "loop.change_followupcase") else "department"
    return Customer(
        person_id=person.person_id,
        golden=golden,
        records=records,
        keys=keys,
        fields=fields,
        segment=segment,
        counts=counts,
        summary=summary,
        cases=cases,
        cases_scope=scope,
    )


def _moment(value: Any) -> dt.datetime | None:
    """A warehouse time (or its ISO text) made aware, as every page shows times."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return None
    return periods.utc(value)


def _keys_of(con: Any, person_id: str) -> list[tuple[str, str]]:
    m = con.table("customer_persons")
    rows = m.filter(m.person_id == person_id).select(*_KEYS).to_pyarrow().to_pylist()
    return sorted((r["source"], r["customer_id"]) for r in rows)


def _of(t: Any, keys: list[tuple[str, str]]) -> Any:
    """The rows of ``t`` of the records ``keys`` (a person has a few: they are written out,
    so the engine scans ``t`` once, with no join)."""
    if not keys:
        return t.filter(ibis.literal(False))
    ids = sorted({c for _, c in keys})
    records = [f"{s}:{c}" for s, c in keys]
    return t.filter(t.customer_id.isin(ids) & t.source.concat(":", t.customer_id).isin(records))


def _tables(con: Any, keys: list[tuple[str, str]]) -> dict[str, Any]:
    """The interactions, answers (not the test answers) and transactions of the records."""
    return {
        "interaction": _of(con.table("interactions"), keys),
        "answer": _of(answers(con), keys),
        "transaction": _of(con.table("transactions"), keys),
    }


def _summary(con: Any, keys: list[tuple[str, str]]) -> tuple[dict[str, int], dict[str, Any]]:
    tables = _tables(con, keys)
    none = ibis.literal(None, type="float64")
    stamps = ibis.union(
        *(
            t.select(
                kind=ibis.literal(kind),
                at=t.timestamp,
                amount=t.amount.cast("float64") if kind == "transaction" else none,
            )
            for kind, t in tables.items()
        )
    )
    per_kind = {
        row["kind"]: row
        for row in stamps.group_by("kind")
        .aggregate(
            n=stamps.count(),
            first=stamps.at.min(),
            last=stamps.at.max(),
            purchases=(stamps.amount > 0).sum(),
            purchased=stamps.amount.sum(where=stamps.amount > 0),
            refunds=(stamps.amount < 0).sum(),
            refunded=stamps.amount.sum(where=stamps.amount < 0),
            net=stamps.amount.sum(),
        )
        .to_pyarrow()
        .to_pylist()
    }
    counts = {kind: int(per_kind[kind]["n"]) if kind in per_kind else 0 for kind in KINDS}
    firsts = [row["first"] for row in per_kind.values() if row["first"] is not None]
    lasts = [row["last"] for row in per_kind.values() if row["last"] is not None]
    money = per_kind.get("transaction", {})
    r = tables["answer"]
    ranked = r.mutate(
        rank=ibis.row_number().over(
            group_by=r.metric, order_by=[r.timestamp.desc(), r.response_id.desc()]
        )
    )
    latest = {
        row["metric"]: {
            "score": row["score"],
            "at": _moment(row["timestamp"]),
            "touchpoint": row["touchpoint"],
        }
        for row in ranked.filter(ranked["rank"] == 0)
        .select("metric", "score", "timestamp", "touchpoint")
        .to_pyarrow()
        .to_pylist()
    }
    names = _touchpoint_names()
    for answer in latest.values():
        answer["touchpoint_name"] = names.get(answer["touchpoint"], answer["touchpoint"])
    summary: dict[str, Any] = {
        "first_seen": _moment(min(firsts)) if firsts else None,
        "last_seen": _moment(max(lasts)) if lasts else None,
        "answers": counts["answer"],
        "latest": {metric: latest[metric] for metric in ("nps", "ces", "csat") if metric in latest},
        "purchases": int(money.get("purchases") or 0),
        "purchased": float(money.get("purchased") or 0),
        "refunds": int(money.get("refunds") or 0),
        "refunded": float(money.get("refunded") or 0),
        "net": float(money.get("net") or 0),
    }
    return counts, summary


def _touchpoint_names() -> dict[str, str]:
    return dict(Touchpoint.objects.values_list("key", "name"))


@dataclass(frozen=True)
class Timeline:
    """A page of a person's timeline, newest first: ``events`` (each ``kind``, ``at``,
    ``source``, ``customer_id``, ``ref`` (the event, answer or transaction id),
    ``touchpoint`` and ``touchpoint_name``, ``channel``, ``type`` (an interaction's),
    ``metric``, ``score``, ``survey``, ``verbatim``, ``language`` (an answer's), ``amount``
    (a transaction's: negative for a refund)) and ``total``, the events of the kinds asked."""

    events: list[dict[str, Any]]
    total: int


def kinds_checked(kinds: Any) -> tuple[str, ...]:
    """The kinds of event asked (all of :data:`KINDS` when none), each one of them."""
    asked = tuple(dict.fromkeys(str(k) for k in (kinds or ())))
    unknown = [k for k in asked if k not in KINDS]
    if unknown:
        raise ValidationError(
            f"the kinds of event are {', '.join(KINDS)}, not {unknown[0]!r}", where="kind"
        )
    return asked or KINDS


def customer_timeline(
    *,
    actor: Any,
    person_id: str,
    kinds: Any = (),
    limit: int = 50,
    offset: int = 0,
    records: list[tuple[str, str]] | None = None,
) -> Timeline:
    """The interactions, answers (not the test answers) and purchases or refunds of every
    record of person ``person_id``, newest first (then by kind and id), ``limit`` of them
    from ``offset``, of the ``kinds`` asked (all by default). ``records``: the person's
    records (``(source, customer_id)``) when the caller has them (:class:`Customer`), else
    they are read."""
    roles.require(actor, VIEW)
    wanted = kinds_checked(kinds)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= TIMELINE_MAX:
        raise ValidationError(
            f"the limit is a whole number from 1 to {TIMELINE_MAX}, not {limit!r}", where="limit"
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError(
            f"the offset is a whole number from 0, not {offset!r}", where="offset"
        )
    text, string, number, integer = ibis.literal, "string", "float64", "int64"

    def none(kind: str) -> Any:
        return ibis.literal(None, type=kind)

    with warehouse() as con:
        ensure_derived(con)
        keys = _keys_of(con, str(person_id)) if records is None else list(records)
        tables = _tables(con, keys)
        parts = []
        if "interaction" in wanted:
            i = tables["interaction"]
            parts.append(
                i.select(
                    kind=text("interaction"),
                    at=i.timestamp,
                    source=i.source,
                    customer_id=i.customer_id,
                    ref=i.event_id,
                    touchpoint=i.touchpoint,
                    channel=i.channel,
                    type=i.type,
                    metric=none(string),
                    score=none(integer),
                    survey=none(string),
                    verbatim=none(string),
                    language=none(string),
                    amount=none(number),
                )
            )
        if "answer" in wanted:
            r = tables["answer"]
            parts.append(
                r.select(
                    kind=text("answer"),
                    at=r.timestamp,
                    source=r.source,
                    customer_id=r.customer_id,
                    ref=r.response_id,
                    touchpoint=r.touchpoint,
                    channel=r.channel,
                    type=none(string),
                    metric=r.metric,
                    score=r.score.cast(integer),
                    survey=r.survey,
                    verbatim=r.verbatim,
                    language=r.language,
                    amount=none(number),
                )
            )
        if "transaction" in wanted:
            t = tables["transaction"]
            parts.append(
                t.select(
                    kind=text("transaction"),
                    at=t.timestamp,
                    source=t.source,
                    customer_id=t.customer_id,
                    ref=t.transaction_id,
                    touchpoint=none(string),
                    channel=t.channel,
                    type=none(string),
                    metric=none(string),
                    score=none(integer),
                    survey=none(string),
                    verbatim=none(string),
                    language=none(string),
                    amount=t.amount.cast(number),
                )
            )
        events = ibis.union(*parts) if len(parts) > 1 else parts[0]
        page = (  # the page and the number of events in one query
            events.mutate(_total=events.ref.count().over())
            .order_by([events.at.desc(), events.kind, events.ref.desc()])
            .limit(limit, offset=offset)
        )
        rows = page.to_pyarrow().to_pylist()
        total = int(rows[0].pop("_total")) if rows else int(events.count().to_pyarrow().as_py())
        for row in rows:
            row.pop("_total", None)
    names = _touchpoint_names()
    for row in rows:
        row["at"] = _moment(row["at"])
        row["touchpoint_name"] = names.get(row["touchpoint"], row["touchpoint"])
    return Timeline(events=rows, total=total)
