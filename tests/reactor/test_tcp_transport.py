"""The TCP transport on every backend: bytes both ways, closing, half-close, flow control,
errors in protocol code, addresses and options. Real loopback sockets."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from _tcphelpers import (
    CollectingFactory,
    Echo,
    Recorder,
    closeAll,
    connectTo,
    isPolling,
    listen,
    randomPayload,
    runUntil,
    sha256,
    waitAll,
)
from zope.interface import implementer
from zope.interface.verify import verifyObject

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.address import IPv4Address, IPv6Address
from reactor.error import ConnectionAborted, ConnectionDone, ConnectionLost
from reactor.interfaces import (
    IConsumer,
    IHalfCloseableProtocol,
    IPushProducer,
    IReactorTCP,
    ITCPTransport,
)


def _pair(r: Reactor, serverClass: type[Recorder] = Recorder, client: Recorder | None = None):
    """Listen with ``serverClass``, connect ``client``; return (port, factory, client)."""
    factory = CollectingFactory(serverClass)
    port = listen(r, factory)
    client = client if client is not None else Recorder()
    connectTo(r, port.getHost().port, client)
    return port, factory, client


def _serverMade(factory: CollectingFactory) -> Deferred[Any]:
    """A Deferred firing with the first protocol the factory builds, once connected."""
    d: Deferred[Any] = Deferred()

    def poll(_: object = None) -> None:
        if factory.built:
            factory.built[0].made.chainDeferred(d)

    original = factory.buildProtocol

    def build(addr: Any) -> Any:
        built = original(addr)
        if len(factory.built) == 1:
            built.made.chainDeferred(d)
        return built

    factory.buildProtocol = build  # type: ignore[method-assign]
    poll()
    return d


# --- bytes ---------------------------------------------------------------------------------


def test_bytesWrittenByTheClientAreEchoedBack(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, Echo)

    def send(_: object) -> Deferred[bytes]:
        client.transport.write(b"hello, ")
        client.transport.write(b"treadle")
        return client.receivedAtLeast(14)

    received = runUntil(r, client.made.addCallback(send))
    closeAll(r, port, factory, client)
    assert received == b"hello, treadle"


def test_writeSequenceSendsTheChunksInOrder(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, Echo)
    chunks = [bytes([i % 256]) * (i * 37 % 5000 + 1) for i in range(300)]
    expected = b"".join(chunks)

    def send(_: object) -> Deferred[bytes]:
        client.transport.writeSequence(chunks)
        return client.receivedAtLeast(len(expected))

    received = runUntil(r, client.made.addCallback(send))
    closeAll(r, port, factory, client)
    assert sha256(received) == sha256(expected)


def test_writingStrRaisesTypeError(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, client.made)
    with pytest.raises(TypeError, match="bytes"):
        client.transport.write("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="bytes"):
        client.transport.writeSequence([b"ok", "text"])  # type: ignore[list-item]
    closeAll(r, port, factory, client)


def test_smallWriteIsSentAtOnceWithoutWatchingForWritability(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, Echo)
    observed: list[object] = []

    def send(_: object) -> Deferred[bytes]:
        client.transport.write(b"x" * 1000)
        observed.append(client.transport.getWriteBufferSize())
        # On the readiness reactors, also: no writability registration (no epoll_ctl).
        observed.append(isPolling(r) and client.transport in r.getWriters())
        return client.receivedAtLeast(1000)

    runUntil(r, client.made.addCallback(send))
    observed.append(isPolling(r) and factory.built[0].transport in r.getWriters())
    closeAll(r, port, factory, client)
    assert observed == [0, False, False]


class _Paused(Recorder):
    """Stops reading as soon as it is connected."""

    def connectionMade(self) -> None:
        self.transport.pauseProducing()
        super().connectionMade()


def test_writeTheKernelCannotTakeIsBufferedAndWatched(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _Paused)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    client.transport.write(b"y" * (16 << 20))
    buffered = client.transport.getWriteBufferSize()
    if isPolling(r):
        assert client.transport in r.getWriters()
    client.transport.abortConnection()
    factory.built[0].transport.abortConnection()
    closeAll(r, port, factory, client)
    assert 0 < buffered < 16 << 20


# --- closing -------------------------------------------------------------------------------


class _WriteThenClose(Recorder):
    payload = b"last words" * 1000

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.write(self.payload)
        self.transport.loseConnection()


def test_loseConnectionSendsWhatWasWrittenThenClosesCleanly(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _WriteThenClose)
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert bytes(client.received) == _WriteThenClose.payload
    assert client.reason is not None and client.reason.check(ConnectionDone)
    assert factory.built[0].reason.check(ConnectionDone)


class _CloseOnData(Recorder):
    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        self.transport.loseConnection()
        self.transport.write(b"still sent")
        self.events.append("returned")


def test_loseConnectionReportsTheLossLaterNotInsideTheCall(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _CloseOnData)
    client.made.addCallback(lambda _: client.transport.write(b"bye"))
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert factory.built[0].events == ["made", "returned", "lost"]
    assert factory.built[0].transport.disconnecting
    assert bytes(client.received) == b"still sent"


def test_peerClosingIsConnectionDone(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    closeAll(r, port, factory, client)
    assert factory.built[0].reason.check(ConnectionDone)


def test_abortConnectionWithAFullBufferEndsAtOnceAndResetsThePeer(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _Paused)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    server = factory.built[0]
    client.transport.write(b"z" * (8 << 20))
    assert client.transport.getWriteBufferSize() > 0
    client.transport.abortConnection()
    assert client.transport.disconnecting
    runUntil(r, client.lost, timeout=5)
    server.transport.resumeProducing()
    runUntil(r, server.lost, timeout=5)
    port.stopListening()
    assert client.reason is not None and client.reason.check(ConnectionAborted)
    assert server.reason.check(ConnectionLost)
    assert len(server.received) < 8 << 20


# --- half-close ----------------------------------------------------------------------------


@implementer(IHalfCloseableProtocol)
class _HalfCloser(Recorder):
    """Records readConnectionLost/writeConnectionLost as events."""

    reply = b""

    def readConnectionLost(self) -> None:
        self.events.append("readConnectionLost")
        if self.reply:
            self.transport.write(self.reply)
            self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        self.events.append("writeConnectionLost")


class _Answerer(_HalfCloser):
    reply = b"answer after your end of file"


def test_clientHalfCloseLetsTheServerAnswerAfterEndOfFile(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _Answerer, _HalfCloser())

    def ask(_: object) -> None:
        client.transport.write(b"question")
        client.transport.loseWriteConnection()

    client.made.addCallback(ask)
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    server = factory.built[0]
    assert bytes(server.received) == b"question"
    assert server.events == ["made", "readConnectionLost", "lost"]
    assert bytes(client.received) == _Answerer.reply
    assert client.events == ["made", "writeConnectionLost", "lost"]
    assert client.reason is not None and client.reason.check(ConnectionDone)


class _ServerHalfCloser(_HalfCloser):
    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.write(b"greeting")
        self.transport.loseWriteConnection()


class _ClientAnswerer(_HalfCloser):
    reply = b"client reply"


def test_serverHalfCloseLetsTheClientAnswerAfterEndOfFile(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _ServerHalfCloser, _ClientAnswerer())
    runUntil(r, waitAll(client.lost, _serverMade(factory)))
    closeAll(r, port, factory, client)
    server = factory.built[0]
    assert bytes(client.received) == b"greeting"
    assert client.events == ["made", "readConnectionLost", "lost"]
    assert bytes(server.received) == b"client reply"
    assert server.events == ["made", "writeConnectionLost", "lost"]
    assert server.reason.check(ConnectionDone)


class _BigAnswerToEOF(Recorder):
    """Not half-closeable: answers "go" with 4 MiB, and gets end of file while sending it."""

    payload = randomPayload(4 << 20, 7)

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if bytes(self.received) == b"go":
            self.transport.write(self.payload)


@implementer(IHalfCloseableProtocol)
class _SlowAsker(Recorder):
    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.pauseProducing()
        self.transport.write(b"go")
        self.transport.loseWriteConnection()

    def readConnectionLost(self) -> None:
        self.events.append("readConnectionLost")

    def writeConnectionLost(self) -> None:
        self.events.append("writeConnectionLost")
        self.transport.resumeProducing()


def test_endOfFileToAPlainProtocolClosesOnlyAfterItsBufferIsSent(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _BigAnswerToEOF, _SlowAsker())
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert sha256(client.received) == sha256(_BigAnswerToEOF.payload)
    assert factory.built[0].reason.check(ConnectionDone)


# --- reading as a producer -----------------------------------------------------------------


def test_pauseProducingStopsDataUntilResumed(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r, _Paused)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    server = factory.built[0]
    client.transport.write(b"held back")
    later: Deferred[None] = Deferred()
    r.callLater(0.05, later.callback, None)
    runUntil(r, later)
    heldBack = bytes(server.received)
    server.transport.resumeProducing()
    runUntil(r, server.receivedAtLeast(9))
    closeAll(r, port, factory, client)
    assert heldBack == b""
    assert bytes(server.received) == b"held back"


# --- producers -----------------------------------------------------------------------------


@implementer(IPushProducer)
class _PushProducer:
    """Writes ``chunk`` on each pass of the loop while not paused, ``total`` bytes in all."""

    def __init__(self, r: Reactor, transport: Any, chunk: bytes, total: int) -> None:
        self.r = r
        self.transport = transport
        self.chunk = chunk
        self.left = total
        self.paused = False
        self.stopped = False
        self.pauses = 0
        self.resumes = 0
        self.peakBuffer = 0
        self.done: Deferred[None] = Deferred()
        self._call = r.callLater(0, self._produce)

    def _produce(self) -> None:
        self._call = None
        if self.paused or self.stopped:
            return
        if self.left <= 0:
            self.transport.unregisterProducer()
            self.done.callback(None)
            return
        self.transport.write(self.chunk)
        self.left -= len(self.chunk)
        self.peakBuffer = max(self.peakBuffer, self.transport.getWriteBufferSize())
        self._call = self.r.callLater(0, self._produce)

    def pauseProducing(self) -> None:
        self.paused = True
        self.pauses += 1

    def resumeProducing(self) -> None:
        self.resumes += 1
        self.paused = False
        if self._call is None:
            self._call = self.r.callLater(0, self._produce)

    def stopProducing(self) -> None:
        self.stopped = True
        if self._call is not None:
            self._call.cancel()
            self._call = None


class _SlowReader(Recorder):
    """Reads one chunk, then pauses for a millisecond."""

    resumeCall: Any = None

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        self.transport.pauseProducing()
        self.resumeCall = self.transport.reactor.callLater(0.001, self.transport.resumeProducing)

    def connectionLost(self, reason: Any = None) -> None:
        # The pause in progress dies with the connection: leave no timed call behind.
        if self.resumeCall is not None and self.resumeCall.active():
            self.resumeCall.cancel()
        super().connectionLost(reason)


def test_streamingProducerIsPausedAboveTheHighMarkAndResumedBelowTheLow(
    realReactor: Reactor,
) -> None:
    r = realReactor
    reader = _SlowReader()
    port, factory, client = _pair(r, Recorder, reader)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    server = factory.built[0]
    # Small kernel buffers, so the slow reader backs data up into the transport's buffer.
    server.transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
    client.transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    server.transport.setWriteBufferLimits(high=256 * 1024, low=64 * 1024)
    assert server.transport.getWriteBufferLimits() == (64 * 1024, 256 * 1024)
    total = 4 << 20
    producer = _PushProducer(r, server.transport, b"p" * 16384, total)
    server.transport.registerProducer(producer, True)
    runUntil(r, waitAll(producer.done, client.receivedAtLeast(total)))
    server.transport.loseConnection()
    closeAll(r, port, factory, client)
    assert producer.pauses >= 1
    assert producer.resumes == producer.pauses
    assert producer.peakBuffer <= 256 * 1024 + 16384
    assert len(client.received) == total


class _PullProducer:
    """Writes one numbered piece per ``resumeProducing``; unregisters after ``pieces``."""

    def __init__(self, transport: Any, pieces: int) -> None:
        self.transport = transport
        self.pieces = pieces
        self.sent = 0
        self.stopped = False

    def resumeProducing(self) -> None:
        if self.sent == self.pieces:
            self.transport.unregisterProducer()
            self.transport.loseConnection()
            return
        self.transport.write(b"%08d" % self.sent * 512)
        self.sent += 1

    def stopProducing(self) -> None:
        self.stopped = True


def test_pullProducerIsAskedForEachPieceUntilItUnregisters(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    server = factory.built[0]
    producer = _PullProducer(server.transport, 200)
    server.transport.registerProducer(producer, False)
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    expected = b"".join(b"%08d" % i * 512 for i in range(200))
    assert sha256(client.received) == sha256(expected)
    assert not producer.stopped


def test_registeringASecondProducerRaises(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, client.made)
    first = _PullProducer(client.transport, 0)
    client.transport.registerProducer(first, True)
    with pytest.raises(RuntimeError, match="registered already"):
        client.transport.registerProducer(_PullProducer(client.transport, 0), True)
    client.transport.unregisterProducer()
    closeAll(r, port, factory, client)


def test_producerIsStoppedWhenTheConnectionIsLost(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    producer = _PullProducer(client.transport, 0)
    client.transport.registerProducer(producer, True)
    factory.built[0].transport.loseConnection()
    closeAll(r, port, factory, client)
    assert producer.stopped


# --- errors in protocol code ---------------------------------------------------------------


class _Explosive(Echo):
    def dataReceived(self, data: bytes) -> None:
        if b"boom" in data:
            raise ZeroDivisionError("boom")
        super().dataReceived(data)


def test_exceptionInDataReceivedDropsOnlyThatConnection(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor
    caplog.set_level(logging.ERROR, logger="reactor.tcp")
    factory = CollectingFactory(_Explosive)
    port = listen(r, factory)
    victim, survivor = Recorder(), Recorder()
    connectTo(r, port.getHost().port, victim)
    connectTo(r, port.getHost().port, survivor)
    runUntil(r, waitAll(victim.made, survivor.made))
    victim.transport.write(b"boom")
    runUntil(r, victim.lost)
    survivor.transport.write(b"still echoing")
    echoed = runUntil(r, survivor.receivedAtLeast(13))
    closeAll(r, port, factory, victim, survivor)
    reasons = [p.reason for p in factory.built]
    assert sum(1 for reason in reasons if reason.check(ZeroDivisionError)) == 1
    assert echoed == b"still echoing"
    assert "Unhandled error in dataReceived" in caplog.text


class _FailsOnConnect(Recorder):
    def connectionMade(self) -> None:
        super().connectionMade()
        raise ValueError("cannot start")


def test_exceptionInConnectionMadeDropsTheConnection(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor
    caplog.set_level(logging.ERROR, logger="reactor.tcp")
    port, factory, client = _pair(r, _FailsOnConnect)
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert factory.built[0].reason.check(ValueError)
    assert "Unhandled error in connectionMade" in caplog.text


# --- addresses, options, interfaces --------------------------------------------------------


def test_getPeerAndGetHostAreTheTwoEndsAsIPv4Addresses(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    server = factory.built[0]
    clientHost, clientPeer = client.transport.getHost(), client.transport.getPeer()
    serverHost, serverPeer = server.transport.getHost(), server.transport.getPeer()
    closeAll(r, port, factory, client)
    assert clientPeer == serverHost == IPv4Address("TCP", "127.0.0.1", port.getHost().port)
    assert serverPeer == clientHost
    assert isinstance(clientHost, IPv4Address) and clientHost.port > 0


def test_noDelayIsOnByDefaultAndOptionsCanBeChanged(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, client.made)
    t = client.transport
    before = (t.getTcpNoDelay(), t.getTcpKeepAlive())
    t.setTcpNoDelay(False)
    t.setTcpKeepAlive(True)
    after = (t.getTcpNoDelay(), t.getTcpKeepAlive())
    handle = t.getHandle()
    closeAll(r, port, factory, client)
    assert before == (True, False)
    assert after == (False, True)
    assert handle.type == socket.SOCK_STREAM


def test_transportsProvideTheirInterfaces(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    for transport in (client.transport, factory.built[0].transport):
        assert verifyObject(ITCPTransport, transport)
        assert verifyObject(IConsumer, transport)
        assert verifyObject(IPushProducer, transport)
    closeAll(r, port, factory, client)


def test_ipv6LoopbackEchoesWithIPv6Addresses(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Echo)
    port = listen(r, factory, interface="::1")
    client = Recorder()
    connectTo(r, port.getHost().port, client, host="::1")
    client.made.addCallback(lambda _: client.transport.write(b"six"))
    runUntil(r, client.receivedAtLeast(3))
    host, peer = client.transport.getHost(), client.transport.getPeer()
    closeAll(r, port, factory, client)
    assert isinstance(port.getHost(), IPv6Address)
    assert peer == IPv6Address("TCP", "::1", port.getHost().port)
    assert isinstance(host, IPv6Address) and host.host == "::1"


def test_connectionLostReasonIsAFailure(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    closeAll(r, port, factory, client)
    assert isinstance(client.reason, Failure)


def test_stopProducingOnTheTransportClosesTheConnection(realReactor: Reactor) -> None:
    r = realReactor
    port, factory, client = _pair(r)
    runUntil(r, waitAll(client.made, _serverMade(factory)))
    factory.built[0].transport.stopProducing()
    runUntil(r, client.lost)
    closeAll(r, port, factory, client)
    assert client.reason is not None and client.reason.check(ConnectionDone)


def test_everyReactorProvidesIReactorTCP(realReactor: Reactor) -> None:
    assert verifyObject(IReactorTCP, realReactor)
