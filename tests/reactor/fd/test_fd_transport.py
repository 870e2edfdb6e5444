"""FileDescriptorTransport on every backend: a protocol over real pipes, sockets and ptys gets
TCP's transport behaviour -- bytes both ways, flow control, closing, half-close, errors."""

from __future__ import annotations

import os
import resource
import socket
from typing import Any

import pytest
from _fdhelpers import (
    HalfCloseRecorder,
    Recorder,
    Sink,
    closeQuietly,
    duplexPipes,
    isOpen,
    passes,
    runUntil,
    sha256,
)
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor import Reactor
from reactor.error import ConnectionAborted, ConnectionDone, ConnectionLost
from reactor.fd import FileDescriptorAddress, FileDescriptorTransport, PipeReader
from reactor.interfaces import IConsumer, IPushProducer, ITransport


def _link(r: Reactor, a: Recorder, b: Recorder) -> tuple[Any, Any]:
    """Connect ``a`` and ``b`` through two pipes; return their transports."""
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    ta = FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    tb = FileDescriptorTransport(r, None, b, readFd=bRead, writeFd=bWrite)
    return ta, tb


def _bothLost(r: Reactor, *protocols: Recorder) -> None:
    for protocol in protocols:
        runUntil(r, protocol.lost)


# --- bytes ---------------------------------------------------------------------------------


def test_bytesTravelBothWaysIntactOverAPipePair(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, tb = _link(r, a, b)
    toB, toA = os.urandom(700_000), os.urandom(500_000)
    ta.write(toB)
    tb.write(toA)
    runUntil(r, b.want(len(toB)))
    runUntil(r, a.want(len(toA)))
    assert sha256(b.received) == sha256(toB)
    assert sha256(a.received) == sha256(toA)
    ta.loseConnection()
    _bothLost(r, a, b)


def test_oneDescriptorCarriesBothDirections(realReactor: Reactor) -> None:
    r = realReactor
    mine, theirs = socket.socketpair()
    fd = mine.detach()
    protocol = Recorder()
    transport = FileDescriptorTransport(r, fd, protocol)
    transport.write(b"ping")
    theirs.setblocking(True)
    assert theirs.recv(10) == b"ping"
    theirs.sendall(b"pong")
    assert runUntil(r, protocol.want(4)) == b"pong"
    theirs.close()
    runUntil(r, protocol.lost)
    assert protocol.reason is not None and protocol.reason.check(ConnectionDone)
    assert not isOpen(fd)


def test_writeSequenceSendsInOrder(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, _ = _link(r, a, b)
    ta.writeSequence([b"a", b"b" * 100_000, b"c"])
    assert runUntil(r, b.want(100_002)) == b"a" + b"b" * 100_000 + b"c"
    ta.loseConnection()
    _bothLost(r, a, b)


# --- closing -------------------------------------------------------------------------------


def test_loseConnectionFlushesThenBothEndsSeeConnectionDone(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, _ = _link(r, a, b)
    payload = os.urandom(400_000)
    ta.write(payload)
    ta.loseConnection()
    assert ta.disconnecting
    assert a.lostCount == 0  # Never inside the call.
    _bothLost(r, a, b)
    assert sha256(b.received) == sha256(payload)
    assert a.reason is not None and a.reason.check(ConnectionDone)
    assert b.reason is not None and b.reason.check(ConnectionDone)
    assert ta.disconnected and not ta.connected
    assert a.lostCount == b.lostCount == 1


def test_endOfInputStillSendsWhatTheProtocolWrote(realReactor: Reactor) -> None:
    # Twisted's StandardIO drops this output; a TCP transport here sends it, and so do we.
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    reply = os.urandom(600_000)
    a = Recorder()
    a.onData = lambda data: ta.write(reply)
    ta = FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    sink = Sink()
    PipeReader(r, bRead, sink.dataReceived, sink.connectionLost)
    os.write(bWrite, b"question")
    os.close(bWrite)  # End of a's input, while a's reply is still being written.
    runUntil(r, a.lost)
    runUntil(r, sink.lost)
    assert a.reason is not None and a.reason.check(ConnectionDone)
    assert sha256(sink.received) == sha256(reply)


def test_halfCloseableProtocolHearsEndOfInputAndKeepsWriting(realReactor: Reactor) -> None:
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    a = HalfCloseRecorder()
    ta = FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    os.close(bWrite)
    runUntil(r, a.readLost)
    assert a.events == ["made", "readConnectionLost"]
    ta.write(b"still here")
    ta.loseConnection()
    runUntil(r, a.lost)
    assert os.read(bRead, 100) == b"still here"
    assert a.reason is not None and a.reason.check(ConnectionDone)
    os.close(bRead)


def test_loseWriteConnectionSendsEndOfFileAndKeepsReading(realReactor: Reactor) -> None:
    r = realReactor
    a, b = HalfCloseRecorder(), HalfCloseRecorder()
    ta, tb = _link(r, a, b)
    ta.write(b"last words")
    ta.loseWriteConnection()
    runUntil(r, a.writeLost)
    runUntil(r, b.readLost)
    assert bytes(b.received) == b"last words"
    tb.write(b"reply")
    assert runUntil(r, a.want(5)) == b"reply"
    tb.loseConnection()
    _bothLost(r, a, b)
    # As on TCP: with both directions done, the end of input is the connection's end.
    assert a.events == ["made", "writeConnectionLost", "lost"]


def test_readerOfOurOutputLeavingLetsAPlainProtocolReadOnThenEndsWithConnectionLost(
    realReactor: Reactor,
) -> None:
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    a = Recorder()
    ta = FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    os.close(bRead)
    ta.write(b"into the void")
    runUntil(r, passes(r, 5))
    assert not isOpen(aWrite)
    ta.write(b"ignored now")
    os.write(bWrite, b"input goes on")
    assert runUntil(r, a.want(13)) == b"input goes on"
    os.close(bWrite)
    runUntil(r, a.lost)
    assert a.reason is not None and a.reason.check(ConnectionLost)
    assert not isOpen(aRead)


def test_readerOfOurOutputLeavingOnlyClosesWritingForAHalfCloseableProtocol(
    realReactor: Reactor,
) -> None:
    r = realReactor
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    a = HalfCloseRecorder()
    ta = FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    os.close(bRead)
    ta.write(b"into the void")
    runUntil(r, a.writeLost)
    os.write(bWrite, b"input goes on")
    assert runUntil(r, a.want(13)) == b"input goes on"
    os.close(bWrite)
    runUntil(r, a.lost)
    assert a.reason is not None and a.reason.check(ConnectionLost)


def test_abortConnectionDropsUnsentDataWithConnectionAborted(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, _ = _link(r, a, b)
    ta.write(b"x" * 500_000)
    ta.abortConnection()
    _bothLost(r, a, b)
    assert a.reason is not None and a.reason.check(ConnectionAborted)
    assert len(b.received) < 500_000
    assert a.lostCount == 1


def test_errorInDataReceivedEndsTheConnectionWithIt(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()

    def boom(data: bytes) -> None:
        raise ZeroDivisionError("bad input")

    b.onData = boom
    ta, _ = _link(r, a, b)
    ta.write(b"x")
    _bothLost(r, b, a)
    assert b.reason is not None and b.reason.check(ZeroDivisionError)
    assert "Unhandled error" in caplog.text


def test_errorInConnectionMadeDropsTheConnection(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor

    class Broken(Recorder):
        def connectionMade(self) -> None:
            raise ValueError("cannot start")

    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    a = Broken()
    FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    runUntil(r, a.lost)
    assert a.reason is not None and a.reason.check(ValueError)
    assert "Unhandled error in connectionMade" in caplog.text
    closeQuietly(bRead, bWrite)


# --- flow control --------------------------------------------------------------------------


def test_pausedTransportDeliversNothingUntilResumed(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, tb = _link(r, a, b)
    tb.pauseProducing()
    ta.write(b"held")
    runUntil(r, passes(r, 5))
    assert b.received == b""
    tb.resumeProducing()
    assert runUntil(r, b.want(4)) == b"held"
    ta.loseConnection()
    _bothLost(r, a, b)


class _Producer:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.resumed: Deferred[None] = Deferred()

    def pauseProducing(self) -> None:
        self.events.append("pause")

    def resumeProducing(self) -> None:
        self.events.append("resume")
        self.resumed.callback(None)

    def stopProducing(self) -> None:
        self.events.append("stop")


def test_streamingProducerIsPausedWhileThePeerDoesNotRead(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, tb = _link(r, a, b)
    tb.pauseProducing()
    producer = _Producer()
    ta.registerProducer(producer, True)
    ta.write(b"x" * 300_000)
    assert producer.events == ["pause"]
    tb.resumeProducing()
    runUntil(r, producer.resumed)
    ta.unregisterProducer()
    runUntil(r, b.want(300_000))
    ta.loseConnection()
    _bothLost(r, a, b)
    assert producer.events == ["pause", "resume"]


def test_producerIsStoppedWhenTheConnectionEnds(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    ta, _ = _link(r, a, b)
    producer = _Producer()
    ta.registerProducer(producer, True)
    ta.setWriteBufferLimits(high=100)
    assert ta.getWriteBufferLimits() == (25, 100)
    ta.abortConnection()
    _bothLost(r, a, b)
    assert producer.events == ["stop"]


# --- one-way transports, addresses, interfaces ----------------------------------------------


def test_readOnlyTransportRefusesWritesAndEndsAtEndOfFile(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    a = Recorder()
    transport = FileDescriptorTransport(r, None, a, readFd=rfd)
    with pytest.raises(RuntimeError, match="no descriptor to write"):
        transport.write(b"x")
    producer = _Producer()
    transport.registerProducer(producer, True)
    assert producer.events == ["stop"]
    os.write(wfd, b"only in")
    os.close(wfd)
    runUntil(r, a.lost)
    assert bytes(a.received) == b"only in"
    assert a.reason is not None and a.reason.check(ConnectionDone)


def test_writeOnlyTransportClosesAfterFlushing(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    a = Recorder()
    transport = FileDescriptorTransport(r, None, a, writeFd=wfd)
    transport.write(b"only out")
    transport.loseConnection()
    runUntil(r, a.lost)
    assert os.read(rfd, 100) == b"only out"
    os.close(rfd)


def test_addressesNameTheDescriptorsAndGetHandleTheFd(realReactor: Reactor) -> None:
    r = realReactor
    a, b = Recorder(), Recorder()
    (aRead, aWrite), (bRead, bWrite) = duplexPipes()
    ta = FileDescriptorTransport(r, None, a, readFd=aRead, writeFd=aWrite)
    tb = FileDescriptorTransport(r, None, b, readFd=bRead, writeFd=bWrite)
    assert ta.getHost() == ta.getPeer() == FileDescriptorAddress(aRead, aWrite)
    assert ta.getHandle() == aRead
    assert verifyObject(ITransport, ta)
    assert verifyObject(IConsumer, ta)
    assert verifyObject(IPushProducer, ta)
    assert "Recorder" in repr(ta)
    ta.loseConnection()
    tb.loseConnection()
    _bothLost(r, a, b)


def test_constructorRefusesMissingOrConflictingDescriptors(realReactor: Reactor) -> None:
    with pytest.raises(ValueError, match="needs a descriptor"):
        FileDescriptorTransport(realReactor, None, Recorder())
    with pytest.raises(ValueError, match="not both"):
        FileDescriptorTransport(realReactor, 5, Recorder(), readFd=5)


def test_sharedDescriptionGetsItsBlockingModeBackOnlyAtTheEnd(realReactor: Reactor) -> None:
    # A terminal's stdin and stdout share one O_NONBLOCK flag; neither half may clear it while
    # the other still works, and the last one out must.
    r = realReactor
    master, slave = os.openpty()
    witness = os.dup(slave)
    a = HalfCloseRecorder()
    ta = FileDescriptorTransport(r, None, a, readFd=os.dup(slave), writeFd=os.dup(slave))
    assert not os.get_blocking(witness)
    ta.loseWriteConnection()
    runUntil(r, a.writeLost)
    assert not os.get_blocking(witness)  # Still reading: must stay non-blocking.
    ta.loseConnection()
    runUntil(r, a.lost)
    assert os.get_blocking(witness)
    closeQuietly(witness, slave, master)


@pytest.mark.reactor("select")
def test_aDescriptorTheReactorCannotWatchIsHandedBackUntouched(reactor: Reactor) -> None:
    # select() stops at FD_SETSIZE (1024): the transport refuses, and the caller keeps its fds
    # as they were (open, blocking, unwatched).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft <= 1100:
        if hard != resource.RLIM_INFINITY and hard <= 1100:
            pytest.skip(f"this process may not open descriptor 1100 (hard limit {hard})")
        resource.setrlimit(resource.RLIMIT_NOFILE, (2048, hard))
    rfd, wfd = os.pipe()
    high = os.dup2(wfd, 1100)
    os.close(wfd)
    try:
        with pytest.raises(ValueError):
            FileDescriptorTransport(reactor, None, Recorder(), readFd=rfd, writeFd=high)
        assert isOpen(rfd) and isOpen(high)
        assert os.get_blocking(rfd) and os.get_blocking(high)
        assert reactor.getReaders() == [] and reactor.getWriters() == []
    finally:
        closeQuietly(rfd, high)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
