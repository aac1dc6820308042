"""Fixed-window counters in Django's cache framework: rate limits on the public endpoints and
the throttling of failed logins. Per process with the default local-memory cache; shared
between processes when ``CACHES`` points to a shared cache."""

from __future__ import annotations

import time

from django.core.cache import cache

from cxpilot.kernel.errors import RateLimited


def _slot(bucket: str, window: int, now: float) -> str:
    return f"cxpilot:rate:{bucket}:{window}:{int(now // window)}"


def count(bucket: str, window: int) -> int:
    """How many hits ``bucket`` has had in the current window."""
    return int(cache.get(_slot(bucket, window, time.time()), 0))


def clear(bucket: str, window: int) -> None:
    """Forget the current window's hits of ``bucket``."""
    cache.delete(_slot(bucket, window, time.time()))


def add(bucket: str, window: int) -> int:
    """Count one hit in ``bucket``; return the window's count so far."""
    key = _slot(bucket, window, time.time())
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return 1


def retry_after(window: int) -> int:
    """Seconds until the current window ends."""
    return max(1, int(window - time.time() % window))


def rate_limit_hit(*, bucket: str, limit: int, window: int = 60, where: str = "") -> None:
    """Count one request in ``bucket``; raise RateLimited past ``limit`` per ``window`` s."""
    if limit <= 0:
        return
    if add(bucket, window) > limit:
        raise RateLimited(
            f"too many requests: at most {limit} per {window} seconds; try again shortly",
            where=where or None,
            retry_after=retry_after(window),
        )
