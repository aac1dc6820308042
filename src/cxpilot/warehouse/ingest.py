"""Writes to the experience warehouse: all-or-nothing, idempotent by ``(source, id)``."""

from __future__ import annotations

import datetime as _dt

import ibis
import pyarrow as pa

from cxpilot.warehouse.connection import warehouse
from cxpilot.warehouse.schema import table as table_spec


def conform(table: str, data: pa.Table) -> pa.Table:
    """Cast ``data`` to the warehouse layout of ``table``: every column, in order, typed.

    Missing optional columns become nulls; ``attributes`` defaults to null and
    ``imported_at`` to now (UTC).
    """
    spec = table_spec(table)
    schema = spec.ibis_schema().to_pyarrow()
    n = data.num_rows
    arrays = []
    for fld in schema:
        if fld.name in data.column_names:
            arrays.append(data.column(fld.name).cast(fld.type))
        elif fld.name == "imported_at":
            now = _dt.datetime.now(_dt.UTC).replace(tzinfo=None)
            arrays.append(pa.array([now] * n, type=fld.type) if n else pa.array([], fld.type))
        else:
            arrays.append(pa.nulls(n, type=fld.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def load_arrow(*, table: str, data: pa.Table, replace: bool = False) -> int:
    """Append the rows of ``data`` whose ``(source, id)`` is new; return how many were added.

    One INSERT … SELECT statement: either every new row lands or none does. With
    ``replace=True`` the table is emptied first (used by the demo generator).
    """
    spec = table_spec(table)
    rows = conform(table, data)
    with warehouse() as con:
        if replace:
            con.create_table(table, schema=spec.ibis_schema(), overwrite=True)
        if rows.num_rows == 0:
            return 0
        staged = ibis.memtable(rows)
        existing = con.table(table).select("source", spec.key)
        new = staged.anti_join(existing, ["source", spec.key]) if not replace else staged
        before = int(con.table(table).count().execute())
        con.insert(table, new)
        after = int(con.table(table).count().execute())
    return after - before


def count_present(*, table: str, data: pa.Table) -> int:
    """How many rows of ``data`` are already in the warehouse (same ``(source, id)``): an
    import would not add them again."""
    spec = table_spec(table)
    if data.num_rows == 0:
        return 0
    keys = ibis.memtable(data.select(["source", spec.key]))
    with warehouse() as con:
        existing = con.table(table).select("source", spec.key)
        return int(keys.semi_join(existing, ["source", spec.key]).count().execute())
