"""The customers table (records of every source), the id directory and the ground truth."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

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


def customer_tables(
    rng: np.random.Generator, rng_ids: np.random.Generator, p: Persons, support_since: Array
) -> tuple[pa.Table, Directory, pa.Table]:
    everyone = np.arange(p.n)
    both = draw_emails(rng, p, np.concatenate([everyone, everyone]))  # usual and other address
    email, other = both.slice(0, p.n), both.slice(p.n)
    groups = [
        ("crm", everyone, NOISE["crm"], p.acquired_sec, True, ("FR",)),
        (
            "crm_duplicate",
            np.flatnonzero(p.crm_dup),
            NOISE["crm_duplicate"],
            p.crm_dup_since * DAY + hours(rng, H_STORE, p.n),
            True,
            ("FR",),
        ),
        (
            "eshop",
            np.flatnonzero(p.eshop),
            NOISE["eshop"],
            p.eshop_since * DAY + hours(rng, H_WEB, p.n),
            True,
            ("France",),
        ),
        (
            "support",
            np.flatnonzero(p.support),
            NOISE["support"],
            support_since,
            False,
            ("FR", "France", None),
        ),
    ]
    id_specs = {
        "crm": ("CRM-", 8, 7919),
        "eshop": ("WEB", 9, 104_729),
        "support": ("SAV", 8, 1_299_709),
    }
    n_crm_all = p.n + groups[1][1].size
    crm_ids = source_ids(rng_ids, n_crm_all, *id_specs["crm"])
    eshop_ids = source_ids(rng_ids, groups[2][1].size, *id_specs["eshop"])
    support_ids = source_ids(rng_ids, groups[3][1].size, *id_specs["support"])
    id_parts = {
        "crm": crm_ids.slice(0, p.n),
        "crm_duplicate": crm_ids.slice(p.n),
        "eshop": eshop_ids,
        "support": support_ids,
    }
    pieces = []
    truth_pieces = []
    for name, who, noise, created, with_seg, country in groups:
        cols, changes = source_records(
            rng,
            p,
            who,
            noise,
            email.take(pa.array(who)),
            other.take(pa.array(who)),
            created[who],
            with_seg,
            country,
        )
        source = "crm" if name == "crm_duplicate" else name
        n = who.size
        table = pa.table(
            {
                "customer_id": id_parts[name],
                "source": dictionary(np.full(n, SOURCES.index(source)), SOURCES),
                **cols,
            }
        )
        if source == "crm":  # the CRM knows loyalty membership and e-mail consent
            codes = p.loyalty[who].astype(np.int64) * 2 + p.optin[who]
            attrs = [
                json.dumps({"loyalty_member": bool(c // 2), "email_opt_in": bool(c % 2)})
                for c in range(4)
            ]
            table = table.append_column("attributes", dictionary(codes, attrs))
        pieces.append(table)
        truth_pieces.append((name, who, changes, id_parts[name]))
    customers = pa.concat_tables(pieces, promote_options="default")
    offsets = np.cumsum([0] + [t.num_rows for t in pieces])
    pos = [np.full(p.n, -1, np.int64) for _ in range(4)]
    for k, (_, who, _, _) in enumerate(truth_pieces):
        pos[k][who] = offsets[k] + np.arange(who.size)
    directory = Directory(
        pa.concat_arrays([t.column("customer_id").combine_chunks() for t in pieces]),
        pos[0],
        pos[1],
        pos[2],
        pos[3],
    )
    truth = truth_table(p, truth_pieces)
    return customers, directory, truth


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
