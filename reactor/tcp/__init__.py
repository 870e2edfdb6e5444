"""TCP on the readiness reactors (select, poll, epoll, kqueue): ports, connectors, transports.

This package owns ``listenTCP`` and ``connectTCP`` for :class:`reactor.PollingReactor` and the
pieces behind them, one per module:

* :mod:`reactor.tcp._connection` -- :class:`Connection`, the transport of a connected socket;
* :mod:`reactor.tcp._port` -- :class:`Port`, a listening socket that accepts connections;
* :mod:`reactor.tcp._connector` -- :class:`Connector`, an outgoing connection's life cycle
  (shared with the asyncio reactor, which plugs in its own dial);
* :mod:`reactor.tcp._dial` -- the non-blocking connect of one attempt;
* :mod:`reactor.tcp._sockets` -- address literals, socket addresses, socket options.

The write buffer is :mod:`reactor._buffer`, producer pacing :mod:`reactor._flow`, name lookup
:mod:`reactor._resolve`. ``AsyncioReactor`` uses these too on the standard library's loop, and
uvloop's own transports on uvloop (:mod:`reactor._asyncio_tcp`); protocols cannot tell the
difference.
"""

from __future__ import annotations

from typing import Any

from reactor.tcp._connection import Connection, ReadState, WriteState
from reactor.tcp._connector import Connector, ConnectorState
from reactor.tcp._dial import dialSocket
from reactor.tcp._port import Port

__all__ = [
    "Connection",
    "Connector",
    "ConnectorState",
    "Port",
    "ReadState",
    "WriteState",
    "connectTCP",
    "listenTCP",
]


def listenTCP(
    reactor: Any,
    port: int,
    factory: Any,
    backlog: int = 50,
    interface: str = "",
    reusePort: bool = False,
) -> Port:
    """Listen on ``interface``:``port`` (0: any free port) and serve ``factory``'s protocols.

    ``reusePort`` sets ``SO_REUSEPORT`` (several processes sharing the port).

    :raises CannotListenError: if the address cannot be bound or listened on.
    """
    listening = Port(port, factory, backlog, interface, reactor, reusePort)
    listening.startListening()
    return listening


def connectTCP(
    reactor: Any,
    host: str,
    port: int,
    factory: Any,
    timeout: float | None = 30,
    bindAddress: tuple[str, int] | None = None,
) -> Connector:
    """Connect to ``host``:``port`` for ``factory`` (a ``ClientFactory``); return the connector.

    Every outcome reaches the factory asynchronously: ``clientConnectionFailed`` with
    ``ConnectionRefusedError``, ``TimeoutError``, ``DNSLookupError``... or a protocol from
    ``buildProtocol`` and, later, ``clientConnectionLost``.
    """
    connector = Connector(host, port, factory, timeout, bindAddress, reactor, dialSocket)
    connector.connect()
    return connector
