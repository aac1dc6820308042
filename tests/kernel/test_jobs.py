"""Background jobs: run on their interval, early when woken, keep going after a failure, and
stop cleanly."""

from __future__ import annotations

import threading
import time

from cxpilot.kernel.errors import ValidationError
from cxpilot.kernel.jobs import Periodic


def _wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_runs_every_interval_and_stops():
    runs: list[float] = []
    job = Periodic("tick", lambda: runs.append(time.monotonic()), every=0.05)
    job.start()
    assert _wait_for(lambda: len(runs) >= 3)
    job.stop()
    assert not job.is_alive()
    count = len(runs)
    time.sleep(0.15)
    assert len(runs) == count  # nothing runs after stop


def test_wake_runs_at_once_instead_of_waiting_for_the_interval():
    ran = threading.Event()
    job = Periodic("woken", ran.set, every=3600)
    job.start()
    try:
        assert not ran.wait(0.1)  # the first run is after the interval...
        job.wake()
        assert ran.wait(5)  # ...or on a wake-up
    finally:
        job.stop()
    assert not job.is_alive()


def test_a_shared_wakeup_event_wakes_the_job():
    event = threading.Event()
    ran = threading.Event()
    job = Periodic("shared", ran.set, every=3600, wakeup=event)
    job.start()
    try:
        event.set()  # e.g. set when a transaction commits
        assert ran.wait(5)
    finally:
        job.stop()


def test_a_failing_run_is_logged_and_the_job_goes_on(caplog):
    calls = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ValidationError("bad input", where="x")
        if len(calls) == 2:
            raise RuntimeError("boom")

    job = Periodic("flaky", flaky, every=0.02)
    with caplog.at_level("WARNING", logger="cxpilot.jobs"):
        job.start()
        assert _wait_for(lambda: len(calls) >= 3)
        job.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any("cxpilot-flaky failed, will run again: " in m and "bad input" in m for m in messages)
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


def test_stop_while_waiting_returns_at_once_and_does_not_run():
    ran = []
    job = Periodic("idle", lambda: ran.append(1), every=3600)
    job.start()
    started = time.monotonic()
    job.stop()
    assert time.monotonic() - started < 2
    assert not job.is_alive() and ran == []


def test_stop_before_start_is_harmless():
    Periodic("never", lambda: None, every=1).stop()


def test_a_long_pause_ends_when_the_wake_ups_stop():
    """A stream of wake-ups keeps the pause; once they stop for quiet_gap, the next run comes
    at once instead of at the end of the pause."""
    runs: list[float] = []
    event = threading.Event()
    job = Periodic(
        "stream", lambda: runs.append(time.monotonic()), every=3600, wakeup=event,
        pause=30.0, quiet_gap=0.3,
    )  # fmt: skip
    job.start()
    try:
        event.set()
        deadline = time.monotonic() + 5
        while not runs:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for _ in range(8):  # a stream: a wake-up every 0.1 s for 0.8 s
            event.set()
            time.sleep(0.1)
        stopped = time.monotonic()
        while len(runs) < 2:
            assert time.monotonic() - stopped < 3, "the pause did not end with the stream"
            time.sleep(0.01)
        assert runs[1] - runs[0] >= 0.8  # the stream kept the pause going
    finally:
        job.stop()
    assert not job.is_alive()
