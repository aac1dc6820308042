"""Group commit: many threads' writes made in one transaction, each acknowledged after it.

A thread that has an item to write calls :meth:`GroupCommit.submit`. The first caller with
no batch under way becomes the *leader*: it takes the items waiting (its own and those that
arrived meanwhile, up to ``max_batch``), writes them all in one transaction (one commit, so
one disk flush, for the whole batch) on its own database connection, hands each caller its
outcome, and wakes them. While a leader commits, new items wait and form the next batch, so
batches grow with the load and a lone request pays no wait at all.

Nothing is answered before its batch has committed: ``submit`` returns (or raises) only
then. A batch that fails as a whole (a lost race with another process, a database error) is
written again one item at a time, so that each caller gets its own outcome and one bad item
never fails the others.

A caller already inside a transaction (``atomic``) is not batched: its item is written in its
own transaction, so nothing of other callers' is acknowledged before that outer transaction
commits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("done", "item", "outcome")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.outcome: R | BaseException | None = None


class GroupCommit(Generic[T, R]):
    """Batch the items that concurrent threads :meth:`submit` into shared transactions.

    ``write(items)`` writes a batch in one transaction of its own and returns one outcome per
    item, in order: the item's result, or the exception to raise to its caller (an item
    refused for its own reason does not stop the others). If ``write`` raises, the batch is
    written again item by item.
    """

    def __init__(
        self,
        write: Callable[[Sequence[T]], list[R | BaseException]],
        *,
        max_batch: int = 64,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        self.write = write
        self.max_batch = max_batch
        self.using = using
        self._cond = threading.Condition()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False
        #: batches written and items in them, for the curious (tests, benchmarks)
        self.batches = 0
        self.items = 0

    def submit(self, item: T) -> R:
        """Write ``item`` (batched with others') and return its result once committed."""
        if connections[self.using].in_atomic_block:
            return self._unwrap(self._write([item])[0])
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            self._queue.append(slot)
        while True:
            with self._cond:
                while not slot.done and self._leading:
                    self._cond.wait()
                if slot.done:
                    return self._unwrap(slot.outcome)
                self._leading = True
                batch = self._queue[: self.max_batch]
                del self._queue[: self.max_batch]
            try:
                outcomes = self._write([s.item for s in batch])
            except BaseException as exc:  # noqa: BLE001 - every waiter must be woken
                outcomes = [exc] * len(batch)
            with self._cond:
                for waiting, outcome in zip(batch, outcomes, strict=True):
                    waiting.outcome = outcome
                    waiting.done = True
                self._leading = False
                self.batches += 1
                self.items += len(batch)
                self._cond.notify_all()

    def _write(self, items: list[T]) -> list[R | BaseException]:
        try:
            outcomes = self.write(items)
        except Exception as exc:
            if len(items) == 1:
                return [exc]
            return [self._write([item])[0] for item in items]
        if len(outcomes) != len(items):
            raise RuntimeError("a group commit writer must return one outcome per item")
        return outcomes

    @staticmethod
    def _unwrap(outcome: R | BaseException | None) -> R:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[return-value]
