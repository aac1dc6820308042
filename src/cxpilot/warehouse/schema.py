"""The experience warehouse tables and their import formats, declared as data.

The column names are a contract: files, the HTTP API and scripts use them. Each imported table
also has ``attributes`` (the file's other columns, as a JSON object) and ``imported_at``.
Rows are keyed by ``(source, <id column>)``: importing the same row twice adds nothing.
``docs/data-model.md`` documents the same fields for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.datatypes as dt

#: The largest amount of money a row may hold, either sign (a million million in the
#: company's currency): beyond it a value is a mistake, and the sums made of it lose all
#: precision.
MONEY_LIMIT = 1e12

#: The allowed score range of each survey metric (inclusive).
METRIC_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "ces": (1, 7), "csat": (1, 5)}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # string | integer | float | timestamp | date
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 2000


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...]
    help: str = ""
    references_touchpoints: bool = False
    extra: tuple[tuple[str, str], ...] = field(default=(("attributes", "string"),))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def ibis_schema(self) -> ibis.Schema:
        types: dict[str, dt.DataType] = {c.name: _IBIS_TYPES[c.kind] for c in self.columns}
        types["attributes"] = dt.string
        types["imported_at"] = dt.timestamp
        return ibis.schema(types)


_IBIS_TYPES: dict[str, dt.DataType] = {
    "string": dt.string,
    "integer": dt.int64,
    "float": dt.float64,
    "timestamp": dt.timestamp,
    "date": dt.date,
}

_SOURCE = Column(
    "source", "string", True, "System the row comes from (crm, eshop, support…).", max_length=60
)

CUSTOMERS = Table(
    "customers",
    key="customer_id",
    help="Customers as each source system knows them (one row per source id).",
    columns=(
        Column(
            "customer_id", "string", True, "The customer's id in its source system.", max_length=120
        ),
        _SOURCE,
        Column("first_name", "string", max_length=200),
        Column("last_name", "string", max_length=200),
        Column("email", "string", max_length=320),
        Column("phone", "string", max_length=60),
        Column("address", "string", max_length=500),
        Column("postcode", "string", max_length=20),
        Column("city", "string", max_length=200),
        Column("country", "string", max_length=60),
        Column("birth_date", "date"),
        Column("segment", "string", max_length=120),
        Column("created_at", "timestamp"),
    ),
)

INTERACTIONS = Table(
    "interactions",
    key="event_id",
    help="Journey events: a customer meets a touchpoint.",
    references_touchpoints=True,
    columns=(
        Column("event_id", "string", True, "Unique id of the event in its source.", max_length=120),
        Column("customer_id", "string", True, "Customer id in the same source.", max_length=120),
        Column(
            "touchpoint", "string", True, "Touchpoint key of the organisation model.", max_length=60
        ),
        Column("timestamp", "timestamp", True, "When it happened (ISO 8601)."),
        _SOURCE,
        Column("channel", "string", max_length=60),
        Column("type", "string", help="Kind of event (visit, order, call…).", max_length=60),
        Column(
            "cost",
            "float",
            help="Cost to serve of this interaction.",
            minimum=0,
            maximum=MONEY_LIMIT,
        ),
    ),
)

RESPONSES = Table(
    "responses",
    key="response_id",
    help="Survey answers: one NPS, CES or CSAT score, with its verbatim.",
    references_touchpoints=True,
    columns=(
        Column(
            "response_id", "string", True, "Unique id of the answer in its source.", max_length=120
        ),
        Column("customer_id", "string", True, "Customer id in the same source.", max_length=120),
        Column(
            "touchpoint", "string", True, "Touchpoint key of the organisation model.", max_length=60
        ),
        Column("timestamp", "timestamp", True, "When it was answered (ISO 8601)."),
        Column("metric", "string", True, "nps, ces or csat.", choices=tuple(METRIC_RANGES)),
        Column("score", "integer", True, "NPS 0–10, CES 1–7, CSAT 1–5."),
        Column("survey", "string", max_length=120),
        _SOURCE,
        Column("channel", "string", max_length=60),
        Column("verbatim", "string", help="Open-text answer.", max_length=20000),
        Column(
            "language", "string", help="Language code of the verbatim (fr, en…).", max_length=10
        ),
    ),
)

TRANSACTIONS = Table(
    "transactions",
    key="transaction_id",
    help="Purchases and refunds (negative amounts).",
    columns=(
        Column("transaction_id", "string", True, max_length=120),
        Column("customer_id", "string", True, max_length=120),
        Column("timestamp", "timestamp", True),
        Column(
            "amount",
            "float",
            True,
            "Amount including tax, in the company's currency.",
            minimum=-MONEY_LIMIT,
            maximum=MONEY_LIMIT,
        ),
        _SOURCE,
        Column(
            "margin",
            "float",
            help="Gross margin on the transaction.",
            minimum=-MONEY_LIMIT,
            maximum=MONEY_LIMIT,
        ),
        Column("channel", "string", max_length=60),
    ),
)

TABLES: dict[str, Table] = {t.name: t for t in (CUSTOMERS, INTERACTIONS, RESPONSES, TRANSACTIONS)}


def table(name: str) -> Table:
    from cxpilot.kernel.errors import ValidationError

    try:
        return TABLES[name]
    except KeyError:
        raise ValidationError(
            f"unknown table {name!r}; expected one of {', '.join(TABLES)}", where="table"
        ) from None
