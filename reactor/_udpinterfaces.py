"""The datagram contracts: UDP and multicast transports, and the reactor methods making them.

This module owns Twisted's ``IUDPTransport``, ``IMulticastTransport``, ``IReactorUDP`` and
``IReactorMulticast``, each written once as a ``typing.Protocol`` (``UDPTransport``...) with its
zope.interface twin generated from it (see :mod:`reactor._netinterfaces`). It holds no
behaviour: :mod:`reactor.udp` implements them. :mod:`reactor.interfaces` re-exports these names.

Two documented differences from Twisted's declarations: ``connect`` returns a Deferred (it may
look a host name up; Twisted's returns None and takes IP literals only), and ``setTTL`` /
``getTTL`` mean the hop limit on IPv6 ports too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from reactor._netinterfaces import Address, ListeningPort, _zopeTwin

if TYPE_CHECKING:
    from deferred import Deferred

__all__ = [
    "IMulticastTransport",
    "IReactorMulticast",
    "IReactorUDP",
    "IUDPTransport",
    "MulticastTransport",
    "ReactorMulticast",
    "ReactorUDP",
    "UDPTransport",
]


class UDPTransport(Protocol):
    """A bound UDP socket as its datagram protocol sees it (``protocol.transport``)."""

    def write(self, packet: bytes, addr: tuple[Any, ...] | None = None) -> None:
        """Send ``packet`` to ``addr`` (an ``(ip, port)`` pair), or to the connected peer."""
        ...

    def connect(self, host: str, port: int) -> Deferred[None]:
        """Talk to ``host``:``port`` only; the Deferred fires once connected."""
        ...

    def getHost(self) -> Address:
        """Return the address the socket is bound to."""
        ...

    def stopListening(self) -> Deferred[None]:
        """Stop the protocol and close the socket."""
        ...

    def setBroadcastAllowed(self, enabled: bool) -> None:
        """Allow or forbid sending to broadcast addresses."""
        ...

    def getBroadcastAllowed(self) -> bool:
        """Return whether sending to broadcast addresses is allowed."""
        ...


class MulticastTransport(UDPTransport, Protocol):
    """A UDP transport that can join multicast groups and set multicast options."""

    def getOutgoingInterface(self) -> str | int:
        """Return the interface multicast is sent through (IPv4: an address; IPv6: an index)."""
        ...

    def setOutgoingInterface(self, addr: str | int) -> Deferred[int]:
        """Send multicast through the interface ``addr``; fires with 1 once set."""
        ...

    def getLoopbackMode(self) -> bool:
        """Return whether multicast sent from this host is delivered to this host too."""
        ...

    def setLoopbackMode(self, mode: bool | int) -> None:
        """Deliver (true) or do not deliver multicast sent here to this host's members."""
        ...

    def getTTL(self) -> int:
        """Return the time to live (IPv6: hop limit) of multicast sent."""
        ...

    def setTTL(self, ttl: int) -> None:
        """Set the time to live (IPv6: hop limit) of multicast sent, 0..255."""
        ...

    def joinGroup(self, addr: str, interface: str | int = "") -> Deferred[None]:
        """Join the group ``addr`` on ``interface``; fires once joined."""
        ...

    def leaveGroup(self, addr: str, interface: str | int = "") -> Deferred[None]:
        """Leave the group ``addr`` on ``interface``; fires once left."""
        ...


class ReactorUDP(Protocol):
    """UDP: bind a socket for a datagram protocol."""

    def listenUDP(
        self, port: int, protocol: Any, interface: str = "", maxPacketSize: int = 8192
    ) -> ListeningPort:
        """Bind ``interface``:``port`` (0: any free port) for ``protocol``."""
        ...


class ReactorMulticast(Protocol):
    """Multicast UDP: bind a socket that can join groups."""

    def listenMulticast(
        self,
        port: int,
        protocol: Any,
        interface: str = "",
        maxPacketSize: int = 8192,
        listenMultiple: bool = False,
    ) -> ListeningPort:
        """Bind ``interface``:``port`` for ``protocol``; ``listenMultiple`` shares the port."""
        ...


IUDPTransport = _zopeTwin(UDPTransport)
IMulticastTransport = _zopeTwin(MulticastTransport, IUDPTransport)
IReactorUDP = _zopeTwin(ReactorUDP)
IReactorMulticast = _zopeTwin(ReactorMulticast)
