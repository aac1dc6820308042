"""Tables replaced all or nothing on any engine: staged, then swapped; a swap a stopped process
left half done is finished by the next one; a staged transaction deletes or leaves all."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from cxpilot.warehouse import swap
from cxpilot.warehouse.connection import StagedTransaction, warehouse
from cxpilot.warehouse.ingest import load_arrow

pytestmark = pytest.mark.warehouse

SCHEMA = {"k": "string", "v": "int64"}


def _rows(con, name: str) -> list[tuple[str, int]]:
    data = con.table(name).to_pyarrow()
    return sorted(zip(data["k"].to_pylist(), data["v"].to_pylist(), strict=True))


def test_replace_puts_every_table_in_place_and_leaves_no_staging(db):
    with warehouse() as con:
        con.create_table("a", ibis.memtable(pa.table({"k": ["old"], "v": [0]})))
        swap.replace(
            con,
            {
                "a": pa.table({"k": ["x", "y"], "v": [1, 2]}),
                "b": pa.table({"k": pa.array([], pa.string()), "v": pa.array([], pa.int64())}),
            },
            {"a": SCHEMA, "b": SCHEMA},
        )
        assert _rows(con, "a") == [("x", 1), ("y", 2)]
        assert _rows(con, "b") == []
        left = set(con.list_tables())
        assert not {n for n in left if n.endswith("__next")}
        assert swap.JOURNAL not in left


def test_a_swap_left_half_done_is_finished_by_the_next_opening(db):
    with warehouse() as con:
        for name, value in (("a", 0), ("b", 0)):
            con.create_table(name, ibis.memtable(pa.table({"k": ["old"], "v": [value]})))
            con.create_table(swap.staged(name), ibis.memtable(pa.table({"k": ["new"], "v": [1]})))
        # the process wrote its journal, swapped a, and stopped before b
        con.create_table(swap.JOURNAL, ibis.memtable({"name": ["a", "b"]}))
        con.drop_table("a")
        swap.rename(con, swap.staged("a"), "a")
        swap.recover(con, con.list_tables())
        assert _rows(con, "a") == [("new", 1)]
        assert _rows(con, "b") == [("new", 1)]
        assert swap.JOURNAL not in con.list_tables()
        assert swap.staged("b") not in con.list_tables()


def _customers(con) -> list[tuple[str, str]]:
    data = con.table("customers").select("source", "customer_id").to_pyarrow()
    return sorted(zip(data["source"].to_pylist(), data["customer_id"].to_pylist(), strict=True))


def _load(db) -> None:
    load_arrow(
        table="customers",
        data=pa.table(
            {"customer_id": ["c1", "c2", "c3"], "source": ["crm", "crm", "shop"]},
        ),
    )


def test_a_staged_transaction_rolled_back_leaves_everything_as_it_was(db):
    _load(db)
    with warehouse() as con:
        tx = StagedTransaction(con)
        assert tx.select_keys("customers", ["customer_id"], [("crm", "c1")]) == [("c1",)]
        assert tx.delete_keys("customers", [("crm", "c1"), ("shop", "c3")]) == 2
        # the transaction reads what it staged
        assert tx.select_keys("customers", ["customer_id"], [("crm", "c1")]) == []
        assert tx.delete_keys("customers", [("crm", "c2")]) == 1
        assert tx.delete_keys("customers", [("crm", "nobody")]) == 0
        assert tx.delete_keys("not_a_table", [("crm", "c2")]) == 0
        assert len(_customers(con)) == 3  # nothing changed before the commit
        tx.rollback()
        assert _customers(con) == [("crm", "c1"), ("crm", "c2"), ("shop", "c3")]
        assert not {n for n in con.list_tables() if n.endswith("__next")}


def test_a_staged_transaction_committed_deletes_every_row_it_named(db):
    _load(db)
    with warehouse() as con:
        tx = StagedTransaction(con)
        tx.delete_keys("customers", [("crm", "c1")])
        tx.delete_keys("customers", [("shop", "c3")])
        tx.commit()
        assert _customers(con) == [("crm", "c2")]
        assert swap.JOURNAL not in con.list_tables()


def test_a_table_in_parts_one_of_them_empty_is_written_whole(db):
    # Spark reads an Arrow table only up to its first empty part: every row must land
    parts = pa.concat_tables(
        [
            pa.table({"k": ["a", "b"], "v": [1, 2]}),
            pa.table({"k": pa.array([], pa.string()), "v": pa.array([], pa.int64())}),
            pa.table({"k": ["c"], "v": [3]}),
        ]
    )
    assert [b.num_rows for b in parts.to_batches()] == [2, 0, 1]
    with warehouse() as con:
        swap.replace(con, {"a": parts}, {"a": SCHEMA})
        assert _rows(con, "a") == [("a", 1), ("b", 2), ("c", 3)]
        con.create_table("m", ibis.memtable(parts))
        assert _rows(con, "m") == [("a", 1), ("b", 2), ("c", 3)]
