"""The warehouse connection keeps no in-memory table once the block that used it ends."""

from __future__ import annotations

import os
import time

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
        ("pyspark://?database=", "option database= is empty"),
        ("pyspark://?database=a&database=b", "option database= is given twice"),
        ("pyspark://?master=local[0]", "not a Spark master"),
        ("pyspark://?master=yarn;rm", "not a Spark master"),
        ("pyspark://bob:hunter2@host:123/", "takes no host \\('host:123'\\)"),
        ("pyspark:///../../etc", "may not hold '..'"),
        ("pyspark:///data/../etc", "may not hold '..'"),
        # a folder named wrong would be a new, empty warehouse; Derby and spark-submit
        # cannot take some characters
        ("pyspark:relative/folder", "must be a full path, from / \\('relative/folder'"),
        ("pyspark:///data/cx%20pilot", "not URL-encoded: a space as a space \\('/data/cx pilot'"),
        ('pyspark:///data/a"b', "may not hold '\"'"),
        ("pyspark:///data/semi;colon", "may not hold ';'"),
        ("pyspark:///data/tab\there", "holds a control character"),
        ("pyspark:///data/a#b", "may not hold '#'"),
        # a scheme is case-insensitive: the checks are the same
        ("PySpark:///data/semi;colon", "may not hold ';'"),
        # no secret is said back, wherever it was written
        ("sc://u:hunter2@localhost:1/", "takes no user or password"),
        ("SC://u:hunter2@localhost:1/", "takes no user or password"),
        ("sc://localhost:1/;Token=SECRET-TOKEN", "'Token' .* is not an option name"),
        ("sc://localhost:1/; token=SECRET-TOKEN", "' token' .* is not an option name"),
        ("sc://localhost:1/;=SECRET-TOKEN", "'' .* is not an option name"),
        ("sc://localhost:1/?database=cx;token=SECRET-TOKEN", "not a Spark database name"),
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
    assert "hunter2" not in str(raised.value) and "SECRET" not in str(raised.value)


def test_a_local_spark_warehouse_open_in_another_process_is_one_line(tmp_path):
    """The embedded metastore serves one process: the second is told so at once, before a
    JVM starts, rather than after a minute and thousands of lines of Java."""
    import subprocess
    import sys

    from cxpilot.kernel.errors import WarehouseError
    from cxpilot.warehouse import spark

    pytest.importorskip("pyspark")
    metastore = tmp_path / "spark-metastore"
    metastore.mkdir()
    (metastore / "dbex.lck").write_bytes(b"")
    holder = subprocess.Popen(  # holds the lock as Derby does, until told to stop
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR); "
            "fcntl.lockf(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
            str(metastore / "dbex.lck"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert spark._metastore_held(metastore)
        with pytest.raises(WarehouseError, match="open in another process") as raised:
            spark.session(f"pyspark://{tmp_path}", tmp_path / "home")
        assert "\n" not in str(raised.value)
    finally:
        holder.communicate("", timeout=30)
    assert not spark._metastore_held(metastore)  # the lock goes with its process
    assert not spark._metastore_held(tmp_path / "nowhere")


def _serve_once(answer: bytes | None) -> tuple[int, object]:
    """A server on a free port that reads what comes, then sends ``answer`` (None: nothing,
    it keeps the connection open); returns its port and its thread."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve() -> None:
        with listener:
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(1024)
                    if answer is None:
                        conn.recv(1024)  # until the client gives up
                    else:
                        conn.sendall(answer)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


@pytest.mark.parametrize(
    "answer", [b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", b"", None]
)
def test_a_server_that_is_not_spark_connect_is_one_line(monkeypatch, answer):
    from cxpilot.kernel.errors import WarehouseError
    from cxpilot.warehouse import spark

    monkeypatch.setattr(spark, "CONNECT_TIMEOUT", 1.0)
    port, thread = _serve_once(answer)
    with pytest.raises(WarehouseError, match="not a Spark Connect server") as raised:
        spark._reachable(f"sc://127.0.0.1:{port}")
    assert "CXPILOT_WAREHOUSE_URL" in str(raised.value)
    thread.join(10)  # type: ignore[attr-defined]


def test_use_ssl_is_true_or_false():
    from cxpilot.kernel.errors import WarehouseError
    from cxpilot.warehouse import spark

    with pytest.raises(WarehouseError, match="use_ssl='maybe' .* is neither true nor false"):
        spark._reachable("sc://127.0.0.1:1/;use_ssl=maybe")


def test_an_http2_server_is_taken_for_spark_connect():
    from cxpilot.warehouse import spark

    settings_frame = bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
    port, thread = _serve_once(settings_frame)
    spark._reachable(f"sc://127.0.0.1:{port}")
    thread.join(10)  # type: ignore[attr-defined]


class _Refusing:
    """A gRPC server's handler that answers every call with ``code`` (None: no service at
    all, so UNIMPLEMENTED; or it waits past the client's deadline)."""

    def __init__(self, code):
        self.code = code

    def service(self, details):
        import grpc

        def answer(request, context):
            if self.code == "wait":
                time.sleep(3)
                return b""
            context.abort(self.code, "bearer token rejected")

        if self.code is None:
            return None
        return grpc.unary_unary_rpc_method_handler(answer)


@pytest.mark.parametrize(
    ("code", "said"),
    [
        (None, "is not a Spark Connect server \\(UNIMPLEMENTED"),
        ("UNAUTHENTICATED", "refused the address's token \\(bearer token rejected\\)"),
        ("wait", "did not answer as a Spark Connect server within 1 s"),
    ],
)
def test_a_grpc_server_that_is_not_spark_connect_is_one_line(monkeypatch, code, said):
    pytest.importorskip("pyspark.sql.connect.proto")
    from concurrent import futures

    import grpc

    from cxpilot.kernel.errors import WarehouseError
    from cxpilot.warehouse import spark

    monkeypatch.setattr(spark, "CONNECT_TIMEOUT", 1.0)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    status = getattr(grpc.StatusCode, code) if code not in (None, "wait") else code
    server.add_generic_rpc_handlers([_Refusing(status)])
    port = server.add_insecure_port("localhost:0")
    server.start()
    try:
        url = f"sc://localhost:{port}/;token=SECRET-TOKEN"
        spark._reachable(url)  # it speaks HTTP/2: only asking Spark's version tells
        with pytest.raises(WarehouseError, match=said) as raised:
            spark._answers_spark_connect(url)
    finally:
        server.stop(0)
    text = str(raised.value)
    assert "CXPILOT_WAREHOUSE_URL" in text and "\n" not in text and "SECRET" not in text


@pytest.mark.parametrize(
    "url", ["sc://localhost:{port}/;token=SECRET-TOKEN/x", "sc://localhost:{port}/;token=SECRET=="]
)
def test_the_spark_clients_own_refusal_keeps_the_token(settings, url):
    # Spark's client refuses these itself, quoting the address: the token is not said back
    pytest.importorskip("pyspark.sql.connect.proto")
    from concurrent import futures

    import grpc

    from cxpilot.kernel.errors import WarehouseError
    from cxpilot.warehouse import connection

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = server.add_insecure_port("localhost:0")
    server.start()
    connection.close()
    settings.CXPILOT_WAREHOUSE_URL = url.format(port=port)
    try:
        with pytest.raises(WarehouseError) as raised, warehouse():
            pass
    finally:
        server.stop(0)
        connection.close()
    text = str(raised.value)
    assert "SECRET" not in text and "***" in text and "\n" not in text


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


@pytest.mark.warehouse
def test_a_thread_of_a_process_with_a_spark_session_gets_it(db, settings):
    """A server's request threads and the inbox worker open the warehouse in threads of
    their own: on Spark, the session is per thread but its JVM (and the metastore's lock) the
    process's, which must not be taken for another process."""
    import threading

    from cxpilot.warehouse import spark
    from cxpilot.warehouse.connection import _home

    url = settings.CXPILOT_WAREHOUSE_URL
    if not url.startswith("pyspark://"):
        pytest.skip("a local Spark session's")
    with warehouse():
        pass  # the session is started in this thread
    found: dict[str, object] = {}

    def other() -> None:
        try:
            found["session"] = spark.session(url, _home())
        except Exception as exc:  # noqa: BLE001 - reported below
            found["error"] = exc

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(120)
    assert "error" not in found, found.get("error")
    assert found["session"] is not None
