"""Helpers for the TCP tests: run a reactor until a Deferred fires, recording protocols, peers.

Protocols here record what happened to them (``received``, ``reason``...) and expose Deferreds
(``made``, ``lost``) so a test can wait for exactly the event it is about. Everything uses
loopback addresses and port 0; every test closes what it opened.
"""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable
from typing import Any

from deferred import Deferred, Failure, FirstError, gatherResults
from reactor import Reactor
from reactor.protocol import ClientFactory, Factory, Protocol

BACKEND_TIMEOUT = 20.0


class RunTimedOut(AssertionError):
    """The reactor under test did not finish the scenario in time."""


def runUntil(r: Reactor, d: Deferred[Any], timeout: float = BACKEND_TIMEOUT) -> Any:
    """Run ``r`` until ``d`` fires; return its result or raise its failure.

    Fails the test (crashing the reactor) after ``timeout`` seconds, so nothing can hang.
    """
    outcome: list[Any] = []
    running: list[bool] = []

    def finish(result: object) -> None:
        outcome.append(result)
        if running:  # Fired during our run (perhaps still starting up): end it.
            r.callWhenRunning(r.stop)

    d.addBoth(finish)
    if not outcome:
        running.append(True)
        timedOut: list[bool] = []

        def bail() -> None:
            timedOut.append(True)
            r.crash()

        guard = r.callLater(timeout, bail)
        try:
            r.run(installSignalHandlers=False)
        finally:
            if guard.active():
                guard.cancel()
        if timedOut:
            raise RunTimedOut(f"{r!r}: the scenario did not finish within {timeout} s")
    result = outcome[0]
    if isinstance(result, Failure):
        result.raiseException()
    return result


def waitAll(*ds: Deferred[Any]) -> Deferred[list[Any]]:
    """A Deferred firing with the results of ``ds`` once all fired (failing if one failed)."""

    def unwrap(reason: Failure) -> Failure:
        return reason.value.subFailure if reason.check(FirstError) else reason

    return gatherResults(list(ds), consumeErrors=True).addErrback(unwrap)


class Recorder(Protocol):
    """Records everything; ``made`` fires with itself, ``lost`` with the reason."""

    def __init__(self) -> None:
        self.made: Deferred[Recorder] = Deferred()
        #: Fires with None once connected, or once the connection attempt failed.
        self.settled: Deferred[None] = Deferred()
        self.lost: Deferred[None] = Deferred()  # fires with None; the reason is in .reason
        self.received = bytearray()
        self.reason: Failure | None = None
        self.events: list[str] = []
        self._waiting: list[tuple[int, Deferred[bytes]]] = []

    def receivedAtLeast(self, count: int) -> Deferred[bytes]:
        """A Deferred firing with what was received once at least ``count`` bytes were."""
        d: Deferred[bytes] = Deferred()
        self._waiting.append((count, d))
        self._check()
        return d

    def _check(self) -> None:
        if not self._waiting:
            return
        have = len(self.received)
        ready = [(count, d) for count, d in self._waiting if have >= count]
        if ready:
            self._waiting = [w for w in self._waiting if w not in ready]
            for _, d in ready:
                d.callback(bytes(self.received))

    def connectionMade(self) -> None:
        self.events.append("made")
        self.settled.callback(None)
        self.made.callback(self)

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        self._check()

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        self.events.append("lost")
        self.reason = reason
        self.lost.callback(None)


class Echo(Recorder):
    """Writes back whatever it receives."""

    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)
        super().dataReceived(data)


class CollectingFactory(Factory):
    """Builds ``protocolClass()`` per connection and keeps every protocol it built."""

    noisy = False

    def __init__(self, protocolClass: Callable[[], Protocol]) -> None:
        self.protocol = protocolClass
        self.built: list[Any] = []
        self._waiting: list[tuple[int, Deferred[list[Any]]]] = []

    def buildProtocol(self, addr: Any) -> Protocol | None:
        built = super().buildProtocol(addr)
        self.built.append(built)
        waiting, self._waiting = self._waiting, []
        for count, d in waiting:
            if len(self.built) >= count:
                d.callback(list(self.built))
            else:
                self._waiting.append((count, d))
        return built

    def builtAtLeast(self, count: int) -> Deferred[list[Any]]:
        """A Deferred firing with the protocols built once there are at least ``count``."""
        d: Deferred[list[Any]] = Deferred()
        if len(self.built) >= count:
            d.callback(list(self.built))
        else:
            self._waiting.append((count, d))
        return d


class ClientFor(ClientFactory):
    """A client factory for one given protocol; ``failed`` fires with a connect failure."""

    noisy = False

    def __init__(self, protocol: Protocol) -> None:
        self.instance = protocol
        #: Fails with the reason of a failed connection attempt (never succeeds).
        self.failed: Deferred[None] = Deferred()
        self.lostReasons: list[Failure] = []
        self.events: list[str] = []

    def startedConnecting(self, connector: Any) -> None:
        self.events.append("started")

    def buildProtocol(self, addr: Any) -> Protocol | None:
        self.events.append("built")
        self.instance.factory = self
        return self.instance

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        self.events.append("failed")
        self.failed.errback(reason)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        self.events.append("lost")
        self.lostReasons.append(reason)


def connectTo(r: Reactor, port: int, protocol: Recorder, host: str = "127.0.0.1") -> ClientFor:
    """``connectTCP`` to ``host``:``port`` with ``protocol``; a failure fails ``protocol.made``."""
    factory = ClientFor(protocol)

    def failed(reason: Failure) -> None:
        protocol.settled.callback(None)
        protocol.made.errback(reason)

    factory.failed.addErrback(failed)
    r.connectTCP(host, port, factory, timeout=10)  # type: ignore[attr-defined]
    return factory


def listen(r: Reactor, factory: Factory, interface: str = "127.0.0.1") -> Any:
    """``listenTCP`` on a free loopback port."""
    return r.listenTCP(0, factory, interface=interface)  # type: ignore[attr-defined]


def closeAll(r: Reactor, port: Any, factory: CollectingFactory, *clients: Recorder) -> None:
    """End a scenario: wait until each client connected (or failed) and the server built a
    protocol for each, close the clients, wait until every client and server protocol lost its
    connection, and stop listening."""
    runUntil(r, waitAll(*(c.settled for c in clients)))
    connected = [c for c in clients if c.connected]
    runUntil(r, factory.builtAtLeast(len(connected)))
    for client in connected:
        if not client.lost.called:
            client.transport.loseConnection()
    runUntil(r, waitAll(*(c.lost for c in connected), *(p.lost for p in factory.built)))
    port.stopListening()


def randomPayload(size: int, seed: int) -> bytes:
    """``size`` reproducible random bytes."""
    return random.Random(seed).randbytes(size)


def randomChunks(data: bytes, seed: int, largest: int = 65536) -> list[bytes]:
    """``data`` cut at random points into chunks of 1..``largest`` bytes."""
    rng = random.Random(seed)
    chunks = []
    position = 0
    while position < len(data):
        size = rng.randint(1, largest)
        chunks.append(data[position : position + size])
        position += size
    return chunks


def sha256(data: bytes | bytearray) -> str:
    """Hex digest, so failures print something short."""
    return hashlib.sha256(data).hexdigest()


def openDescriptors() -> int:
    """How many descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def isPolling(r: Reactor) -> bool:
    """Whether ``r`` is a readiness reactor (its own select/poll/epoll loop)."""
    return hasattr(r, "backendName")


def backendOf(r: Reactor) -> str:
    """ "select", "poll", "epoll", "kqueue", "asyncio" or "uvloop"."""
    name = getattr(r, "backendName", None)
    if name is not None:
        return str(name)
    loop = getattr(r, "loop", None)
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
