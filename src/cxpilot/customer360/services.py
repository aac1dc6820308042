"""Writes of the customer 360: the right to erasure (GDPR art. 17) of a person, across both
stores.

A person lives in many places: their customer records, interactions, answers and purchases in
the warehouse, the tables derived from them (persons, golden records, scored pairs, verbatim
analyses), and in the app database the inbox of collected answers, the follow-up cases and
their notes, the surveys' submissions and contact log, the decisions on pairs of records and
the resolution's audit trail, the text model's vocabulary. Each domain erases its own part
(``records_erase``, ``resolution_erase``, ``verbatims_erase``, ``cases_erase``,
``submissions_erase``); :func:`person_erase` runs them all in one warehouse transaction and one
app-database transaction, and keeps an audit line with no personal data
(:class:`cxpilot.customer360.models.Erasure`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import transaction
from django.utils import timezone

from cxpilot.customer360.models import Erasure
from cxpilot.customers.engine import PERSON_PREFIX
from cxpilot.customers.selectors import person_found, person_identifiers, records_unresolved
from cxpilot.customers.services import resolution_erase
from cxpilot.kernel import memo, roles
from cxpilot.kernel.audit import MAX_REASON, reason_text
from cxpilot.kernel.errors import NotFound, ValidationError
from cxpilot.kernel.roles import Actor
from cxpilot.loop.services import cases_erase
from cxpilot.surveys.services import submissions_erase
from cxpilot.value.services import values_erase
from cxpilot.verbatims.services import verbatims_erase
from cxpilot.warehouse import inbox
from cxpilot.warehouse.connection import close as close_warehouse
from cxpilot.warehouse.connection import transaction as warehouse_transaction
from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.services import records_erase

__all__ = ["ERASE", "MAX_REASON", "erasure_checked", "person_erase"]

ERASE = "customer360.erase_customer"
_PERSON_ID = re.compile(re.escape(PERSON_PREFIX) + r"\d{1,20}")
_WORD = re.compile(r"[^\W_]+")


def person_erase(*, actor: Actor, person_id: str, reason: str) -> dict[str, Any]:
    """Erase person ``person_id`` (``PER-…``) from both stores, for ``reason`` (GDPR art. 17:
    the right to erasure). Only a user holding ``customer360.erase_customer`` may (the CX
    lead; the admin holds every permission); ``None`` is the system itself (the command line).

    Every record of the person and every row of theirs goes: see each domain's erase service
    for what it holds. The warehouse's deletes run in one warehouse transaction, the app
    database's in one app transaction around it; the warehouse commits first, then the app
    database, so a failure anywhere before leaves both as they were. An audit line
    (:class:`~cxpilot.customer360.models.Erasure`) keeps who, when, why, the person id and the
    rows deleted per table: no name, e-mail, phone or record id, and a reason that names the
    person is refused.

    Every record must have been resolved into a person first: a record imported since the
    last resolution might be this person's, so the erasure is refused until
    ``customers resolve`` has run (``ValidationError``). Returns ``erasure`` (the audit line's
    id), ``person_id``, ``records``, ``rows`` (per table) and ``erased_at``."""
    with inbox.flush_paused(), warehouse() as con:
        checked = erasure_checked(actor=actor, person_id=person_id, reason=reason)
        pid, why, keys = checked["person_id"], checked["reason"], checked["keys"]
        identifiers = checked["identifiers"]
        now = timezone.now()
        with transaction.atomic():
            with warehouse_transaction(con) as tx:
                rows: dict[str, int] = {}
                # the answers' analyses first: they are found through the answers
                rows.update(verbatims_erase(tx=tx, records=keys, words=_words(identifiers)))
                rows.update(resolution_erase(tx=tx, person_id=pid, records=keys))
                rows.update(values_erase(tx=tx, person_id=pid))
                rows.update(records_erase(tx=tx, records=keys))
                rows.update(cases_erase(records=keys))
                rows.update(submissions_erase(records=keys))
                rows = _ordered(rows)
                erasure = Erasure.objects.create(
                    erased_at=now,
                    person_id=pid,
                    records=len(keys),
                    rows=rows,
                    reason=why,
                    erased_by=actor if actor is not None and actor.is_authenticated else None,
                    erased_by_name=_name(actor),
                )
            # the warehouse has committed; the app database commits as this block ends
        _flush(con)
        # the connection goes too: the in-memory tables it registered (the rows of earlier
        # imports and reads, the person's among them) go with it; it reopens on next use
        close_warehouse()
    memo.forget_all()  # no page keeps figures or quotes computed with the person's answers
    return {
        "erasure": erasure.pk,
        "person_id": pid,
        "records": len(keys),
        "rows": rows,
        "erased_at": now.isoformat(),
    }


def _flush(con: Any) -> None:
    """Leave no copy of the erased rows in the stores' logs: DuckDB writes its WAL into the
    file (CHECKPOINT), SQLite copies its WAL into the database and empties it (the deleted
    pages were zeroed: ``secure_delete`` is on, see settings). PostgreSQL's own WAL and dead
    tuples are its administrator's (VACUUM, log retention): said in docs/customer360.md.
    Spark keeps no log: the erasure rewrote each table into new files and dropped the old
    table, whose files went with it, and the session's in-memory views are dropped when the
    warehouse block ends."""
    from django.db import connection

    if con.name == "duckdb":
        con.raw_sql("CHECKPOINT")
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # inside a caller's transaction the log cannot be emptied yet: SQLite's own
        # checkpoints copy it later
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def erasure_checked(*, actor: Actor, person_id: str, reason: str) -> dict[str, Any]:
    """What :func:`person_erase` checks before it erases anything, so that a form or a
    command can ask for confirmation first: the permission (``PermissionDenied``), the
    person id and the reason (``ValidationError``; a reason that holds the person's name,
    e-mail, phone or a record id is refused), the person (``NotFound``), and that every
    customer record was resolved into a person (``ValidationError``). Returns ``person_id``,
    ``reason`` (trimmed), ``records`` (``source:customer_id``), ``keys`` and
    ``identifiers`` (:func:`cxpilot.customers.selectors.person_identifiers`)."""
    roles.require(actor, ERASE)
    pid = _person_id(person_id)
    why = _reason(reason)
    try:
        person = person_found(key=pid)
    except NotFound:
        raise NotFound(f"no person {pid}", where="person_id") from None
    unresolved = records_unresolved()
    if unresolved:
        raise ValidationError(
            f"{unresolved:,} customer record(s) were imported since the last resolution and "
            "may be this person's: run `cxpilot customers resolve` first",
            where="customers",
        )
    keys = [(str(r["source"]), str(r["customer_id"])) for r in person.records]
    identifiers = person_identifiers(person)
    _check_reason(why, identifiers)
    return {
        "person_id": pid,
        "reason": why,
        "records": [f"{s}:{c}" for s, c in keys],
        "keys": keys,
        "identifiers": identifiers,
    }


#: The warehouse tables in the order the rows are listed (the app database's after them).
_ORDER = (
    "customers",
    "interactions",
    "responses",
    "transactions",
    "verbatim_analysis",
    "verbatim_themes",
    "customer_persons",
    "customer_golden",
    "customer_pairs",
    "customer_value",
)


def _ordered(rows: dict[str, int]) -> dict[str, int]:
    """The warehouse's tables first, in :data:`_ORDER`, then the app database's by name."""
    rank = {name: i for i, name in enumerate(_ORDER)}
    return dict(sorted(rows.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _person_id(value: Any) -> str:
    text = str(value or "").strip()
    if not _PERSON_ID.fullmatch(text):
        raise ValidationError(
            f"a person id is written {PERSON_PREFIX}00000042, not {text[:60]!r}",
            where="person_id",
        )
    return text


def _reason(value: Any) -> str:
    return reason_text(value, required="say why the person is erased: a reason is required")


def _name(actor: Actor) -> str:
    if actor is None:
        return "command line"
    return str(actor.get_username()) if actor.is_authenticated else ""


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return text.encode("ascii", "ignore").decode("ascii")


def _refuse(what: str) -> None:
    raise ValidationError(
        f"the reason holds the person's {what}: the erasure log keeps no personal data, "
        "say why without it",
        where="reason",
    )


def _check_reason(reason: str, identifiers: dict[str, list[str]]) -> None:
    """Refuse a reason that names the person: the erasure log keeps no personal data."""
    folded = _fold(reason)
    words = set(_WORD.findall(folded))
    digits = re.sub(r"\D", "", reason)
    for name in identifiers["names"]:
        if any(len(p) > 1 and p in words for p in _WORD.findall(_fold(name))):
            _refuse("name")
    if any(_fold(e) in folded for e in identifiers["emails"]):
        _refuse("e-mail address")
    for phone in identifiers["phones"]:
        core = re.sub(r"\D", "", phone)[-8:]  # the subscriber's digits, however prefixed
        if len(core) >= 6 and core in digits:
            _refuse("phone number")
    if any(_fold(i) in folded for i in identifiers["ids"]):
        _refuse("record id")
    spaced = " ".join(_WORD.findall(folded))
    for address in identifiers.get("addresses", []):
        street = _WORD.findall(_fold(address))
        # the street as written, or its name without the number ("rue emile zola")
        named = [w for w in street if not w.isdigit()]
        if len(named) >= 2 and f" {' '.join(named)} " in f" {spaced} ":
            _refuse("address")


def _words(identifiers: dict[str, list[str]]) -> list[str]:
    """The single words that identify the person in a text: their names, the words of their
    e-mail addresses' local part, their phone numbers written in one piece."""
    out: set[str] = set()
    for name in identifiers["names"]:
        out.update(_WORD.findall(name.lower()))
    for email in identifiers["emails"]:
        out.update(_WORD.findall(email.partition("@")[0].lower()))
    for phone in identifiers["phones"]:
        digits = re.sub(r"\D", "", phone)
        if digits:
            out.update({digits, digits.lstrip("0")})
    return sorted(out)
