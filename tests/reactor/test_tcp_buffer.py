"""The pieces under the TCP transports: the write buffer (reactor._buffer) and producer pacing
(reactor._flow). The buffer is driven through real socket pairs, and through a scripted socket
when the test needs to choose how much each send takes."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reactor._buffer import COALESCE_BELOW, MAX_CHUNKS_PER_SEND, WriteBuffer
from reactor._flow import DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER, ProducerFlow


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def _drain(sock: socket.socket) -> bytes:
    data = bytearray()
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return bytes(data)
        if not chunk:
            return bytes(data)
        data += chunk


def test_chunksAreSentInTheOrderTheyWereAppended(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    buffer = WriteBuffer()
    chunks = [bytes([i]) * (3000 + i) for i in range(20)]
    buffer.extend(chunks)
    assert buffer.size == sum(map(len, chunks))
    received = bytearray()
    while buffer:
        buffer.sendTo(a)
        received += _drain(b)
    assert bytes(received) == b"".join(chunks)


def test_oneSendTakesAtMostMaxChunksPerSend(pair: tuple[socket.socket, socket.socket]) -> None:
    a, _b = pair
    buffer = WriteBuffer()
    buffer.extend([b"c" * COALESCE_BELOW] * (MAX_CHUNKS_PER_SEND + 10))
    sent = buffer.sendTo(a)
    assert sent == MAX_CHUNKS_PER_SEND * COALESCE_BELOW
    assert buffer.size == 10 * COALESCE_BELOW


def test_thousandsOfTinyWritesDrainInAFewSends(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    buffer = WriteBuffer()
    buffer.append(b"first")
    for i in range(10_000):
        buffer.append(b"%09d\n" % i)
    sends = 0
    received = bytearray()
    while buffer:
        buffer.sendTo(a)
        sends += 1
        received += _drain(b)
    assert sends <= 3
    assert bytes(received) == b"first" + b"".join(b"%09d\n" % i for i in range(10_000))


def test_aWouldBlockSendReturnsZeroAndKeepsEverything(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, _b = pair
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    buffer = WriteBuffer()
    buffer.append(b"x" * (4 << 20))
    while buffer.sendTo(a):
        pass
    left = buffer.size
    assert buffer.sendTo(a) == 0
    assert buffer.size == left > 0


def test_aFailedSendRaisesAndKeepsEverything(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    b.close()
    buffer = WriteBuffer()
    buffer.extend([b"one" * 1000, b"two" * 1000])
    with pytest.raises(OSError):
        buffer.sendTo(a)
    assert buffer.size == 6000


def test_unsentRemainderOfBytesIsKeptWithoutCopying() -> None:
    buffer = WriteBuffer()
    data = b"0123456789" * 1000
    buffer.appendUnsent(data, 4000)
    assert buffer.size == 6000
    assert buffer._chunks[0] is data  # kept whole, with an offset
    sock = _ScriptedSocket([6000])
    assert buffer.sendTo(sock) == 6000  # type: ignore[arg-type]
    assert sock.received == data[4000:]


def test_mutableDataIsCopiedWhenKept() -> None:
    buffer = WriteBuffer()
    data = bytearray(b"a" * 5000)
    buffer.append(data)
    unsent = bytearray(b"b" * 5000)
    buffer.clear()
    buffer.appendUnsent(unsent, 100)
    data[:] = b"z" * 5000
    unsent[:] = b"z" * 5000
    sock = _ScriptedSocket([10_000])
    buffer.sendTo(sock)  # type: ignore[arg-type]
    assert sock.received == b"b" * 4900


def test_clearDropsEverything() -> None:
    buffer = WriteBuffer()
    buffer.extend([b"a", b"b" * 5000])
    buffer.clear()
    assert buffer.size == 0 and not buffer
    assert buffer.sendTo(_ScriptedSocket([])) == 0  # type: ignore[arg-type]


class _ScriptedSocket:
    """Takes as many bytes per call as its script says (then would block)."""

    def __init__(self, takes: list[int]) -> None:
        self.takes = list(takes)
        self.received = b""
        self.calls = 0

    def _take(self, data: bytes) -> int:
        self.calls += 1
        if not self.takes:
            raise BlockingIOError
        n = min(self.takes.pop(0), len(data))
        self.received += data[:n]
        return n

    def send(self, data: bytes | memoryview) -> int:
        return self._take(bytes(data))

    def sendmsg(self, vector: list[bytes | memoryview]) -> int:
        return self._take(b"".join(bytes(v) for v in vector))


@given(
    writes=st.lists(st.binary(min_size=0, max_size=5000), max_size=60),
    takes=st.lists(st.integers(min_value=0, max_value=20_000), max_size=200),
)
def test_anyWritesAndPartialSendsDeliverTheConcatenation(
    writes: list[bytes], takes: list[int]
) -> None:
    buffer = WriteBuffer()
    sock = _ScriptedSocket(takes)
    for index, data in enumerate(writes):
        buffer.append(data)
        if index % 3 == 0:
            buffer.sendTo(sock)  # type: ignore[arg-type]
    sock.takes.append(1 << 30)
    while buffer:
        sock.takes.append(1 << 30)
        buffer.sendTo(sock)  # type: ignore[arg-type]
    assert sock.received == b"".join(writes)
    assert buffer.size == 0


# --- producer pacing -----------------------------------------------------------------------


class _Producer:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def pauseProducing(self) -> None:
        self.calls.append("pause")

    def resumeProducing(self) -> None:
        self.calls.append("resume")

    def stopProducing(self) -> None:
        self.calls.append("stop")


def test_streamingProducerPausesAboveHighAndResumesAtLow() -> None:
    flow, producer = ProducerFlow(high=100, low=20), _Producer()
    flow.register(producer, True, disconnected=False)
    flow.bufferGrew(100)
    assert producer.calls == []
    flow.bufferGrew(101)
    flow.bufferGrew(500)
    assert producer.calls == ["pause"]
    flow.bufferShrank(50)
    assert producer.calls == ["pause"]
    flow.bufferShrank(20)
    flow.bufferShrank(0)
    assert producer.calls == ["pause", "resume"]


def test_pullProducerIsAskedAtOnceAndWheneverTheBufferDrains() -> None:
    flow, producer = ProducerFlow(high=100, low=20), _Producer()
    flow.register(producer, False, disconnected=False)
    assert producer.calls == ["resume"]
    flow.bufferShrank(50)
    flow.bufferShrank(10)
    assert producer.calls == ["resume", "resume"]
    assert flow.wantsMore()


def test_registeringTwiceRaises() -> None:
    flow = ProducerFlow()
    flow.register(_Producer(), True, disconnected=False)
    with pytest.raises(RuntimeError, match="registered already"):
        flow.register(_Producer(), True, disconnected=False)


def test_registeringWithADisconnectedTransportStopsTheProducer() -> None:
    flow, producer = ProducerFlow(), _Producer()
    flow.register(producer, False, disconnected=True)
    assert producer.calls == ["stop"]


def test_stopTellsTheProducerAndForgetsIt() -> None:
    flow, producer = ProducerFlow(), _Producer()
    flow.register(producer, True, disconnected=False)
    flow.stop()
    flow.stop()
    assert producer.calls == ["stop"]
    assert flow.producer is None


def test_limitsDefaultAndValidate() -> None:
    flow = ProducerFlow()
    assert (flow.high, flow.low) == (DEFAULT_HIGH_WATER, DEFAULT_LOW_WATER)
    flow.setLimits(high=4000)
    assert (flow.high, flow.low) == (4000, 1000)
    with pytest.raises(ValueError, match="low <= high"):
        flow.setLimits(high=10, low=20)
