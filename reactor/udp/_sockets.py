"""Socket plumbing for UDP: the bound datagram socket, destination checks, peer addresses.

This module owns the small decisions every UDP piece shares: which address family an
``interface`` means, how a datagram socket is created and bound (and made shareable for
``listenMultiple``), whether a destination given to ``write`` is an IP literal of the right
family, how a received IPv6 peer becomes a ``(host, port)`` pair that still carries its scope,
and how a host for ``connect``/``joinGroup`` becomes an IP literal (at once for literals, in the
reactor's thread pool for names). It does no datagram I/O: the port (:mod:`reactor.udp._port`)
does.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from deferred import Deferred, fail, succeed
from reactor._resolve import getAddresses
from reactor.error import CannotListenError, InvalidAddressError
from reactor.tcp._sockets import familyOfLiteral

__all__ = ["boundSocket", "checkDestination", "familyOfInterface", "literalFor", "peerOf6"]


def familyOfInterface(interface: str, port: int) -> int:
    """Return the address family that ``interface`` (an IP literal, or ``""``) binds.

    ``""`` means every IPv4 interface, as in Twisted (use ``"::"`` for every IPv6 one).

    :raises CannotListenError: if ``interface`` is not an IP address literal.
    """
    if interface == "":
        return socket.AF_INET
    family = familyOfLiteral(interface)
    if family is None:
        raise CannotListenError(
            interface,
            port,
            InvalidAddressError(interface, "the interface must be an IP address literal or ''"),
        )
    return family


def boundSocket(family: int, interface: str, port: int, shared: bool) -> socket.socket:
    """Return a non-blocking datagram socket of ``family`` bound to ``interface``:``port``.

    ``shared`` (multicast's ``listenMultiple``) sets ``SO_REUSEADDR`` and, where the system has
    it, ``SO_REUSEPORT``, so that several sockets -- in this process or others -- can bind the
    same group port and each receive every multicast datagram.

    :raises CannotListenError: if the socket cannot be created or bound.
    """
    try:
        sock = socket.socket(family, socket.SOCK_DGRAM)
    except OSError as e:
        raise CannotListenError(interface, port, e) from e
    try:
        if shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
                except OSError as e:
                    # Defined by the headers but refused by the kernel (old systems).
                    if e.errno != errno.ENOPROTOOPT:
                        raise
        if family == socket.AF_INET6:
            # getaddrinfo parses a zone (fe80::1%eth0) into the scope id bind needs.
            where = socket.getaddrinfo(
                interface, port, family, socket.SOCK_DGRAM, 0, socket.AI_NUMERICHOST
            )[0][4]
        else:
            where = (interface or "0.0.0.0", port)
        sock.bind(where)
        sock.setblocking(False)
    except OSError as e:
        sock.close()
        raise CannotListenError(interface, port, e) from e
    return sock


def checkDestination(family: int, host: str) -> None:
    """Check that ``host`` may be given to ``sendto`` on a socket of ``family``.

    It must be an IP literal of the socket's family (or ``"<broadcast>"`` for IPv4): a host name
    would make ``sendto`` resolve it, blocking the reactor for as long as DNS takes.

    :raises InvalidAddressError: if it is not.
    """
    if not isinstance(host, str):
        raise InvalidAddressError(host, "a destination host must be a str IP address literal")
    if host == "<broadcast>" and family == socket.AF_INET:
        return
    literal = familyOfLiteral(host)
    if literal is None:
        raise InvalidAddressError(
            host,
            "write() takes IP address literals, not host names (a lookup would block the "
            "reactor): resolve it first with reactor.resolve(), or connect() the port to it",
        )
    if literal != family:
        mine = "IPv4" if family == socket.AF_INET else "IPv6"
        theirs = "IPv4" if literal == socket.AF_INET else "IPv6"
        raise InvalidAddressError(host, f"an {mine} port cannot send to an {theirs} address")


def peerOf6(sockaddr: tuple[Any, ...]) -> tuple[str, int]:
    """Return ``(host, port)`` for an IPv6 socket address ``(host, port, flowinfo, scopeid)``.

    As Twisted does, the pair is what datagram protocols get, so ``host, port = addr`` works for
    both families. Unlike Twisted, a scoped (link-local) address keeps its scope as a zone,
    ``("fe80::1%2", port)``, so that writing a reply to it reaches the right interface.
    """
    host, port, _, scope = sockaddr
    if scope:
        return (f"{host}%{scope}", port)
    return (host, port)


def literalFor(reactor: Any, family: int, host: str) -> Deferred[str]:
    """Return a Deferred firing with an IP literal of ``family`` for ``host``.

    A literal of that family fires at once; a name is looked up in the reactor's thread pool
    (:func:`reactor._resolve.getAddresses`); a literal of the other family fails with
    :class:`InvalidAddressError`.
    """
    literal = familyOfLiteral(host)
    if literal == family:
        return succeed(host)
    if literal is not None:
        return fail(InvalidAddressError(host, "the address is not of the port's family"))

    def first(addresses: list[tuple[int, tuple[Any, ...]]]) -> str:
        return str(addresses[0][1][0])

    return getAddresses(reactor, host, 0, family).addCallback(first)
