"""Writes of the demo company: load its organisation, generate its data into the warehouse.

The generation itself is pure (:mod:`cxpilot.demo.generator`); this module does the I/O:
the organisation into the app database, the four tables into the warehouse (replacing what
was there), and the ground truth to ``<CXPILOT_HOME>/demo/truth.parquet``.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from django.conf import settings

from cxpilot.core.errors import ValidationError
from cxpilot.core.services import org_load
from cxpilot.demo.generator import PERIOD_END, iter_tables
from cxpilot.warehouse import connection
from cxpilot.warehouse.ingest import load_arrow

MIN_CUSTOMERS = 100
MAX_CUSTOMERS = 5_000_000
WAREHOUSE_TABLES = ("customers", "interactions", "responses", "transactions")
#: Rows per insert: bounds the memory of the typed copy made for the warehouse.
LOAD_SLICE_ROWS = 3_000_000


def organisation() -> dict[str, Any]:
    """The demo company's organisation, as the mapping ``org_load`` takes."""
    text = resources.files("cxpilot.demo").joinpath("organisation.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


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
    say("organisation")
    org_load(data=organisation(), source="demo organisation")
    say("maturity campaigns")
    from cxpilot.maturity.demo import maturity_demo_load

    maturity_demo_load(seed=seed)
    say("governance")
    from cxpilot.governance.demo import governance_demo_load

    governance_demo_load()
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
    say("closing the loop")
    demo_loop()
    say("verbatim analytics")
    demo_text()
    return {name: counts[name] for name in WAREHOUSE_TABLES}


def demo_text() -> dict[str, int]:
    """Discover the themes of the demo verbatims and analyse them (language, themes,
    sentiment), so the irritants and theme pages have something to show."""
    from cxpilot.text.services import themes_discover, verbatims_analyse

    try:
        found = themes_discover(themes=20, seed=0)
    except ValidationError:  # a tiny demo has too few verbatims to find themes in
        return {"themes": 0, "mentions": 0}
    done = verbatims_analyse(full=True)
    return {"themes": found["themes"], "mentions": done["mentions"]}


def demo_loop() -> dict[str, int]:
    """Follow-up cases for the demo's last month of answers, and the alerts of its history.

    The cases and alerts of an earlier demo are removed first: they referred to answers the
    regeneration replaced.
    """
    from cxpilot.voc.alerts import alerts_check
    from cxpilot.voc.cases import cases_open_from_warehouse
    from cxpilot.voc.models import Alert, FollowUpCase

    FollowUpCase.objects.all().delete()
    Alert.objects.all().delete()
    last_month = _dt.date.fromisoformat(PERIOD_END).replace(day=1)
    opened = cases_open_from_warehouse(since=last_month)
    day_after = _dt.date.fromisoformat(PERIOD_END) + _dt.timedelta(days=1)
    alerts = alerts_check(period="month", as_of=day_after, history=True)
    return {"cases": opened, "alerts": len(alerts)}
