"""Writes of the demo company: load its organisation, generate its data into the warehouse.

The generation itself is pure (:mod:`cxpilot.demo.generator`); this module does the I/O:
the organisation into the app database, the four tables into the warehouse (replacing what
was there), and the ground truth to ``<CXPILOT_HOME>/demo/truth.parquet``.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings

from cxpilot.demo.generator import PERIOD_END, iter_tables
from cxpilot.domains import DOMAINS
from cxpilot.kernel.errors import ValidationError
from cxpilot.warehouse import connection
from cxpilot.warehouse.ingest import load_arrow

MIN_CUSTOMERS = 100
MAX_CUSTOMERS = 5_000_000
WAREHOUSE_TABLES = ("customers", "interactions", "responses", "transactions")
#: Rows per insert: bounds the memory of the typed copy made for the warehouse.
LOAD_SLICE_ROWS = 3_000_000


def truth_path() -> Path:
    """Where :func:`demo_generate` writes the ground truth (person of every source record)."""
    return Path(settings.CXPILOT_HOME) / "demo" / "truth.parquet"  # type: ignore[misc]


def _check(customers: Any, seed: Any) -> None:
    if isinstance(customers, bool) or not isinstance(customers, int):
        raise ValidationError("the number of customers must be a whole number", where="--customers")
    if not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        raise ValidationError(
            f"{customers:,} is out of range; give between {MIN_CUSTOMERS:,} and {MAX_CUSTOMERS:,} customers",
            where="--customers",
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValidationError("the seed must be a whole number", where="--seed")
    if not 0 <= seed < 2**63:
        raise ValidationError(
            f"{seed} is out of range; give a seed from 0 to 2**63 - 1", where="--seed"
        )


def _with_import_time(table: pa.Table, now: np.datetime64) -> pa.Table:
    """Add ``imported_at`` (one timestamp for the whole run) without a Python list per row."""
    return table.append_column("imported_at", pa.array(np.full(table.num_rows, now)))


def _load(name: str, table: pa.Table) -> int:
    """Replace warehouse table ``name`` with ``table``, in slices to bound memory."""
    added = 0
    for start in range(0, max(table.num_rows, 1), LOAD_SLICE_ROWS):
        piece = table.slice(start, LOAD_SLICE_ROWS)
        added += load_arrow(table=name, data=piece, replace=start == 0)
        del piece
        pa.default_memory_pool().release_unused()
        # free the embedded engine's buffers too (the connection reopens on next use)
        connection.close()
    return added


def demo_generate(
    *, customers: int, seed: int, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Generate the demo company with ``customers`` persons from ``seed``.

    Loads the organisation (departments, journey, segments, touchpoints, brand promises), its
    maturity campaigns and governance (RACI, council), replaces the warehouse tables customers, interactions, responses and transactions with the
    generated ones, writes the ground truth next to the data, and returns the rows per table.
    The same seed gives the same data. See ``docs/demo-data.md`` for what is planted in it.
    """
    _check(customers, seed)
    say = progress or (lambda _message: None)
    period_end = _dt.date.fromisoformat(PERIOD_END)
    for name, load in _demo_steps("before"):
        say(name)
        load(seed=seed, period_end=period_end)
    now = np.datetime64(_dt.datetime.now(_dt.UTC).replace(tzinfo=None), "us")
    target = truth_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    counts: dict[str, int] = {}
    try:
        for name, table in iter_tables(customers=customers, seed=seed, progress=say):
            if name == "truth":
                pq.write_table(table, partial, compression="zstd")
                continue
            say(f"loading {name} ({table.num_rows:,} rows)")
            counts[name] = _load(name, _with_import_time(table, now))
            del table
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    for name, load in _demo_steps("after"):
        say(name)
        load(seed=seed, period_end=period_end)
    return {name: counts[name] for name in WAREHOUSE_TABLES}


def _demo_steps(phase: str) -> list[tuple[str, Callable[..., dict[str, Any]]]]:
    """The domains' demo loaders (``<domain>.demo.demo_load``) of one phase, in registry order:
    "before" the warehouse data is generated, or "after"."""
    return [
        (domain.name, import_module(f"cxpilot.{domain.name}.demo").demo_load)
        for domain in DOMAINS
        if domain.demo == phase
    ]
