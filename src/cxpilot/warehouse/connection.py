"""The one connection of this process to the experience warehouse (any Ibis backend).

DuckDB, the embedded default, lets one process write a file: the server when it runs, else
the CLI. A second writer gets :class:`WarehouseBusy` saying so. All access goes through
:func:`warehouse`, which serialises use of the connection between threads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ibis
from ibis.backends import BaseBackend

from cxpilot.kernel.errors import WarehouseBusy, WarehouseError
from cxpilot.warehouse.schema import TABLES

_lock = threading.RLock()
_backend: BaseBackend | None = None
_backend_url: str | None = None


def _url() -> str:
    from django.conf import settings

    return str(settings.CXPILOT_WAREHOUSE_URL)  # type: ignore[misc]


def _connect(url: str) -> BaseBackend:
    try:
        con = ibis.connect(url)
    except Exception as exc:
        text = str(exc)
        if "lock" in text.lower() and url.startswith("duckdb"):
            pid = re.search(r"PID (\d+)", text)
            holder = f" (process {pid.group(1)})" if pid else ""
            raise WarehouseBusy(
                f"the warehouse file is in use by another process{holder}. Only one process may "
                "write a DuckDB warehouse: stop `cxpilot serve` (or the other command) first, or "
                "send data through the server's API",
                where=url,
            ) from None
        raise WarehouseError(
            f"cannot open the warehouse: {text.splitlines()[0]}", where=url
        ) from None
    ensure_tables(con)
    return con


def ensure_tables(con: BaseBackend) -> None:
    existing = set(con.list_tables())
    for name, spec in TABLES.items():
        if name not in existing:
            con.create_table(name, schema=spec.ibis_schema())


@contextmanager
def warehouse() -> Iterator[Any]:
    """Yield this process's warehouse backend, holding the connection lock."""
    global _backend, _backend_url
    with _lock:
        url = _url()
        if _backend is None or _backend_url != url:
            close()
            _backend = _connect(url)
            _backend_url = url
        yield _backend


def close() -> None:
    """Close the connection (it reopens on next use); frees a DuckDB file for other processes."""
    global _backend, _backend_url
    with _lock:
        if _backend is not None:
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
