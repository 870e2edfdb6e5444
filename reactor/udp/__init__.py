"""UDP and multicast on every reactor: ``listenUDP``, ``listenMulticast`` and their ports.

This package owns the datagram transports of :class:`reactor.Reactor` (whose ``listenUDP`` and
``listenMulticast`` call the functions below), one piece per module:

* :mod:`reactor.udp._port` -- :class:`Port`, a bound UDP socket serving a datagram protocol:
  batched reads, ``write``/``connect``, ICMP reports as ``connectionRefused()``;
* :mod:`reactor.udp._multicast` -- :class:`MulticastPort`, a port that joins groups;
* :mod:`reactor.udp._sockets` -- binding, destination checks, peer addresses, lookups.

The ports use only the reactor's public API (``addReader``/``removeReader``, its thread pool
for name lookups), so the select, poll, epoll, kqueue and asyncio-hosted reactors share them.
The datagram protocols are :mod:`reactor.protocol`'s; the interfaces are
:mod:`reactor._udpinterfaces`'s.
"""

from __future__ import annotations

from typing import Any

from reactor.protocol import AbstractDatagramProtocol
from reactor.udp._multicast import MulticastPort
from reactor.udp._port import DATAGRAMS_PER_EVENT, Port

__all__ = ["DATAGRAMS_PER_EVENT", "MulticastPort", "Port", "listenMulticast", "listenUDP"]


def listenUDP(
    reactor: Any,
    port: int,
    protocol: AbstractDatagramProtocol,
    interface: str = "",
    maxPacketSize: int = 8192,
) -> Port:
    """Bind a UDP socket to ``interface``:``port`` (0: any free port) for ``protocol``.

    ``interface`` is an IP literal: ``""`` (every IPv4 interface), ``"127.0.0.1"``, ``"::"``,
    ``"::1"``... Datagrams longer than ``maxPacketSize`` bytes are dropped on receipt.

    :raises CannotListenError: if the address cannot be bound.
    """
    listening = Port(port, protocol, interface, maxPacketSize, reactor)
    listening.startListening()
    return listening


def listenMulticast(
    reactor: Any,
    port: int,
    protocol: AbstractDatagramProtocol,
    interface: str = "",
    maxPacketSize: int = 8192,
    listenMultiple: bool = False,
) -> MulticastPort:
    """Bind a multicast-capable UDP socket to ``interface``:``port`` for ``protocol``.

    ``listenMultiple`` lets several sockets bind the same port, each receiving every group
    datagram. Join groups with the port's ``joinGroup``.

    :raises CannotListenError: if the address cannot be bound.
    """
    listening = MulticastPort(port, protocol, interface, maxPacketSize, reactor, listenMultiple)
    listening.startListening()
    return listening
