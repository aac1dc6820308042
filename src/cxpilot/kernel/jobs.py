"""Periodic background jobs of the server process (a thread each)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("cxpilot.jobs")


class Periodic(threading.Thread):
    """Run ``func`` every ``every`` seconds (first run after ``every``) until stopped."""

    def __init__(self, name: str, func: Callable[[], object], every: float) -> None:
        super().__init__(name=f"cxpilot-{name}", daemon=True)
        self.func = func
        self.every = every
        self._stopped = threading.Event()

    def run(self) -> None:
        from django.db import close_old_connections

        while not self._stopped.wait(self.every):
            try:
                self.func()
            except Exception:
                log.exception("%s failed; will run again", self.name)
            finally:
                close_old_connections()

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=10)
