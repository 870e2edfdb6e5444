"""TCP on ``AsyncioReactor`` over uvloop: the loop's own transports, adapted to treadle's.

This module owns ``listenTCP``/``connectTCP`` for :class:`reactor.AsyncioReactor` when it runs
on uvloop (see ``AsyncioReactor.usesLoopTransports``; on the standard library's loop, treadle's
own transports are faster and lighter, and :mod:`reactor.tcp` serves). Instead of
watching sockets through ``add_reader``/``add_writer`` (which works, but pushes every byte
through Python), it asks the asyncio loop for its transports -- ``loop.create_server(sock=...)``
and ``loop.create_connection(...)`` -- so that on uvloop the byte path is uvloop's C code. Three
pieces:

* :class:`AsyncioConnection` is both the ``asyncio.Protocol`` the loop talks to and the
  ``ITCPTransport`` the treadle protocol talks to (one object per connection: fewer calls on
  the hot path and less memory per idle connection than an adapter pair);
* :class:`AsyncioPort` binds and listens itself (so ``listenTCP`` raises
  ``CannotListenError`` synchronously and knows its port at once), then hands the socket to
  ``loop.create_server``;
* :class:`AsyncioDial` is the :data:`reactor.tcp._connector.DialFunction` that lets the loop
  connect; the :class:`reactor.tcp._connector.Connector` (timeout, lookup, factory calls) is
  the same as on every other reactor.

Protocols see the same behaviour as on the readiness reactors (:mod:`reactor.tcp._connection`):
``loseConnection`` flushes then closes, ``abortConnection`` resets (``SO_LINGER`` 0) and never
waits, a protocol providing ``IHalfCloseableProtocol`` gets ``readConnectionLost`` and
``writeConnectionLost``, producers are paced by the write buffer's high and low marks (the
transport's own ``pause_writing``/``resume_writing``), exceptions from protocol code are logged
and drop that connection with the exception as the reason. Differences that come from the host
loop: running out of descriptors on ``accept`` is the loop's business (asyncio logs it and
pauses accepting for a second; libuv sheds the connection with a reserve descriptor, as
:mod:`reactor.tcp._port` does), and ``loseConnection`` does not wait for a registered pull
producer to unregister.

Reactor thread (= the loop's thread) only.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Iterable
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure, succeed
from reactor._flow import NO_PRODUCER, ProducerFlow
from reactor._tlsinterfaces import ITLSTransport
from reactor.error import (
    ConnectionAborted,
    ConnectionDone,
    ConnectionLost,
    NoProtocol,
    connectErrorFor,
)
from reactor.interfaces import (
    IConsumer,
    IHalfCloseableProtocol,
    IListeningPort,
    IPushProducer,
    ITCPTransport,
)
from reactor.tcp._connection import BULK_READ_SIZE, READ_SIZE, SMALL_READ
from reactor.tcp._connector import Connector, ConnectorState
from reactor.tcp._sockets import IPAddress, SockAddr, addressOf, listeningSocket

__all__ = ["AsyncioConnection", "AsyncioDial", "AsyncioPort", "connectTCP", "listenTCP"]

log = logging.getLogger("reactor.tcp")

_LINGER_ZERO = struct.pack("ii", 1, 0)

# Bits of AsyncioConnection._flags: one int slot instead of six booleans (8 bytes apiece on
# every connection; see the class docstring).
_ADAPTIVE = 1  # the loop's transport has a max_size we tune (asyncio's, not uvloop's)
_HALF_CLOSEABLE = 2  # the protocol provides IHalfCloseableProtocol
_READ_EOF = 4  # the peer half-closed
_READ_PAUSED = 8  # pauseProducing was called (data arriving meanwhile is held)
_WRITE_SHUT = 16  # loseWriteConnection was called
_SHUT_PENDING = 32  # waiting for the loop's buffer to drain before the write shutdown is done


def _checkBytes(data: object) -> None:
    if isinstance(data, str):
        raise TypeError(f"transports send bytes, not str ({data[:20]!r}...): encode it first")
    memoryview(data)  # type: ignore[arg-type]  # raises TypeError for non-buffers


class AsyncioConnection(asyncio.Protocol):
    """One connection: the loop's ``asyncio.Protocol`` and the treadle ``ITCPTransport``.

    Made by a port (``factory`` set) or a dial (``dial`` set) for each connection; when the
    loop calls ``connection_made`` it builds the treadle protocol.

    Memory: thousands of these may sit idle, so each holds little beside the loop's transport
    (which holds far more): the states are bits of one int, the factory or dial share one slot,
    and the addresses are not cached (the loop's transport keeps them; ``getPeer`` builds its
    answer when asked, as Twisted's does). 11 slots instead of 21 and no address object: ~144
    bytes less per connection.
    """

    __slots__ = (
        "_asyncioTransport",
        "_flags",
        "_flow",
        "_held",
        "_origin",
        "_reason",
        "connected",
        "disconnected",
        "disconnecting",
        "protocol",
        "reactor",
    )

    def __init__(self, reactor: Any, factory: Any = None, dial: AsyncioDial | None = None) -> None:
        self.reactor = reactor
        self.protocol: Any = None
        self.connected = False
        self.disconnecting = False
        self.disconnected = False
        # The port's factory, or the AsyncioDial (whose connector builds the protocol).
        self._origin: Any = dial if dial is not None else factory
        self._asyncioTransport: Any = None
        self._flags = 0
        self._flow = NO_PRODUCER  # replaced by _ownFlow() when first needed
        # pauseProducing is ours to keep: a loop may start reading after connection_made no
        # matter what (uvloop does), so data arriving while paused is held, not delivered.
        self._held: list[bytes] | None = None
        # Why the connection ends when we end it (abort, protocol error); None: from the loop.
        self._reason: Failure | None = None

    @property
    def _connector(self) -> Any:
        """The connector of a connection we dialled; None for an accepted one."""
        origin = self._origin
        return origin.connector if type(origin) is AsyncioDial else None

    # --- asyncio.Protocol: called by the loop -------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """The loop made a connection: build the protocol and start it."""
        tx: Any = transport
        self._asyncioTransport = tx
        # Python 3.11's selector transport reads with recv(256 KiB): above glibc's mmap
        # threshold, so every read maps and unmaps its buffer (BENCHMARKING.md). Its max_size
        # is a plain attribute; uvloop's transports have none (libuv manages their buffers).
        if isinstance(getattr(tx, "max_size", None), int):
            self._flags |= _ADAPTIVE
            tx.max_size = READ_SIZE
        origin = self._origin
        connector = None
        if type(origin) is AsyncioDial:
            if origin.cancelled:
                tx.abort()  # The connector gave up on this attempt before the loop finished it.
                return
            connector = origin.connector
        peer = self.getPeer()
        self.disconnected = True  # Until a protocol is attached, connection_lost is silent.
        try:
            if connector is not None:
                protocol = connector.buildProtocol(peer)
                if protocol is None:
                    raise NoProtocol(f"{connector.factory!r} refused the connection")
            else:
                protocol = origin.buildProtocol(peer)
                if protocol is None:
                    tx.abort()
                    return
        except Exception:
            tx.abort()
            if connector is not None:
                connector.connectionFailed(Failure())
            else:
                log.exception("Unhandled error in buildProtocol of %r; closing it", origin)
            return
        if connector is not None:
            connector.transport = self
        self.disconnected = False
        self.connected = True
        self.protocol = protocol
        if IHalfCloseableProtocol.providedBy(protocol):
            self._flags |= _HALF_CLOSEABLE
        try:
            protocol.makeConnection(self)
        except Exception:
            log.exception("Unhandled error in connectionMade of %r; dropping the connection", self)
            self._drop(Failure())

    def data_received(self, data: bytes) -> None:
        """Bytes arrived: give them to the protocol (or hold them while paused)."""
        flags = self._flags
        if flags & _READ_PAUSED:
            self._hold(data)
            return
        if flags & _ADAPTIVE:
            # asyncio's own transport: 64 KiB reads, 256 KiB while they come back full.
            tx = self._asyncioTransport
            size = len(data)
            if size == tx.max_size:
                tx.max_size = BULK_READ_SIZE
            elif size < SMALL_READ and tx.max_size != READ_SIZE:
                tx.max_size = READ_SIZE
        try:
            self.protocol.dataReceived(data)
        except Exception:
            log.exception("Unhandled error in dataReceived of %r; dropping it", self)
            self._drop(Failure())

    def eof_received(self) -> bool:
        """The peer half-closed; return whether to keep the connection open (half-closed)."""
        self._flags |= _READ_EOF
        if self._held is not None:
            return True  # Delivered after the held data, by _deliverHeld.
        return self._endOfFile()

    def _endOfFile(self) -> bool:
        if self.disconnected or self._reason is not None:
            return False
        halfOpen = self._flags & (_HALF_CLOSEABLE | _WRITE_SHUT) == _HALF_CLOSEABLE
        if halfOpen and not self.disconnecting:
            try:
                self.protocol.readConnectionLost()
            except Exception:
                log.exception("Unhandled error in readConnectionLost of %r; dropping it", self)
                self._drop(Failure())
                return False
            return True
        # Anything else: the loop closes the transport once what is buffered is sent.
        self.disconnecting = True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        """The loop closed the connection: stop the producer, tell the protocol and connector."""
        if self.disconnected:
            return
        self.disconnected = True
        self.connected = False
        self.disconnecting = True
        reason = self._reason
        if reason is None:
            reason = Failure(
                ConnectionDone()
                if exc is None
                else ConnectionLost(f"the connection was lost: {exc}")
            )
        try:
            self._flow.stop()
        except Exception:
            log.exception("Unhandled error in stopProducing of the producer of %r", self)
        try:
            self.protocol.connectionLost(reason)
        except Exception:
            log.exception("Unhandled error in connectionLost of %r", self.protocol)
        connector = self._connector
        if connector is not None:
            connector.connectionLost(reason)

    def pause_writing(self) -> None:
        """The loop's write buffer went above the high mark: pause a streaming producer."""
        if not self._flags & _SHUT_PENDING:
            self._flow.bufferGrew(self._flow.high + 1)

    def resume_writing(self) -> None:
        """The loop's write buffer drained to the low mark: resume, pull, or finish a shut."""
        if self._flags & _SHUT_PENDING:
            self._flags &= ~_SHUT_PENDING
            self._asyncioTransport.set_write_buffer_limits(self._flow.high, self._flow.low)
            self.reactor.loop.call_soon(self._writeShutDone)
            return
        self._pull()

    # --- ITransport: called by the treadle protocol -------------------------------------------

    def write(self, data: bytes) -> None:
        """Send ``data`` (the loop sends at once when nothing is buffered)."""
        if self.disconnected or self._flags & _WRITE_SHUT:
            _checkBytes(data)
            return
        flow = self._flow
        if flow.producer is not None:
            flow.writes += 1  # A pull producer is asked again only if it wrote (see _pull).
        self._asyncioTransport.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Send each item of ``data`` in turn."""
        chunks = list(data)
        for chunk in chunks:
            _checkBytes(chunk)
        if self.disconnected or self._flags & _WRITE_SHUT:
            return
        flow = self._flow
        if flow.producer is not None:
            flow.writes += 1
        self._asyncioTransport.writelines(chunks)

    def loseConnection(self) -> None:
        """Close once everything written has been sent."""
        if self.disconnecting or self.disconnected:
            return
        self.disconnecting = True
        tx = self._asyncioTransport
        if tx.is_reading():
            tx.pause_reading()
        # Closed after the current callback, as on the readiness reactors: the loop drops
        # writes made after close(), and Twisted's protocols may still write in this call.
        self.reactor.loop.call_soon(self._close)

    def _close(self) -> None:
        if not self.disconnected and self._reason is None:
            self._asyncioTransport.close()

    def abortConnection(self) -> None:
        """Close at once, dropping unsent data; the peer sees a reset."""
        if self.disconnected or self._reason is not None:
            return
        self.disconnecting = True
        self._reason = Failure(ConnectionAborted())
        self._abort()

    def loseWriteConnection(self) -> None:
        """Half-close: send what is buffered, then shut the writing direction down."""
        if self._flags & _WRITE_SHUT or self.disconnecting or self.disconnected:
            return
        self._flags |= _WRITE_SHUT
        tx = self._asyncioTransport
        if not tx.can_write_eof():
            return
        tx.write_eof()
        if tx.get_write_buffer_size():
            # Learn when it has drained: with both marks at 0 the loop calls pause_writing now
            # and resume_writing once the buffer is empty (then shuts the socket down).
            self._flags |= _SHUT_PENDING
            tx.set_write_buffer_limits(0, 0)
        else:
            self.reactor.loop.call_soon(self._writeShutDone)

    def _writeShutDone(self) -> None:
        if self.disconnected:
            return
        if self._flags & _READ_EOF:
            self._asyncioTransport.close()
            return
        if self._flags & _HALF_CLOSEABLE:
            try:
                self.protocol.writeConnectionLost()
            except Exception:
                log.exception("Unhandled error in writeConnectionLost of %r; dropping it", self)
                self._drop(Failure())

    def _drop(self, reason: Failure) -> None:
        """Protocol code failed: end the connection at once with ``reason``."""
        if self._reason is None:
            self._reason = reason
        self.disconnecting = True
        self._abort()

    def _abort(self) -> None:
        tx = self._asyncioTransport
        sock = tx.get_extra_info("socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ZERO)
            except OSError:
                pass
        tx.abort()

    # --- producer and consumer ----------------------------------------------------------------

    def pauseProducing(self) -> None:
        """Stop reading until :meth:`resumeProducing`."""
        if not self.disconnected:
            self._flags |= _READ_PAUSED
            self._asyncioTransport.pause_reading()

    def resumeProducing(self) -> None:
        """Read again after :meth:`pauseProducing`."""
        if not self._flags & _READ_PAUSED or self.disconnected or self.disconnecting:
            return
        self._flags &= ~_READ_PAUSED
        if self._held is not None:
            self.reactor.loop.call_soon(self._deliverHeld)
        elif not self._flags & _READ_EOF:
            self._asyncioTransport.resume_reading()

    def _hold(self, data: bytes) -> None:
        if self._held is None:
            self._held = []
        self._held.append(data)
        self._asyncioTransport.pause_reading()

    def _deliverHeld(self) -> None:
        held = self._held
        while held and not self._flags & _READ_PAUSED and not self.disconnected:
            self.data_received(held.pop(0))
        if held or self._flags & _READ_PAUSED or self.disconnected:
            return
        self._held = None
        if self._flags & _READ_EOF:
            if not self._endOfFile():
                self._asyncioTransport.close()
        else:
            self._asyncioTransport.resume_reading()

    def stopProducing(self) -> None:
        """Stop for good: close the connection."""
        self.loseConnection()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach ``producer``, paced by the loop's write-buffer marks (see reactor._flow)."""
        flow = self._ownFlow()
        before = flow.writes
        flow.register(producer, streaming, self.disconnected)
        if not streaming and flow.writes != before:
            self._pullAgain()

    def _pull(self) -> None:
        # Ask a pull producer for one more piece while the loop's buffer is below its high mark;
        # a producer that writes nothing is not asked again until the buffer drains (Twisted).
        flow = self._flow
        if flow.producer is None or self.disconnected:
            return
        if flow.streaming:
            flow.bufferShrank(0)
            return
        before = flow.writes
        flow.producer.resumeProducing()
        if flow.writes != before:
            self._pullAgain()

    def _pullAgain(self) -> None:
        # Over the high mark the loop has called pause_writing; resume_writing pulls again.
        if self._asyncioTransport.get_write_buffer_size() <= self._flow.high:
            self.reactor.loop.call_soon(self._pull)

    def unregisterProducer(self) -> None:
        """Detach the producer."""
        if self._flow is not NO_PRODUCER:
            self._flow.unregister()

    def setWriteBufferLimits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks (bytes) pacing a streaming producer; ``low`` defaults to high/4."""
        self._ownFlow().setLimits(high, low)
        if self._asyncioTransport is not None and not self._flags & _SHUT_PENDING:
            self._asyncioTransport.set_write_buffer_limits(self._flow.high, self._flow.low)

    def getWriteBufferLimits(self) -> tuple[int, int]:
        """Return the (low, high) water marks."""
        return (self._flow.low, self._flow.high)

    def _ownFlow(self) -> ProducerFlow:
        if self._flow is NO_PRODUCER:
            self._flow = ProducerFlow()
        return self._flow

    def getWriteBufferSize(self) -> int:
        """Return how many bytes wait in the loop's buffer for this connection."""
        return int(self._asyncioTransport.get_write_buffer_size())

    # --- addresses and options ----------------------------------------------------------------

    def getPeer(self) -> IPAddress:
        """Return the address of the other end."""
        return addressOf(self._asyncioTransport.get_extra_info("peername"))

    def getHost(self) -> IPAddress:
        """Return the address of this end."""
        return addressOf(self._asyncioTransport.get_extra_info("sockname"))

    def getHandle(self) -> Any:
        """Return the loop's socket object for this connection."""
        return self._asyncioTransport.get_extra_info("socket")

    def startTLS(self, contextFactory: Any, normal: bool = True) -> None:
        """Speak TLS from now on, as :meth:`reactor.tcp.Connection.startTLS` does."""
        from reactor.tls import startTLS

        if getattr(self.protocol, "TLS", False):
            raise RuntimeError(f"{self!r} speaks TLS already")
        layer = startTLS(self, contextFactory, isClient=(self._connector is not None) == normal)
        self.protocol = layer
        self._flags |= _HALF_CLOSEABLE  # The layer handles end of file (close_notify or not).
        layer.makeConnection(self)

    def getTcpNoDelay(self) -> bool:
        """Return whether Nagle's algorithm is off (TCP_NODELAY)."""
        return bool(self.getHandle().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Turn TCP_NODELAY on or off (the loop turns it on)."""
        self.getHandle().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(enabled))

    def getTcpKeepAlive(self) -> bool:
        """Return whether SO_KEEPALIVE is on."""
        return bool(self.getHandle().getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE))

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Turn SO_KEEPALIVE on or off."""
        self.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, int(enabled))

    def logPrefix(self) -> str:
        """The protocol's class name, for log lines."""
        return type(self.protocol).__name__

    def __repr__(self) -> str:
        state = "closed" if self.disconnected else "open"
        tx = self._asyncioTransport
        peer = None if tx is None else tx.get_extra_info("peername")
        return f"<asyncio TCP {self.logPrefix()} peer={peer} {state}>"


classImplements(AsyncioConnection, ITCPTransport, ITLSTransport, IConsumer, IPushProducer)


class AsyncioPort:
    """A listening TCP port served by the asyncio loop (``loop.create_server(sock=...)``).

    ``reusePort`` sets ``SO_REUSEPORT`` (see :class:`reactor.tcp.Port`).
    """

    def __init__(
        self,
        port: int,
        factory: Any,
        backlog: int,
        interface: str,
        reactor: Any,
        reusePort: bool = False,
    ) -> None:
        self.port = port
        self.factory = factory
        self.backlog = backlog
        self.interface = interface
        self.reactor = reactor
        self.reusePort = reusePort
        self.connected = False
        self._host: IPAddress | None = None
        self._socket: socket.socket | None = None
        # What starting the server waits on: the call_soon handle, then the create_server task.
        self._starting: asyncio.Handle | asyncio.Future[Any] | None = None
        self._server: Any = None

    def startListening(self) -> None:
        """Bind and listen now; the loop starts accepting on its next iteration.

        :raises CannotListenError: if the address cannot be bound or listened on.
        """
        if self._socket is not None:
            return
        sock = listeningSocket(self.port, self.backlog, self.interface, self.reusePort)
        self._socket = sock
        self._host = addressOf(sock.getsockname())
        self.connected = True
        # The server coroutine is made once the loop runs, so a port stopped before that
        # leaves no never-awaited coroutine behind.
        self._starting = self.reactor.loop.call_soon(self._startServing)
        self.factory.doStart()
        log.info("%s listening on %s", type(self.factory).__name__, self._host)

    def _startServing(self) -> None:
        loop = self.reactor.loop
        reactor, factory = self.reactor, self.factory
        starting = asyncio.ensure_future(
            loop.create_server(
                lambda: AsyncioConnection(reactor, factory=factory),
                sock=self._socket,
                backlog=self.backlog,
            ),
            loop=loop,
        )
        self._starting = starting
        starting.add_done_callback(self._started)

    def _started(self, starting: asyncio.Future[Any]) -> None:
        self._starting = None
        if starting.cancelled():
            return
        error = starting.exception()
        if error is not None:
            log.error("Cannot serve %s: %s", self._host, error, exc_info=error)
            self._closeSocket()
            return
        self._server = starting.result()
        if self._socket is None:
            self._server.close()  # Stopped while it was starting.
            self._server = None

    def stopListening(self) -> Deferred[None]:
        """Stop accepting (open connections stay) and stop the factory; fired on return."""
        if self._socket is None:
            return succeed(None)
        if self._starting is not None:
            self._starting.cancel()
            self._starting = None
        if self._server is not None:
            self._server.close()  # Closes the listening socket too.
            self._server = None
        self._closeSocket()
        self.factory.doStop()
        log.info("Stopped listening on %s", self._host)
        return succeed(None)

    loseConnection = stopListening

    def _closeSocket(self) -> None:
        sock, self._socket = self._socket, None
        if sock is not None and sock.fileno() != -1:
            sock.close()
        self.connected = False

    def getHost(self) -> IPAddress:
        """Return the address listened on (with the real port when 0 was asked for)."""
        if self._host is None:
            raise RuntimeError(f"{self!r} is not listening")
        return self._host

    def getHandle(self) -> socket.socket | None:
        """Return the listening socket (None when not listening)."""
        return self._socket

    def logPrefix(self) -> str:
        """The factory's class name, for log lines."""
        return type(self.factory).__name__

    def __repr__(self) -> str:
        state = "listening" if self._socket is not None else "not listening"
        return f"<asyncio TCP Port {self.logPrefix()} on {self._host} {state}>"


classImplements(AsyncioPort, IListeningPort)


class AsyncioDial:
    """One connection attempt made by the loop (``loop.create_connection``)."""

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
        self.cancelled = False
        self._family = family
        self._sockaddr = sockaddr
        self._bindAddress = bindAddress
        self._task: asyncio.Future[Any] | None = None

    def start(self) -> None:
        """Ask the loop to connect; the result reaches the connector."""
        loop = self.reactor.loop
        reactor = self.reactor
        task = asyncio.ensure_future(
            loop.create_connection(
                lambda: AsyncioConnection(reactor, dial=self),
                self._sockaddr[0],
                self._sockaddr[1],
                family=self._family,
                local_addr=self._bindAddress,
            ),
            loop=loop,
        )
        self._task = task
        task.add_done_callback(self._done)

    def cancel(self) -> None:
        """Abandon the attempt; the connector reports why."""
        self.cancelled = True
        if self._task is not None:
            self._task.cancel()

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._task = None
        if task.cancelled() or self.cancelled:
            return  # connection_made aborts a connection that arrives after we gave up.
        error = task.exception()
        if error is None:
            return  # connection_made has run: the connector knows.
        reason = Failure(connectErrorFor(error)) if isinstance(error, OSError) else Failure(error)
        if self.connector.state is ConnectorState.CONNECTING:
            self.connector.connectionFailed(reason)


def listenTCP(
    reactor: Any,
    port: int,
    factory: Any,
    backlog: int = 50,
    interface: str = "",
    reusePort: bool = False,
) -> AsyncioPort:
    """``listenTCP`` for ``AsyncioReactor``: see :func:`reactor.tcp.listenTCP`."""
    listening = AsyncioPort(port, factory, backlog, interface, reactor, reusePort)
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
    """``connectTCP`` for ``AsyncioReactor``: see :func:`reactor.tcp.connectTCP`."""
    connector = Connector(host, port, factory, timeout, bindAddress, reactor, AsyncioDial)
    connector.connect()
    return connector
