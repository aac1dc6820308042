"""Results of costly reads kept in memory, per process, for as long as their data is the same.

A heavy page (the irritants) costs a second of computation; five people opening it at once
would make five. :class:`Memo` keeps each result with the *version* of the data it was made
from (a cheap fingerprint the caller reads first: row counts, change dates), and computes a
result only once at a time for a key: those who ask meanwhile wait for it and share it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """Results by key, each kept with the data version it was computed for.

    ``get(key, version, compute)`` returns the kept result when its version is ``version``;
    otherwise it calls ``compute()`` once, however many threads ask. A version may have a part
    that is allowed to *drift* (``get(..., drift=...)``, e.g. row counts that grow with live
    collection): within ``fresh`` seconds of a computation, a result whose drifting part
    differs is still used, so that a stream of new data makes a computation at most that
    often. At most ``size`` keys are kept (the least recently used go). The caller must not
    change a result it gets: it is shared.
    """

    def __init__(self, *, size: int = 32, fresh: float = 0.0) -> None:
        self.size = size
        self.fresh = fresh
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Hashable, Hashable, float, T]] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        #: how many results were computed (for the tests)
        self.computed = 0
        _every.add(self)

    def _kept(self, key: Hashable, version: Hashable, drift: Hashable) -> tuple[bool, T | None]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        kept_version, kept_drift, at, value = entry
        if kept_version != version:
            return False, None
        if kept_drift != drift and time.monotonic() - at >= self.fresh:
            return False, None
        self._entries.move_to_end(key)
        return True, value

    def get(
        self,
        key: Hashable,
        version: Hashable,
        compute: Callable[[], T],
        *,
        drift: Hashable = None,
    ) -> T:
        with self._lock:
            found, value = self._kept(key, version, drift)
            if found:
                return value  # type: ignore[return-value]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                found, value = self._kept(key, version, drift)
                if found:
                    return value  # type: ignore[return-value]
            result = compute()
            with self._lock:
                self.computed += 1
                self._entries[key] = (version, drift, time.monotonic(), result)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
                self._computing.pop(key, None)
            return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: Every memo of this process (see :func:`forget_all`).
_every: weakref.WeakSet[Any] = weakref.WeakSet()


def forget_all() -> None:
    """Drop every result every memo of this process keeps (an erased person's answers must
    not stay in a page's figures, its quoted verbatims for one)."""
    for memo in list(_every):
        memo.clear()
