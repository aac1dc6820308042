"""The experience warehouse on Apache Spark, through Ibis's PySpark backend.

Two forms of ``CXPILOT_WAREHOUSE_URL``:

``pyspark://`` (or ``pyspark:///DIR``)
    A local Spark session in this process: the tables are Parquet files under
    ``spark-warehouse`` in ``DIR`` (default: the data directory), their catalogue a Hive
    metastore beside it (``spark-metastore``, an embedded Derby database: one process at a
    time).
``sc://HOST:PORT`` (Spark Connect)
    A Spark cluster's Connect server (Spark ≥ 3.4, Databricks): the cluster keeps the tables
    in its own catalogue and storage. Options go in the address as Spark Connect takes them
    (``sc://host:15002/;token=…;use_ssl=true``).

Either form takes ``?database=NAME`` (``pyspark://?database=cx``; for Spark Connect
``sc://host:15002/;database=cx`` is not a Connect option, so write ``?database=`` after it):
the Spark database (schema) of the warehouse's tables, created when missing; default
``default``. ``?master=local[4]`` sets the local session's master (default ``local[*]``).

Spark has no transaction across statements: :mod:`cxpilot.warehouse.swap` writes every
change to staging tables first and swaps them in (see there).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cxpilot.kernel.errors import WarehouseError, first_line

SCHEMES = ("pyspark", "sc")
#: The JVM's logging: errors of Spark itself only, none of the metastore's start-up (their
#: stack traces are thousands of lines; CX Pilot says what went wrong in one).
QUIET_LOG = Path(__file__).parent / "data" / "log4j2.properties"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_MASTER = re.compile(r"local(\[(\*|[1-9]\d{0,3})(,\d{1,4})?\])?|(spark|k8s)://[^\s]+|yarn")


def is_spark(url: str) -> bool:
    return url.split(":", 1)[0] in SCHEMES


def _options(url: str) -> dict[str, str]:
    query = urlsplit(url).query
    found = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(found) - {"database", "master"})
    if unknown:
        raise WarehouseError(
            f"unknown option {unknown[0]!r} in CXPILOT_WAREHOUSE_URL (a Spark warehouse takes "
            "database= and, for a local session, master=)",
            where="CXPILOT_WAREHOUSE_URL",
        )
    for key, values in found.items():
        if len(values) > 1 or not values[0]:
            how = "is given twice" if len(values) > 1 else "is empty"
            raise WarehouseError(
                f"option {key}= {how} in CXPILOT_WAREHOUSE_URL", where="CXPILOT_WAREHOUSE_URL"
            )
    return {key: values[0] for key, values in found.items()}


def _option(url: str, key: str, default: str, pattern: re.Pattern[str], what: str) -> str:
    """The URL's option ``key`` (``default`` when absent), checked by ``pattern``;
    ``what`` says in the error what it should be."""
    value = _options(url).get(key, default)
    if not pattern.fullmatch(value):
        raise WarehouseError(
            f"{key}={value!r} in CXPILOT_WAREHOUSE_URL is not {what}", where="CXPILOT_WAREHOUSE_URL"
        )
    return value


def database_name(url: str) -> str:
    """The Spark database the URL names (``default`` when none), checked."""
    return _option(
        url,
        "database",
        "default",
        _NAME,
        "a Spark database name (letters, digits and _, not starting with a digit)",
    )


def _check_master(url: str) -> str:
    """The local session's master the URL names (``local[*]`` when none), checked."""
    return _option(
        url, "master", "local[*]", _MASTER, "a Spark master (local, local[4], spark://host:7077 …)"
    )


def local_dir(url: str, home: Path) -> Path:
    """The folder of a local session (the URL's path, else the data directory): its tables
    go in ``spark-warehouse`` there, their metastore in ``spark-metastore``. Checked: a local
    session takes no host, and the path is absolute without ``..``."""
    if re.search(r"[\x00-\x1f\x7f]", url):  # urlsplit drops tabs and line breaks silently
        raise WarehouseError(
            "the warehouse URL holds a control character (a tab or a line break?)",
            where="CXPILOT_WAREHOUSE_URL",
        )
    if "#" in url:  # urlsplit takes what follows as a fragment: another folder, silently
        raise WarehouseError(
            "the folder of pyspark:///FOLDER may not hold '#'", where="CXPILOT_WAREHOUSE_URL"
        )
    parts = urlsplit(url)
    if parts.netloc:
        raise WarehouseError(
            f"a local Spark session takes no host ({parts.netloc.rsplit('@', 1)[-1]!r}): write "
            "pyspark:// or pyspark:///FOLDER, or sc://HOST:PORT for a cluster",
            where="CXPILOT_WAREHOUSE_URL",
        )
    if parts.path in ("", "/"):
        return home
    problem = _folder_problem(parts.path)
    if problem:
        raise WarehouseError(
            f"the folder of pyspark:///FOLDER {problem}", where="CXPILOT_WAREHOUSE_URL"
        )
    return Path(parts.path)


def _folder_problem(path: str) -> str:
    """Why ``path`` cannot be a local session's folder ("" if it can): a folder named wrong
    would silently become a new, empty warehouse, and Derby's and spark-submit's syntax
    take no ``;`` and no ``"``."""
    if not path.startswith("/"):
        return f"must be a full path, from / ({path!r} is not)"
    if ".." in path.split("/"):
        return "may not hold '..': give it in full"
    if re.search(r"%[0-9A-Fa-f]{2}", path):
        return (
            "is written as it is, not URL-encoded: a space as a space "
            f"({unquote(path)!r}, not {path!r})"
        )
    bad = sorted({c for c in path if c in ';"\\'})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"may not hold {shown}: Spark's metastore cannot be opened in it"
    return ""


def _metastore_held(metastore: Path) -> bool:
    """Whether another process has the Derby metastore open (it holds a lock on
    ``dbex.lck`` while it runs). Only asked before this process starts its own session; where
    there are no POSIX locks (Windows), Derby's own refusal says it, later and at length."""
    try:
        import fcntl
    except ImportError:
        return False

    try:
        fd = os.open(metastore / "dbex.lck", os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def session(url: str, home: Path) -> Any:
    """The process's Spark session for ``url`` (created on first use, then shared: a JVM and
    its session start in seconds, so they live as long as the process)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise WarehouseError(
            "a Spark warehouse needs pyspark: pip install 'cxpilot[spark]' (and Java 17 for "
            "a local session)",
            where="CXPILOT_WAREHOUSE_URL",
        ) from None
    if url.startswith("sc://"):
        address = url.split("?", 1)[0]
        _reachable(address)
        _answers_spark_connect(address)
        return SparkSession.builder.remote(address).getOrCreate()
    from pyspark import SparkContext

    master = _check_master(url)
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    folder = local_dir(url, home)
    tables, metastore = folder / "spark-warehouse", folder / "spark-metastore"
    # the session is the thread's, its JVM the process's: a thread of a process that has
    # one (a server's request, the inbox worker) gets it from getOrCreate below; only a
    # process without one asks whether another holds the metastore
    own_jvm = SparkContext._active_spark_context is not None
    if not own_jvm and _metastore_held(metastore):
        raise WarehouseError(
            f"the local Spark warehouse in {folder} is open in another process (a running "
            "cxpilot serve?): a local session serves one process at a time. Import and read "
            "through that server's pages (Import data), or stop it; to run commands beside a "
            "server, use a Spark cluster (sc://) or DuckDB (docs/spark.md)",
            where="CXPILOT_WAREHOUSE_URL",
        )
    tables.mkdir(parents=True, exist_ok=True)
    # Spark's Python workers (for the few operations Ibis hands them) run this interpreter,
    # which has CX Pilot's packages, not the first python3 on the PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # spark-submit splits these options at spaces outside quotes: a folder may hold spaces
    java_options = f'"-Dderby.system.home={folder}" -Dlog4j2.configurationFile={QUIET_LOG.as_uri()}'
    return (
        SparkSession.builder.master(master)
        .appName("cxpilot")
        .config("spark.sql.warehouse.dir", str(tables))
        .config("spark.sql.catalogImplementation", "hive")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore};create=true",
        )
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # a laptop's few cores: Spark's default of 200 shuffle partitions costs seconds
        # per query on small tables; adaptive execution merges them on big ones anyway
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.adaptive.enabled", "true")
        .getOrCreate()
    )


#: How long to wait for a Spark Connect server to accept a connection.
CONNECT_TIMEOUT = 10.0


def _reachable(address: str) -> None:
    """Refuse at once a Connect server that does not answer, or does not speak the TLS the
    address asks for (its client would retry for ten minutes before saying so)."""
    import socket

    head, _, rest = address.partition(";")
    parts = urlsplit(head)
    if "@" in parts.netloc:
        raise WarehouseError(
            "a Spark Connect address takes no user or password before its host: give a token "
            "(sc://HOST:PORT/;token=…) or user_id=",
            where="CXPILOT_WAREHOUSE_URL",
        )
    host, port = parts.hostname or "localhost", parts.port or 15002
    params = dict(p.partition("=")[::2] for p in rest.split(";") if p)
    for key in params:
        if not re.fullmatch(r"[a-z][a-z0-9_.-]*", key):
            raise WarehouseError(
                f"the option {key[:40]!r} of the Spark Connect address is not an option name: "
                "names are in lower case, with '=' and no spaces (token=, use_ssl=, user_id=)",
                where="CXPILOT_WAREHOUSE_URL",
            )
    if params.get("use_ssl", "true").lower() not in ("true", "false"):
        raise WarehouseError(
            f"use_ssl={params['use_ssl'][:20]!r} in the Spark Connect address is neither true "
            "nor false",
            where="CXPILOT_WAREHOUSE_URL",
        )
    use_ssl = params.get("use_ssl", "").lower() == "true"
    # as Spark's client decides: a token asks for TLS, except on localhost without use_ssl
    token = "token" in params or bool(os.environ.get("SPARK_CONNECT_AUTHENTICATE_TOKEN"))
    tls = use_ssl or (token and host != "localhost")
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise WarehouseError(
            f"no Spark Connect server answers at {host}:{port} ({exc.strerror or exc}): start "
            "it, or correct CXPILOT_WAREHOUSE_URL",
            where="CXPILOT_WAREHOUSE_URL",
        ) from None
    if tls:
        sock = _tls(sock, host, port, "use_ssl=true" if use_ssl else "a token")
    with sock:
        if not _speaks_http2(sock):
            raise WarehouseError(
                f"the server at {host}:{port} is not a Spark Connect server (it does not "
                "answer in gRPC): correct CXPILOT_WAREHOUSE_URL",
                where="CXPILOT_WAREHOUSE_URL",
            )


def _answers_spark_connect(address: str) -> None:
    """Refuse at once a gRPC server that is not Spark Connect, or one that refuses the
    address's token: ask it Spark's version, once, within :data:`CONNECT_TIMEOUT` (Spark's
    client would retry for minutes, or hang, before saying so)."""
    import uuid

    import grpc
    from pyspark.sql.connect.client.core import DefaultChannelBuilder
    from pyspark.sql.connect.proto import base_pb2, base_pb2_grpc

    builder = DefaultChannelBuilder(address)
    where = builder.endpoint
    request = base_pb2.AnalyzePlanRequest(
        session_id=builder.session_id or str(uuid.uuid4()),
        user_context=base_pb2.UserContext(user_id=builder.userId or "cxpilot"),
        spark_version=base_pb2.AnalyzePlanRequest.SparkVersion(),
    )
    channel = builder.toChannel()
    try:
        stub = base_pb2_grpc.SparkConnectServiceStub(channel)
        stub.AnalyzePlan(request, timeout=CONNECT_TIMEOUT, metadata=list(builder.metadata()))
    except grpc.RpcError as exc:
        code = exc.code() if callable(getattr(exc, "code", None)) else None
        said = first_line(exc)[:200]
        if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
            why = f"the Spark Connect server at {where} refused the address's token ({said})"
        elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
            why = (
                f"the server at {where} did not answer as a Spark Connect server within "
                f"{CONNECT_TIMEOUT:g} s (a cluster still starting? try again)"
            )
        elif code == grpc.StatusCode.UNAVAILABLE:
            why = (
                f"the Spark Connect server at {where} is not available ({said}; a cluster "
                "still starting? try again)"
            )
        else:
            name = code.name if code is not None else "no status"
            why = f"the server at {where} is not a Spark Connect server ({name}: {said})"
        raise WarehouseError(
            f"{why}: correct CXPILOT_WAREHOUSE_URL", where="CXPILOT_WAREHOUSE_URL"
        ) from None
    finally:
        channel.close()


def _tls(sock: Any, host: str, port: int, why: str) -> Any:
    """``sock`` in TLS, or a one-line error: the server does not speak it."""
    import ssl

    probe = ssl.create_default_context()
    probe.check_hostname = False  # only whether TLS is spoken: the client checks the rest
    probe.verify_mode = ssl.CERT_NONE
    probe.set_alpn_protocols(["h2"])
    try:
        return probe.wrap_socket(sock, server_hostname=host)
    except (ssl.SSLError, OSError):
        sock.close()
        raise WarehouseError(
            f"the Spark Connect server at {host}:{port} does not speak TLS, which {why} in the "
            "address asks for: give the server TLS, or (a server on this machine) address it "
            "as localhost; see CXPILOT_WAREHOUSE_URL",
            where="CXPILOT_WAREHOUSE_URL",
        ) from None


#: What an HTTP/2 client sends first: the preface, then its (empty) settings.
_HTTP2_HELLO = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])


def _speaks_http2(sock: Any) -> bool:
    """Whether the server answers an HTTP/2 client (gRPC, so Spark Connect, runs on HTTP/2):
    its first frame is its settings. Over TLS, it chose HTTP/2 in the handshake."""
    alpn = getattr(sock, "selected_alpn_protocol", None)
    if alpn is not None:
        return bool(alpn() == "h2")
    try:
        sock.sendall(_HTTP2_HELLO)
        head = sock.recv(9)
    except OSError:
        return False
    return len(head) >= 4 and head[3] == 4  # a SETTINGS frame


def connect(url: str, home: Path) -> Any:
    """An Ibis backend on the Spark session of ``url``, using the URL's database."""
    if not url.startswith("sc://"):  # a bad option is refused before a session starts
        _check_master(url)
        local_dir(url, home)
    database_name(url)
    spark = session(url, home)
    with_log_level(spark)
    name = database_name(url)
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{name}`")
    spark.catalog.setCurrentDatabase(name)
    return _backend_class()().connect(spark)


def _backend_class() -> type:
    """Ibis's PySpark backend, with data handed to and from Spark as Arrow: Ibis goes
    through pandas, whose missing strings arrive in Spark as the text ``'NaN'``."""
    import ibis
    from ibis.backends.pyspark import Backend
    from ibis.backends.pyspark.datatypes import PySparkSchema

    _ = ibis.pyspark  # loading the backend through Ibis registers its options

    class ArrowBackend(Backend):  # type: ignore[misc]
        compiler = _compiler()

        def _register_in_memory_table(self, op: Any) -> None:
            data = _without_empty_batches(op.data.to_pyarrow(op.schema))
            schema = PySparkSchema.from_ibis(op.schema)
            self._session.createDataFrame(data, schema=schema).createOrReplaceTempView(op.name)
            self.__dict__.setdefault("_views", set()).add(op.name)

        def release_memtables(self) -> None:
            """Drop every in-memory table registered through this backend. Ibis forgets a
            memtable once its expression is garbage-collected, but Spark keeps the view (and
            its rows) for the session's life: a server would pile them up, and an erased
            person's rows would outlive the erasure."""
            views = self.__dict__.get("_views", set())
            for name in list(views):
                self._session.catalog.dropTempView(name)
                views.discard(name)
            self._memtables.clear()

        def create_table(self, name: str, /, obj: Any = None, **kwargs: Any) -> Any:
            # Ibis ignores ``overwrite`` when it creates an empty table from a schema alone
            if obj is None and kwargs.get("overwrite"):
                self.drop_table(name, database=kwargs.get("database"), force=True)
            return super().create_table(name, obj, **kwargs)

        def _create_cached_table(self, name: str, expr: Any) -> Any:
            self._run_pre_execute_hooks(expr)  # Ibis's own forgets the in-memory tables
            return super()._create_cached_table(name, expr)

        def to_pyarrow(
            self, expr: Any, /, params: Any = None, limit: Any = None, **kwargs: Any
        ) -> Any:
            # Spark hands Arrow over itself (Ibis goes through pandas, which loses a
            # scalar's column name and turns missing values into NaN)
            from ibis.formats.pyarrow import PyArrowData

            self._run_pre_execute_hooks(expr)
            table_expr = expr.as_table()
            schema = table_expr.schema()
            sql = self.compile(table_expr, params=params, limit=limit, **kwargs)
            with self._safe_raw_sql(sql) as query:
                output = query.toArrow()
            names = list(schema.names)
            if set(names) <= set(output.column_names):
                output = output.select(names)  # an offset adds Spark's row number
            else:
                output = output.rename_columns(names)  # a scalar's column
            return expr.__pyarrow_result__(PyArrowData.convert_table(output, schema))

    return ArrowBackend


def _compiler() -> Any:
    """Ibis's Spark SQL compiler, with JSON values read natively, and the ordered
    ``collect`` (the path of a journey) that Spark lacks: the values are collected with their
    sort keys, sorted, then unwrapped
    (``TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(k0, …, v))), e -> e.v)``)."""
    import ibis.expr.operations as ops
    import sqlglot as sg
    import sqlglot.expressions as sge
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler
    from ibis.common.exceptions import UnsupportedOperationError

    integers = ("TINYINT", "SMALLINT", "INT", "BIGINT")
    unwraps = (
        ops.UnwrapJSONString,
        ops.UnwrapJSONInt64,
        ops.UnwrapJSONFloat64,
        ops.UnwrapJSONBoolean,
    )

    class Compiler(PySparkCompiler):  # type: ignore[misc]
        # JSON: Ibis reads a value with get_json_object, which gives a string unquoted, then
        # parses it again in a Python UDF, which fails on that string. Here a value is JSON
        # text, and it is read natively through Spark's VARIANT type.
        SIMPLE_OPS = {
            op: name for op, name in PySparkCompiler.SIMPLE_OPS.items() if op not in unwraps
        }

        def visit_JSONGetItem(self, op: Any, *, arg: Any, index: Any) -> Any:
            path = self.f.format_string("$[%s]" if op.index.dtype.is_integer() else "$.%s", index)
            return self.f.to_json(self.f.variant_get(self.f.try_parse_json(arg), path))

        def _unwrap(
            self, arg: Any, kinds: tuple[str, ...], to: str, prefix: str | None = None
        ) -> Any:
            """The JSON value ``arg`` as type ``to`` when its kind is one of ``kinds`` (or
            starts with ``prefix``), else null."""
            value = self.f.try_parse_json(arg)
            kind = self.f.schema_of_variant(value)
            matches: Any = sge.In(this=kind, expressions=[sge.convert(k) for k in kinds])
            if prefix is not None:
                matches = sge.or_(matches, kind.like(sge.convert(f"{prefix}%")))
            return self.if_(matches, self.f.variant_get(value, "$", to), sge.null())

        def visit_UnwrapJSONString(self, op: Any, *, arg: Any) -> Any:
            return self._unwrap(arg, ("STRING",), "string")

        def visit_UnwrapJSONInt64(self, op: Any, *, arg: Any) -> Any:
            return self._unwrap(arg, integers, "bigint")

        def visit_UnwrapJSONFloat64(self, op: Any, *, arg: Any) -> Any:
            return self._unwrap(arg, (*integers, "FLOAT", "DOUBLE"), "double", prefix="DECIMAL")

        def visit_UnwrapJSONBoolean(self, op: Any, *, arg: Any) -> Any:
            return self._unwrap(arg, ("BOOLEAN",), "boolean")

        def visit_Median(self, op: Any, *, arg: Any, where: Any) -> Any:
            # Ibis filters every argument by ``where``, the 0.5 too, which Spark refuses (a
            # percentage must be a constant): only the values are filtered
            if where is not None:
                arg = self.if_(where, arg, sge.null())
            return self.f.percentile(arg, 0.5)

        def visit_ArrayCollect(
            self, op: Any, *, arg: Any, where: Any, order_by: Any, include_null: Any, distinct: Any
        ) -> Any:
            if not order_by and not include_null:
                return super().visit_ArrayCollect(
                    op,
                    arg=arg,
                    where=where,
                    order_by=order_by,
                    include_null=include_null,
                    distinct=distinct,
                )
            if distinct or any(key.args.get("desc") for key in order_by):
                raise UnsupportedOperationError(
                    "an ordered collect on Spark takes ascending keys and no distinct"
                )
            fields = [key.this.as_(f"k{i}", quoted=True) for i, key in enumerate(order_by)]
            item = sge.Struct.from_arg_list([*fields, arg.as_("v", quoted=True)])
            kept = None if include_null else arg.is_(sge.null()).not_()
            if where is not None:
                kept = where if kept is None else sge.and_(where, kept)
            if kept is not None:
                item = self.if_(kept, item, sge.null())
            e = sg.to_identifier("__cxpilot_e")
            unwrap = sge.Lambda(
                this=sge.Dot(this=e, expression=sg.to_identifier("v", quoted=True)),
                expressions=[e],
            )
            return self.f.transform(self.f.array_sort(self.f.collect_list(item)), unwrap)

    return Compiler()


def _without_empty_batches(data: Any) -> Any:
    """``data`` (an Arrow table) without its empty record batches: Spark's
    ``createDataFrame`` stops reading an Arrow table at its first empty batch, so that the
    rows after it were lost (a table put together from parts, one of them empty, as the demo's
    customers). The batches kept are not copied."""
    import pyarrow as pa

    every = data.to_batches()
    batches = [b for b in every if b.num_rows]
    if not batches or len(batches) == len(every):
        return data
    return pa.Table.from_batches(batches, schema=data.schema)


def with_log_level(spark: Any) -> None:
    """Spark's own INFO lines are not the user's: warnings and errors only."""
    try:
        spark.sparkContext.setLogLevel("ERROR")
    except Exception:  # noqa: S110 - a Connect session has no SparkContext: its server logs
        pass


def drop_database(url: str, home: Path) -> None:
    """Drop the URL's database and every table in it (the tests' clean-up)."""
    spark = session(url, home)
    name = database_name(url)
    if name == "default":
        raise WarehouseError("the default database is not dropped", where="database")
    spark.catalog.setCurrentDatabase("default")
    spark.sql(f"DROP DATABASE IF EXISTS `{name}` CASCADE")
