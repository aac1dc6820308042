"""Memo: a costly result is computed once for many concurrent readers, and again when its
data changes (a drifting part only after the freshness window)."""

from __future__ import annotations

import threading
import time

import pytest

from cxpilot.kernel.memo import Memo

pytestmark = pytest.mark.pure


def test_concurrent_readers_share_one_computation():
    memo: Memo[int] = Memo()
    calls = []

    def compute() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(memo.get("k", 1, compute))) for _ in range(5)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 5 and len(calls) == 1 and memo.computed == 1


def test_a_new_version_computes_again_a_drift_only_after_the_window():
    memo: Memo[str] = Memo(fresh=60)
    assert memo.get("k", "v1", lambda: "a", drift=1) == "a"
    assert memo.get("k", "v1", lambda: "b", drift=2) == "a"  # drift within the window
    assert memo.get("k", "v2", lambda: "c", drift=2) == "c"  # the version changed: at once
    stale: Memo[str] = Memo(fresh=0)
    assert stale.get("k", "v1", lambda: "a", drift=1) == "a"
    assert stale.get("k", "v1", lambda: "b", drift=2) == "b"
    assert stale.get("k", "v1", lambda: "c", drift=2) == "b"


def test_least_recently_used_keys_go():
    memo: Memo[int] = Memo(size=2)
    for key in ("a", "b", "a", "c"):
        memo.get(key, 0, lambda key=key: ord(key))
    memo.get("b", 0, lambda: -1)
    assert memo.get("b", 0, lambda: -2) == -1  # b had gone, computed again
    assert memo.computed == 4
