"""Unix datagram sockets: a bound socket for a ``DatagramProtocol``, or a connected one.

This module owns :class:`UNIXDatagramPort` (what ``listenUNIXDatagram`` returns: Twisted's
``IUNIXDatagramTransport``), :class:`ConnectedUNIXDatagramPort` (``connectUNIXDatagram``:
``IUNIXDatagramConnectedTransport``) and :class:`ConnectedDatagramProtocol`, the protocol a
connected one serves (Twisted keeps it in ``twisted.internet.protocol``). Binding goes through
:mod:`reactor.unix._paths`, like a stream port's: a dead owner's file is replaced, a live one is
never taken, the file gets ``mode`` and is removed on ``stopListening`` if it is still ours.

Reading: up to :data:`DATAGRAMS_PER_EVENT` datagrams per readable event. A datagram longer
than ``maxPacketSize`` is dropped and logged (Twisted delivers its first ``maxPacketSize``
bytes as if they were all of it); later ones are counted in ``truncatedDatagrams``.

Writing sends at once, without a buffer, as Twisted does. Unlike UDP, a Unix datagram is never
lost in transit: the kernel refuses it instead when the receiver's queue is full (``EAGAIN``).
Such a datagram is dropped, as in Twisted, but counted in ``droppedWrites`` and logged the
first time, so the loss is visible. (Not fixed here: buffering and waiting for writability
works only for connected sockets -- an unconnected one is always reported writable -- so it
would be half a fix.) ``EMSGSIZE`` raises :class:`reactor.error.MessageLengthError`; a
destination nobody serves raises the ``OSError`` (``ECONNREFUSED``, ``ENOENT``) on an unconnected
port and calls ``connectionRefused()`` on a connected one.

Reactor thread only.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from typing import Any

from zope.interface import (  # type: ignore[import-untyped]
    classImplements,
    classImplementsOnly,
)

from deferred import Deferred, Failure, succeed
from reactor._netinterfaces import IListeningPort, ILoggingContext
from reactor._unixinterfaces import IUNIXDatagramConnectedTransport, IUNIXDatagramTransport
from reactor.address import UNIXAddress
from reactor.error import ConnectionDone, ConnectionLost, MessageLengthError
from reactor.protocol import AbstractDatagramProtocol
from reactor.unix._paths import FileIdentity, bindPath, removeIfOurs

__all__ = [
    "DATAGRAMS_PER_EVENT",
    "ConnectedDatagramProtocol",
    "ConnectedUNIXDatagramPort",
    "UNIXDatagramPort",
]

log = logging.getLogger("reactor.unix")

#: Most datagrams read per readable event, so one busy socket cannot starve the others.
DATAGRAMS_PER_EVENT = 256

_REFUSED = frozenset({errno.ECONNREFUSED, errno.ENOENT, errno.ECONNRESET})


class ConnectedDatagramProtocol(AbstractDatagramProtocol):
    """The protocol of a connected datagram socket (``connectUNIXDatagram``).

    Datagrams come only from the connected peer, so ``datagramReceived`` gets no address.
    """

    def datagramReceived(self, datagram: bytes, addr: Any = None) -> None:
        """Called with each datagram from the peer. Does nothing here."""

    def connectionFailed(self, reason: Failure) -> None:
        """Connecting (or binding) failed for ``reason``; the port is closed. Does nothing here."""

    def connectionRefused(self) -> None:
        """Nobody is bound at the peer's address any more. Does nothing here."""


def _nameOf(raw: Any) -> str | bytes | None:
    """A socket name as a ``UNIXAddress`` holds it: the path, abstract name, or None."""
    return raw or None


class UNIXDatagramPort:
    """A Unix datagram socket bound to ``address`` (None: unbound) for ``protocol``.

    ``listenUNIXDatagram`` creates it and calls :meth:`startListening`.
    """

    def __init__(
        self,
        address: str | None,
        protocol: Any,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        reactor: Any = None,
    ) -> None:
        if address is not None and (not isinstance(address, str) or not address):
            raise ValueError(f"a Unix socket address is a non-empty str, not {address!r}")
        if reactor is None:
            from reactor import reactor as defaultReactor

            reactor = defaultReactor
        self.address = address
        self.protocol = protocol
        self.maxPacketSize = maxPacketSize
        self.mode = mode
        self.reactor = reactor
        self.socket: socket.socket | None = None
        self.connected = False
        #: Datagrams dropped because the receiver's queue was full (``EAGAIN``).
        self.droppedWrites = 0
        #: Datagrams dropped because they were longer than ``maxPacketSize``.
        self.truncatedDatagrams = 0
        self._fd = -1
        self._identity: FileIdentity | None = None

    def startListening(self) -> None:
        """Bind the socket, watch it and start the protocol.

        :raises CannotListenError: if the address is served by another socket, or cannot be
            bound.
        """
        if self.socket is not None:
            return
        sock = self._bind()
        self._attach(sock)
        self.protocol.makeConnection(self)

    def _bind(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            sock.setblocking(False)
            if self.address is not None:
                self._identity = bindPath(sock, self.address, self.mode, lambda: None)
        except BaseException:
            sock.close()
            raise
        return sock

    def _attach(self, sock: socket.socket) -> None:
        self.socket = sock
        self._fd = sock.fileno()
        self.connected = True
        try:
            self.reactor.addReader(self)
        except BaseException:
            self._closeSocket()
            raise

    def stopListening(self) -> Deferred[None]:
        """Close the socket, remove its file (if still ours) and stop the protocol. Fires before
        it returns."""
        if self.socket is not None:
            self._closeSocket()
            self.protocol.doStop()
        return succeed(None)

    loseConnection = stopListening

    def _closeSocket(self) -> None:
        self.reactor.removeReader(self)
        sock, self.socket = self.socket, None
        if sock is not None:
            sock.close()
        self._fd = -1
        self.connected = False
        identity, self._identity = self._identity, None
        if self.address is not None:
            removeIfOurs(self.address, identity)

    # --- writing ------------------------------------------------------------------------------

    def write(self, datagram: bytes, addr: str | bytes) -> int | None:
        """Send ``datagram`` to the socket bound at ``addr``; return the bytes sent, or None if
        it was dropped (the receiver's queue is full; see the module docstring).

        :raises MessageLengthError: if the datagram is too long for the system.
        :raises OSError: if nobody is bound at ``addr`` (``ECONNREFUSED``, ``ENOENT``).
        """
        try:
            return self._sock().sendto(datagram, addr)
        except (BlockingIOError, InterruptedError):
            self._dropped(addr)
            return None
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                raise MessageLengthError(
                    f"a {len(datagram)}-byte datagram is too long for this socket"
                ) from e
            if e.errno == errno.ENOBUFS:
                self._dropped(addr)
                return None
            raise

    def _dropped(self, destination: object) -> None:
        self.droppedWrites += 1
        if self.droppedWrites == 1:
            log.warning(
                "%r dropped a datagram to %r: its receiver's queue is full (further drops are "
                "counted in droppedWrites)",
                self,
                destination,
            )

    def _sock(self) -> socket.socket:
        sock = self.socket
        if sock is None:
            raise RuntimeError(f"{self!r} is not listening")
        return sock

    # --- reading ------------------------------------------------------------------------------

    def doRead(self) -> None:
        """Read and deliver up to :data:`DATAGRAMS_PER_EVENT` datagrams."""
        sock = self.socket
        if sock is None:
            return
        limit = self.maxPacketSize
        bufsize = limit + 1  # A datagram that fills it was longer than allowed.
        for _ in range(DATAGRAMS_PER_EVENT):
            try:
                data, addr = sock.recvfrom(bufsize)
            except BlockingIOError:
                return
            except OSError as e:
                self._readError(e.errno or 0)
                if self.socket is not sock:
                    return
                continue
            if len(data) > limit:
                self._oversize(addr)
                continue
            try:
                self._deliver(data, addr)
            except Exception:
                log.exception("Unhandled error in datagramReceived of %r", self.protocol)
            if self.socket is not sock:
                return  # The protocol stopped the port.

    def _deliver(self, data: bytes, addr: Any) -> None:
        self.protocol.datagramReceived(data, _nameOf(addr))

    def _readError(self, number: int) -> None:
        log.warning("%r: reading failed: %s", self, os.strerror(number))

    def _oversize(self, addr: Any) -> None:
        self.truncatedDatagrams += 1
        if self.truncatedDatagrams == 1:
            log.warning(
                "%r dropped a datagram from %r longer than maxPacketSize (%d bytes); further "
                "ones are dropped quietly and counted in truncatedDatagrams",
                self,
                _nameOf(addr),
                self.maxPacketSize,
            )

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the socket: a pending error is reported and the socket watched
        again; anything else closes the port."""
        sock = self.socket
        if sock is None:
            return
        pending = 0
        if reason.check(ConnectionLost, ConnectionDone):
            try:
                pending = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            except OSError:
                pending = 0
        if pending:
            self._readError(pending)
            if self.socket is sock:
                self.reactor.addReader(self)
            return
        log.error("%r closed: %s", self, reason.getErrorMessage())
        self.stopListening()

    # --- the rest of the transport --------------------------------------------------------------

    def getHost(self) -> UNIXAddress:
        """Return the address this socket is bound to (``UNIXAddress(None)`` if unbound)."""
        return UNIXAddress(self.address)

    def getHandle(self) -> socket.socket:
        """Return the socket."""
        return self._sock()

    def fileno(self) -> int:
        """The socket's descriptor; -1 when closed."""
        return self._fd

    def logPrefix(self) -> str:
        """The protocol's class name, for log lines."""
        return type(self.protocol).__name__

    def __repr__(self) -> str:
        state = "listening" if self.socket is not None else "not listening"
        return f"<UNIX Datagram Port {self.logPrefix()} on {self.address!r} {state}>"


class ConnectedUNIXDatagramPort(UNIXDatagramPort):
    """A Unix datagram socket (bound to ``bindAddress``, if given) connected to ``address``.

    ``connectUNIXDatagram`` creates it and calls :meth:`startListening`. Without a
    ``bindAddress`` the socket is unbound and the peer cannot answer it.
    """

    def __init__(
        self,
        address: str,
        protocol: Any,
        maxPacketSize: int = 8192,
        mode: int = 0o666,
        bindAddress: str | None = None,
        reactor: Any = None,
    ) -> None:
        if not isinstance(address, str) or not address:
            raise ValueError(f"a Unix socket address is a non-empty str, not {address!r}")
        super().__init__(bindAddress, protocol, maxPacketSize, mode, reactor)
        #: The address connected to.
        self.remoteAddress = address

    def startListening(self) -> None:
        """Bind (if asked), connect and start the protocol; on failure, close the socket and
        call the protocol's ``connectionFailed`` (as Twisted does: nothing is raised)."""
        if self.socket is not None:
            return
        try:
            sock = self._bind()
            try:
                sock.connect(self.remoteAddress)
            except BaseException:
                sock.close()
                identity, self._identity = self._identity, None
                if self.address is not None:
                    removeIfOurs(self.address, identity)
                raise
            self._attach(sock)
        except Exception:
            self.protocol.connectionFailed(Failure())
            return
        self.protocol.makeConnection(self)

    def write(self, datagram: bytes) -> int | None:  # type: ignore[override]
        """Send ``datagram`` to the connected peer; return the bytes sent, or None if it was
        dropped (the peer's queue is full, or nobody is bound there: ``connectionRefused()``).

        :raises MessageLengthError: if the datagram is too long for the system.
        """
        try:
            return self._sock().send(datagram)
        except (BlockingIOError, InterruptedError):
            self._dropped(self.remoteAddress)
            return None
        except OSError as e:
            if e.errno == errno.EMSGSIZE:
                raise MessageLengthError(
                    f"a {len(datagram)}-byte datagram is too long for this socket"
                ) from e
            if e.errno in _REFUSED:
                self._refused()
                return None
            if e.errno == errno.ENOBUFS:
                self._dropped(self.remoteAddress)
                return None
            raise

    def _deliver(self, data: bytes, addr: Any) -> None:
        self.protocol.datagramReceived(data)

    def _readError(self, number: int) -> None:
        if number in _REFUSED:
            self._refused()
            return
        super()._readError(number)

    def _refused(self) -> None:
        try:
            self.protocol.connectionRefused()
        except Exception:
            log.exception("Unhandled error in connectionRefused of %r", self.protocol)

    def getPeer(self) -> UNIXAddress:
        """Return the address connected to."""
        return UNIXAddress(self.remoteAddress)

    def __repr__(self) -> str:
        state = "connected" if self.socket is not None else "not connected"
        return f"<UNIX Datagram Port {self.logPrefix()} to {self.remoteAddress!r} {state}>"


classImplements(UNIXDatagramPort, IUNIXDatagramTransport, IListeningPort, ILoggingContext)
classImplementsOnly(
    ConnectedUNIXDatagramPort, IUNIXDatagramConnectedTransport, IListeningPort, ILoggingContext
)
