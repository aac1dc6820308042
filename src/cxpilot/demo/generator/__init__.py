"""The demo company "Maison Lumière": a deterministic synthetic French home-goods retailer.

Pure generation (numpy and Arrow, no Django, no I/O): :func:`generate` turns a number of
persons and a seed into the four warehouse tables (customers, interactions, responses,
transactions) and a ground-truth table. Every draw comes from ``numpy.random.PCG64`` streams
derived from the seed, and the period is fixed (2024-11-01 to 2026-10-31), so one seed gives
the same tables, byte for byte, on every machine.

The planted truths (the facts later analytics must recover) are constants of
:mod:`cxpilot.demo.generator.parameters` (re-exported here), documented with their effect
sizes in ``docs/demo-data.md``:

(a) delivery incident on website orders from :data:`DELIVERY_INCIDENT_START`;
(b) a call-centre detractor experience triggers churn (:data:`CALL_CHURN_PROBABILITY`);
(c) the segment :data:`HIGH_CHURN_SEGMENT` churns far more than the others;
(d) seasonality of purchases (Black Friday, Christmas, sales, August);
(e) the app release of :data:`APP_RELEASE` makes the app easier (CES) and less buggy;
(f) the relationship NPS follows delivery, then the store, then the website
    (:data:`RELATION_DRIVERS`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxpilot.demo.generator.activity import draw_activity
from cxpilot.demo.generator.calendar import daily_intensities
from cxpilot.demo.generator.calls import draw_calls
from cxpilot.demo.generator.customers import customer_tables
from cxpilot.demo.generator.interactions import interactions_table
from cxpilot.demo.generator.parameters import (
    APP_RELEASE,
    CALL_CHURN_DELAY,
    CALL_CHURN_PROBABILITY,
    CHANGES,
    DELIVERY_INCIDENT_START,
    DELIVERY_PATTERN,
    HIGH_CHURN_SEGMENT,
    LATE_RATE_AFTER,
    LATE_RATE_BEFORE,
    LOST_RATE_AFTER,
    LOST_RATE_BEFORE,
    PERIOD_END,
    PERIOD_START,
    RELATION_DRIVERS,
    SEGMENT_KEYS,
    SEGMENTS,
    TOUCHPOINT_CHANNELS,
    TOUCHPOINTS,
    day_index,
)
from cxpilot.demo.generator.persons import draw_persons
from cxpilot.demo.generator.responses import responses_table
from cxpilot.demo.generator.transactions import transactions_table

Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoData:
    """The generated tables: the four warehouse tables and the ground truth."""

    customers: pa.Table
    interactions: pa.Table
    responses: pa.Table
    transactions: pa.Table
    truth: pa.Table

    def tables(self) -> dict[str, pa.Table]:
        """The four warehouse tables by name (not the truth)."""
        return {
            "customers": self.customers,
            "interactions": self.interactions,
            "responses": self.responses,
            "transactions": self.transactions,
        }


def generate(*, customers: int, seed: int, progress: Progress | None = None) -> DemoData:
    """Generate Maison Lumière with ``customers`` persons from ``seed`` (pure, deterministic)."""
    return DemoData(**dict(iter_tables(customers=customers, seed=seed, progress=progress)))


def iter_tables(
    *, customers: int, seed: int, progress: Progress | None = None
) -> Iterator[tuple[str, pa.Table]]:
    """The tables of :func:`generate`, one at a time (customers, truth, transactions,
    interactions, responses), so a caller can store each and let it go before the next."""
    say = progress or (lambda _message: None)
    streams = [
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(seed).spawn(9)
    ]
    r_person, r_calls, r_activity, r_records, r_ids, r_scores, r_text, r_refs, r_relation = streams
    cum_purchase, cum_flat = daily_intensities()

    say(f"persons ({customers:,})")
    p = draw_persons(r_person, customers, cum_purchase)
    say("calls and churn")
    calls = draw_calls(r_calls, p, cum_flat)
    say("purchases, journeys and surveys")
    act = draw_activity(r_activity, p, calls, cum_purchase, cum_flat)
    del calls

    say("customer records")
    customers_table, directory, truth = customer_tables(r_records, r_ids, p, act.log)
    yield "customers", customers_table
    del customers_table
    yield "truth", truth
    del truth
    say("transactions")
    transactions = transactions_table(r_refs, p, act, directory)
    empty = np.zeros(0)
    act.tx_person = act.tx_sec = act.tx_kind = act.tx_amount = act.tx_margin = act.tx_refund = empty
    yield "transactions", transactions
    del transactions
    say("interactions")
    interactions = interactions_table(r_refs, p, act, directory)
    act.log.blocks.clear()
    yield "interactions", interactions
    del interactions
    say("survey responses and verbatims")
    yield "responses", responses_table(r_scores, r_text, r_refs, p, act, directory, r_relation)


__all__ = [
    "APP_RELEASE",
    "CALL_CHURN_DELAY",
    "CALL_CHURN_PROBABILITY",
    "CHANGES",
    "DELIVERY_INCIDENT_START",
    "DELIVERY_PATTERN",
    "DemoData",
    "HIGH_CHURN_SEGMENT",
    "LATE_RATE_AFTER",
    "LATE_RATE_BEFORE",
    "LOST_RATE_AFTER",
    "LOST_RATE_BEFORE",
    "PERIOD_END",
    "PERIOD_START",
    "RELATION_DRIVERS",
    "SEGMENTS",
    "SEGMENT_KEYS",
    "TOUCHPOINTS",
    "TOUCHPOINT_CHANNELS",
    "day_index",
    "generate",
    "iter_tables",
]
