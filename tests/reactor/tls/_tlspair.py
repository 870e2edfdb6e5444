"""Two TLS layers joined by an in-memory pipe, stepped by hand: deterministic TLS tests.

:class:`PipeEnd` is a minimal stream transport (write, close, half-close, abort, producer
calls) whose bytes reach the other end only when :func:`pump` moves them, so a test decides
exactly when each flight of the handshake arrives. Time is a :class:`reactor.task.Clock`.
"""

from __future__ import annotations

import ssl
from typing import Any

from deferred import Failure
from reactor.address import IPv4Address
from reactor.error import ConnectionAborted, ConnectionDone
from reactor.protocol import Protocol
from reactor.task import Clock
from reactor.tls import TLSMemoryBIOProtocol


class PipeEnd:
    """One end of the pipe: the transport below one TLS layer."""

    def __init__(self, clock: Clock, port: int) -> None:
        self.reactor = clock
        self.buffer = bytearray()
        self.peer: PipeEnd = self
        self.protocol: Any = None
        self.closing = False
        self.aborted = False
        self.writeShut = False
        self.eofSent = False
        self.lost = False
        self.producer: Any = None
        self.streaming: bool | None = None
        self.paused = False
        self.address = IPv4Address("TCP", "127.0.0.1", port)

    def write(self, data: bytes) -> None:
        if not (self.closing or self.writeShut or self.lost):
            self.buffer += data

    def writeSequence(self, data: Any) -> None:
        for chunk in data:
            self.write(chunk)

    def loseConnection(self) -> None:
        self.closing = True

    def abortConnection(self) -> None:
        self.aborted = True
        self.closing = True
        self.buffer.clear()

    def loseWriteConnection(self) -> None:
        self.writeShut = True

    def getPeer(self) -> IPv4Address:
        return self.peer.address

    def getHost(self) -> IPv4Address:
        return self.address

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        self.producer = producer
        self.streaming = streaming

    def unregisterProducer(self) -> None:
        self.producer = None

    def pauseProducing(self) -> None:
        self.paused = True

    def resumeProducing(self) -> None:
        self.paused = False

    def getWriteBufferSize(self) -> int:
        return len(self.buffer)


def pump(a: PipeEnd, b: PipeEnd) -> None:
    """Move bytes, ends of file and closes between ``a`` and ``b`` until nothing moves."""
    moved = True
    while moved:
        moved = False
        for end in (a, b):
            peer = end.peer
            if end.buffer and peer.lost:
                end.buffer.clear()  # Nobody reads it any more.
            if end.buffer and not (peer.paused and not end.closing):
                data = bytes(end.buffer)
                end.buffer.clear()
                if not end.aborted:
                    peer.protocol.dataReceived(data)
                moved = True
            if (end.closing or end.writeShut) and not end.eofSent and not end.buffer:
                end.eofSent = True
                moved = True
                if end.closing and not end.lost:
                    end.lost = True
                    reason = ConnectionAborted() if end.aborted else ConnectionDone()
                    end.protocol.connectionLost(Failure(reason))
                elif not end.lost:
                    end.protocol.writeConnectionLost()
                if not peer.lost:
                    if peer.eofSent or end.aborted:
                        peer.lost = True
                        peer.protocol.connectionLost(Failure(ConnectionDone()))
                    else:
                        peer.protocol.readConnectionLost()


class Recording(Protocol):
    """Records what happens to it."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.reason: Failure | None = None
        self.events: list[str] = []

    def connectionMade(self) -> None:
        self.events.append("made")

    def dataReceived(self, data: bytes) -> None:
        self.received += data

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        self.events.append("lost")
        self.reason = reason

    def handshakeCompleted(self) -> None:
        self.events.append("handshake")


class Pair:
    """A client and a server layer over one pipe, not yet connected (call :meth:`connect`)."""

    def __init__(
        self,
        clientContext: ssl.SSLContext,
        serverContext: ssl.SSLContext,
        client: Any = None,
        server: Any = None,
        hostname: str = "localhost",
        handshakeTimeout: float | None = 30,
    ) -> None:
        self.clock = Clock()
        self.client = client if client is not None else Recording()
        self.server = server if server is not None else Recording()
        self.clientEnd = PipeEnd(self.clock, 40000)
        self.serverEnd = PipeEnd(self.clock, 443)
        self.clientEnd.peer = self.serverEnd
        self.serverEnd.peer = self.clientEnd
        self.clientTLS = TLSMemoryBIOProtocol(
            self.client, clientContext, True, hostname, handshakeTimeout=handshakeTimeout
        )
        self.serverTLS = TLSMemoryBIOProtocol(
            self.server, serverContext, False, handshakeTimeout=handshakeTimeout
        )
        self.clientEnd.protocol = self.clientTLS
        self.serverEnd.protocol = self.serverTLS

    def connect(self) -> Pair:
        """Connect both layers (the client's first flight waits in its pipe end)."""
        self.clientTLS.makeConnection(self.clientEnd)
        self.serverTLS.makeConnection(self.serverEnd)
        return self

    def pump(self) -> None:
        """Move everything that can move."""
        pump(self.clientEnd, self.serverEnd)
