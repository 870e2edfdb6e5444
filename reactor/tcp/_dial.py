"""Connecting a TCP socket on a readiness reactor, and starting its transport once connected.

This module owns :class:`SocketDial`, the :data:`reactor.tcp._connector.DialFunction` of the
readiness reactors: a non-blocking ``connect``, a wait for writability, ``SO_ERROR`` to learn
how it went, then a :class:`reactor.tcp._connection.Connection` for the connected socket with
the protocol the connector's factory builds. The connector owns everything else (timeout,
lookup, the factory's callbacks).

A socket reported writable is checked with ``getpeername`` before it is trusted: a descriptor
number closed and reused within one pass of the loop can receive its predecessor's readiness,
and a connection still in progress also has ``SO_ERROR`` 0.

Reactor thread only.
"""

from __future__ import annotations

import errno
import os
import socket
from typing import Any

from deferred import Failure
from reactor.error import ConnectBindError, NoProtocol, connectErrorFor
from reactor.tcp._connection import Connection
from reactor.tcp._sockets import SockAddr, addressOf, setNoDelay

__all__ = ["SocketDial", "dialSocket", "startClient"]

_IN_PROGRESS = frozenset({0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EINTR})


class SocketDial:
    """One non-blocking connection attempt; a write descriptor while it is in progress."""

    def __init__(
        self,
        reactor: Any,
        family: int,
        sockaddr: SockAddr,
        bindAddress: tuple[str, int] | None,
        connector: Any,
    ) -> None:
        self.reactor = reactor
        self.connector = connector
        self._family = family
        self._sockaddr = sockaddr
        self._bindAddress = bindAddress
        self._socket: socket.socket | None = None
        self._fd = -1

    def start(self) -> None:
        """Create the socket and begin connecting; failures go to the connector."""
        try:
            sock = socket.socket(self._family, socket.SOCK_STREAM)
        except OSError as e:
            self._fail(Failure(connectErrorFor(e)))
            return
        self._socket = sock
        self._fd = sock.fileno()
        try:
            sock.setblocking(False)
            if self._bindAddress is not None:
                try:
                    sock.bind(self._bindAddress)
                except OSError as e:
                    raise ConnectBindError(e.errno, e.strerror or str(e)) from e
            result = sock.connect_ex(self._sockaddr)
            if result not in _IN_PROGRESS:
                raise connectErrorFor(OSError(result, os.strerror(result)))
            self.reactor.addWriter(self)
        except (OSError, ValueError) as e:
            # ValueError: select() cannot watch descriptors >= FD_SETSIZE.
            self._fail(Failure(e if not isinstance(e, OSError) else connectErrorFor(e)))
        except Exception:
            self._fail(Failure())

    def cancel(self) -> None:
        """Abandon the attempt: unwatch and close the socket; the connector reports why."""
        self._closeSocket()

    def fileno(self) -> int:
        """The connecting socket's descriptor; -1 once handed over or closed."""
        return self._fd

    def doWrite(self) -> None:
        """The socket became writable: connected, or failed."""
        sock = self._socket
        if sock is None:
            return
        error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if error:
            self._fail(Failure(connectErrorFor(OSError(error, os.strerror(error)))))
            return
        try:
            peer = sock.getpeername()
        except OSError as e:
            if e.errno == errno.ENOTCONN:
                return  # Not connected yet: a readiness report meant for a former owner.
            self._fail(Failure(connectErrorFor(e)))
            return
        self.reactor.removeWriter(self)
        self._socket = None
        self._fd = -1
        startClient(self.reactor, sock, peer, self.connector)

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the descriptor (an error condition): the attempt failed."""
        if self._socket is not None:
            self._fail(reason)

    def _fail(self, reason: Failure) -> None:
        self._closeSocket()
        self.connector.connectionFailed(reason)

    def _closeSocket(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None:
            self.reactor.removeWriter(self)
            sock.close()
        self._fd = -1

    def __repr__(self) -> str:
        return f"<SocketDial fd={self._fd} to {self._sockaddr!r}>"


def dialSocket(
    reactor: Any,
    family: int,
    sockaddr: SockAddr,
    bindAddress: tuple[str, int] | None,
    connector: Any,
) -> SocketDial:
    """The readiness reactors' :data:`reactor.tcp._connector.DialFunction`."""
    return SocketDial(reactor, family, sockaddr, bindAddress, connector)


def startClient(reactor: Any, sock: socket.socket, peer: SockAddr, connector: Any) -> None:
    """Start a transport on the connected ``sock`` with the protocol the connector builds.

    Failures (the descriptor cannot be watched, the factory raises or refuses) close the socket
    and go to ``connector.connectionFailed``.
    """
    try:
        setNoDelay(sock)
    except OSError:
        pass  # Reset already; the first read will say so.
    transport = Connection(sock, reactor, peer, onLost=connector.connectionLost)
    try:
        reactor.addReader(transport)
    except (OSError, ValueError) as e:
        sock.close()
        connector.connectionFailed(Failure(e))
        return
    try:
        protocol = connector.buildProtocol(addressOf(peer))
        if protocol is None:
            raise NoProtocol(f"{connector.factory!r} refused the connection (buildProtocol: None)")
    except Exception:
        reactor.removeReader(transport)
        sock.close()
        connector.connectionFailed(Failure())
        return
    connector.transport = transport
    transport.attach(protocol)
