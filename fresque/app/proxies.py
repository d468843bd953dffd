"""Who is asking, behind a reverse proxy: the client's address, and the scheme and host it
used, believed from ``X-Forwarded-*`` headers only when they come from a trusted proxy.

A reverse proxy (nginx, Caddy, a load balancer) connects to the app itself: without
configuration every visitor would look like the proxy, often ``127.0.0.1``. Its
``X-Forwarded-For`` header says who it served, but any client can send that header too.
``FRESQUE_TRUSTED_PROXIES`` lists the proxies to believe (addresses or networks,
comma-separated, e.g. ``127.0.0.1, 10.0.0.0/8``): only when the direct peer is one of
them are ``X-Forwarded-For`` (the rightmost address that is not a trusted proxy),
``X-Forwarded-Host`` and ``X-Forwarded-Proto`` (the values the nearest proxy set) taken.

Everything here is pure but :func:`configured_proxies` (reads the environment):
functions of a WSGI ``environ`` and a tuple of networks.

Examples
--------
>>> trusted = parse_proxies("10.0.0.0/8")
>>> environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
>>> client_address(environ, trusted)
'203.0.113.7'
>>> client_address(environ, ())  # no trusted proxy: the header is not believed
'10.0.0.2'
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from typing import Any

#: The environment variable listing the trusted reverse proxies.
TRUSTED_PROXIES_VAR = "FRESQUE_TRUSTED_PROXIES"

#: Headers by which a proxy says whom it forwards (WSGI names).
FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(text: str | None) -> tuple[Network, ...]:
    """The networks of a ``FRESQUE_TRUSTED_PROXIES`` value (an address is a network of one).

    Raises
    ------
    ValueError
        In French, naming the entry that is neither an address nor a network.

    Examples
    --------
    >>> [str(n) for n in parse_proxies(" 127.0.0.1, 10.0.0.0/8 ,::1")]
    ['127.0.0.1/32', '10.0.0.0/8', '::1/128']
    >>> parse_proxies("")
    ()
    >>> try:
    ...     parse_proxies("10.0.0.1, 10.0.0.0/33")
    ... except ValueError as error:
    ...     print(str(error)[:75])
    FRESQUE_TRUSTED_PROXIES : « 10.0.0.0/33 » n’est ni une adresse ni un réseau
    """
    networks = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"{TRUSTED_PROXIES_VAR} : « {entry} » n’est ni une adresse ni un réseau "
                "(exemples : 127.0.0.1, 10.0.0.0/8, ::1)."
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[Network, ...]:
    return parse_proxies(text)


def configured_proxies() -> tuple[Network, ...]:
    """The trusted proxies of ``FRESQUE_TRUSTED_PROXIES`` (none when unset)."""
    return _parsed(os.environ.get(TRUSTED_PROXIES_VAR, ""))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy writes it (``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: tuple[Network, ...]) -> bool:
    """Whether ``address`` is one of the ``trusted`` proxies.

    Examples
    --------
    >>> is_trusted("10.1.2.3", parse_proxies("10.0.0.0/8")), is_trusted("11.0.0.1", ())
    (True, False)
    """
    found = _address(address or "")
    return found is not None and any(found in network for network in trusted)


def _from_trusted_peer(environ: dict[str, Any], trusted: tuple[Network, ...]) -> bool:
    return is_trusted(environ.get("REMOTE_ADDR"), trusted)


def client_address(environ: dict[str, Any], trusted: tuple[Network, ...]) -> str:
    """The address of the client of a request: the direct peer, or, when the peer is a
    trusted proxy, the rightmost address of ``X-Forwarded-For`` that is not a trusted
    proxy (what the nearest proxy saw; addresses further left are the client's say).

    Examples
    --------
    >>> chain = parse_proxies("10.0.0.0/8")
    >>> client_address({"REMOTE_ADDR": "10.0.0.1",
    ...                 "HTTP_X_FORWARDED_FOR": "1.1.1.1, 198.51.100.4, 10.0.0.9"}, chain)
    '198.51.100.4'
    >>> client_address({"REMOTE_ADDR": "10.0.0.1"}, chain)
    '10.0.0.1'
    """
    peer = environ.get("REMOTE_ADDR") or ""
    if not _from_trusted_peer(environ, trusted):
        return peer
    hops = [h for h in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    last = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return last  # not an address: no proxy wrote it
        last = str(address)
        if not any(address in network for network in trusted):
            return last
    return last


def _nearest(value: str | None) -> str | None:
    """The value the nearest proxy set in a comma-separated header (the rightmost)."""
    parts = [p.strip() for p in (value or "").split(",") if p.strip()]
    return parts[-1] if parts else None


def request_scheme(environ: dict[str, Any], trusted: tuple[Network, ...]) -> str:
    """``http`` or ``https``, as the client used it (``X-Forwarded-Proto`` from a trusted
    proxy, else the server's own).

    Examples
    --------
    >>> environ = {"REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
    ...            "HTTP_X_FORWARDED_PROTO": "https"}
    >>> request_scheme(environ, parse_proxies("127.0.0.1")), request_scheme(environ, ())
    ('https', 'http')
    """
    if _from_trusted_peer(environ, trusted):
        proto = (_nearest(environ.get("HTTP_X_FORWARDED_PROTO")) or "").lower()
        if proto in ("http", "https"):
            return proto
    return str(environ.get("wsgi.url_scheme") or "http")


def request_host(environ: dict[str, Any], trusted: tuple[Network, ...]) -> str:
    """The host (and port) the client asked for: ``X-Forwarded-Host`` from a trusted
    proxy, else the ``Host`` header (else the server's name and port).

    Examples
    --------
    >>> environ = {"REMOTE_ADDR": "10.0.0.2", "HTTP_HOST": "127.0.0.1:8050",
    ...            "HTTP_X_FORWARDED_HOST": "fresque.example.org"}
    >>> request_host(environ, parse_proxies("10.0.0.0/8")), request_host(environ, ())
    ('fresque.example.org', '127.0.0.1:8050')
    """
    if _from_trusted_peer(environ, trusted):
        host = _nearest(environ.get("HTTP_X_FORWARDED_HOST"))
        if host:
            return host
    host = environ.get("HTTP_HOST")
    if host:
        return str(host)
    name, port = environ.get("SERVER_NAME", ""), str(environ.get("SERVER_PORT", ""))
    return f"{name}:{port}" if port else str(name)


def forwarded(environ: dict[str, Any]) -> bool:
    """Whether the request carries any forwarding header (it came through a proxy, or
    pretends to).

    Examples
    --------
    >>> forwarded({"HTTP_X_FORWARDED_FOR": "1.2.3.4"}), forwarded({"REMOTE_ADDR": "::1"})
    (True, False)
    """
    return any(environ.get(header) for header in FORWARDING_HEADERS)


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` is this machine (``127.0.0.0/8``, ``::1``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("192.168.1.20")
    (True, True, False)
    """
    found = _address(address or "")
    return found is not None and found.is_loopback


def local_request(environ: dict[str, Any], trusted: tuple[Network, ...]) -> bool:
    """Whether the request comes from the machine serving the app, with nothing in
    between: the peer is loopback, no proxy is trusted and no forwarding header came
    (behind a proxy on the same machine, every visitor's peer is loopback).

    Examples
    --------
    >>> local_request({"REMOTE_ADDR": "127.0.0.1"}, ())
    True
    >>> local_request({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"}, ())
    False
    >>> local_request({"REMOTE_ADDR": "127.0.0.1"}, parse_proxies("127.0.0.1"))
    False
    """
    return not trusted and not forwarded(environ) and is_loopback(environ.get("REMOTE_ADDR"))


__all__ = [
    "FORWARDING_HEADERS",
    "TRUSTED_PROXIES_VAR",
    "client_address",
    "configured_proxies",
    "forwarded",
    "is_loopback",
    "is_trusted",
    "local_request",
    "parse_proxies",
    "request_host",
    "request_scheme",
]
