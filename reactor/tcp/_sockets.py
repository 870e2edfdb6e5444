"""Socket plumbing for TCP: address literals, socket addresses as treadle addresses, options.

This module owns the small conversions every TCP piece needs -- is this host an IP literal and
of which family, what ``IPv4Address``/``IPv6Address`` a socket address tuple stands for, how a
listening or connecting socket is made -- so that the transport, the port, the connector and
the asyncio adapter say them the same way. It does no I/O beyond creating and configuring
sockets, and no name resolution (:mod:`reactor._resolve` does that).
"""

from __future__ import annotations

import socket
from typing import Any

from reactor.address import IPv4Address, IPv6Address
from reactor.error import CannotListenError

__all__ = [
    "IPAddress",
    "SockAddr",
    "addressOf",
    "familyOfLiteral",
    "listeningSocket",
    "setNoDelay",
    "sockaddrFor",
]

#: A socket address tuple as the socket module gives it: (host, port) or IPv6's 4-tuple.
SockAddr = tuple[Any, ...]
IPAddress = IPv4Address | IPv6Address

# Linux, the BSDs and macOS have it; on Linux it balances connections between the sockets.
_SO_REUSEPORT: int | None = getattr(socket, "SO_REUSEPORT", None)


def familyOfLiteral(host: str) -> int | None:
    """Return ``AF_INET``/``AF_INET6`` if ``host`` is an IP address literal, else None.

    An IPv6 literal may carry a zone (``fe80::1%eth0``). Names are never looked up.
    """
    try:
        socket.inet_pton(socket.AF_INET, host)
        return socket.AF_INET
    except (OSError, ValueError):
        pass
    try:
        socket.inet_pton(socket.AF_INET6, host.partition("%")[0])
        return socket.AF_INET6
    except (OSError, ValueError):
        return None


def addressOf(sockaddr: SockAddr, kind: str = "TCP") -> IPAddress:
    """Return the treadle address for a socket address tuple (2-tuple IPv4, 4-tuple IPv6)."""
    if len(sockaddr) == 2:
        return IPv4Address(kind, sockaddr[0], sockaddr[1])
    host, port, flowInfo, scopeID = sockaddr
    return IPv6Address(kind, host, port, flowInfo, scopeID)


def sockaddrFor(family: int, host: str, port: int) -> SockAddr:
    """Return the socket address tuple for an IP literal ``host`` of ``family``."""
    if family == socket.AF_INET6:
        # getaddrinfo with AI_NUMERICHOST parses the zone (fe80::1%eth0) into a scope id.
        info = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
        return info[0][4]
    return (host, port)


def setNoDelay(sock: socket.socket) -> None:
    """Turn Nagle's algorithm off (TCP_NODELAY), as asyncio does for every TCP socket."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def listeningSocket(
    port: int, backlog: int, interface: str, reusePort: bool = False
) -> socket.socket:
    """Return a non-blocking TCP socket bound to ``interface``:``port`` and listening.

    ``interface`` is an IP literal, or ``""`` for every IPv4 interface (as in Twisted; use
    ``"::"`` for every IPv6 one). ``SO_REUSEADDR`` is set, so a restarted server can bind the
    port of connections still in TIME_WAIT. ``reusePort`` sets ``SO_REUSEPORT`` too, so that
    several processes (of one user) can listen on the same port and the kernel spreads the
    incoming connections among them.

    :raises CannotListenError: if the interface is not an IP literal, or binding or listening
        fails (the port is taken, permission denied...).
    """
    if reusePort and _SO_REUSEPORT is None:
        raise CannotListenError(interface, port, OSError("this system has no SO_REUSEPORT"))
    family = socket.AF_INET if interface == "" else familyOfLiteral(interface)
    if family is None:
        raise CannotListenError(
            interface,
            port,
            ValueError(f"interface must be an IP address literal or '', not {interface!r}"),
        )
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reusePort and _SO_REUSEPORT is not None:
            sock.setsockopt(socket.SOL_SOCKET, _SO_REUSEPORT, 1)
        sock.bind(sockaddrFor(family, interface or "0.0.0.0", port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError as e:
        sock.close()
        raise CannotListenError(interface, port, e) from e
    return sock
