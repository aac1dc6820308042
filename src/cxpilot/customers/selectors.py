"""Reads for the customers domain: two files in the customers import format linked, the
pairs to review and a person with their records and golden record."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from cxpilot.customers.engine import Key
from cxpilot.customers.linkage import Linkage, link
from cxpilot.kernel.errors import NotFound, ValidationError

#: The columns of the customers import format that linkage compares.
LINKAGE_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "postcode",
    "city",
    "birth_date",
)


def threshold_checked(value: float, where: str = "--threshold") -> float:
    """A match probability threshold: a number from 0 to 1."""
    if not isinstance(value, int | float) or math.isnan(value) or not 0 <= value <= 1:
        raise ValidationError(
            f"the threshold is a match probability from 0 to 1, not {value}", where=where
        )
    return float(value)


def _customers(path: Path, mapping: Path | None = None) -> pa.Table:
    """A customers file read and validated as an import reads it (nothing is stored)."""
    from cxpilot.warehouse.selectors import file_validated

    checked = file_validated(
        table="customers", path=Path(path), mapping_path=Path(mapping) if mapping else None
    )
    checked.raise_if_bad(analysing=True)
    data = checked.data
    compared = [c for c in LINKAGE_COLUMNS if data.column(c).null_count < data.num_rows]
    if not compared:
        raise ValidationError(
            f"nothing to compare: the file has no value in any of {', '.join(LINKAGE_COLUMNS)}",
            where=str(path),
        )
    return data


def files_linked(
    *,
    path_a: Path,
    path_b: Path,
    threshold: float = 0.5,
    mapping_a: Path | None = None,
    mapping_b: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> Linkage:
    """The records of two customers files (CSV, Parquet or JSON Lines, in the import
    format, their columns renamed by a mapping file each if given) that are the same person
    with a probability of at least ``threshold``.

    Each file is read and checked as ``cxpilot import customers`` would (a bad file is a
    ``ValidationError`` naming it, the line and the column); a file may hold rows of several
    sources, and ``customer_id`` names a record in the pairs."""
    threshold = threshold_checked(threshold)
    say = progress or (lambda _m: None)
    say(f"reading {path_a.name}")
    a = _customers(path_a, mapping_a)
    say(f"reading {path_b.name}")
    b = _customers(path_b, mapping_b)
    return link(a, b, threshold, progress=progress)


# ------------------------------------------------------------------ persons in the warehouse

#: The fields shown side by side for a pair, and for a person's records.
RECORD_FIELDS = (
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


def record_key(text: str, where: str = "record") -> tuple[str, str]:
    """``source:customer_id`` (split at the first colon) as a record key."""
    source, sep, customer_id = str(text).strip().partition(":")
    if not sep or not source or not customer_id:
        raise ValidationError(
            f"a record is written source:customer_id (crm:CRM-00000001), not {text!r}",
            where=where,
        )
    return source, customer_id


#: Bidirectional embeddings, overrides and isolates: in a name they serve only to show it
#: otherwise than it is written (``\u202eexe.txt`` shown as ``txt.exe``).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _plain(value: Any) -> Any:
    """A field of a record as the pages and commands give it: times in ISO 8601, text without
    bidirectional controls."""
    if isinstance(value, str):
        return _BIDI_CONTROLS.sub("", value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _derived(con: Any) -> None:
    from cxpilot.customers.services import ensure_derived

    ensure_derived(con)


def band_checked(low: float, high: float) -> tuple[float, float]:
    low = threshold_checked(low, "--low")
    high = threshold_checked(high, "--high")
    if low > high:
        raise ValidationError(
            f"the band ends ({high}) below where it starts ({low})", where="--high"
        )
    return low, high


def customers_pairs_to_review(
    *,
    low: float | None = None,
    high: float | None = None,
    limit: int = 50,
    decided: bool = False,
) -> list[dict[str, Any]]:
    """The scored pairs whose match probability is in the review band (the settings' by
    default, ``low`` ≤ p ≤ ``high``), the most uncertain first (closest to the last run's
    threshold), with both records side by side: ``record_a``, ``record_b``
    (``source:customer_id``), ``match_probability``, ``same_person`` (whether they are one
    person now), ``decision`` (empty until someone decided; decided pairs are left out
    unless ``decided``) and each field of :data:`RECORD_FIELDS` as ``<field>_a`` and
    ``<field>_b``. The pairs are those the last run scored."""
    from cxpilot.customers.models import LinkageRun, PairDecision, ResolveSettings
    from cxpilot.warehouse.connection import warehouse

    conf = ResolveSettings.current()
    low, high = band_checked(
        conf.review_low if low is None else low, conf.review_high if high is None else high
    )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValidationError(f"the limit is a whole number from 1, not {limit}", where="--limit")
    latest = LinkageRun.latest_run()
    threshold = latest.threshold if latest else conf.threshold
    decisions = {
        ((d.source_a, d.customer_id_a), (d.source_b, d.customer_id_b)): d.decision
        for d in PairDecision.objects.all()
    }
    with warehouse() as con:
        _derived(con)
        p = con.table("customer_pairs")
        p = p.filter((p.match_probability >= low) & (p.match_probability <= high))
        p = p.mutate(uncertainty=(p.match_probability - threshold).abs())
        p = p.order_by(["uncertainty", "source_l", "customer_id_l", "source_r", "customer_id_r"])
        found = p.to_pyarrow().to_pylist()
        rows = []
        for pair in found:
            a = (pair["source_l"], pair["customer_id_l"])
            b = (pair["source_r"], pair["customer_id_r"])
            a, b = (a, b) if a <= b else (b, a)
            decision = decisions.get((a, b), "")
            if decision and not decided:
                continue
            rows.append((a, b, float(pair["match_probability"]), decision))
            if len(rows) >= limit:
                break
        keys = sorted({k for a, b, _, _ in rows for k in (a, b)})
        details = _records_of(con, keys)
        persons = _persons_of(con, keys)
    out = []
    for a, b, probability, decision in rows:
        row: dict[str, Any] = {
            "record_a": f"{a[0]}:{a[1]}",
            "record_b": f"{b[0]}:{b[1]}",
            "match_probability": probability,
            "same_person": persons.get(a) is not None and persons.get(a) == persons.get(b),
            "decision": decision,
        }
        for name in RECORD_FIELDS:
            row[f"{name}_a"] = details.get(a, {}).get(name)
            row[f"{name}_b"] = details.get(b, {}).get(name)
        out.append(row)
    return out


def _keys_table(keys: list[tuple[str, str]]) -> Any:
    import ibis

    return ibis.memtable(
        pa.table(
            {
                "source": pa.array([k[0] for k in keys], pa.string()),
                "customer_id": pa.array([k[1] for k in keys], pa.string()),
            }
        )
    )


def _records_of(con: Any, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    if not keys:
        return {}
    c = con.table("customers").select("source", "customer_id", *RECORD_FIELDS)
    rows = c.semi_join(_keys_table(keys), ["source", "customer_id"]).to_pyarrow().to_pylist()
    return {(r["source"], r["customer_id"]): {n: _plain(r[n]) for n in RECORD_FIELDS} for r in rows}


def _persons_of(con: Any, keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    if not keys:
        return {}
    m = con.table("customer_persons")
    rows = m.semi_join(_keys_table(keys), ["source", "customer_id"]).to_pyarrow().to_pylist()
    return {(r["source"], r["customer_id"]): r["person_id"] for r in rows}


def _raise_if_retired(person_id: str) -> None:
    """NotFound naming where the person of a retired id went (a merge or an erasure)."""
    from cxpilot.customers.models import EventKind, PersonEvent

    merges = PersonEvent.objects.filter(kind=EventKind.MERGE).order_by("-at", "-pk")
    for event in merges.only("at", "person_id", "others").iterator():
        if person_id in (event.others or []):
            raise NotFound(
                f"{person_id} is no longer a person: it was merged into {event.person_id} "
                f"on {event.at:%Y-%m-%d}",
                where="ID",
            )


@dataclass(frozen=True)
class Person:
    """A person: the golden record and the source records (each with ``source`` and
    ``customer_id`` first)."""

    person_id: str
    golden: dict[str, Any]
    records: list[dict[str, Any]]


def person_found(*, key: str) -> Person:
    """The person named by ``key``: a person id (``PER-00000001``), a record
    (``source:customer_id``) or an e-mail address (compared normalised, as the linkage
    compares them). An e-mail on the records of several persons is an error that names
    them."""
    from cxpilot.customers.engine import PERSON_PREFIX
    from cxpilot.customers.normalise import emails
    from cxpilot.warehouse.connection import warehouse

    text = str(key).strip()
    if not text:
        raise ValidationError(
            "give a person id, a record (source:customer_id) or an e-mail", where="ID"
        )
    if text.upper().startswith(PERSON_PREFIX):  # per-00000001 is typed as often
        text = text.upper()
    with warehouse() as con:
        _derived(con)
        m = con.table("customer_persons")
        if text.startswith(PERSON_PREFIX):
            person_ids = [text]
        elif "@" in text and ":" not in text:
            wanted = emails(pa.array([text], pa.string()))[0].as_py()
            c = con.table("customers")
            found = (
                c.filter(c.email.notnull()).select("source", "customer_id", "email").to_pyarrow()
            )
            same = pc.equal(
                emails(found.column("email").combine_chunks()), pa.scalar(wanted, pa.string())
            )
            hits = found.filter(same)
            keys = list(
                zip(
                    hits.column("source").to_pylist(),
                    hits.column("customer_id").to_pylist(),
                    strict=True,
                )
            )
            person_ids = sorted(set(_persons_of(con, keys).values()))
        else:
            source, customer_id = record_key(text, where="ID")
            rows = m.filter((m.source == source) & (m.customer_id == customer_id)).to_pyarrow()
            if rows.num_rows == 0:  # CRM:42 for crm:42, when no other source reads so
                rows = m.filter(
                    (m.source.lower() == source.lower()) & (m.customer_id == customer_id)
                ).to_pyarrow()
            person_ids = sorted(set(rows.column("person_id").to_pylist()))
        if len(person_ids) > 1:
            raise ValidationError(
                f"{text} is on the records of {len(person_ids)} persons: "
                f"{', '.join(person_ids[:10])}; show one by its id",
                where="ID",
            )
        person_id = person_ids[0] if person_ids else None
        g = con.table("customer_golden")
        golden = g.filter(g.person_id == person_id).to_pyarrow() if person_id else None
        if golden is None or golden.num_rows == 0:
            if text.startswith(PERSON_PREFIX):
                _raise_if_retired(text)
            raise NotFound(
                f"no person found for {text[:100]!r}: the person may have been erased, or the "
                "customers never resolved (`cxpilot customers resolve`)",
                where="ID",
            )
        # the person's records and their fields in one query (a record the mapping names but
        # the customers no longer hold keeps its key, with empty fields)
        mine = m.filter(m.person_id == person_id).select("source", "customer_id")
        c = con.table("customers").select("source", "customer_id", *RECORD_FIELDS)
        joined = mine.left_join(
            c, [mine.source == c.source, mine.customer_id == c.customer_id]
        ).select(mine.source, mine.customer_id, *(c[name] for name in RECORD_FIELDS))
        details = {
            (r["source"], r["customer_id"]): {n: _plain(r[n]) for n in RECORD_FIELDS}
            for r in joined.to_pyarrow().to_pylist()
        }
        keys = sorted(details)
    record = {k: _plain(v) for k, v in golden.to_pylist()[0].items()}
    return Person(
        person_id=str(person_id),
        golden=record,
        records=[{"source": s, "customer_id": i, **details.get((s, i), {})} for s, i in keys],
    )


# ------------------------------------------------------------------------------ the model

#: The columns of the model's table: one row per comparison level.
MODEL_COLUMNS = ("comparison", "level", "m_probability", "u_probability", "match_weight")


@dataclass(frozen=True)
class Model:
    """The linkage model the last resolution fitted: when, the run's summary, the prior and
    one row per comparison level (:data:`MODEL_COLUMNS`, the missing-value levels left out:
    they weigh nothing)."""

    run_id: int
    started_at: dt.datetime
    threshold: float
    summary: dict[str, Any]
    prior_match_weight: float | None
    probability_two_random_records_match: float | None
    levels: list[dict[str, Any]]


def resolution_model() -> Model:
    """The model of the last resolution (``NotFound`` before the first). A run of fewer than
    two records fits no model: its ``levels`` are empty."""
    from cxpilot.customers.models import LinkageRun

    run = LinkageRun.latest_run()
    if run is None:
        raise NotFound(
            "the customers were never resolved: run `cxpilot customers resolve` first",
            where="model",
        )
    parameters = run.parameters or {}
    levels = [
        {
            "comparison": comparison.get("name"),
            "level": level.get("label"),
            "m_probability": level.get("m_probability"),
            "u_probability": level.get("u_probability"),
            "match_weight": level.get("match_weight"),
        }
        for comparison in parameters.get("comparisons", [])
        for level in comparison.get("levels", [])
        if not level.get("is_null_level")
    ]
    return Model(
        run_id=run.pk,
        started_at=run.started_at,
        threshold=run.threshold,
        summary=dict(run.summary or {}),
        prior_match_weight=parameters.get("prior_match_weight"),
        probability_two_random_records_match=parameters.get("probability_two_random_records_match"),
        levels=levels,
    )


def records_unresolved() -> int:
    """How many customer records of the warehouse no resolution has given a person yet
    (imported since the last ``customers resolve``)."""
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        _derived(con)
        c = con.table("customers").select("source", "customer_id")
        m = con.table("customer_persons").select("source", "customer_id")
        return int(c.anti_join(m, ["source", "customer_id"]).count().execute())


def person_identifiers(person: Person) -> dict[str, list[str]]:
    """What identifies ``person`` in a text, from their golden and source records:
    ``names`` (first and last names as written), ``emails``, ``phones`` (as written, and in
    E.164 read in the record's country), ``ids`` (their records' customer ids) and
    ``addresses`` (their street addresses as written)."""
    from cxpilot.customers.normalise import _region, phone_e164

    found: dict[str, set[str]] = {
        "names": set(),
        "emails": set(),
        "phones": set(),
        "ids": set(),
        "addresses": set(),
    }
    for values in (person.golden, *person.records):
        if values.get("address"):
            found["addresses"].add(str(values["address"]).strip())
        for name in ("first_name", "last_name"):
            if values.get(name):
                found["names"].add(str(values[name]).strip())
        if values.get("email"):
            found["emails"].add(str(values["email"]).strip())
        if values.get("phone"):
            written = str(values["phone"]).strip()
            found["phones"].add(written)
            e164 = phone_e164(written, _region(values.get("country"), "FR"))
            if e164:
                found["phones"].add(e164)
    found["ids"] = {str(r["customer_id"]) for r in person.records}
    return {k: sorted(v - {""}) for k, v in found.items()}


#: What stands for a person in :func:`answers_with_person` when the record is not resolved yet:
#: the record's own key, after a character no id of a person holds.
UNRESOLVED_PREFIX = "\x1f"


def answers_with_person(con: Any, answers: Any) -> Any:
    """``answers`` (an Ibis table of ``con`` with ``source`` and ``customer_id``) with a
    ``person`` column: the person id of its record in ``customer_persons``, or, for a record
    not resolved yet (imported since the last resolution, or never resolved), the record's own
    key (``\x1f`` + source + ``\x1f`` + customer_id): a record no resolution has seen counts
    as its own person. One left join, pushed down to the engine."""
    import ibis

    _derived(con)
    m = con.table("customer_persons")
    joined = answers.left_join(
        m, (answers.source == m.source) & (answers.customer_id == m.customer_id)
    )
    own = (
        ibis.literal(UNRESOLVED_PREFIX)
        + answers.source.fill_null("")
        + ibis.literal(UNRESOLVED_PREFIX)
        + answers.customer_id.fill_null("")
    )
    return joined.select(answers, person=ibis.coalesce(m.person_id, own))


def person_of_record(*, source: str, customer_id: str) -> str | None:
    """The person id of the record ``source:customer_id``, or None when the record is not
    resolved (not in the customers, or the customers never resolved)."""
    from cxpilot.warehouse.connection import warehouse

    with warehouse() as con:
        _derived(con)
        m = con.table("customer_persons")
        found = (
            m.filter((m.source == str(source)) & (m.customer_id == str(customer_id)))
            .select("person_id")
            .limit(1)
            .to_pyarrow()
        )
    return str(found.column("person_id")[0].as_py()) if found.num_rows else None


def person_merged_into(*, person_id: str) -> str | None:
    """The person that ``person_id`` became when it was merged into another (and that one,
    in turn, when it was merged again), if that person still exists; None when
    ``person_id`` was never merged away, or when its successor no longer exists either.

    Read from the audit trail: a merge keeps one id and names the ones it absorbed."""
    from cxpilot.customers.models import EventKind, PersonEvent
    from cxpilot.warehouse.connection import warehouse

    merges = PersonEvent.objects.filter(kind=EventKind.MERGE).order_by("-at", "-pk")
    into: dict[str, str] = {}
    for kept, absorbed in merges.values_list("person_id", "others"):
        for old in absorbed or ():
            into.setdefault(str(old), str(kept))  # the latest merge of each id wins
    current, seen = str(person_id), {str(person_id)}
    while current in into and into[current] not in seen:
        current = into[current]
        seen.add(current)
    if current == person_id:
        return None
    with warehouse() as con:
        _derived(con)
        g = con.table("customer_golden")
        exists = int(g.filter(g.person_id == current).count().to_pyarrow().as_py())
    return current if exists else None


# ------------------------------------------------------------------ searching the persons

#: The most characters a search takes (a name, an e-mail, a phone, an id).
SEARCH_MAX_CHARS = 200
#: The most words of a name searched.
SEARCH_MAX_WORDS = 6
#: The most persons a search lists: past this, the search is to be narrowed.
SEARCH_CAP = 500
#: The most persons a search gives at once.
SEARCH_PAGE = 500
#: What a search may be read as, in the order they are tried.
SEARCH_KINDS = ("person", "record", "customer_id", "email", "phone", "name")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE_TEXT = re.compile(r"\+?[\d\s().\-/]+")
#: The last digits a stored phone must end with to be compared (any country's number has
#: at least that many after its country code).
_PHONE_TAIL = 6


@dataclass(frozen=True)
class PersonsFound:
    """A page of the persons a search found, by golden name: ``rows`` (each ``person_id``,
    the golden ``first_name``, ``last_name``, ``email``, ``city``, ``segment``, and
    ``records``, ``sources``), ``total`` (how many persons match, at most
    :data:`SEARCH_CAP`), ``capped`` (more than that match: only the first are listed) and
    ``kinds`` (what the search was read as, from :data:`SEARCH_KINDS`)."""

    rows: list[dict[str, Any]]
    total: int
    capped: bool
    kinds: tuple[str, ...]


def search_text(query: Any, where: str = "query") -> str:
    """A search as typed, checked: not empty, at most :data:`SEARCH_MAX_CHARS` characters, no
    control character; runs of spaces made one, bidirectional controls left out."""
    from django.utils.translation import gettext

    text = " ".join(_BIDI_CONTROLS.sub("", str(query if query is not None else "")).split())
    if not text:
        raise ValidationError(
            gettext(
                "type a name, an e-mail, a phone number, a person id (PER-…) or a record "
                "(source:customer_id)"
            ),
            where=where,
        )
    if len(text) > SEARCH_MAX_CHARS:
        raise ValidationError(
            gettext("a search is at most %(most)d characters, not %(count)d")
            % {"most": SEARCH_MAX_CHARS, "count": len(text)},
            where=where,
        )
    found = _CONTROL.search(text)
    if found:
        raise ValidationError(
            gettext("a search may not hold the control character %(char)s")
            % {"char": f"U+{ord(found[0]):04X}"},
            where=where,
        )
    return text


@ibis.udf.scalar.builtin(name="strip_accents")
def _strip_accents(text: str) -> str:  # type: ignore[empty-body]
    """DuckDB's own: the text without its combining marks (é → e)."""


def _folded(column: Any, engine: str) -> Any:
    """An Ibis string column folded in the database as :func:`normalise.name_key` folds a
    name: œ/æ/ß spelled out, accents and case dropped, letters a–z only. DuckDB strips the
    accents itself; on other engines they are translated (:data:`_FOLD_TABLE`), in the
    values that have a character outside printable ASCII only (most names have none, and
    the translation is the costly part)."""
    text = column.fill_null("")
    for ligature, letters in (("Œ", "oe"), ("œ", "oe"), ("Æ", "ae"), ("æ", "ae"), ("ß", "ss")):
        text = text.replace(ligature, letters)
    if engine == "duckdb":
        text = _strip_accents(text)
    else:
        accented, plain = _FOLD_TABLE
        text = ibis.ifelse(text.re_search("[^ -~]"), text.translate(accented, plain), text)
    return text.lower().re_replace("[^a-z]", "")


def _fold_table() -> tuple[str, str]:
    """Each accented Latin letter (upper and lower case, translated before ``lower()``, which
    a database in the C locale applies to ASCII only) and the one letter it folds to."""
    from cxpilot.customers.normalise import fold

    accented, plain = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        folded = fold(char)
        if char.isalpha() and len(folded) == 1 and "a" <= folded <= "z" and folded != char:
            accented.append(char)
            plain.append(folded)
    return "".join(accented), "".join(plain)


_FOLD_TABLE = _fold_table()


def _name_pattern(words: list[str]) -> str:
    """The regular expression that a record's folded ``first last`` matches when its names
    begin with ``words`` (letters a–z only): all of them joined begin the first or the last
    name (``Jean Baptiste``, ``de la Fontaine``), or split in two (each way) they begin the
    first and the last name, in either order."""
    whole = "".join(words)
    choices = [f"(^| ){whole}"]
    for i in range(1, len(words)):
        a, b = "".join(words[:i]), "".join(words[i:])
        choices += [f"^{a}[a-z]* {b}", f"^{b}[a-z]* {a}"]
    return "|".join(choices)


def _name_matches(con: Any, text: str) -> Any | None:
    """The records whose first and last names match the words of ``text``
    (:func:`_name_pattern`), compared folded (:func:`_folded`); each name is folded once per
    record, in the warehouse."""
    from cxpilot.customers.normalise import name_key

    words = [w for w in (name_key(w) for w in re.split(r"[\s,;]+", text)) if w]
    if not words:
        return None
    if len(words) > SEARCH_MAX_WORDS:
        from django.utils.translation import gettext

        raise ValidationError(
            gettext("a name is searched by at most %(most)d words, not %(count)d")
            % {"most": SEARCH_MAX_WORDS, "count": len(words)},
            where="query",
        )
    c = con.table("customers")
    c = c.filter(c.first_name.notnull() | c.last_name.notnull())
    names = _folded(c.first_name, con.name).concat(" ", _folded(c.last_name, con.name))
    return c.filter(names.re_search(_name_pattern(words))).select("source", "customer_id")


def _email_matches(con: Any, text: str) -> list[Key]:
    """The records whose e-mail, normalised, is ``text`` normalised: narrowed in the
    warehouse (the domain, and the local part without dots at the start), then compared
    exactly as the linkage compares e-mails."""
    from cxpilot.customers.normalise import emails

    wanted = emails(pa.array([text], pa.string()))[0].as_py()
    if wanted is None:
        return []
    local, domain = wanted.split("@", 1)
    c = con.table("customers")
    e = c.email.strip().lower()
    domains = ("gmail.com", "googlemail.com") if domain == "gmail.com" else (domain,)
    at_domain = ibis.or_(*(e.endswith(f"@{d}") for d in domains))
    narrowed = c.filter(
        c.email.notnull() & at_domain & e.replace(".", "").startswith(local.replace(".", ""))
    )
    found = narrowed.select("source", "customer_id", "email").to_pyarrow()
    same = pc.equal(emails(found.column("email").combine_chunks()), pa.scalar(wanted))
    hits = found.filter(pc.fill_null(same, False))
    return list(
        zip(hits.column("source").to_pylist(), hits.column("customer_id").to_pylist(), strict=True)
    )


def _phone_matches(con: Any, text: str) -> list[Key]:
    """The records whose phone, in E.164 as the linkage reads it (region FR unless the
    record's country says otherwise), is ``text`` in E.164: narrowed in the warehouse on the
    last digits, then compared exactly."""
    from cxpilot.customers.normalise import phones

    wanted = phones(pa.array([text], pa.string()))[0].as_py()
    if wanted is None:
        return []
    c = con.table("customers")
    digits = c.phone.re_replace("[^0-9]", "")
    narrowed = c.filter(c.phone.notnull() & digits.endswith(wanted[-_PHONE_TAIL:]))
    found = narrowed.select("source", "customer_id", "phone", "country").to_pyarrow()
    if found.num_rows == 0:
        return []
    read = phones(
        found.column("phone").combine_chunks(), countries=found.column("country").combine_chunks()
    )
    hits = found.filter(pc.fill_null(pc.equal(read, pa.scalar(wanted)), False))
    return list(
        zip(hits.column("source").to_pylist(), hits.column("customer_id").to_pylist(), strict=True)
    )


def persons_searched(*, query: str, limit: int = 25, offset: int = 0) -> PersonsFound:
    """The persons a search finds, by golden last then first name (folded), ``limit`` of them
    from ``offset``. The search is read as every one of these that fits it, and finds the
    persons any of them finds:

    - a person id (``PER-00000042``, any case);
    - a record (``source:customer_id``, any case);
    - a customer id of any source (one word, any case);
    - an e-mail (compared normalised, as :func:`normalise.emails` does);
    - a phone number (in E.164 as the linkage reads it: ``06 12 34 56 78`` finds
      ``+33612345678``);
    - a name (no digit): the first and last names of every record of the person, accents and
      case aside, in either order, each word the beginning of a name (``nico mart`` finds
      Nicolas Martin, so does ``Martin Nicolas``).

    At most :data:`SEARCH_CAP` persons are listed. The matching runs in the warehouse (only
    the few candidate e-mails and phones are compared in Python)."""
    from cxpilot.customers.engine import PERSON_PREFIX
    from cxpilot.warehouse.connection import warehouse

    text = search_text(query)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= SEARCH_PAGE:
        raise ValidationError(
            f"the limit is a whole number from 1 to {SEARCH_PAGE}, not {limit!r}", where="limit"
        )
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError(
            f"the offset is a whole number from 0, not {offset!r}", where="offset"
        )
    one_word = " " not in text
    kinds: list[str] = []
    with warehouse() as con:
        _derived(con)
        m = con.table("customer_persons")
        g = con.table("customer_golden")
        matches: list[Any] = []
        if one_word and text.upper().startswith(PERSON_PREFIX):
            kinds.append("person")
            matches.append(g.filter(g.person_id == text.upper()).select("person_id"))
        source, colon, customer_id = text.partition(":")
        if one_word and colon and source and customer_id:
            kinds.append("record")
            matches.append(
                m.filter(
                    (m.source.lower() == source.lower())
                    & (m.customer_id.upper() == customer_id.upper())
                ).select("person_id")
            )
        if one_word:
            kinds.append("customer_id")
            matches.append(m.filter(m.customer_id.upper() == text.upper()).select("person_id"))
        keys: list[Key] = []
        if "@" in text:
            kinds.append("email")
            keys += _email_matches(con, text)
        if _PHONE_TEXT.fullmatch(text) and sum(ch.isdigit() for ch in text) >= _PHONE_TAIL:
            kinds.append("phone")
            keys += _phone_matches(con, text)
        if keys:
            ids = sorted(set(_persons_of(con, keys).values()))
            if ids:
                matches.append(g.filter(g.person_id.isin(ids)).select("person_id"))
        if not any(ch.isdigit() for ch in text) and "@" not in text and ":" not in text:
            named = _name_matches(con, text)
            if named is not None:
                kinds.append("name")
                matches.append(m.semi_join(named, ["source", "customer_id"]).select("person_id"))
        if not matches:
            return PersonsFound(rows=[], total=0, capped=False, kinds=tuple(kinds))
        wanted = ibis.union(*matches, distinct=True) if len(matches) > 1 else matches[0]
        hits = g.semi_join(wanted, "person_id")
        end = min(offset + limit, SEARCH_CAP)
        found: list[dict[str, Any]] = []
        if offset < end:  # the page and the number of hits in one query
            page = (
                hits.mutate(
                    _total=hits.person_id.count().over(),
                    _last=_folded(hits.last_name, con.name),
                    _first=_folded(hits.first_name, con.name),
                )
                .order_by(["_last", "_first", "person_id"])
                .limit(end - offset, offset=offset)
            )
            found = page.to_pyarrow().to_pylist()
        total = int(found[0]["_total"]) if found else int(hits.count().to_pyarrow().as_py())
    shown = ("person_id", "first_name", "last_name", "email", "city", "segment")
    rows = [
        {**{k: _plain(r[k]) for k in shown}, "records": r["records"], "sources": r["sources"]}
        for r in found
    ]
    return PersonsFound(
        rows=rows, total=min(total, SEARCH_CAP), capped=total > SEARCH_CAP, kinds=tuple(kinds)
    )


def golden_segments(con: Any) -> Any:
    """An Ibis table of ``con``: ``person_id, segment``, each resolved person's segment
    (golden record), for analyses that group or filter persons by segment."""
    _derived(con)
    g = con.table("customer_golden")
    return g.select("person_id", "segment")
