"""The warehouse connection keeps no in-memory table once the block that used it ends."""

from __future__ import annotations

import os

import ibis
import pyarrow as pa
import pytest

from cxpilot.warehouse.connection import warehouse


@pytest.mark.warehouse
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


def test_a_password_is_not_written_in_an_error():
    from cxpilot.warehouse.connection import redacted

    assert redacted("postgres://bob:s3cr%40t@db:5432/cx?schema=w") == (
        "postgres://bob:***@db:5432/cx?schema=w"
    )
    assert redacted("postgres://bob@db/cx") == "postgres://bob@db/cx"
    assert redacted("duckdb:///data/warehouse.duckdb") == "duckdb:///data/warehouse.duckdb"
    assert redacted("sc://spark:15002/;token=dapi42;use_ssl=true?database=cx") == (
        "sc://spark:15002/;token=***;use_ssl=true?database=cx"
    )


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("pyspark://?database=1bad", "not a Spark database name"),
        ("pyspark://?database=a;DROP", "not a Spark database name"),
        ("pyspark://?master=local[x]", "not a Spark master"),
        ("pyspark://?colour=blue", "unknown option 'colour'"),
    ],
)
def test_a_bad_spark_url_is_one_line_naming_the_setting(settings, url, said):
    from cxpilot.kernel.errors import WarehouseError
    from cxpilot.warehouse import connection

    connection.close()
    settings.CXPILOT_WAREHOUSE_URL = url
    with pytest.raises(WarehouseError, match=said) as raised, warehouse():
        pass
    assert "CXPILOT_WAREHOUSE_URL" in str(raised.value) + str(raised.value.where)


def test_an_engine_that_cannot_be_reached_is_one_line_naming_the_setting(settings):
    from cxpilot.kernel.errors import CxPilotError
    from cxpilot.warehouse import connection

    connection.close()
    settings.CXPILOT_WAREHOUSE_URL = "postgres://nobody:hunter2@127.0.0.1:9/none"
    try:
        with pytest.raises(CxPilotError) as caught:
            with warehouse():
                pass
    finally:
        connection.close()
    text = str(caught.value)
    assert "CXPILOT_WAREHOUSE_URL" in text and "\n" not in text
    assert "hunter2" not in text and "hunter2" not in str(caught.value.where)


@pytest.mark.skipif(
    not os.environ.get("CXPILOT_TEST_DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (CXPILOT_TEST_DATABASE_URL)",
)
def test_the_schema_named_in_the_url_is_created_on_a_fresh_database(settings):
    """``postgres://…?schema=warehouse`` on a database without that schema: it is created and
    the tables go in it (Ibis selects it but does not create it)."""
    import uuid

    import psycopg

    from cxpilot.warehouse import connection

    base = os.environ["CXPILOT_TEST_DATABASE_URL"]
    name = f"wh_{uuid.uuid4().hex[:10]}"
    connection.close()
    settings.CXPILOT_WAREHOUSE_URL = f"{base}{'&' if '?' in base else '?'}schema={name}"
    try:
        assert connection.counts()["responses"] == 0
        with psycopg.connect(base.split("?")[0], autocommit=True) as pg:
            found = pg.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (name,),
            ).fetchall()
        assert {"customers", "responses", "interactions", "transactions"} <= {
            row[0] for row in found
        }
    finally:
        connection.close()
        with psycopg.connect(base.split("?")[0], autocommit=True) as pg:
            pg.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
