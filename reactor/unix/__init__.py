"""Unix sockets on every reactor: stream (with descriptor passing) and datagram.

This package owns ``listenUNIX``, ``connectUNIX``, ``listenUNIXDatagram`` and
``connectUNIXDatagram`` (the reactor methods of :mod:`reactor._transportmethods` call these)
and the pieces behind them, one per module:

* :mod:`reactor.unix._connection` -- :class:`UNIXConnection`, a connected stream's transport
  (the TCP transport plus ``sendFileDescriptor``/``fileDescriptorReceived``);
* :mod:`reactor.unix._port` -- :class:`UNIXPort`, a listening stream socket;
* :mod:`reactor.unix._connector` -- :class:`UNIXConnector` and the connect of one attempt;
* :mod:`reactor.unix._datagram` -- the bound and the connected datagram sockets;
* :mod:`reactor.unix._paths` -- socket names on the file system: stale files, modes, lock files;
* :mod:`reactor.unix._endpoints` -- the ``unix:`` endpoint descriptions.

Everything here uses only the reactor's public API (``addReader``/``addWriter``/``callLater``),
so the same code serves the select, poll and epoll reactors and ``AsyncioReactor`` (which hosts
readiness descriptors on its loop, uvloop included).

An address is a path (``"/run/app.sock"``) or, on Linux, an abstract name (``"\\0app"``): no
file, nothing to clean up, no mode and no lock file.
"""

from __future__ import annotations

from typing import Any

from reactor.unix._connection import UNIXConnection
from reactor.unix._connector import UNIXConnector
from reactor.unix._datagram import ConnectedUNIXDatagramPort, UNIXDatagramPort
from reactor.unix._port import UNIXPort

__all__ = [
    "ConnectedUNIXDatagramPort",
    "UNIXConnection",
    "UNIXConnector",
    "UNIXDatagramPort",
    "UNIXPort",
    "connectUNIX",
    "connectUNIXDatagram",
    "listenUNIX",
    "listenUNIXDatagram",
]


def listenUNIX(
    reactor: Any, address: str, factory: Any, backlog: int, mode: int, wantPID: bool
) -> UNIXPort:
    """Listen on the Unix stream socket ``address`` and serve ``factory``'s protocols.

    :raises CannotListenError: if another process listens there (or holds the lock file), a
        file that is not a socket is in the way, or binding fails otherwise.
    """
    port = UNIXPort(address, factory, backlog, mode, wantPID, reactor)
    port.startListening()
    return port


def connectUNIX(
    reactor: Any, address: str, factory: Any, timeout: float | None, checkPID: bool
) -> UNIXConnector:
    """Connect to the Unix stream socket ``address`` for ``factory``; return the connector.

    Every outcome reaches the factory asynchronously, as with ``connectTCP``.
    """
    connector = UNIXConnector(address, factory, timeout, reactor, checkPID)
    connector.connect()
    return connector


def listenUNIXDatagram(
    reactor: Any, address: str, protocol: Any, maxPacketSize: int, mode: int
) -> UNIXDatagramPort:
    """Bind a Unix datagram socket to ``address`` for ``protocol`` (a ``DatagramProtocol``).

    :raises CannotListenError: if another socket serves the address, or binding fails.
    """
    port = UNIXDatagramPort(address, protocol, maxPacketSize, mode, reactor)
    port.startListening()
    return port


def connectUNIXDatagram(
    reactor: Any,
    address: str,
    protocol: Any,
    maxPacketSize: int,
    mode: int,
    bindAddress: str | None,
) -> ConnectedUNIXDatagramPort:
    """Connect a Unix datagram socket (bound to ``bindAddress``, if given) to ``address``.

    ``protocol`` is a :class:`reactor.protocol.ConnectedDatagramProtocol`; a failure to bind
    or connect calls its ``connectionFailed`` (nothing is raised, as in Twisted).
    """
    port = ConnectedUNIXDatagramPort(address, protocol, maxPacketSize, mode, bindAddress, reactor)
    port.startListening()
    return port
