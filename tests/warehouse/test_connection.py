"""The warehouse connection keeps no in-memory table once the block that used it ends."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from cxpilot.warehouse.connection import warehouse


def test_a_memtable_is_released_when_the_block_ends(db):
    t = ibis.memtable(pa.table({"x": [1, 2, 3]}))
    with warehouse() as con:
        with warehouse() as inner:  # a block inside a block: released at the outer end only
            assert inner.execute(t.x.sum()) == 6
        assert len(con._memtables) == 1
        assert con.execute(t.x.sum()) == 6
    assert len(con._memtables) == 0
    if con.name == "duckdb":
        with pytest.raises(Exception, match=t.op().name):
            con.con.execute(f'SELECT * FROM "{t.op().name}"')
    with warehouse() as con:  # used again, it is registered again
        assert con.execute(t.x.sum()) == 6
    assert len(con._memtables) == 0
