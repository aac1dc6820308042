"""Fixed-window counters in Django's cache framework: rate limits on the public endpoints and
the throttling of failed logins. Per process with the default local-memory cache; shared
between processes when ``CACHES`` points to a shared cache.

The client a request is counted against is :func:`client_address`: the connection's address,
or, behind a reverse proxy named in ``CXPILOT_TRUSTED_PROXIES``, the address that proxy saw.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(meta: Mapping[str, Any]) -> str:
    """The address of the client that sent a request (``request.META``).

    The connection's address (``REMOTE_ADDR``), unless it is a trusted reverse proxy
    (setting ``CXPILOT_TRUSTED_PROXIES``): then the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy, the one the nearest of our
    proxies saw. From any other peer, ``X-Forwarded-For`` is ignored: a client cannot choose
    the address it is counted under by sending one.
    """
    peer_text = str(meta.get("REMOTE_ADDR") or "")
    peer = _address(peer_text)
    if peer is None:
        return peer_text[:64] or "unknown"
    proxies: tuple[Network, ...] = tuple(getattr(settings, "CXPILOT_TRUSTED_PROXIES", ()) or ())
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    hops = [h for h in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # not written by a proxy of ours: stop at the last address we trust
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)
