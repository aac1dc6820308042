"""Run the same work in several threads started together, for the tests of concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(
    count: int,
    target: Callable[[int], object],
    *,
    after: Callable[[], None] | None = None,
    timeout: float = 60,
) -> list[object]:
    """``target(i)`` in ``count`` threads released at once; each one's result or error, in
    order. ``after`` runs at the end of each thread (e.g. closing its database connections)."""
    results: list[object] = [None] * count
    start = threading.Barrier(count)

    def work(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            if after is not None:
                after()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
