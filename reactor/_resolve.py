"""Name resolution without blocking the loop: ``getaddrinfo`` in the reactor's thread pool.

This module owns ``reactor.resolve(name)`` (Twisted's API: a Deferred firing with one address)
and :func:`getAddresses`, which connectors and ``HostnameEndpoint`` use to get every address of
a host. ``getaddrinfo`` blocks (it may wait seconds on a DNS server), so it runs in the
reactor's thread pool through ``threads.deferToThreadPool`` and the Deferred fires in the
reactor thread. An IP literal is answered at once, with no thread. It opens no connection and
caches nothing (the system resolver and nscd do that).

Failures arrive as :class:`reactor.error.DNSLookupError`. A lookup that outlives its timeout
fails with ``DNSLookupError`` too; the worker thread cannot be interrupted and finishes on its
own, its answer discarded.

The ``threads`` package is imported lazily: ``reactor`` must not import it at module level.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from deferred import Deferred, Failure, fail, succeed
from reactor.error import DNSLookupError
from reactor.tcp._sockets import SockAddr, familyOfLiteral, sockaddrFor

__all__ = ["getAddresses", "resolve"]

#: Twisted's default for ``resolve``: retry delays whose sum bounds the lookup (60 s).
DEFAULT_TIMEOUT = (1, 3, 11, 45)


def getAddresses(
    reactor: Any,
    host: str,
    port: int,
    family: int = socket.AF_UNSPEC,
    timeout: float | None = None,
) -> Deferred[list[tuple[int, SockAddr]]]:
    """Return a Deferred firing with ``[(family, sockaddr), ...]`` for TCP to ``host``:``port``.

    The order is ``getaddrinfo``'s (RFC 6724 preferences, configurable in ``/etc/gai.conf``),
    duplicates removed. An IP literal fires at once.

    :param timeout: seconds before the lookup fails with ``DNSLookupError`` (None: no limit).
    """
    literal = familyOfLiteral(host)
    if literal is not None and family in (socket.AF_UNSPEC, literal):
        try:
            return succeed([(literal, sockaddrFor(literal, host, port))])
        except OSError as e:
            return fail(DNSLookupError(f"{host}: {e}"))
    from threads import deferToThreadPool

    lookup = deferToThreadPool(
        reactor,
        reactor.getThreadPool(),
        socket.getaddrinfo,
        host,
        port,
        family,
        socket.SOCK_STREAM,
        socket.IPPROTO_TCP,
    )
    if timeout is not None:
        lookup.addTimeout(timeout, reactor)

    def addresses(infos: list[Any]) -> list[tuple[int, SockAddr]]:
        found: list[tuple[int, SockAddr]] = []
        for infoFamily, _, _, _, sockaddr in infos:
            if infoFamily in (socket.AF_INET, socket.AF_INET6):
                entry = (int(infoFamily), tuple(sockaddr))
                if entry not in found:
                    found.append(entry)
        if not found:
            raise DNSLookupError(f"{host}: no IPv4 or IPv6 address")
        return found

    def explain(reason: Failure) -> Failure:
        if reason.check(DNSLookupError):
            return reason
        return Failure(DNSLookupError(f"{host}: {reason.getErrorMessage()}"))

    return lookup.addCallbacks(addresses, explain)


def resolve(reactor: Any, name: str, timeout: Sequence[float] = DEFAULT_TIMEOUT) -> Deferred[str]:
    """Return a Deferred firing with an IP address of ``name`` (``reactor.resolve``).

    As in Twisted, an IPv4 address when the name has one (so that it can be given to
    ``connectTCP`` to reach a server listening on IPv4); else its first IPv6 address. An IP
    literal is returned as it is, at once. ``timeout`` is Twisted's sequence of retry delays;
    the lookup fails with ``DNSLookupError`` after their sum.
    """
    if familyOfLiteral(name) is not None:
        return succeed(name)
    limit = float(sum(timeout)) if timeout else None

    def pick(addresses: list[tuple[int, SockAddr]]) -> str:
        for family, sockaddr in addresses:
            if family == socket.AF_INET:
                return str(sockaddr[0])
        return str(addresses[0][1][0])

    return getAddresses(reactor, name, 0, timeout=limit).addCallback(pick)
