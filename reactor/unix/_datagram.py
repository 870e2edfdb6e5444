"""Unix datagram sockets: a bound socket for a ``DatagramProtocol``, or a connected one.

This module owns :class:`UNIXDatagramPort` (what ``listenUNIXDatagram`` returns: Twisted's
``IUNIXDatagramTransport``) and :class:`ConnectedUNIXDatagramPort` (``connectUNIXDatagram``:
``IUNIXDatagramConnectedTransport``), which serves a
:class:`reactor.protocol.ConnectedDatagramProtocol` (where Twisted keeps it too). Binding goes
through :mod:`reactor.unix._paths`, like a stream port's: a dead owner's file is replaced, a
live one is never taken, the file gets ``mode`` and is removed on ``stopListening`` if it is
still ours.

Reading: up to :data:`DATAGRAMS_PER_EVENT` datagrams per readable event. A datagram longer
than ``maxPacketSize`` is dropped and logged (Twisted delivers its first ``maxPacketSize``
bytes as if they were all of it); later ones are counted in ``truncatedDatagrams``.

Writing. A Unix datagram, unlike a UDP one, is never lost in transit: the kernel refuses to
take it (``EAGAIN``) while the receiver's queue is full -- and that queue is short (Linux's
``net.unix.max_dgram_qlen`` is 10 by default), so a burst of a dozen datagrams hits it. Twisted
drops such a datagram silently; we hold it back instead, in order, in a queue of at most
:data:`MAX_HELD_DATAGRAMS`, and send it once the receiver has room. A connected socket learns
that from writability (Linux reports a connected datagram socket writable only when its peer's
queue has room); an unconnected one cannot (it is always reported writable), so it retries on a
timer, from :data:`RETRY_FIRST` seconds doubling up to :data:`RETRY_MAX`. Later datagrams wait
behind a held one, even to other receivers (one queue keeps the order the protocol wrote in).
Beyond the queue's bound datagrams are dropped, counted in ``droppedWrites`` and logged once;
datagrams still held when the port stops are dropped and logged.

Errors: ``EMSGSIZE`` raises :class:`reactor.error.MessageLengthError` (for a held datagram,
found only when it is finally sent, it is logged and the datagram dropped); a destination
nobody serves raises the ``OSError`` (``ECONNREFUSED``, ``ENOENT``) on an unconnected port and
calls ``connectionRefused()`` on a connected one.

Reactor thread only.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from collections import deque
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
from reactor.unix._paths import FileIdentity, bindPath, removeIfOurs

__all__ = [
    "DATAGRAMS_PER_EVENT",
    "MAX_HELD_DATAGRAMS",
    "RETRY_FIRST",
    "RETRY_MAX",
    "ConnectedUNIXDatagramPort",
    "UNIXDatagramPort",
]

log = logging.getLogger("reactor.unix")

#: Most datagrams read per readable event, so one busy socket cannot starve the others.
DATAGRAMS_PER_EVENT = 256

#: Most datagrams held back while receivers' queues are full; more are dropped and counted.
MAX_HELD_DATAGRAMS = 1024
#: Seconds before an unconnected socket retries a held datagram, then doubled...
RETRY_FIRST = 0.001
#: ...up to this many.
RETRY_MAX = 0.05

_FULL = frozenset({errno.EAGAIN, errno.ENOBUFS, errno.EINTR})
_REFUSED = frozenset({errno.ECONNREFUSED, errno.ENOENT, errno.ECONNRESET})


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
        #: Datagrams dropped: more than MAX_HELD_DATAGRAMS were held back, or the port stopped
        #: with some still held.
        self.droppedWrites = 0
        #: Datagrams dropped because they were longer than ``maxPacketSize``.
        self.truncatedDatagrams = 0
        self._fd = -1
        self._identity: FileIdentity | None = None
        # Datagrams (with their destination; None when connected) the kernel has not taken yet,
        # oldest first; None while there are none. See the module docstring.
        self._held: deque[tuple[bytes, Any]] | None = None
        self._retryCall: Any = None
        self._retryDelay = RETRY_FIRST

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
        self.reactor.removeWriter(self)
        if self._retryCall is not None:
            self._retryCall.cancel()
            self._retryCall = None
        held, self._held = self._held, None
        if held:
            self.droppedWrites += len(held)
            log.warning("%r stopped with %d datagrams still held back; dropped", self, len(held))
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
        it was held back (the receiver's queue is full) or dropped (see the module docstring).

        :raises MessageLengthError: if the datagram is too long for the system.
        :raises OSError: if nobody is bound at ``addr`` (``ECONNREFUSED``, ``ENOENT``).
        """
        sock = self._sock()
        if self._held:
            self._hold(datagram, addr)
            return None
        try:
            return sock.sendto(datagram, addr)
        except OSError as e:
            if e.errno in _FULL:
                self._hold(datagram, addr)
                return None
            self._sendFailed(e, datagram)
            raise

    def _sendFailed(self, error: OSError, datagram: bytes) -> None:
        """A send failed for ``error``, not for want of room: raise what the caller should see
        instead of the bare ``OSError``, or return to let the caller raise that."""
        if error.errno == errno.EMSGSIZE:
            raise MessageLengthError(
                f"a {len(datagram)}-byte datagram is too long for this socket"
            ) from error

    def _hold(self, datagram: bytes, addr: Any) -> None:
        held = self._held
        if held is None:
            held = self._held = deque()
        if len(held) >= MAX_HELD_DATAGRAMS:
            self.droppedWrites += 1
            if self.droppedWrites == 1:
                log.warning(
                    "%r dropped a datagram: %d are held back already, waiting for their "
                    "receivers to read (further drops are counted in droppedWrites)",
                    self,
                    len(held),
                )
            return
        held.append((bytes(datagram), addr))
        if len(held) == 1:
            self._waitForRoom()

    def _waitForRoom(self) -> None:
        # Unconnected: no readiness tells us when the receiver has room (module docstring).
        self._retryCall = self.reactor.callLater(self._retryDelay, self._retryHeld)
        self._retryDelay = min(self._retryDelay * 2, RETRY_MAX)

    def _retryHeld(self) -> None:
        self._retryCall = None
        self._sendHeld()

    def _sendHeld(self) -> None:
        """Send held datagrams until the kernel refuses one for want of room again."""
        sock = self.socket
        held = self._held
        if sock is None or held is None:
            return
        while held:
            datagram, addr = held[0]
            try:
                if addr is None:
                    sock.send(datagram)
                else:
                    sock.sendto(datagram, addr)
            except OSError as e:
                if e.errno in _FULL:
                    self._waitForRoom()
                    return
                held.popleft()
                self._heldFailed(e, addr)
                if self.socket is not sock:
                    return  # The protocol stopped the port.
                continue
            held.popleft()
            self._retryDelay = RETRY_FIRST
        self._held = None
        self._stopWaiting()

    def _stopWaiting(self) -> None:
        """Nothing is held any more (the unconnected port waits on timers only)."""

    def _heldFailed(self, error: OSError, addr: Any) -> None:
        log.warning("%r dropped a held-back datagram to %r: %s", self, addr, error)

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
        held back (the peer's queue is full), dropped (see the module docstring) or refused
        (nobody is bound there any more: ``connectionRefused()`` is called).

        :raises MessageLengthError: if the datagram is too long for the system.
        """
        sock = self._sock()
        if self._held:
            self._hold(datagram, None)
            return None
        try:
            return sock.send(datagram)
        except OSError as e:
            if e.errno in _FULL:
                self._hold(datagram, None)
                return None
            self._sendFailed(e, datagram)
            if e.errno in _REFUSED:
                self._refused()
                return None
            raise

    def _waitForRoom(self) -> None:
        # Connected: the socket is reported writable once the peer's queue has room.
        self.reactor.addWriter(self)

    def doWrite(self) -> None:
        """The peer's queue has room: send what is held back."""
        self._sendHeld()

    def _stopWaiting(self) -> None:
        self.reactor.removeWriter(self)

    def _heldFailed(self, error: OSError, addr: Any) -> None:
        if error.errno in _REFUSED:
            self._refused()
            return
        super()._heldFailed(error, self.remoteAddress)

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
