"""The connector behind ``connectUNIX`` and the non-blocking connect of one attempt.

This module owns :class:`UNIXConnector` (``IConnector``) and :class:`UNIXDial`. The connector is
the TCP one of :mod:`reactor.tcp._connector` -- its state machine, timeout and calls into the
``ClientFactory`` -- with a socket path for a destination: there is no name to resolve, and
``checkPID`` first checks that the server's lock file (``address + ".lock"``) names a live
process, failing the attempt with :class:`BadFileError` if not (Twisted's behaviour).

A Unix ``connect`` differs from a TCP one in one way that matters: when the listener's backlog
is full, a non-blocking connect fails at once with ``EAGAIN`` rather than going on in the
background, and the socket never becomes "connected" -- waiting for writability would spin
(an unconnected Unix socket is always writable). :class:`UNIXDial` retries such a connect after
a short pause, doubling up to :data:`RETRY_MAX`, until the connector's timeout ends the attempt.
A connect that reports ``EINPROGRESS`` (other systems) is awaited as TCP's is.

Reactor thread only.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from zope.interface import classImplementsOnly  # type: ignore[import-untyped]

from deferred import Failure
from reactor.address import UNIXAddress
from reactor.error import BadFileError, NoProtocol, connectErrorFor
from reactor.interfaces import IConnector
from reactor.tcp import Connector
from reactor.unix._connection import UNIXConnection
from reactor.unix._paths import isAbstract, isLocked, lockPathFor

__all__ = ["RETRY_FIRST", "RETRY_MAX", "UNIXConnector", "UNIXDial"]

#: Seconds before retrying a connect refused for a full backlog (``EAGAIN``), then doubled...
RETRY_FIRST = 0.001
#: ...up to this many seconds between retries.
RETRY_MAX = 0.05


class UNIXConnector(Connector):
    """Connects to the Unix socket ``address`` for ``factory``, again on each ``connect()``.

    ``timeout`` (seconds, None for none) bounds each attempt.
    """

    def __init__(
        self, address: str, factory: Any, timeout: float | None, reactor: Any, checkPID: bool
    ) -> None:
        if not isinstance(address, str) or not address:
            raise ValueError(f"a Unix socket address is a non-empty str, not {address!r}")
        if checkPID and isAbstract(address):
            raise ValueError("checkPID needs a path: an abstract name has no lock file")
        # The TCP connector's host holds the path; its port is unused (1: a valid placeholder).
        super().__init__(address, 1, factory, timeout, None, reactor, UNIXDial)
        #: The socket path (or abstract name) connected to.
        self.address = address
        self.checkPID = checkPID

    def _begin(self) -> None:
        # No name to resolve: dial the path (after the lock-file check asked for).
        self._beginCall = None
        if self.checkPID and not isLocked(lockPathFor(self.address)):
            self.connectionFailed(Failure(BadFileError(None, self.address)))
            return
        self._startDial(socket.AF_UNIX, (self.address,))

    def getDestination(self) -> UNIXAddress:  # type: ignore[override]
        """The address connected to."""
        return UNIXAddress(self.address)

    def __repr__(self) -> str:
        return f"<UNIX Connector to {self.address!r} {self.state.value}>"


classImplementsOnly(UNIXConnector, IConnector)


class UNIXDial:
    """One non-blocking connect to a Unix socket (a :class:`reactor.tcp._connector.Dial`)."""

    def __init__(
        self,
        reactor: Any,
        family: int,
        sockaddr: tuple[Any, ...],
        bindAddress: object,
        connector: Any,
    ) -> None:
        self.reactor = reactor
        self.connector = connector
        self._path: str = sockaddr[0]
        self._socket: socket.socket | None = None
        self._fd = -1
        self._retryCall: Any = None
        self._retryDelay = RETRY_FIRST

    def start(self) -> None:
        """Create the socket and connect; outcomes go to the connector."""
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError as e:
            self.connector.connectionFailed(Failure(connectErrorFor(e)))
            return
        self._socket = sock
        self._fd = sock.fileno()
        sock.setblocking(False)
        self._attempt()

    def _attempt(self) -> None:
        self._retryCall = None
        sock = self._socket
        if sock is None:
            return
        result = sock.connect_ex(self._path)
        if result == 0:
            self._connected()
        elif result == errno.EAGAIN:
            # The listener's backlog is full: try again shortly (see the module docstring).
            self._retryCall = self.reactor.callLater(self._retryDelay, self._attempt)
            self._retryDelay = min(self._retryDelay * 2, RETRY_MAX)
        elif result == errno.EINPROGRESS:
            try:
                self.reactor.addWriter(self)
            except (OSError, ValueError) as e:
                self._fail(Failure(e))
        else:
            self._fail(Failure(connectErrorFor(OSError(result, os.strerror(result)))))

    def cancel(self) -> None:
        """Abandon the attempt: close the socket; the connector reports why."""
        self._closeSocket()

    def fileno(self) -> int:
        """The connecting socket's descriptor; -1 once handed over or closed."""
        return self._fd

    def doWrite(self) -> None:
        """An in-progress connect finished (``EINPROGRESS`` systems only)."""
        sock = self._socket
        if sock is None:
            return
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            self._fail(Failure(connectErrorFor(OSError(error, os.strerror(error)))))
            return
        self.reactor.removeWriter(self)
        self._connected()

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the descriptor: the attempt failed."""
        if self._socket is not None:
            self._fail(reason)

    def _connected(self) -> None:
        sock = self._socket
        assert sock is not None
        self._socket = None
        self._fd = -1
        connector = self.connector
        peer = UNIXAddress(self._path)
        transport = UNIXConnection(
            sock, self.reactor, UNIXAddress(None), peer, onLost=connector.connectionLost
        )
        try:
            self.reactor.addReader(transport)
        except (OSError, ValueError) as e:
            sock.close()
            connector.connectionFailed(Failure(e))
            return
        try:
            protocol = connector.buildProtocol(peer)
            if protocol is None:
                raise NoProtocol(f"{connector.factory!r} refused the connection (buildProtocol)")
        except Exception:
            self.reactor.removeReader(transport)
            sock.close()
            connector.connectionFailed(Failure())
            return
        connector.transport = transport
        transport.attach(protocol)

    def _fail(self, reason: Failure) -> None:
        self._closeSocket()
        self.connector.connectionFailed(reason)

    def _closeSocket(self) -> None:
        if self._retryCall is not None:
            self._retryCall.cancel()
            self._retryCall = None
        sock, self._socket = self._socket, None
        if sock is not None:
            self.reactor.removeWriter(self)
            sock.close()
        self._fd = -1

    def __repr__(self) -> str:
        return f"<UNIXDial fd={self._fd} to {self._path!r}>"
