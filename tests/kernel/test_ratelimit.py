"""The client address a request is counted under: the connection's, or behind a trusted
reverse proxy the one it saw; X-Forwarded-For from anyone else changes nothing."""

from __future__ import annotations

import ipaddress

import pytest

from cxpilot.kernel.ratelimit import client_address

pytestmark = pytest.mark.pure


def nets(*texts: str) -> tuple:
    return tuple(ipaddress.ip_network(t) for t in texts)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        # no proxy trusted: X-Forwarded-For is ignored, whatever it says
        ("198.51.100.7", "203.0.113.1", (), "198.51.100.7"),
        ("198.51.100.7", None, (), "198.51.100.7"),
        # an untrusted peer cannot pose as a proxy
        ("198.51.100.7", "203.0.113.1", ("10.0.0.0/8",), "198.51.100.7"),
        # one trusted proxy: the address it saw (the right-most)
        ("10.0.0.2", "203.0.113.1", ("10.0.0.0/8",), "203.0.113.1"),
        ("10.0.0.2", "192.0.2.66, 203.0.113.1", ("10.0.0.0/8",), "203.0.113.1"),
        # a chain of trusted proxies: the right-most address that is not one of them
        ("10.0.0.2", "192.0.2.66, 203.0.113.1, 10.0.0.9", ("10.0.0.0/8",), "203.0.113.1"),
        ("10.0.0.2", "203.0.113.1,10.1.2.3 , 10.0.0.9", ("10.0.0.0/8",), "203.0.113.1"),
        # only proxies in the chain: the left-most of them
        ("10.0.0.2", "10.0.0.8, 10.0.0.9", ("10.0.0.0/8",), "10.0.0.8"),
        # a trusted proxy that sent no header: the proxy itself
        ("10.0.0.2", None, ("10.0.0.0/8",), "10.0.0.2"),
        ("10.0.0.2", "", ("10.0.0.0/8",), "10.0.0.2"),
        # garbage where a proxy of ours writes: stop at the last address we trust
        ("10.0.0.2", "203.0.113.1, not-an-ip", ("10.0.0.0/8",), "10.0.0.2"),
        ("10.0.0.2", "not-an-ip, 203.0.113.1", ("10.0.0.0/8",), "203.0.113.1"),
        # IPv6, and IPv4 written as IPv6
        ("::1", "2001:db8::5", ("::1",), "2001:db8::5"),
        ("::ffff:10.0.0.2", "203.0.113.1", ("10.0.0.0/8",), "203.0.113.1"),
        ("2001:db8::1", "203.0.113.1", ("10.0.0.0/8",), "2001:db8::1"),
        # no address at all
        ("", "203.0.113.1", ("10.0.0.0/8",), "unknown"),
    ],
)
def test_client_address(settings, peer, forwarded, trusted, client):
    settings.CXPILOT_TRUSTED_PROXIES = nets(*trusted)
    meta = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_address(meta) == client
