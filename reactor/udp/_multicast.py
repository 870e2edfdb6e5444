"""A multicast UDP port: a :class:`reactor.udp.Port` that joins groups and sets group options.

This module owns :class:`MulticastPort` (Twisted's ``twisted.internet.udp.MulticastPort``),
what ``listenMulticast`` returns: group membership (``joinGroup``/``leaveGroup``), the
outgoing interface, the time to live (hop limit) and loopback of multicast it sends, and
``listenMultiple`` (several sockets sharing one group port). Datagram I/O is the plain port's.

IPv4 and IPv6 alike. On IPv4 an interface is named by one of its addresses (``"127.0.0.1"``;
``""`` lets the kernel choose by route); on IPv6 by its index or name (``1``, ``"lo"``; ``""``
or 0: the kernel chooses), because that is what the IPv6 socket options take. (Twisted packs an
IPv6 *address* into ``IPV6_JOIN_GROUP``, which works only for ``"::"``, and sets the IPv4 TTL
option on IPv6 sockets; both are fixed here.)

Group addresses and IPv4 interface addresses may be host names: they are looked up in the
reactor's thread pool, so the Deferreds of ``joinGroup``/``leaveGroup``/``setOutgoingInterface``
fire later; with IP literals they have fired when the call returns.

Reactor thread only.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, fail, succeed
from reactor._udpinterfaces import IMulticastTransport
from reactor.error import MulticastJoinError
from reactor.protocol import AbstractDatagramProtocol
from reactor.udp._port import Port
from reactor.udp._sockets import boundSocket, literalFor

__all__ = ["MulticastPort"]


def interfaceIndex(interface: str | int) -> int:
    """Return the index of an IPv6 interface given by index, name (``"lo"``) or ``""`` (0).

    :raises ValueError: if there is no interface of that name.
    """
    if isinstance(interface, int):
        return interface
    if interface == "":
        return 0
    if interface.isdigit():
        return int(interface)
    try:
        return socket.if_nametoindex(interface)
    except OSError as e:
        raise ValueError(f"no network interface is called {interface!r}") from e


class MulticastPort(Port):
    """A UDP port that can join multicast groups; see the module docstring.

    ``listenMultiple`` lets other sockets bind the same port (``SO_REUSEADDR`` and
    ``SO_REUSEPORT``); each of them receives every datagram sent to a group they joined.
    """

    def __init__(
        self,
        port: int,
        protocol: AbstractDatagramProtocol,
        interface: str = "",
        maxPacketSize: int = 8192,
        reactor: Any = None,
        listenMultiple: bool = False,
    ) -> None:
        super().__init__(port, protocol, interface, maxPacketSize, reactor)
        self.listenMultiple = listenMultiple

    def _makeSocket(self) -> socket.socket:
        return boundSocket(self.addressFamily, self.interface, self.port, self.listenMultiple)

    @property
    def _ipv6(self) -> bool:
        return self.addressFamily == socket.AF_INET6

    # --- options ------------------------------------------------------------------------------

    def getOutgoingInterface(self) -> str | int:
        """Return the interface multicast is sent through: an IPv4 address, or an IPv6 index.

        ``"0.0.0.0"`` (or 0) means the kernel picks one by route.
        """
        sock = self._socket()
        if self._ipv6:
            return sock.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF)
        return socket.inet_ntoa(sock.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, 4))

    def setOutgoingInterface(self, addr: str | int) -> Deferred[int]:
        """Send multicast through ``addr``: an IPv4 address (or host name), an IPv6 index or
        interface name. The Deferred fires with 1 (as Twisted's) once it is set."""
        sock = self._socket()
        if self._ipv6:
            try:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, interfaceIndex(addr))
            except (OSError, ValueError) as e:
                return fail(e)
            return succeed(1)
        if not isinstance(addr, str):
            return fail(TypeError(f"an IPv4 interface is an address str, not {addr!r}"))

        def setIt(literal: str) -> int:
            self._socket().setsockopt(
                socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(literal)
            )
            return 1

        return literalFor(self.reactor, socket.AF_INET, addr).addCallback(setIt)

    def getLoopbackMode(self) -> bool:
        """Return whether multicast sent here is delivered to this host's members too."""
        level, option = self._loopOption()
        return bool(self._socket().getsockopt(level, option))

    def setLoopbackMode(self, mode: bool | int) -> None:
        """Deliver (true, the default) or do not deliver multicast sent here to this host."""
        level, option = self._loopOption()
        self._socket().setsockopt(level, option, int(bool(mode)))

    def _loopOption(self) -> tuple[int, int]:
        if self._ipv6:
            return socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP
        return socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP

    def getTTL(self) -> int:
        """Return the time to live (IPv6: hop limit) of multicast sent; 1 by default."""
        level, option = self._ttlOption()
        return self._socket().getsockopt(level, option)

    def setTTL(self, ttl: int) -> None:
        """Set the time to live (IPv6: hop limit) of multicast sent: 0 (this host) to 255.

        :raises ValueError: if ``ttl`` is out of range.
        """
        if type(ttl) is not int or not 0 <= ttl <= 255:
            raise ValueError(f"ttl must be an int in 0..255, not {ttl!r}")
        level, option = self._ttlOption()
        self._socket().setsockopt(level, option, ttl)

    def _ttlOption(self) -> tuple[int, int]:
        if self._ipv6:
            return socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS
        return socket.IPPROTO_IP, socket.IP_MULTICAST_TTL

    # --- membership ---------------------------------------------------------------------------

    def joinGroup(self, addr: str, interface: str | int = "") -> Deferred[None]:
        """Join the multicast group ``addr`` on ``interface`` (see the module docstring).

        The Deferred fails with :class:`reactor.error.MulticastJoinError` if the kernel
        refuses (not a multicast address, no such interface, already a member...).
        """
        return self._membership(addr, interface, join=True)

    def leaveGroup(self, addr: str, interface: str | int = "") -> Deferred[None]:
        """Leave the multicast group ``addr`` on ``interface``.

        The Deferred fails with :class:`reactor.error.MulticastJoinError` if this port is not
        a member.
        """
        return self._membership(addr, interface, join=False)

    def _membership(self, addr: str, interface: str | int, join: bool) -> Deferred[None]:
        try:
            self._socket()
        except RuntimeError as e:
            return fail(e)
        if self._ipv6:
            try:
                index = interfaceIndex(interface)
            except ValueError as e:
                return fail(MulticastJoinError(addr, interface, str(e)))
            option = socket.IPV6_JOIN_GROUP if join else socket.IPV6_LEAVE_GROUP

            def request6(group: str) -> bytes:
                packed = socket.inet_pton(socket.AF_INET6, group.partition("%")[0])
                return packed + struct.pack("@I", index)

            return literalFor(self.reactor, socket.AF_INET6, addr).addCallback(
                self._setMembership, socket.IPPROTO_IPV6, option, request6, addr, interface
            )
        if not isinstance(interface, str):
            return fail(MulticastJoinError(addr, interface, "an IPv4 interface is an address"))
        option = socket.IP_ADD_MEMBERSHIP if join else socket.IP_DROP_MEMBERSHIP
        local = literalFor(self.reactor, socket.AF_INET, interface or "0.0.0.0")

        def withGroup(ifaddr: str) -> Deferred[None]:
            def request4(group: str) -> bytes:
                return socket.inet_aton(group) + socket.inet_aton(ifaddr)

            return literalFor(self.reactor, socket.AF_INET, addr).addCallback(
                self._setMembership, socket.IPPROTO_IP, option, request4, addr, interface
            )

        return local.addCallback(withGroup)

    def _setMembership(
        self,
        group: str,
        level: int,
        option: int,
        request: Callable[[str], bytes],
        addr: str,
        interface: str | int,
    ) -> None:
        try:
            self._socket().setsockopt(level, option, request(group))
        except (OSError, RuntimeError) as e:
            raise MulticastJoinError(addr, interface, *e.args) from e


classImplements(MulticastPort, IMulticastTransport)
