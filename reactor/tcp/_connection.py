"""The transport of one connected TCP socket on a readiness reactor (select, poll, epoll...).

This module owns :class:`Connection`: it holds a socket, a :class:`reactor._buffer.WriteBuffer`,
a :class:`reactor._flow.ProducerFlow` and a protocol, and moves bytes between the socket and the
protocol when the reactor says the socket is ready. It implements Twisted's ``ITCPTransport``
(plus ``IConsumer``, ``IPushProducer``, ``getHandle`` and ``startTLS``). It does not accept or
connect sockets -- :mod:`reactor.tcp._port` and :mod:`reactor.tcp._dial` hand it a connected
one -- and it does not know which backend waits for it.

The byte path, and why it is shaped so (figures from BENCHMARKING.md and this machine):

* **Writing.** ``write`` sends at once when nothing is buffered and buffers only what the kernel
  did not take; only then does the transport register for writability. A request/response
  protocol thus never touches the backend's interest set (Twisted's epoll reactor pays two
  ``epoll_ctl`` calls per echoed message: every write registers, the next pass unregisters).
  ``doWrite`` drains the buffer with one ``sendmsg`` of several chunks per call.
* **Reading.** One ``recv`` per readable event, of 64 KiB -- or of 256 KiB while reads come back
  full (a bulk transfer), dropping back to 64 KiB after a short read. Measured here against
  ``recv_into`` a reused ``bytearray`` plus a ``bytes`` copy of the slice: equal for 100-byte
  messages, and ``recv`` moved bulk data about twice as fast (2-5 GB/s against 1-2 GB/s: the
  copy costs more than the allocation it saves). 64 KiB stays below glibc's mmap threshold; a
  256 KiB ``recv`` maps and unmaps its buffer on every read (asyncio 3.11's slowdown) and was
  3-4x slower for 100-byte messages, which is why it is kept for reads that fill it. The switch
  took the 200 MiB echo benchmark from ~730 to ~800 MiB/s (asyncio: ~770).

The two directions have explicit states (:class:`WriteState`, :class:`ReadState`); the
transitions are the methods below, and the module's one teardown path is
:meth:`Connection.connectionLost`, which the reactor core also calls when it drops the
descriptor (an error from ``doRead``/``doWrite``, a hang-up).

Closing, in the order things happen:

* ``loseConnection``: stop reading; once the buffer is empty (at once, or after ``doWrite``
  drained it) close the socket and call ``protocol.connectionLost(ConnectionDone)`` -- on a
  later pass of the loop, never inside the call. A registered pull producer (or a paused
  streaming one) is first asked for more, as in Twisted: unregister it to let the close finish.
* ``abortConnection``: drop the buffer, stop both directions, and on the next pass close with
  ``SO_LINGER`` 0 (the peer sees a reset) and call ``connectionLost(ConnectionAborted)``. It
  does not wait for writability, so a peer that never reads cannot make it hang.
* end of file from the peer: a protocol providing ``IHalfCloseableProtocol`` gets
  ``readConnectionLost()`` and may keep writing; any other protocol's connection is closed once
  what it has buffered is sent (Twisted drops that data; asyncio sends it, and so do we).
* ``loseWriteConnection``: once the buffer is empty, ``shutdown(SHUT_WR)`` and
  ``writeConnectionLost()`` for a half-closeable protocol. When both directions have ended, the
  connection is closed with ``ConnectionDone``.

Exceptions from ``connectionMade``, ``dataReceived`` or the half-close handlers are logged on
the ``reactor.tcp`` logger and drop this connection with the exception as the reason.

Reactor thread only, like everything a protocol touches.
"""

from __future__ import annotations

import enum
import errno
import logging
import socket
import struct
from collections.abc import Callable, Iterable
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Failure
from reactor._buffer import WriteBuffer
from reactor._flow import NO_PRODUCER, ProducerFlow
from reactor._tlsinterfaces import ITLSTransport
from reactor.error import ConnectionAborted, ConnectionDone, ConnectionLost
from reactor.interfaces import (
    IConsumer,
    IHalfCloseableProtocol,
    IPushProducer,
    ITCPTransport,
)
from reactor.tcp._sockets import IPAddress, SockAddr, addressOf

__all__ = ["BULK_READ_SIZE", "READ_SIZE", "SMALL_READ", "Connection", "ReadState", "WriteState"]

log = logging.getLogger("reactor.tcp")

#: Bytes asked of one ``recv`` (see the module docstring for why 64 KiB and not more).
READ_SIZE = 65536
#: Bytes asked of one ``recv`` once reads fill READ_SIZE (a bulk transfer).
BULK_READ_SIZE = 262144
#: A read shorter than this ends a bulk transfer (back to READ_SIZE). Far below READ_SIZE, so
#: the partial reads of a transfer in flight do not flap between the two sizes.
SMALL_READ = 4096

# Errors on a connected socket that mean the peer is gone; anything else is logged too.
_PEER_GONE = frozenset({errno.ECONNRESET, errno.EPIPE, errno.ETIMEDOUT, errno.ENOTCONN})

_LINGER_ZERO = struct.pack("ii", 1, 0)


class WriteState(enum.Enum):
    """Where the writing direction of a connection is."""

    #: Writes are accepted; sent at once when nothing is buffered.
    OPEN = "open"
    #: ``loseConnection`` was called: flush, then close the connection.
    CLOSING = "closing"
    #: ``loseWriteConnection`` was called: flush, then shut the writing direction down.
    HALF_CLOSING = "half-closing"
    #: The writing direction is shut down (FIN sent); writes are ignored.
    SHUT = "shut"
    #: The connection is closed (or being aborted); writes are ignored.
    CLOSED = "closed"


class ReadState(enum.Enum):
    """Where the reading direction of a connection is."""

    #: Watched for reading; ``dataReceived`` is called as data arrives.
    READING = "reading"
    #: Paused by ``pauseProducing``; ``resumeProducing`` watches it again.
    PAUSED = "paused"
    #: No more reading: the peer sent end of file, or the connection is closing.
    DONE = "done"


_OPEN = WriteState.OPEN
_CLOSING = WriteState.CLOSING
_HALF_CLOSING = WriteState.HALF_CLOSING
_SHUT = WriteState.SHUT
_WCLOSED = WriteState.CLOSED
_READING = ReadState.READING
_PAUSED = ReadState.PAUSED
_RDONE = ReadState.DONE


def _checkBytes(data: object) -> None:
    if isinstance(data, str):
        raise TypeError(f"transports send bytes, not str ({data[:20]!r}...): encode it first")
    memoryview(data)  # type: ignore[arg-type]  # raises TypeError for non-buffers


class Connection:
    """A connected TCP socket as an ``ITCPTransport``; see the module docstring.

    Made by a port (accepted) or a connector (connected) with the socket, the reactor, the peer's
    socket address and an optional ``onLost(reason)`` called after ``protocol.connectionLost``
    (connectors use it). :meth:`attach` gives it its protocol and starts it.
    """

    __slots__ = (
        "__weakref__",
        "_buffer",
        "_closeCall",
        "_direct",
        "_fd",
        "_flow",
        "_halfCloseable",
        "_hostAddr",
        "_onLost",
        "_peerAddr",
        "_read",
        "_readSize",
        "_write",
        "connected",
        "disconnected",
        "disconnecting",
        "protocol",
        "reactor",
        "socket",
    )

    def __init__(
        self,
        sock: socket.socket,
        reactor: Any,
        peer: SockAddr,
        onLost: Callable[[Failure], None] | None = None,
    ) -> None:
        self.socket = sock
        self.reactor = reactor
        self.protocol: Any = None
        #: Twisted's flags: ``connected`` until closed; ``disconnecting`` once a close was asked
        #: for (protocols test it); ``disconnected`` once closed.
        self.connected = True
        self.disconnecting = False
        self.disconnected = False
        self._fd = sock.fileno()
        self._buffer = WriteBuffer()
        self._flow = NO_PRODUCER  # replaced by _ownFlow() when first needed
        self._write = _OPEN
        self._read = _READING
        self._readSize = READ_SIZE
        # True when write() may send at once: OPEN, and no pull producer (which is paced by
        # doWrite, see registerProducer). Kept by _updateDirect() on every change of either.
        self._direct = True
        self._halfCloseable = False
        self._onLost = onLost
        self._closeCall: Any = None
        # Socket addresses, converted to IPv4Address/IPv6Address on first use and cached.
        self._peerAddr: SockAddr | IPAddress = peer
        self._hostAddr: SockAddr | IPAddress | None = None

    def attach(self, protocol: Any) -> None:
        """Give the transport its protocol, call ``makeConnection`` and start reading.

        The caller has already added the transport as a reader, so a descriptor the backend
        cannot watch (select and fds >= 1024) is refused before a protocol ever sees it. An
        exception from ``connectionMade`` is logged and closes the connection.
        """
        self.protocol = protocol
        self._halfCloseable = IHalfCloseableProtocol.providedBy(protocol)
        try:
            protocol.makeConnection(self)
        except Exception:
            log.exception("Unhandled error in connectionMade of %r; dropping the connection", self)
            self.connectionLost(Failure())

    # --- reading ------------------------------------------------------------------------------

    def fileno(self) -> int:
        """The socket's descriptor; -1 once closed."""
        return self._fd

    def doRead(self) -> object:
        """The socket is readable: read once and give the bytes to the protocol."""
        size = self._readSize
        try:
            data = self.socket.recv(size)
        except BlockingIOError:
            return None
        except OSError as e:
            return self._lostFrom(e)
        n = len(data)
        if n == size:
            self._readSize = BULK_READ_SIZE
        elif n < SMALL_READ and size != READ_SIZE:
            self._readSize = READ_SIZE
        if data:
            try:
                self.protocol.dataReceived(data)
            except Exception:
                log.exception(
                    "Unhandled error in dataReceived of %r; dropping the connection", self
                )
                return Failure()
            return None
        return self._readEOF()

    def _readEOF(self) -> object:
        """The peer sent end of file (it closed, or half-closed, its writing direction)."""
        self._stopReading()
        write = self._write
        if write is _SHUT:
            return ConnectionDone()
        if self._halfCloseable and (write is _OPEN or write is _HALF_CLOSING):
            try:
                self.protocol.readConnectionLost()
            except Exception:
                log.exception("Unhandled error in readConnectionLost of %r; dropping it", self)
                return Failure()
            return None
        if write is _CLOSING:
            return None  # Already flushing towards a close.
        if self._buffer.size or self._write is not _OPEN:
            # Send what the protocol wrote before closing (see the module docstring).
            self._write = _CLOSING
            self.disconnecting = True
            self._updateDirect()
            return None
        return ConnectionDone()

    def _stopReading(self) -> None:
        if self._read is not _RDONE:
            self._read = _RDONE
            self.reactor.removeReader(self)

    # --- writing ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Send ``data``: at once if nothing waits, else after what is buffered.

        Ignored once the writing direction is shut or the connection closed (as in Twisted).
        """
        buffer = self._buffer
        if self._direct and not buffer.size:
            try:
                sent = self.socket.send(data)
            except BlockingIOError:
                sent = 0
            except OSError as e:
                self._writeFailed(e)
                return
            except TypeError:
                _checkBytes(data)
                raise
            if sent != len(data):
                buffer.appendUnsent(data, sent)
                self._startWriting()
                self._flow.bufferGrew(buffer.size)
            return
        _checkBytes(data)
        write = self._write
        if write is _OPEN or write is _CLOSING or write is _HALF_CLOSING:
            buffer.append(data)
            self._startWriting()
            self._flow.bufferGrew(buffer.size)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each item of ``data`` in turn (one ``sendmsg`` where possible)."""
        chunks = list(data)
        for chunk in chunks:
            _checkBytes(chunk)
        write = self._write
        if not (write is _OPEN or write is _CLOSING or write is _HALF_CLOSING):
            return
        buffer = self._buffer
        wasEmpty = not buffer.size
        buffer.extend(chunks)
        if not buffer.size:
            return
        if wasEmpty and self._direct:
            try:
                buffer.sendTo(self.socket)
            except OSError as e:
                self._writeFailed(e)
                return
            if not buffer.size:
                return
        self._startWriting()
        self._flow.bufferGrew(buffer.size)

    def doWrite(self) -> object:
        """The socket is writable: send what is buffered; close or shut down once drained."""
        buffer = self._buffer
        if buffer.size:
            try:
                buffer.sendTo(self.socket)
            except OSError as e:
                return self._lostFrom(e)
            if buffer.size:
                self._flow.bufferShrank(buffer.size)
                return None
        return self._drained()

    def _drained(self) -> object:
        """Everything buffered was sent: pace the producer, then finish a pending close."""
        flow = self._flow
        if flow.producer is not None:
            flow.bufferShrank(0)
            if self._buffer.size:
                return None  # The producer wrote more; stay registered for writability.
            if flow.wantsMore() and self._write is _CLOSING:
                # Twisted's rule: a pull producer (or a paused one) holds the close back until
                # it unregisters; stop busy-polling writability meanwhile.
                self.reactor.removeWriter(self)
                return None
        self.reactor.removeWriter(self)
        write = self._write
        if write is _CLOSING:
            return ConnectionDone()
        if write is _HALF_CLOSING:
            return self._shutWriting()
        return None

    def _shutWriting(self) -> object:
        self._write = _SHUT
        self._updateDirect()
        try:
            self.socket.shutdown(socket.SHUT_WR)
        except OSError as e:
            return self._lostFrom(e)
        if self._read is _RDONE:
            return ConnectionDone()
        if self._halfCloseable:
            try:
                self.protocol.writeConnectionLost()
            except Exception:
                log.exception("Unhandled error in writeConnectionLost of %r; dropping it", self)
                return Failure()
        return None

    def _startWriting(self) -> None:
        self.reactor.addWriter(self)

    def _updateDirect(self) -> None:
        flow = self._flow
        self._direct = self._write is _OPEN and (flow.producer is None or flow.streaming)

    def _writeFailed(self, error: OSError) -> None:
        # A failed send outside doWrite (in write()): the connection is gone, but the protocol
        # is in the middle of a call; tell it on the next pass, as an abort would.
        reason = self._lostFrom(error)
        self._closeSoon(Failure(reason))

    # --- closing --------------------------------------------------------------------------------

    def loseConnection(self) -> None:
        """Close once everything written has been sent; see the module docstring."""
        write = self._write
        if write is _CLOSING or write is _WCLOSED:
            return
        self.disconnecting = True
        self._stopReading()
        self._write = _CLOSING
        self._updateDirect()
        if write is _SHUT:
            self._closeSoon(Failure(ConnectionDone()))
        elif self._buffer.size:
            self._startWriting()
        else:
            # Closed on the next pass through the writer path: writes made meanwhile (and a
            # pull producer) are honoured. Not by waiting for writability: a peer that reads
            # nothing would keep a full kernel buffer, and the close, waiting forever.
            self._closeCall = self.reactor.callLater(0, self._closeIfDrained)

    def _closeIfDrained(self) -> None:
        self._closeCall = None
        if self._write is _WCLOSED:
            return
        why = self._drained() if not self._buffer.size else None
        if self._buffer.size:
            self._startWriting()
        elif isinstance(why, Failure):
            self.connectionLost(why)
        elif isinstance(why, BaseException):
            self.connectionLost(Failure(why))

    def loseWriteConnection(self) -> None:
        """Half-close: send what is buffered, then shut the writing direction down."""
        if self._write is not _OPEN:
            return
        self._write = _HALF_CLOSING
        self._updateDirect()
        self._startWriting()

    def abortConnection(self) -> None:
        """Close at once, dropping unsent data; the peer sees a reset. Never waits."""
        if self._write is _WCLOSED:
            return
        self.disconnecting = True
        self._write = _WCLOSED
        self._direct = False
        self._buffer.clear()
        self._stopReading()
        self.reactor.removeWriter(self)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
        except OSError:
            pass  # Already reset by the peer: nothing to abort on the wire.
        self._closeSoon(Failure(ConnectionAborted()))

    def _closeSoon(self, reason: Failure) -> None:
        self._write = _WCLOSED
        self._direct = False
        self._stopReading()
        self.reactor.removeWriter(self)
        if self._closeCall is not None:
            self._closeCall.cancel()
        self._closeCall = self.reactor.callLater(0, self._closeNow, reason)

    def _closeNow(self, reason: Failure) -> None:
        self._closeCall = None
        self.connectionLost(reason)

    def connectionLost(self, reason: Failure) -> None:
        """Tear down: unwatch, close the socket, stop the producer, tell the protocol (once)."""
        if self.disconnected:
            return
        self.disconnected = True
        self.connected = False
        self.disconnecting = True
        self._write = _WCLOSED
        self._read = _RDONE
        self._direct = False
        if self._closeCall is not None:
            self._closeCall.cancel()
            self._closeCall = None
        reactor = self.reactor
        reactor.removeReader(self)
        reactor.removeWriter(self)
        self._buffer.clear()
        self._cacheAddresses()
        self.socket.close()
        self._fd = -1
        try:
            self._flow.stop()
        except Exception:
            log.exception("Unhandled error in stopProducing of the producer of %r", self)
        try:
            self.protocol.connectionLost(reason)
        except Exception:
            log.exception("Unhandled error in connectionLost of %r", self.protocol)
        if self._onLost is not None:
            self._onLost(reason)

    def _lostFrom(self, error: OSError) -> ConnectionLost:
        if error.errno not in _PEER_GONE:
            log.warning("Error on %r: %s; dropping the connection", self, error)
        return ConnectionLost(f"the connection was lost: {error}")

    # --- producer and consumer ----------------------------------------------------------------

    def pauseProducing(self) -> None:
        """Stop reading until :meth:`resumeProducing` (the transport as a push producer)."""
        if self._read is _READING:
            self._read = _PAUSED
            self.reactor.removeReader(self)

    def resumeProducing(self) -> None:
        """Read again after :meth:`pauseProducing`."""
        if self._read is _PAUSED:
            self._read = _READING
            self.reactor.addReader(self)

    def stopProducing(self) -> None:
        """Stop for good: close the connection (``loseConnection``)."""
        self.loseConnection()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach ``producer``, paced by the write buffer's water marks (see
        :mod:`reactor._flow`).

        A pull producer's writes are buffered and sent by ``doWrite``, which asks it for the
        next piece each time the buffer has drained to the low mark.

        :raises RuntimeError: if a producer is registered already.
        """
        if not streaming:
            self._direct = False  # Before its first resumeProducing, which register() calls.
        try:
            self._ownFlow().register(producer, streaming, self.disconnected)
        finally:
            self._updateDirect()

    def unregisterProducer(self) -> None:
        """Detach the producer; a close that was waiting for it proceeds."""
        if self._flow is not NO_PRODUCER:
            self._flow.unregister()
        self._updateDirect()
        if self._write is _CLOSING and not self.disconnected:
            self._startWriting()

    def setWriteBufferLimits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks (bytes) pacing a streaming producer; ``low`` defaults to high/4.

        Not a Twisted method (Twisted has one mark, ``bufferSize``); asyncio's name.
        """
        self._ownFlow().setLimits(high, low)

    def getWriteBufferLimits(self) -> tuple[int, int]:
        """Return the (low, high) water marks, as asyncio's ``get_write_buffer_limits``."""
        return (self._flow.low, self._flow.high)

    def _ownFlow(self) -> ProducerFlow:
        if self._flow is NO_PRODUCER:
            self._flow = ProducerFlow()
        return self._flow

    def getWriteBufferSize(self) -> int:
        """Return how many bytes wait in the transport's buffer (not the kernel's)."""
        return self._buffer.size

    # --- addresses and options ----------------------------------------------------------------

    def getPeer(self) -> IPAddress:
        """Return the address of the other end."""
        peer = self._peerAddr
        if isinstance(peer, tuple):
            peer = self._peerAddr = addressOf(peer)
        return peer

    def getHost(self) -> IPAddress:
        """Return the address of this end."""
        host = self._hostAddr
        if host is None:
            host = self._hostAddr = self.socket.getsockname()
        if isinstance(host, tuple):
            host = self._hostAddr = addressOf(host)
        return host

    def _cacheAddresses(self) -> None:
        # Before the socket closes, so getHost() still answers inside connectionLost.
        if self._hostAddr is None:
            try:
                self._hostAddr = self.socket.getsockname()
            except OSError:
                pass

    def getHandle(self) -> socket.socket:
        """Return the socket."""
        return self.socket

    def startTLS(self, contextFactory: Any, normal: bool = True) -> None:
        """Speak TLS from now on, with ``contextFactory`` (an ``ssl.SSLContext``...).

        What was written before goes out in the clear first; what arrives from now on goes
        through TLS; the protocol's ``transport`` becomes the TLS layer. A connection we
        dialled is the client side, an accepted one the server side (``normal=False`` swaps
        them; a context made for one side decides). See :func:`reactor.tls.startTLS`.

        :raises RuntimeError: if TLS was started already.
        """
        from reactor.tls import startTLS

        if getattr(self.protocol, "TLS", False):
            raise RuntimeError(f"{self!r} speaks TLS already")
        layer = startTLS(self, contextFactory, isClient=(self._onLost is not None) == normal)
        self.protocol = layer
        self._halfCloseable = True  # The layer handles end of file (close_notify or not).
        layer.makeConnection(self)

    def getTcpNoDelay(self) -> bool:
        """Return whether Nagle's algorithm is off (TCP_NODELAY)."""
        return bool(self.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn TCP_NODELAY on or off (on by default)."""
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(enabled))

    def getTcpKeepAlive(self) -> bool:
        """Return whether SO_KEEPALIVE is on."""
        return bool(self.socket.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn SO_KEEPALIVE on or off (off by default)."""
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(enabled))

    def logPrefix(self) -> str:
        """The protocol's class name, for log lines."""
        return type(self.protocol).__name__

    def __repr__(self) -> str:
        state = "closed" if self.disconnected else self._write.value
        return f"<TCP {self.logPrefix()} fd={self._fd} peer={self._peerAddr!r} {state}>"


classImplements(Connection, ITCPTransport, ITLSTransport, IConsumer, IPushProducer)
