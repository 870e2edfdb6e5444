"""Readers and writers on real descriptors: sockets, pipes, regular files, high fds."""

from __future__ import annotations

import hashlib
import os
import resource
import socket
import tempfile
from collections.abc import Callable, Iterator

import pytest
from _descriptors import FdReader, SocketReader, Writer

from deferred import Failure
from reactor import Reactor
from reactor.error import ConnectionDone, FDSetSizeError

Run = Callable[..., None]


@pytest.fixture
def socketPair() -> Iterator[tuple[socket.socket, socket.socket]]:
    left, right = socket.socketpair()
    left.setblocking(False)
    right.setblocking(False)
    try:
        yield left, right
    finally:
        left.close()
        right.close()


@pytest.fixture
def pipe() -> Iterator[list[int]]:
    fds = list(os.pipe())
    try:
        yield fds  # tests set an entry to -1 once they closed it themselves
    finally:
        for fd in fds:
            if fd >= 0:
                os.close(fd)


def test_reader_gets_data_sent_by_the_peer(
    realReactor: Reactor, run: Run, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, right = socketPair

    def gotData(data: bytes) -> None:
        realReactor.removeReader(reader)
        realReactor.stop()

    reader = SocketReader(left, gotData)
    realReactor.addReader(reader)
    realReactor.callLater(0.01, right.send, b"hello")
    run(realReactor)
    assert reader.received == b"hello"


def test_writer_streams_a_megabyte_to_a_reader(
    realReactor: Reactor, run: Run, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, right = socketPair
    payload = os.urandom(1 << 20)

    def gotData(data: bytes) -> None:
        if len(reader.received) == len(payload):
            realReactor.removeReader(reader)
            realReactor.stop()

    reader = SocketReader(left, gotData)
    writer = Writer(realReactor, right.fileno(), payload, lambda: None)
    realReactor.addReader(reader)
    realReactor.addWriter(writer)
    run(realReactor, timeout=10)
    assert hashlib.sha256(reader.received).digest() == hashlib.sha256(payload).digest()
    assert writer.writes > 1  # the socket buffer is smaller than the payload
    assert realReactor.getWriters() == []


def test_getReaders_and_getWriters_list_only_user_descriptors(
    realReactor: Reactor, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, right = socketPair
    assert realReactor.getReaders() == []
    assert realReactor.getWriters() == []
    reader = SocketReader(left)
    writer = Writer(realReactor, right.fileno(), b"x", lambda: None)
    realReactor.addReader(reader)
    realReactor.addWriter(writer)
    assert realReactor.getReaders() == [reader]
    assert realReactor.getWriters() == [writer]
    assert set(realReactor.removeAll()) == {reader, writer}
    assert realReactor.getReaders() == []
    assert realReactor.getWriters() == []


def test_one_object_may_read_and_write_the_same_fd(
    realReactor: Reactor, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, _ = socketPair

    class Both(SocketReader):
        def doWrite(self) -> None:
            pass

    both = Both(left)
    realReactor.addReader(both)
    realReactor.addWriter(both)
    realReactor.removeReader(both)
    assert realReactor.getWriters() == [both]
    assert realReactor.removeAll() == [both]


def test_adding_twice_and_removing_unknown_are_harmless(
    realReactor: Reactor, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, _ = socketPair
    reader = SocketReader(left)
    realReactor.removeReader(reader)
    realReactor.addReader(reader)
    realReactor.addReader(reader)
    assert realReactor.getReaders() == [reader]
    realReactor.removeReader(reader)
    realReactor.removeReader(reader)
    assert realReactor.getReaders() == []


def test_second_reader_for_the_same_fd_is_refused(
    realReactor: Reactor, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, _ = socketPair
    realReactor.addReader(SocketReader(left))
    with pytest.raises(ValueError, match="already its reader"):
        realReactor.addReader(SocketReader(left))
    realReactor.removeAll()


def test_closed_descriptor_is_refused(realReactor: Reactor) -> None:
    sock = socket.socket()
    sock.close()
    with pytest.raises(ValueError, match="fileno"):
        realReactor.addReader(SocketReader(sock))


def test_raising_doRead_drops_only_that_connection(
    realReactor: Reactor, run: Run, reactorLog: pytest.LogCaptureFixture
) -> None:
    pairs = [socket.socketpair() for _ in range(2)]
    try:
        broken = SocketReader(pairs[0][0])

        def explode(data: bytes) -> None:
            raise OSError("doRead exploded")

        broken.onData = explode

        def healthyGot(data: bytes) -> None:
            if healthy.received == b"onetwo":
                realReactor.removeReader(healthy)
                realReactor.stop()
            else:
                pairs[1][1].send(b"two")

        healthy = SocketReader(pairs[1][0], healthyGot)
        realReactor.addReader(broken)
        realReactor.addReader(healthy)
        pairs[0][1].send(b"boom")
        pairs[1][1].send(b"one")
        run(realReactor)
    finally:
        for a, b in pairs:
            a.close()
            b.close()
    assert realReactor.getReaders() == []
    assert len(broken.lost) == 1
    assert broken.lost[0].check(OSError)
    assert "doRead exploded" in broken.lost[0].getErrorMessage()
    assert healthy.lost == []
    assert "doRead exploded" in reactorLog.text
    assert "Traceback" in reactorLog.text


def test_doRead_returning_a_failure_drops_with_that_failure(
    realReactor: Reactor, run: Run, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, right = socketPair
    failure = Failure(ValueError("protocol error"))

    class Refusing(SocketReader):
        def doRead(self) -> object:
            realReactor.stop()
            return failure

    reader = Refusing(left)
    realReactor.addReader(reader)
    right.send(b"x")
    run(realReactor)
    assert reader.lost == [failure]
    assert realReactor.getReaders() == []


def test_error_in_connectionLost_is_logged(
    realReactor: Reactor,
    run: Run,
    socketPair: tuple[socket.socket, socket.socket],
    reactorLog: pytest.LogCaptureFixture,
) -> None:
    left, right = socketPair

    class BadLoser(SocketReader):
        def connectionLost(self, reason: Failure) -> None:
            realReactor.stop()
            raise RuntimeError("connectionLost exploded")

    realReactor.addReader(BadLoser(left))
    right.close()
    run(realReactor)
    assert "connectionLost exploded" in reactorLog.text


def test_peer_hangup_ends_the_connection_cleanly(
    realReactor: Reactor, run: Run, socketPair: tuple[socket.socket, socket.socket]
) -> None:
    left, right = socketPair
    reader = SocketReader(left)

    class Stopper(SocketReader):
        def connectionLost(self, reason: Failure) -> None:
            super().connectionLost(reason)
            realReactor.stop()

    reader = Stopper(left)
    realReactor.addReader(reader)
    right.send(b"last words")
    right.close()
    run(realReactor)
    assert reader.received == b"last words"
    assert len(reader.lost) == 1 and reader.lost[0].check(ConnectionDone)
    assert reader.reads <= 3  # data, then end of file: no busy loop
    assert realReactor.getReaders() == []


def test_pipe_hangup_drops_the_reader_without_busy_looping(
    realReactor: Reactor, run: Run, pipe: list[int]
) -> None:
    readEnd, writeEnd = pipe
    reader = FdReader(readEnd, onEOF=realReactor.stop)
    realReactor.addReader(reader)
    os.close(writeEnd)
    pipe[1] = -1
    run(realReactor)
    assert len(reader.lost) == 1 and reader.lost[0].check(ConnectionDone)
    assert reader.reads <= 1
    assert realReactor.getReaders() == []


def test_writer_to_a_closed_pipe_is_dropped_with_the_error(
    realReactor: Reactor, run: Run, pipe: list[int]
) -> None:
    readEnd, writeEnd = pipe
    os.close(readEnd)
    pipe[0] = -1
    writer = Writer(realReactor, writeEnd, b"nobody listens", realReactor.stop)
    realReactor.addWriter(writer)
    run(realReactor)
    assert len(writer.lost) == 1
    assert writer.lost[0].check(BrokenPipeError, ConnectionError, OSError)
    assert realReactor.getWriters() == []


def test_regular_file_can_be_read_through_the_reactor(realReactor: Reactor, run: Run) -> None:
    # epoll refuses regular files (EPERM); every backend must still read them (always ready).
    content = os.urandom(200_000)
    with tempfile.TemporaryFile() as f:
        f.write(content)
        f.flush()
        f.seek(0)
        reader = FdReader(f.fileno(), onEOF=realReactor.stop)
        realReactor.addReader(reader)
        run(realReactor)
    assert reader.received == content
    assert len(reader.lost) == 1 and reader.lost[0].check(ConnectionDone)


def test_regular_file_can_be_written_through_the_reactor(realReactor: Reactor, run: Run) -> None:
    content = os.urandom(100_000)
    with tempfile.TemporaryFile() as f:
        writer = Writer(realReactor, f.fileno(), content, realReactor.stop)
        realReactor.addWriter(writer)
        run(realReactor)
        f.seek(0)
        assert f.read() == content
    assert writer.lost == []


@pytest.fixture
def highSocketPair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A socket pair whose first socket's descriptor is >= 1024 (FD_SETSIZE)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = 1500
    if hard != resource.RLIM_INFINITY and hard <= target:
        pytest.fail(f"this test needs RLIMIT_NOFILE >= {target + 1}; the hard limit is {hard}")
    if soft <= target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target + 1, hard))
    left, right = socket.socketpair()
    try:
        os.dup2(left.fileno(), target)
        high = socket.socket(fileno=target)
        left.close()
        high.setblocking(False)
        try:
            yield high, right
        finally:
            high.close()
    finally:
        right.close()
        left.close()
        if soft <= target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_high_descriptor_works_or_is_refused_clearly(
    realReactor: Reactor, run: Run, highSocketPair: tuple[socket.socket, socket.socket]
) -> None:
    high, peer = highSocketPair
    assert high.fileno() >= 1024

    def gotData(data: bytes) -> None:
        realReactor.removeReader(reader)
        realReactor.stop()

    reader = SocketReader(high, gotData)
    if getattr(realReactor, "backendName", None) == "select":
        with pytest.raises(FDSetSizeError) as info:
            realReactor.addReader(reader)
        message = str(info.value)
        assert "1500" in message and "FD_SETSIZE" in message
        assert "epoll" in message and "poll" in message
        assert realReactor.getReaders() == []
        return
    realReactor.addReader(reader)
    peer.send(b"high")
    run(realReactor)
    assert reader.received == b"high"


def test_reader_removed_by_another_in_the_same_pass_is_not_called(
    realReactor: Reactor, run: Run
) -> None:
    pairs = [socket.socketpair() for _ in range(2)]
    readers: list[SocketReader] = []
    try:

        def removeOther(data: bytes) -> None:
            for other in readers:
                realReactor.removeReader(other)
            realReactor.callLater(0.02, realReactor.stop)

        readers.extend(SocketReader(a, removeOther) for a, _ in pairs)
        for reader in readers:
            realReactor.addReader(reader)
        for _, b in pairs:
            b.send(b"x")
        run(realReactor)
    finally:
        for a, b in pairs:
            a.close()
            b.close()
    assert sorted(r.reads for r in readers) == [0, 1]
