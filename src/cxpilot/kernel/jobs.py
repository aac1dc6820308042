"""Background jobs of the server process: a thread each, run every interval and, for the jobs
that have a wake-up event, as soon as it is set."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from cxpilot.kernel.errors import CxPilotError

log = logging.getLogger("cxpilot.jobs")


class Periodic(threading.Thread):
    """Run ``func`` every ``every`` seconds (first run after ``every``), and early each time
    ``wakeup`` is set (several wake-ups before a run make one run), until :meth:`stop`.
    ``pause``: the least time between the end of a run and the next, so that a stream of
    wake-ups makes fewer, larger runs; with ``quiet_gap``, the pause ends early once no
    wake-up came for that many seconds (the stream has stopped: what it left runs at once).

    A failing run is logged and the job goes on: it runs again at the next interval or
    wake-up. Each run ends by closing the thread's stale database connections, and a stopped job
    closes all of them.
    """

    def __init__(
        self,
        name: str,
        func: Callable[[], object],
        every: float,
        *,
        wakeup: threading.Event | None = None,
        pause: float = 0.0,
        quiet_gap: float = 0.0,
    ) -> None:
        super().__init__(name=f"cxpilot-{name}", daemon=True)
        self.func = func
        self.every = every
        self.pause = pause
        self.quiet_gap = quiet_gap
        self.wakeup = wakeup or threading.Event()
        self._stopped = threading.Event()

    def wake(self) -> None:
        """Run as soon as possible rather than at the end of the interval."""
        self.wakeup.set()

    def run(self) -> None:
        from django.db import close_old_connections, connections

        try:
            self._loop(close_old_connections)
        finally:
            connections.close_all()  # a stopped job keeps no database connection open

    def _loop(self, close_old_connections: Callable[[], None]) -> None:
        while not self._stopped.is_set():
            self.wakeup.wait(self.every)
            self.wakeup.clear()
            if self._stopped.is_set():
                break
            try:
                self.func()
            except CxPilotError as exc:
                log.warning("%s failed, will run again: %s", self.name, exc)
            except Exception:
                log.exception("%s failed, will run again", self.name)
            finally:
                close_old_connections()
            self._rest()

    def _rest(self) -> None:
        """Wait ``pause`` seconds, or less when the wake-ups stop for ``quiet_gap``."""
        if not self.pause:
            return
        if not self.quiet_gap:
            self._stopped.wait(self.pause)
            return
        deadline = time.monotonic() + self.pause
        woken = False
        while not self._stopped.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not self.wakeup.wait(min(self.quiet_gap, left)):
                break  # quiet: the stream has stopped
            self.wakeup.clear()
            woken = True
        if woken:
            self.wakeup.set()  # what came during the pause runs now

    def stop(self) -> None:
        """Stop after the current run (if one is under way) and wait for the thread."""
        self._stopped.set()
        self.wakeup.set()
        if self.is_alive():
            self.join(timeout=10)
