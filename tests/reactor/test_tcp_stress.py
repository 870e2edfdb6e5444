"""TCP under load on every backend: no byte lost or reordered, no descriptor leaked.

The sizes the issue names (20 connections x 2 MiB, 8 MiB, 500 cycles) run on epoll, the default
reactor; the other backends run the same scenarios smaller, to keep the suite fast.
"""

from __future__ import annotations

from _tcphelpers import (
    CollectingFactory,
    Echo,
    Recorder,
    backendOf,
    closeAll,
    connectTo,
    listen,
    openDescriptors,
    randomChunks,
    randomPayload,
    runUntil,
    sha256,
    waitAll,
)

from reactor import Reactor
from reactor.error import ConnectionDone


def _full(r: Reactor) -> bool:
    return backendOf(r) == "epoll"


class _Streamer(Recorder):
    """Writes ``chunks`` at once on connecting; closes once all of it came back."""

    def __init__(self, chunks: list[bytes]) -> None:
        super().__init__()
        self.chunks = chunks
        self.expected = sum(map(len, chunks))

    def connectionMade(self) -> None:
        super().connectionMade()
        for chunk in self.chunks:
            self.transport.write(chunk)

    def dataReceived(self, data: bytes) -> None:
        super().dataReceived(data)
        if len(self.received) == self.expected:
            self.transport.loseConnection()


def test_twentyConnectionsEchoRandomDataInRandomChunksIntact(realReactor: Reactor) -> None:
    r = realReactor
    size = 2 << 20 if _full(r) else 256 << 10
    factory = CollectingFactory(Echo)
    port = listen(r, factory)
    payloads = [randomPayload(size, seed) for seed in range(20)]
    clients = [_Streamer(randomChunks(p, seed, largest=32768)) for seed, p in enumerate(payloads)]
    for client in clients:
        connectTo(r, port.getHost().port, client)
    runUntil(r, waitAll(*(c.lost for c in clients)), timeout=60)
    closeAll(r, port, factory, *clients)
    assert [sha256(c.received) for c in clients] == [sha256(p) for p in payloads]
    assert all(c.reason is not None and c.reason.check(ConnectionDone) for c in clients)


class _BlastThenClose(Recorder):
    payload = b""

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.write(self.payload)
        self.transport.loseConnection()


def test_loseConnectionRightAfterALargeWriteDeliversAllOfIt(realReactor: Reactor) -> None:
    r = realReactor
    size = 8 << 20 if _full(r) else 2 << 20
    blast = type("Blast", (_BlastThenClose,), {"payload": randomPayload(size, 99)})
    factory = CollectingFactory(blast)
    port = listen(r, factory)
    client = Recorder()
    connectTo(r, port.getHost().port, client)
    runUntil(r, client.lost, timeout=60)
    closeAll(r, port, factory, client)
    assert sha256(client.received) == sha256(blast.payload)
    assert client.reason is not None and client.reason.check(ConnectionDone)


class _HangUp(Recorder):
    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.loseConnection()


def test_connectDisconnectCyclesLeaveTheDescriptorCountUnchanged(realReactor: Reactor) -> None:
    r = realReactor
    cycles = 500 if _full(r) else 100
    counts = []
    for run in range(2):
        # The first, one-cycle run warms up what a loop opens once (uvloop's libuv threadpool
        # wake-up descriptor, for one); the second must give back everything it took.
        before = openDescriptors()
        factory = CollectingFactory(Recorder)
        port = listen(r, factory)
        for _ in range(cycles if run else 1):
            client = _HangUp()
            connectTo(r, port.getHost().port, client)
            runUntil(r, client.lost)
        runUntil(r, factory.builtAtLeast(cycles if run else 1))
        runUntil(r, waitAll(*(p.lost for p in factory.built)))
        port.stopListening()
        counts.append((before, openDescriptors()))
    assert len(factory.built) == cycles
    before, after = counts[1]
    assert after == before
