"""The one connection of this process to the experience warehouse (any Ibis backend).

DuckDB, the embedded default, lets one process at a time open its file, even to read. The
processes **take turns**: one that finds the file held asks for its turn (a small file beside
the warehouse, ``<warehouse>.turn``, holding its process id) and waits up to
:data:`WAIT_SECONDS`; the holder gives the file up between two uses of it (a server checks
every :data:`CHECK_SECONDS` while idle, see :func:`give_turns`), waits until the other has
taken it, and takes it back when the other is done. So ``cxpilot import`` or ``cxpilot
metrics`` run while ``cxpilot serve`` runs on the same data; the server's pages wait meanwhile
(and say the warehouse is busy past the wait). Only a process that waited longer than
:data:`WAIT_SECONDS` gets :class:`WarehouseBusy`. All access goes through :func:`warehouse`,
which serialises use of the connection between threads.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
from ibis.backends import BaseBackend

from cxpilot.kernel.errors import WarehouseBusy, WarehouseError, first_line
from cxpilot.warehouse import spark, swap
from cxpilot.warehouse.schema import TABLES

_lock = threading.RLock()
_backend: BaseBackend | None = None
_backend_url: str | None = None
_depth = 0  # how many warehouse() blocks are open (the lock is re-entrant)

#: How long a process waits for another to give it the DuckDB file before saying it is busy.
WAIT_SECONDS = 120.0
#: How often a waiting process tries the file again, and an idle server looks for a request.
CHECK_SECONDS = 0.2


def _url() -> str:
    from django.conf import settings

    from cxpilot.config import lower_scheme

    return lower_scheme(str(settings.CXPILOT_WAREHOUSE_URL))  # type: ignore[misc]


def _home() -> Path:
    from django.conf import settings

    return Path(settings.CXPILOT_HOME)  # type: ignore[misc]


def _turn_file(url: str) -> Path | None:
    """The file through which processes ask for their turn at a DuckDB file (None for an
    in-memory DuckDB or another engine)."""
    if not url.startswith("duckdb://"):
        return None
    path = url.removeprefix("duckdb://").split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith(":memory:"):
        return None
    return Path(path + ".turn")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _asking(turn: Path | None) -> int | None:
    """The process id of another live process asking for its turn, else None."""
    if turn is None:
        return None
    try:
        pid = int(turn.read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return None
    if pid <= 0 or pid == os.getpid() or not _alive(pid):
        return None
    return pid


def _ask(turn: Path) -> None:
    with contextlib.suppress(OSError):
        turn.write_text(str(os.getpid()), encoding="ascii")


def _done_asking(turn: Path | None) -> None:
    if turn is None:
        return
    with contextlib.suppress(OSError, ValueError):
        if int(turn.read_text(encoding="ascii").strip() or 0) == os.getpid():
            turn.unlink()


def _wait_while_asked(turn: Path | None, deadline: float) -> None:
    """While another live process asks for its turn (it has not taken the file yet), wait."""
    while _asking(turn) is not None and time.monotonic() < deadline:
        time.sleep(CHECK_SECONDS)


def _open(url: str) -> BaseBackend:
    """``ibis.connect(url)``; for a DuckDB file held by another process, ask for a turn and
    wait up to :data:`WAIT_SECONDS` for it."""
    if spark.is_spark(url):
        return spark.connect(url, _home())
    turn = _turn_file(url)
    deadline = time.monotonic() + WAIT_SECONDS
    # someone asked first: let them have it before taking it again
    _wait_while_asked(turn, deadline)
    while True:
        try:
            con = ibis.connect(url)
        except Exception as exc:
            if turn is None or "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                _done_asking(turn)
                raise
            if _asking(turn) is None:
                _ask(turn)
            time.sleep(CHECK_SECONDS)
            continue
        _done_asking(turn)
        if turn is not None:
            give_turns()
        return con


def _connect(url: str) -> BaseBackend:
    from cxpilot.config import scrubbed

    try:
        con = _open(url)
    except WarehouseError as exc:  # ours, but it may quote a value of the URL
        raise type(exc)(scrubbed(exc.detail, url), where=exc.where) from None
    except Exception as exc:
        text = str(exc)
        if "lock" in text.lower() and url.startswith("duckdb"):
            pid = re.search(r"PID (\d+)", text)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise WarehouseBusy(
                f"the warehouse file is in use by another process{holder}, which did not give "
                f"it up within {WAIT_SECONDS:g} s. DuckDB lets one process at a time open its "
                "file: CX Pilot's processes take turns between two uses of it, so that "
                "process is in the middle of a long one (an import?); try again when it ends",
                where=url,
            ) from None
        raise WarehouseError(
            f"cannot open the warehouse: {scrubbed(first_line(exc), url)} (CXPILOT_WAREHOUSE_URL)",
            where=redacted(url),
        ) from None
    try:
        if con.name == "postgres":
            _ensure_schema(con)
        if not swap.transactional(con):
            swap.recover(con, con.list_tables())
        ensure_tables(con)
    except WarehouseError:
        raise
    except Exception as exc:
        raise WarehouseError(
            f"cannot prepare the warehouse's tables: {first_line(exc)} (CXPILOT_WAREHOUSE_URL)",
            where=redacted(url),
        ) from None
    return con


def redacted(url: str) -> str:
    """``url`` with its password, if any, written ``***`` (errors name the setting's value)."""
    from cxpilot.config import masked_url

    return masked_url(url)


def _ensure_schema(con: Any) -> None:
    """On PostgreSQL, the schema the URL names (``?schema=warehouse``: the first of the
    search path) is created when it does not exist yet: Ibis selects it but does not create
    it, and every ``CREATE TABLE`` would fail."""
    with con.begin() as cur:
        cur.execute("SELECT current_schema()")
        if cur.fetchone()[0] is not None:
            return
        cur.execute("SHOW search_path")
        path = [p.strip().strip('"') for p in str(cur.fetchone()[0]).split(",")]
    wanted = next((p for p in path if p and p != "$user"), None)
    if wanted is None:
        raise WarehouseError(
            "the database has no schema to create the warehouse's tables in: name one with "
            "?schema=NAME in CXPILOT_WAREHOUSE_URL",
            where="CXPILOT_WAREHOUSE_URL",
        )
    try:
        with con.begin() as cur:
            cur.execute('CREATE SCHEMA IF NOT EXISTS "{}"'.format(wanted.replace('"', '""')))
    except Exception as exc:
        raise WarehouseError(
            f"the schema {wanted!r} of CXPILOT_WAREHOUSE_URL does not exist and could not be "
            f"created ({first_line(exc)}): create it (CREATE SCHEMA {wanted}) or give "
            "the user the right to",
            where="CXPILOT_WAREHOUSE_URL",
        ) from None


def ensure_tables(con: BaseBackend) -> None:
    existing = set(con.list_tables())
    for name, spec in TABLES.items():
        if name not in existing:
            con.create_table(name, schema=spec.ibis_schema())


@contextmanager
def warehouse() -> Iterator[Any]:
    """Yield this process's warehouse backend, holding the connection lock."""
    global _backend, _backend_url, _depth
    with _lock:
        url = _url()
        if _depth == 0 and _backend is not None and _asking(_turn_file(url)) is not None:
            close()  # another process asked for its turn: it gets the file now
        if _backend is None or _backend_url != url:
            close()
            _backend = _connect(url)
            _backend_url = url
        con = _backend
        _depth += 1
        try:
            yield con
        finally:
            _depth -= 1
            if _depth == 0:
                _release_memtables(con)


def _release_memtables(con: Any) -> None:
    """Drop the in-memory tables (``ibis.memtable``) the block registered in the connection.
    Ibis keeps them until the process exits: in a server that runs for weeks, each request's
    would stay in memory. An expression that uses one again registers it again."""
    if con.name == "pyspark":  # its views outlive Ibis's memory of them
        con.release_memtables()
        return
    registered = getattr(con, "_memtables", None)
    if not registered:
        return
    for op in list(registered):
        try:
            if con.name == "duckdb":
                con.con.unregister(op.name)
            else:  # PostgreSQL: a temporary table of the session
                con.drop_table(op.name, force=True)
        except Exception:  # noqa: S112 - a connection closing: kept, as Ibis knows it is there
            continue
        registered.discard(op)


def _give_turn() -> None:
    """Give the file up if another process asks for its turn and no block uses it now."""
    if not _lock.acquire(blocking=False):
        return
    try:
        if _depth == 0 and _backend is not None and _backend_url is not None:
            if _asking(_turn_file(_backend_url)) is not None:
                close()
    finally:
        _lock.release()


_turns: threading.Event | None = None


def give_turns() -> threading.Event:
    """A thread of this process (one, started when it first opens a DuckDB file) that gives
    the file up, while no block uses it, to another process asking for its turn: an idle
    server, or a command busy computing between two uses of the warehouse. Set the returned
    event to stop it."""
    global _turns
    if _turns is not None:
        return _turns
    stop = _turns = threading.Event()

    def run() -> None:
        while not stop.wait(CHECK_SECONDS):
            try:
                _give_turn()
            except Exception:  # noqa: BLE001, S112 - a failed check is tried again
                continue

    threading.Thread(target=run, name="cxpilot-warehouse-turns", daemon=True).start()
    return stop


def close() -> None:
    """Close the connection (it reopens on next use); frees a DuckDB file for other processes."""
    global _backend, _backend_url
    with _lock:
        if _backend is not None and _backend.name == "pyspark":
            # Ibis's disconnect stops the Spark session, which took seconds to start and
            # serves the whole process: the session stays, the backend goes
            _release_memtables(_backend)
        elif _backend is not None:
            try:
                _backend.disconnect()
            except Exception:  # noqa: S110 - closing a broken connection must not fail
                pass
        _backend = None
        _backend_url = None


def counts() -> dict[str, int]:
    """Row count of each warehouse table."""
    with warehouse() as con:
        return {name: int(con.table(name).count().execute()) for name in TABLES}


#: The channel of test answers (a survey's preview): stored in the warehouse, kept out of
#: every figure, and opening no case.
TEST_CHANNEL = "test"


def answers(con: Any) -> Any:
    """The ``responses`` that count: every one but the test answers."""
    r = con.table("responses")
    return r.filter(r.channel.isnull() | (r.channel != TEST_CHANNEL))


# ------------------------------------------------------------------------- transactions

#: A record of the warehouse: ``(source, customer_id)``.
Key = tuple[str, str]
#: Keys matched per statement (a person has a handful of records; bounds the SQL's length).
KEYS_PER_STATEMENT = 200


class Transaction:
    """Statements run in one warehouse transaction (see :func:`transaction`). Values are
    passed as parameters, never written into the SQL; table and column names are this
    code's own, never a user's."""

    def __init__(self, cursor: Any, engine: str) -> None:
        self._cursor = cursor
        self.engine = engine
        self.tables = frozenset(_table_names(cursor, engine))

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        if self.engine == "postgres":
            sql = sql.replace("?", "%s")
        return self._cursor.execute(sql, list(params))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows a query returns (``?`` marks each parameter)."""
        result = self._run(sql, params)
        return list((result if self.engine == "duckdb" else self._cursor).fetchall())

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement (``?`` marks each parameter); return the rows it changed."""
        result = self._run(sql, params)
        if self.engine == "duckdb":
            found = result.fetchone()
            return int(found[0]) if found else 0
        return max(int(self._cursor.rowcount), 0)

    def select_keys(
        self,
        table: str,
        names: Sequence[str],
        keys: Sequence[tuple[Any, ...]],
        columns: Sequence[str] = ("source", "customer_id"),
    ) -> list[tuple[Any, ...]]:
        """The columns ``names`` of the rows of ``table`` whose ``columns`` hold one of
        ``keys`` (none when the warehouse has no such table)."""
        if table not in self.tables or not keys:
            return []
        out: list[tuple[Any, ...]] = []
        wanted = ", ".join(f'"{n}"' for n in names)
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), KEYS_PER_STATEMENT):
            match, params = _match(f'"{table}"', columns, keys[start : start + KEYS_PER_STATEMENT])
            sql = f'SELECT {wanted} FROM "{table}" WHERE {match}'  # noqa: S608 - our names
            out += self.rows(sql, params)
        return out

    def delete_keys(
        self,
        table: str,
        keys: Sequence[tuple[Any, ...]],
        columns: Sequence[str] = ("source", "customer_id"),
        *,
        through: tuple[str, Sequence[str], Sequence[str]] | None = None,
    ) -> int:
        """Delete the rows of ``table`` whose ``columns`` hold one of ``keys``; return how
        many. A table the warehouse does not have deletes nothing.

        ``through=(other, joined, matched)``: delete instead the rows of ``table`` that have a
        row in ``other`` with the same ``joined`` columns and ``matched`` columns holding one
        of ``keys`` (the themes of the answers of some customers)."""
        if table not in self.tables or not keys:
            return 0
        if through is not None and through[0] not in self.tables:
            return 0
        done = 0
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), KEYS_PER_STATEMENT):
            part = keys[start : start + KEYS_PER_STATEMENT]
            if through is None:
                match, params = _match(f'"{table}"', columns, part)
                sql = f'DELETE FROM "{table}" WHERE {match}'  # noqa: S608 - our names
                done += self.execute(sql, params)
            else:
                other, joined, matched = through
                match, params = _match("o", matched, part)
                same = " AND ".join(f'o."{c}" = "{table}"."{c}"' for c in joined)
                sql = (
                    f'DELETE FROM "{table}" WHERE EXISTS '  # noqa: S608 - our names
                    f'(SELECT 1 FROM "{other}" o WHERE {same} AND ({match}))'
                )
                done += self.execute(sql, params)
        return done


def _match(alias: str, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]) -> tuple[str, list]:
    one = "(" + " AND ".join(f'{alias}."{c}" = ?' for c in columns) + ")"
    params = [value for key in keys for value in key]
    if any(len(key) != len(columns) for key in keys):
        raise ValueError("each key has one value per column")
    return " OR ".join([one] * len(keys)), params


def _table_names(cursor: Any, engine: str) -> list[str]:
    if engine == "duckdb":
        return [r[0] for r in cursor.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    return [r[0] for r in cursor.fetchall()]


@contextmanager
def transaction(con: Any) -> Iterator[Transaction]:
    """One warehouse transaction on ``con`` (from :func:`warehouse`, whose lock the caller
    holds): committed when the block ends, rolled back if it raises. DuckDB and PostgreSQL
    have them; another engine (Spark) gets a :class:`StagedTransaction`."""
    if con.name == "duckdb":
        raw = con.con
        raw.execute("BEGIN TRANSACTION")
        try:
            yield Transaction(raw, "duckdb")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        try:
            raw.execute("COMMIT")
        except Exception:
            with contextlib.suppress(Exception):  # a failed commit may have ended it already
                raw.execute("ROLLBACK")
            raise
    elif con.name == "postgres":
        with con.begin() as cursor:
            yield Transaction(cursor, "postgres")
    else:
        tx = StagedTransaction(con)
        try:
            yield tx
        except BaseException:
            tx.rollback()
            raise
        tx.commit()


class StagedTransaction(Transaction):
    """A warehouse transaction on an engine without transactions across statements (Spark):
    each table a statement changes is rewritten, in full, under its staging name (later
    statements of the transaction read the staged table); the commit swaps every staged
    table in at once (:mod:`cxpilot.warehouse.swap`), a rollback drops them. Written with
    Ibis expressions, so any engine Ibis runs can do it; only the key lookups of
    :class:`Transaction` are offered (no raw SQL)."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self.engine = con.name
        self.tables = frozenset(con.list_tables())
        self._staged: list[str] = []
        self._round = 0

    def _current(self, table: str) -> Any:
        return self._con.table(swap.staged(table) if table in self._staged else table)

    def _keys(self, t: Any, columns: Sequence[str], keys: Sequence[tuple[Any, ...]]) -> Any:
        if any(len(key) != len(columns) for key in keys):
            raise ValueError("each key has one value per column")
        keys = list(dict.fromkeys(keys))
        data = {c: [str(key[i]) for key in keys] for i, c in enumerate(columns)}
        found = ibis.memtable(data, schema=ibis.schema({c: "string" for c in columns}))
        return found.cast({c: t[c].type() for c in columns})

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise WarehouseError(f"no SQL statements on {self.engine}", where="warehouse")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        raise WarehouseError(f"no SQL statements on {self.engine}", where="warehouse")

    def select_keys(
        self,
        table: str,
        names: Sequence[str],
        keys: Sequence[tuple[Any, ...]],
        columns: Sequence[str] = ("source", "customer_id"),
    ) -> list[tuple[Any, ...]]:
        if table not in self.tables or not keys:
            return []
        t = self._current(table)
        found = t.semi_join(self._keys(t, columns, keys), list(columns)).select(*names)
        data = found.to_pyarrow()
        return list(zip(*(data.column(n).to_pylist() for n in names), strict=True))

    def delete_keys(
        self,
        table: str,
        keys: Sequence[tuple[Any, ...]],
        columns: Sequence[str] = ("source", "customer_id"),
        *,
        through: tuple[str, Sequence[str], Sequence[str]] | None = None,
    ) -> int:
        if table not in self.tables or not keys:
            return 0
        if through is not None and through[0] not in self.tables:
            return 0
        t = self._current(table)
        if through is None:
            gone = t.semi_join(self._keys(t, columns, keys), list(columns))
            kept = t.anti_join(self._keys(t, columns, keys), list(columns))
        else:
            other, joined, matched = through
            o = self._current(other)
            hit = o.semi_join(self._keys(o, matched, keys), list(matched))
            hit = hit.select(*joined).distinct()
            gone = t.semi_join(hit, list(joined))
            kept = t.anti_join(hit, list(joined))
        done = int(gone.count().execute())
        if done == 0:
            return 0
        # written under a name of its own first: the staged table may be what it reads
        self._round += 1
        scratch = f"{swap.staged(table)}{self._round}"
        self._con.create_table(scratch, kept, overwrite=True)
        self._con.drop_table(swap.staged(table), force=True)
        swap.rename(self._con, scratch, swap.staged(table))
        if table not in self._staged:
            self._staged.append(table)
        return done

    def commit(self) -> None:
        swap.swap(self._con, self._staged)
        self._staged = []

    def rollback(self) -> None:
        swap.drop_staged(self._con, self._staged)
        self._staged = []
