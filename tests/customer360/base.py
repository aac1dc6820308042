"""A small customer base for the customer 360 tests: four persons resolved from seven records
of three sources, with interactions, answers (a hostile verbatim, a test answer), purchases and
a refund, written straight into the warehouse (the tables the resolution writes included), and
follow-up cases opened from two of the answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from tests.hostile import HOSTILE

P1, P2, P3, P4 = (f"PER-0000000{i}" for i in range(1, 5))

RECORDS: list[dict[str, Any]] = [
    {
        "source": "crm",
        "customer_id": "CRM-001",
        "first_name": "Hélène",
        "last_name": "Dupré",
        "email": "Helene.Dupre+shop@Gmail.com",
        "phone": "06 12 34 56 78",
        "city": "Lyon",
        "country": "FR",
        "segment": "families",
        "created_at": dt.datetime(2019, 3, 1, 10, 0),
    },
    {
        "source": "eshop",
        "customer_id": "WEB-001",
        "first_name": "HELENE",
        "last_name": "DUPRE",
        "email": "helenedupre@gmail.com",
        "phone": "+33612345678",
        "city": "Lyon",
        "created_at": dt.datetime(2021, 5, 1, 8, 0),
    },
    {
        "source": "support",
        "customer_id": "SAV-001",
        "first_name": "Hélène",
        "last_name": "Dupré",
        "phone": "0612345678",
        "created_at": dt.datetime(2023, 1, 1, 8, 0),
    },
    {
        "source": "crm",
        "customer_id": "CRM-002",
        "first_name": "Jean-Baptiste",
        "last_name": "Martin",
        "email": "jb.martin@example.fr",
        "phone": "01 23 45 67 89",
        "city": "Paris",
        "created_at": dt.datetime(2020, 1, 1, 8, 0),
    },
    {
        "source": "crm",
        "customer_id": "CRM-003",
        "first_name": "Nicolas",
        "last_name": "Martin",
        "email": "nicolas.martin@example.fr",
        "city": "Paris",
        "created_at": dt.datetime(2020, 2, 1, 8, 0),
    },
    {
        "source": "eshop",
        "customer_id": "X-42",
        "first_name": "Nico",
        "last_name": "Martin",
        "created_at": dt.datetime(2022, 2, 1, 8, 0),
    },
    {
        "source": "support",
        "customer_id": "X-42",
        "first_name": "Zoé",
        "last_name": "Lœuillet",
        "email": "zoe@example.org",
        "created_at": dt.datetime(2024, 2, 1, 8, 0),
    },
]

PERSONS = {
    P1: [("crm", "CRM-001"), ("eshop", "WEB-001"), ("support", "SAV-001")],
    P2: [("crm", "CRM-002")],
    P3: [("crm", "CRM-003"), ("eshop", "X-42")],
    P4: [("support", "X-42")],
}

GOLDEN: list[dict[str, Any]] = [
    {
        "person_id": P1,
        "first_name": "Hélène",
        "last_name": "Dupré",
        "email": "helenedupre@gmail.com",
        "phone": "0612345678",
        "city": "Lyon",
        "country": "FR",
        "segment": "families",
        "sources": "crm,eshop,support",
        "records": 3,
    },
    {
        "person_id": P2,
        "first_name": "Jean-Baptiste",
        "last_name": "Martin",
        "email": "jb.martin@example.fr",
        "phone": "01 23 45 67 89",
        "city": "Paris",
        "sources": "crm",
        "records": 1,
    },
    {
        "person_id": P3,
        "first_name": "Nicolas",
        "last_name": "Martin",
        "email": "nicolas.martin@example.fr",
        "city": "Paris",
        "sources": "crm,eshop",
        "records": 2,
    },
    {
        "person_id": P4,
        "first_name": "Zoé",
        "last_name": "Lœuillet",
        "email": "zoe@example.org",
        "sources": "support",
        "records": 1,
    },
]


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


INTERACTIONS = [
    ("crm", "CRM-001", "i1", "store", "2025-01-10T09:00", "visit"),
    ("eshop", "WEB-001", "i2", "website", "2025-02-01T10:00", "visit"),
    ("support", "SAV-001", "i3", "call_centre", "2025-03-05T15:00", "call"),
    ("crm", "CRM-002", "i4", "store", "2025-06-01T10:00", "visit"),  # another person
    ("eshop", "CRM-001", "i5", "website", "2025-06-02T10:00", "visit"),  # another record
]
#: (source, customer_id, response_id, touchpoint, timestamp, metric, score, verbatim, channel)
ANSWERS = [
    ("crm", "CRM-001", "r1", "store", "2025-01-11T12:00", "csat", 4, None, "email"),
    ("eshop", "WEB-001", "r2", "website", "2025-02-02T12:00", "nps", 3, HOSTILE + " colis", "web"),
    ("support", "SAV-001", "r3", "call_centre", "2025-03-06T12:00", "ces", 2, "attente", "phone"),
    ("eshop", "WEB-001", "r4", "website", "2025-04-01T12:00", "nps", 9, "merci", "web"),
    ("eshop", "WEB-001", "r5", "website", "2025-05-01T12:00", "nps", 0, "preview", "test"),
    ("crm", "CRM-002", "r6", "store", "2025-06-03T12:00", "nps", 1, "bof", "email"),
]
TRANSACTIONS = [
    ("crm", "CRM-001", "t1", "2025-01-10T09:30", 120.5),
    ("eshop", "WEB-001", "t2", "2025-02-01T10:05", 80.0),
    ("eshop", "WEB-001", "t3", "2025-02-15T10:00", -30.0),
    ("crm", "CRM-002", "t4", "2025-06-01T10:30", 50.0),
]

#: Person 1's timeline, newest first: (kind, id).
P1_TIMELINE = [
    ("answer", "r4"),
    ("answer", "r3"),
    ("interaction", "i3"),
    ("transaction", "t3"),
    ("answer", "r2"),
    ("transaction", "t2"),
    ("interaction", "i2"),
    ("answer", "r1"),
    ("transaction", "t1"),
    ("interaction", "i1"),
]


def _ts(table: pa.Table) -> pa.Table:
    index = table.column_names.index("timestamp")
    return table.set_column(index, "timestamp", table.column("timestamp").cast(pa.timestamp("us")))


def persons_write(persons: dict[str, list[tuple[str, str]]], golden: list[dict[str, Any]]) -> None:
    """Write the tables a resolution writes: ``customer_persons`` and ``customer_golden``."""
    from cxpilot.customers.services import DERIVED
    from cxpilot.warehouse.connection import warehouse

    mapping = pa.Table.from_pylist(
        [
            {"source": s, "customer_id": c, "person_id": pid}
            for pid, keys in persons.items()
            for s, c in keys
        ],
        schema=DERIVED["customer_persons"].to_pyarrow(),
    )
    gold = pa.Table.from_pylist(golden, schema=DERIVED["customer_golden"].to_pyarrow())
    with warehouse() as con:
        con.create_table("customer_persons", mapping, overwrite=True)
        con.create_table("customer_golden", gold, overwrite=True)


def customer_base() -> dict[str, Any]:
    """Load the base; returns the follow-up cases opened, by response id."""
    from cxpilot.loop.models import FollowUpCase, LoopSettings
    from cxpilot.loop.services import cases_open
    from cxpilot.warehouse.ingest import load_arrow

    load_arrow(table="customers", data=pa.Table.from_pylist(RECORDS))
    load_arrow(
        table="interactions",
        data=_ts(
            pa.Table.from_pylist(
                [
                    {
                        "source": s,
                        "customer_id": c,
                        "event_id": i,
                        "touchpoint": tp,
                        "timestamp": _at(at),
                        "type": kind,
                        "channel": "web",
                    }
                    for s, c, i, tp, at, kind in INTERACTIONS
                ]
            )
        ),
    )
    answers = [
        {
            "source": s,
            "customer_id": c,
            "response_id": r,
            "touchpoint": tp,
            "timestamp": _at(at),
            "metric": metric,
            "score": score,
            "verbatim": verbatim,
            "channel": channel,
            "language": "fr",
        }
        for s, c, r, tp, at, metric, score, verbatim, channel in ANSWERS
    ]
    load_arrow(table="responses", data=_ts(pa.Table.from_pylist(answers)))
    load_arrow(
        table="transactions",
        data=_ts(
            pa.Table.from_pylist(
                [
                    {
                        "source": s,
                        "customer_id": c,
                        "transaction_id": t,
                        "timestamp": _at(at),
                        "amount": amount,
                        "channel": "web",
                    }
                    for s, c, t, at, amount in TRANSACTIONS
                ]
            )
        ),
    )
    persons_write(PERSONS, GOLDEN)
    LoopSettings.current()
    # person 1's detractor (r2) and hard effort (r3), person 2's detractor (r6)
    cases_open(records=[a for a in answers if a["response_id"] in ("r2", "r3", "r6")])
    return {c.response_id: c for c in FollowUpCase.objects.all()}
