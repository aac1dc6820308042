"""The customers table (records of every source), the id directory and the ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxpilot.demo.generator.activity import EventLog
from cxpilot.demo.generator.arrays import Array, ascii_column, dictionary, timestamps
from cxpilot.demo.generator.calendar import H_STORE, H_WEB, hours
from cxpilot.demo.generator.parameters import (
    CHANGE_BIT,
    CRM,
    DAY,
    DAYS,
    ESHOP,
    LANGS,
    NOISE,
    SEGMENT_KEYS,
    SOURCES,
    START_D,
    SUPPORT,
    SourceNoise,
)
from cxpilot.demo.generator.persons import Persons
from cxpilot.demo.generator.records import draw_emails, source_ids, source_records


@dataclass
class Directory:
    """Where each person's record sits in the concatenated id array of all sources."""

    ids: pa.Array
    crm: Array
    crm_dup: Array  # -1: none
    eshop: Array
    support: Array


@dataclass
class _Group:
    """The records of one source (the CRM's second records are a group of their own)."""

    name: str
    who: Array  # persons
    noise: SourceNoise
    created_sec: Array  # by person
    with_segment: bool
    country: tuple[str | None, ...]

    @property
    def source(self) -> str:
        return "crm" if self.name == "crm_duplicate" else self.name


def customer_tables(
    rng: np.random.Generator, rng_ids: np.random.Generator, p: Persons, log: EventLog
) -> tuple[pa.Table, Directory, pa.Table]:
    """The customers table, the directory of its ids and the ground truth of its records."""
    support_since = _support_since(rng, p, log)
    everyone = np.arange(p.n)
    both = draw_emails(rng, p, np.concatenate([everyone, everyone]))  # usual and other address
    email, other = both.slice(0, p.n), both.slice(p.n)

    def joined(name: str, member: Array, day: Array, at: tuple[float, ...], country: str) -> _Group:
        """A source people join on ``day``, at an hour drawn from ``at``."""
        since = day * DAY + hours(rng, at, p.n)
        return _Group(name, np.flatnonzero(member), NOISE[name], since, True, (country,))

    groups = [
        _Group("crm", everyone, NOISE["crm"], p.acquired_sec, True, ("FR",)),
        joined("crm_duplicate", p.crm_dup, p.crm_dup_since, H_STORE, "FR"),
        joined("eshop", p.eshop, p.eshop_since, H_WEB, "France"),
        _Group(
            "support",
            np.flatnonzero(p.support),
            NOISE["support"],
            support_since,
            False,
            ("FR", "France", None),
        ),
    ]
    ids = _source_ids_by_group(rng_ids, p, groups)
    pieces = []
    truth_pieces = []
    for g in groups:
        table, changes = _source_table(rng, p, g, email, other, ids[g.name])
        pieces.append(table)
        truth_pieces.append((g.name, g.who, changes, ids[g.name]))
    customers = pa.concat_tables(pieces, promote_options="default")
    offsets = np.cumsum([0] + [t.num_rows for t in pieces])
    pos = [np.full(p.n, -1, np.int64) for _ in range(4)]
    for k, g in enumerate(groups):
        pos[k][g.who] = offsets[k] + np.arange(g.who.size)
    directory = Directory(
        pa.concat_arrays([t.column("customer_id").combine_chunks() for t in pieces]),
        pos[0],
        pos[1],
        pos[2],
        pos[3],
    )
    truth = truth_table(p, truth_pieces)
    return customers, directory, truth


def _support_since(rng: np.random.Generator, p: Persons, log: EventLog) -> Array:
    """When each person's support record was created (seconds): a little before the first
    contact with customer service, or at (or before) acquisition for those without one."""
    never = 10 * DAYS * DAY
    support_since = np.full(p.n, never, np.int64)
    for block in log.blocks:
        if block[4].size and int(block[4][0]) == SUPPORT:
            np.minimum.at(support_since, block[0], block[1])
    lead = rng.integers(600, 3 * 3600, p.n)
    before = p.acquired_sec + (rng.random(p.n) * np.clip(-p.acquired_sec, 0, None)).astype(np.int64)
    return np.where(
        support_since >= never,
        np.where(p.acquired < 0, before, p.acquired_sec + 3600),
        support_since - lead,
    )


def _source_ids_by_group(
    rng: np.random.Generator, p: Persons, groups: list[_Group]
) -> dict[str, pa.Array]:
    """Ids of the records of each group: the CRM's two groups share one id sequence."""
    crm_ids = source_ids(rng, p.n + groups[1].who.size, "CRM-", 8, 7919)
    eshop_ids = source_ids(rng, groups[2].who.size, "WEB", 9, 104_729)
    support_ids = source_ids(rng, groups[3].who.size, "SAV", 8, 1_299_709)
    return {
        "crm": crm_ids.slice(0, p.n),
        "crm_duplicate": crm_ids.slice(p.n),
        "eshop": eshop_ids,
        "support": support_ids,
    }


def _source_table(
    rng: np.random.Generator,
    p: Persons,
    g: _Group,
    email: pa.Array,
    other: pa.Array,
    ids: pa.Array,
) -> tuple[pa.Table, Array]:
    """The customer rows of one group, and the change flags of each."""
    who = g.who
    cols, changes = source_records(
        rng,
        p,
        who,
        g.noise,
        email.take(pa.array(who)),
        other.take(pa.array(who)),
        g.created_sec[who],
        g.with_segment,
        g.country,
    )
    table = pa.table(
        {
            "customer_id": ids,
            "source": dictionary(np.full(who.size, SOURCES.index(g.source)), SOURCES),
            **cols,
        }
    )
    if g.source == "crm":  # the CRM knows loyalty membership and e-mail consent
        codes = p.loyalty[who].astype(np.int64) * 2 + p.optin[who]
        attrs = [
            json.dumps({"loyalty_member": bool(c // 2), "email_opt_in": bool(c % 2)})
            for c in range(4)
        ]
        table = table.append_column("attributes", dictionary(codes, attrs))
    return table, changes


def _changes_text(changes: Array) -> pa.DictionaryArray:
    values, codes = np.unique(changes, return_inverse=True)
    labels = [",".join(name for name, bit in CHANGE_BIT.items() if int(v) & bit) for v in values]
    return dictionary(codes.ravel(), labels, wide=True)


def truth_table(p: Persons, pieces: list[tuple[str, Array, Array, pa.Array]]) -> pa.Table:
    tables = []
    width = max(7, len(str(p.n)))
    for name, who, changes, ids in pieces:
        n = who.size
        source = "crm" if name == "crm_duplicate" else name
        churned = p.churn[who] < DAYS
        churn_day = np.where(churned, p.churn[who], 0)
        tables.append(
            pa.table(
                {
                    "person_id": ascii_column(who + 1, width, ("P",)),
                    "source": dictionary(np.full(n, SOURCES.index(source)), SOURCES),
                    "customer_id": ids,
                    "duplicate_in_source": pa.array(np.full(n, name == "crm_duplicate")),
                    "changes": _changes_text(changes),
                    "segment": dictionary(p.segment[who], SEGMENT_KEYS),
                    "language": dictionary(p.english[who].astype(np.int64), LANGS),
                    "acquired_at": timestamps(p.acquired_sec[who]),
                    "churned_on": pa.array(
                        (START_D + churn_day).astype("datetime64[D]"), mask=~churned
                    ),
                    "churn_cause": dictionary(
                        p.churn_cause[who], (None, "baseline", "call_centre")
                    ),
                }
            )
        )
    return pa.concat_tables(tables)


def reference_positions(
    rng: np.random.Generator, p: Persons, d: Directory, person: Array, sec: Array, source: Array
) -> Array:
    """Position in the id directory of the record each row references."""
    pos = np.empty(person.size, np.int64)
    for code, where in ((CRM, d.crm), (ESHOP, d.eshop), (SUPPORT, d.support)):
        sel = np.flatnonzero(source == code)
        pos[sel] = where[person[sel]]
    # a person with a second CRM record uses it for half of the later store visits
    crm_rows = np.flatnonzero(source == CRM)
    dup = d.crm_dup[person[crm_rows]]
    cand = crm_rows[dup >= 0]
    dup = dup[dup >= 0]
    later = sec[cand] >= p.crm_dup_since[person[cand]] * DAY
    coin = rng.random(cand.size) < 0.5
    pos[cand[later & coin]] = dup[later & coin]
    if (pos < 0).any():
        raise AssertionError("an event references a person unknown to its source")
    return pos


def id_column(d: Directory, pos: Array) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(pos.astype(np.int32)), d.ids)
