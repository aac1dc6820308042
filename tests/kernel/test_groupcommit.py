"""Group commit: concurrent items are written in shared batches, each caller gets its own
outcome only after its batch is written, and a failing batch is written again item by item."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from cxpilot.kernel.groupcommit import GroupCommit
from tests.concurrency import run_together

pytestmark = pytest.mark.pure


class Refused(Exception):
    pass


def _run_threads(count: int, target) -> list[object]:
    return run_together(count, target, timeout=30)


def test_concurrent_items_share_batches_and_each_gets_its_own_outcome():
    written: list[list[int]] = []

    def write(items: Sequence[int]) -> list[object]:
        time.sleep(0.02)  # a commit takes a while: the others queue up meanwhile
        written.append(list(items))
        return [Refused(i) if i % 7 == 3 else i * 10 for i in items]

    group = GroupCommit(write, max_batch=8)
    results = _run_threads(24, group.submit)
    for i, result in enumerate(results):
        if i % 7 == 3:
            assert isinstance(result, Refused) and result.args == (i,)
        else:
            assert result == i * 10
    assert sorted(i for batch in written for i in batch) == list(range(24))
    assert max(len(batch) for batch in written) > 1  # batched
    assert all(len(batch) <= 8 for batch in written)
    assert group.items == 24 and group.batches == len(written)


def test_a_failing_batch_is_written_again_one_item_at_a_time():
    calls: list[list[str]] = []

    def write(items: Sequence[str]) -> list[object]:
        calls.append(list(items))
        time.sleep(0.01)
        if "bad" in items:
            raise RuntimeError("the batch failed")
        return [item.upper() for item in items]

    group = GroupCommit(write)
    items = ["a", "b", "bad", "c", "d", "e"]
    results = _run_threads(len(items), lambda i: group.submit(items[i]))
    for item, result in zip(items, results, strict=True):
        if item == "bad":
            assert isinstance(result, RuntimeError)
        else:
            assert result == item.upper()
    assert ["bad"] in calls  # written alone in the end


def test_nothing_is_answered_before_its_batch_is_written():
    finished: set[int] = set()
    lock = threading.Lock()

    def write(items: Sequence[int]) -> list[object]:
        time.sleep(0.01)
        with lock:
            finished.update(items)
        return list(items)

    group = GroupCommit(write)

    def submit(i: int) -> bool:
        group.submit(i)
        with lock:
            return i in finished

    assert all(_run_threads(16, submit))


def test_a_writer_that_returns_the_wrong_count_fails_loudly():
    group = GroupCommit(lambda items: [])
    with pytest.raises(RuntimeError, match="one outcome per item"):
        group.submit(1)
