"""PipeReader and PipeWriter on every backend: bytes through real pipes, files and ptys; end of
file, a vanished reader, aborts, producers, and the descriptor closed exactly once."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest
from _fdhelpers import Sink, closeQuietly, isOpen, passes, runUntil, sha256
from zope.interface.verify import verifyObject

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.error import ConnectionAborted, ConnectionDone, ConnectionLost
from reactor.fd import PipeReader, PipeWriter
from reactor.interfaces import IConsumer, IPushProducer, IReadDescriptor, IWriteDescriptor


def _reader(r: Reactor, fd: int, sink: Sink) -> PipeReader:
    return PipeReader(r, fd, sink.dataReceived, sink.connectionLost)


def _writer(r: Reactor, fd: int, sink: Sink, **kw: Any) -> PipeWriter:
    return PipeWriter(r, fd, sink.connectionLost, **kw)


# --- PipeReader ------------------------------------------------------------------------------


def test_readerDeliversBytesThenConnectionDoneAtEndOfFile(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    _reader(r, rfd, sink)
    os.write(wfd, b"hello, pipe")
    os.close(wfd)
    reason = runUntil(r, sink.lost).reason
    assert bytes(sink.received) == b"hello, pipe"
    assert reason.check(ConnectionDone)
    assert len(sink.losses) == 1


def test_readerClosesItsDescriptorBeforeReportingTheLoss(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    openWhenLost: list[bool] = []
    sink.lost.addCallback(lambda _: openWhenLost.append(isOpen(rfd)))
    reader = _reader(r, rfd, sink)
    os.close(wfd)
    runUntil(r, sink.lost)
    assert openWhenLost == [False]
    assert reader.fileno() == -1
    assert reader.getHandle() == rfd


def test_readerReadsARegularFileToItsEnd(realReactor: Reactor) -> None:
    # epoll refuses regular files (EPERM); every backend must still read them to the end.
    r = realReactor
    payload = os.urandom(300_000)
    with tempfile.TemporaryFile() as f:
        f.write(payload)
        f.flush()
        f.seek(0)
        fd = os.dup(f.fileno())
    sink = Sink()
    _reader(r, fd, sink)
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionDone)
    assert sha256(sink.received) == sha256(payload)


def test_readerTakesAPtyMastersEIOAsEndOfFile(realReactor: Reactor) -> None:
    r = realReactor
    master, slave = os.openpty()
    os.write(slave, b"from the line\n")
    os.close(slave)
    sink = Sink()
    _reader(r, master, sink)
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionDone)
    assert bytes(sink.received).replace(b"\r\n", b"\n") == b"from the line\n"


def test_pausedReaderDeliversNothingUntilResumed(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    reader = _reader(r, rfd, sink)
    reader.pauseProducing()
    os.write(wfd, b"waiting")
    runUntil(r, passes(r, 5))
    assert sink.received == b""
    reader.resumeProducing()
    assert runUntil(r, sink.want(7)) == b"waiting"
    os.close(wfd)
    runUntil(r, sink.lost)


def test_readerPausedInsideItsCallbackStopsReadingThere(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    reader = _reader(r, rfd, sink)
    sink.onData = lambda data: reader.pauseProducing()
    os.write(wfd, b"first")
    runUntil(r, sink.want(5))
    os.write(wfd, b"second")
    runUntil(r, passes(r, 5))
    assert sink.received == b"first"
    sink.onData = None
    reader.resumeProducing()
    assert runUntil(r, sink.want(11)) == b"firstsecond"
    os.close(wfd)
    runUntil(r, sink.lost)


def test_readerLoseConnectionReportsConnectionDoneOnALaterPass(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    reader = _reader(r, rfd, sink)
    reader.loseConnection()
    reader.loseConnection()
    assert sink.losses == []
    assert reader.disconnecting
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionDone)
    assert len(sink.losses) == 1
    assert not isOpen(rfd)
    # The writing end now sees that nobody reads.
    with pytest.raises(BrokenPipeError):
        os.write(wfd, b"x")
    os.close(wfd)


def test_readerStopProducingClosesIt(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    _reader(r, rfd, sink).stopProducing()
    assert runUntil(r, sink.lost).reason.check(ConnectionDone)
    os.close(wfd)


def test_readerErrorInCallbackClosesItWithThatError(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()

    def boom(data: bytes) -> None:
        raise ZeroDivisionError("in the callback")

    sink.onData = boom
    _reader(r, rfd, sink)
    os.write(wfd, b"x")
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ZeroDivisionError)
    assert "Unhandled error handling data" in caplog.text
    os.close(wfd)


def test_readerPutsBackTheBlockingModeItFound(realReactor: Reactor) -> None:
    # O_NONBLOCK belongs to the open file description, which a dup (or a parent shell) shares.
    r = realReactor
    rfd, wfd = os.pipe()
    shared = os.dup(rfd)
    assert os.get_blocking(shared)
    sink = Sink()
    _reader(r, rfd, sink)
    assert not os.get_blocking(shared)
    os.close(wfd)
    runUntil(r, sink.lost)
    assert os.get_blocking(shared)
    os.close(shared)


def test_readerLeavesANonBlockingDescriptorNonBlocking(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    os.set_blocking(rfd, False)
    shared = os.dup(rfd)
    sink = Sink()
    _reader(r, rfd, sink)
    os.close(wfd)
    runUntil(r, sink.lost)
    assert not os.get_blocking(shared)
    os.close(shared)


def test_readerProvidesItsInterfaces(realReactor: Reactor) -> None:
    rfd, wfd = os.pipe()
    sink = Sink()
    reader = _reader(realReactor, rfd, sink)
    assert verifyObject(IReadDescriptor, reader)
    assert verifyObject(IPushProducer, reader)
    reader.loseConnection()
    os.close(wfd)
    runUntil(realReactor, sink.lost)


# --- PipeWriter ------------------------------------------------------------------------------


def test_writerDeliversALargePayloadIntactThenConnectionDone(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    payload = os.urandom(1_000_000)
    readSink, writeSink = Sink(), Sink()
    _reader(r, rfd, readSink)
    writer = _writer(r, wfd, writeSink)
    for start in range(0, len(payload), 100_000):
        writer.write(payload[start : start + 100_000])
    assert writer.getWriteBufferSize() > 0
    writer.loseConnection()
    runUntil(r, readSink.lost)
    reason = runUntil(r, writeSink.lost).reason
    assert reason.check(ConnectionDone)
    assert sha256(readSink.received) == sha256(payload)
    assert len(writeSink.losses) == 1
    assert not isOpen(wfd)


def test_writerWriteSequenceKeepsOrder(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    readSink, writeSink = Sink(), Sink()
    _reader(r, rfd, readSink)
    writer = _writer(r, wfd, writeSink)
    writer.writeSequence([b"one ", bytearray(b"two "), memoryview(b"three")])
    writer.writeSequence([b"x" * 100_000, b"end"])
    writer.loseConnection()
    runUntil(r, readSink.lost)
    runUntil(r, writeSink.lost)
    assert bytes(readSink.received) == b"one two three" + b"x" * 100_000 + b"end"


def test_writerLoseConnectionReportsOnALaterPassEvenWhenEmpty(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(r, wfd, sink)
    writer.loseConnection()
    assert sink.losses == []
    assert runUntil(r, sink.lost).reason.check(ConnectionDone)
    assert os.read(rfd, 10) == b""
    os.close(rfd)


def test_writerNoticesItsReaderLeavingWhileIdleAsAConnectionDone(realReactor: Reactor) -> None:
    # Nothing was waiting to be written, so nothing was lost: a clean end, on every backend.
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    _writer(r, wfd, sink)
    os.close(rfd)
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionDone)
    assert "reading end of the pipe was closed" in reason.getErrorMessage()
    assert not isOpen(wfd)
    assert len(sink.losses) == 1


def test_writerReaderLeavingWithBytesWaitingIsConnectionLost(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(r, wfd, sink)
    writer.write(b"x" * 200_000)
    os.close(rfd)
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionLost)
    assert len(sink.losses) == 1


def test_writerReportsABrokenPipeOnALaterPass(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(r, wfd, sink, watchForClose=False)
    os.close(rfd)
    writer.write(b"nobody reads this")
    assert sink.losses == []
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionLost)
    assert "Broken pipe" in reason.getErrorMessage()
    writer.write(b"ignored once closed")
    runUntil(r, passes(r, 2))
    assert len(sink.losses) == 1


def test_writerReportsABrokenPipeFoundWhileFlushing(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(r, wfd, sink, watchForClose=False)
    writer.write(b"x" * 200_000)  # More than the pipe holds: the rest waits in the buffer.
    assert writer.getWriteBufferSize() > 0
    os.close(rfd)
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionLost)
    assert len(sink.losses) == 1


def test_writerAbortDropsTheBufferWithConnectionAborted(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(r, wfd, sink)
    writer.write(b"x" * 200_000)
    writer.abortConnection()
    assert writer.getWriteBufferSize() == 0
    reason = runUntil(r, sink.lost).reason
    assert reason.check(ConnectionAborted)
    os.close(rfd)


def test_writerWritesARegularFile(realReactor: Reactor) -> None:
    r = realReactor
    payload = os.urandom(500_000)
    with tempfile.TemporaryFile() as f:
        sink = Sink()
        writer = _writer(r, os.dup(f.fileno()), sink)
        writer.write(payload[:1000])
        writer.write(payload[1000:])
        writer.loseConnection()
        assert runUntil(r, sink.lost).reason.check(ConnectionDone)
        f.seek(0)
        assert sha256(f.read()) == sha256(payload)


def test_writerRefusesStr(realReactor: Reactor) -> None:
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(realReactor, wfd, sink)
    with pytest.raises(TypeError, match="not str"):
        writer.write("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        writer.write(42)  # type: ignore[arg-type]
    writer.write(b"x" * 200_000)
    with pytest.raises(TypeError, match="not str"):
        writer.write("text")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not str"):
        writer.writeSequence(["text"])  # type: ignore[list-item]
    writer.abortConnection()
    runUntil(realReactor, sink.lost)
    os.close(rfd)


class PushProducer:
    """Records pause/resume/stop calls."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.resumed: Deferred[None] = Deferred()

    def pauseProducing(self) -> None:
        self.events.append("pause")

    def resumeProducing(self) -> None:
        self.events.append("resume")
        if not self.resumed.called:
            self.resumed.callback(None)

    def stopProducing(self) -> None:
        self.events.append("stop")


def test_writerPausesAStreamingProducerAboveTheHighMarkAndResumesItOnceDrained(
    realReactor: Reactor,
) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    writeSink, readSink = Sink(), Sink()
    writer = _writer(r, wfd, writeSink)
    producer = PushProducer()
    writer.registerProducer(producer, True)
    writer.write(b"x" * 300_000)  # Over the 64 KiB mark once the pipe (64 KiB) is full.
    assert producer.events == ["pause"]
    _reader(r, rfd, readSink)  # Someone starts reading: the buffer drains.
    runUntil(r, producer.resumed)
    assert producer.events == ["pause", "resume"]
    writer.unregisterProducer()
    writer.loseConnection()
    runUntil(r, writeSink.lost)
    runUntil(r, readSink.lost)
    assert len(readSink.received) == 300_000


def test_writerAsksAPullProducerForMoreAsItDrainsAndClosesAfterUnregister(
    realReactor: Reactor,
) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    writeSink, readSink = Sink(), Sink()
    writer = _writer(r, wfd, writeSink)
    pieces = [bytes([n]) * 50_000 for n in range(8)]

    class Pull:
        stopped = False

        def resumeProducing(self) -> None:
            if pieces:
                writer.write(pieces.pop(0))
            else:
                writer.unregisterProducer()

        def stopProducing(self) -> None:
            self.stopped = True

    writer.registerProducer(Pull(), False)
    writer.loseConnection()  # Held back until the producer unregisters.
    _reader(r, rfd, readSink)
    runUntil(r, writeSink.lost)
    runUntil(r, readSink.lost)
    assert bytes(readSink.received) == b"".join(bytes([n]) * 50_000 for n in range(8))
    assert writeSink.losses[0].check(ConnectionDone)


def test_writerStopsItsProducerWhenLost(realReactor: Reactor) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(r, wfd, sink)
    producer = PushProducer()
    writer.registerProducer(producer, True)
    os.close(rfd)
    runUntil(r, sink.lost)
    assert producer.events == ["stop"]


def test_writerRefusesASecondProducer(realReactor: Reactor) -> None:
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(realReactor, wfd, sink)
    writer.registerProducer(PushProducer(), True)
    with pytest.raises(RuntimeError, match="registered already"):
        writer.registerProducer(PushProducer(), True)
    writer.unregisterProducer()
    writer.loseConnection()
    runUntil(realReactor, sink.lost)
    os.close(rfd)


def test_writerWaterMarksCanBeSet(realReactor: Reactor) -> None:
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(realReactor, wfd, sink)
    writer.setWriteBufferLimits(high=1000)
    assert writer.getWriteBufferLimits() == (250, 1000)
    writer.loseConnection()
    runUntil(realReactor, sink.lost)
    os.close(rfd)


def test_writerProvidesItsInterfaces(realReactor: Reactor) -> None:
    rfd, wfd = os.pipe()
    sink = Sink()
    writer = _writer(realReactor, wfd, sink)
    assert verifyObject(IWriteDescriptor, writer)
    assert verifyObject(IConsumer, writer)
    assert writer.getHandle() == wfd == writer.fileno()
    writer.loseConnection()
    runUntil(realReactor, sink.lost)
    os.close(rfd)


def test_writerCallbackErrorIsLoggedNotRaised(
    realReactor: Reactor, caplog: pytest.LogCaptureFixture
) -> None:
    r = realReactor
    rfd, wfd = os.pipe()
    seen: list[Failure] = []

    def lost(reason: Failure) -> None:
        seen.append(reason)
        raise ValueError("in connectionLost")

    writer = PipeWriter(r, wfd, lost)
    writer.loseConnection()
    runUntil(r, passes(r, 3))
    assert len(seen) == 1
    assert "Unhandled error in the connectionLost callback" in caplog.text
    closeQuietly(rfd)
