"""Replace warehouse tables all or nothing, on any engine: stage, then swap.

Each new table is written in full under a staging name (``<table>__next``); only then are the
old tables dropped and the staged ones renamed. DuckDB and PostgreSQL run the swap in one
transaction (their DDL is transactional). An engine without transactions across statements
(Spark) gets a **journal**: a small table (:data:`JOURNAL`) naming the tables being swapped is
written before the first drop and dropped after the last rename. A process that stops in
between leaves the journal, and the next one to open the warehouse finishes the swap
(:func:`recover`): every staged table of the journal replaces its table, so readers see all
the new tables or none of them once the warehouse is open. Staged tables without a journal
are an unfinished staging: left, and overwritten by the next staging of that table (another
process may be writing them right now).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ibis

#: The staging name of a table.
STAGED = "{}__next"
#: The table that names the tables a swap is replacing, while it runs.
JOURNAL = "cxpilot_swap_journal"


def transactional(con: Any) -> bool:
    """Whether the engine runs several statements, DDL included, in one transaction."""
    return con.name in ("duckdb", "postgres")


def staged(name: str) -> str:
    return STAGED.format(name)


def replace(con: Any, tables: Mapping[str, Any], schemas: Mapping[str, Any]) -> None:
    """Replace ``tables`` (name → Arrow table or Ibis expression) all or nothing. Each is
    written under its staging name (cast to its Ibis schema in ``schemas``), then swapped in.
    A table that fails to be written fails before anything stored changes."""
    for name, data in tables.items():
        schema = ibis.schema(schemas[name])
        if isinstance(data, ibis.Table):
            expr = data.select(list(schema.names)).cast(schema)
            con.create_table(staged(name), expr, overwrite=True)
            continue
        data = data.select(list(schema.names)).cast(schema.to_pyarrow())
        if data.num_rows:
            con.create_table(staged(name), data, overwrite=True)
        else:
            con.create_table(staged(name), schema=schema, overwrite=True)
    swap(con, list(tables))


def swap(con: Any, names: Sequence[str]) -> None:
    """Put each staged table of ``names`` in place of its table, all or nothing."""
    if not names:
        return
    if transactional(con):
        statements = []
        for name in names:
            statements.append(f'DROP TABLE IF EXISTS "{name}"')
            statements.append(f'ALTER TABLE "{staged(name)}" RENAME TO "{name}"')
        if con.name == "duckdb":
            con.raw_sql("BEGIN TRANSACTION")
            try:
                for sql in statements:
                    con.raw_sql(sql)
            except Exception:
                con.raw_sql("ROLLBACK")
                raise
            con.raw_sql("COMMIT")
        else:
            with con.begin() as cursor:
                for sql in statements:
                    cursor.execute(sql)
        return
    con.create_table(JOURNAL, ibis.memtable({"name": list(names)}), overwrite=True)
    _finish(con)


def _finish(con: Any) -> None:
    """Carry out the swap the journal names, then drop the journal."""
    names = con.table(JOURNAL).to_pyarrow().column("name").to_pylist()
    present = set(con.list_tables())
    for name in names:
        if staged(name) in present:
            con.drop_table(name, force=True)
            rename(con, staged(name), name)
    con.drop_table(JOURNAL, force=True)


def rename(con: Any, old: str, new: str) -> None:
    """Rename a table: Ibis's ``rename_table`` where the backend has it (Spark, PostgreSQL),
    else the SQL every engine here knows."""
    try:
        con.rename_table(old, new)
    except NotImplementedError:
        con.raw_sql(f'ALTER TABLE "{old}" RENAME TO "{new}"')


def recover(con: Any, present: Iterable[str]) -> None:
    """On opening an engine without transactions: finish a swap a stopped process left half
    done."""
    if JOURNAL in set(present):
        _finish(con)


def drop_staged(con: Any, names: Iterable[str]) -> None:
    for name in names:
        con.drop_table(staged(name), force=True)
