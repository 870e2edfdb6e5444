"""Helpers for the descriptor tests: run a reactor until a Deferred fires, record pipe events.

Everything here is real: pipes, ptys and files made by the test, which closes what it opened
(:func:`closeQuietly` for descriptors a transport may already have closed).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Any

from _tcphelpers import runUntil as runUntilFired
from zope.interface import implementer

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.interfaces import IHalfCloseableProtocol
from reactor.protocol import Protocol

TIMEOUT = 20.0


def runUntil(r: Reactor, d: Deferred[Any], timeout: float = TIMEOUT) -> Any:
    """Run ``r`` until ``d`` fires; return its result or raise its failure (bounded in time)."""
    return runUntilFired(r, d, timeout)


def passes(r: Reactor, count: int = 3) -> Deferred[None]:
    """A Deferred firing after ``count`` further passes of the loop (chained ``callLater(0)``)."""
    d: Deferred[None] = Deferred()

    def step(left: int) -> None:
        if left:
            r.callLater(0, step, left - 1)
        else:
            d.callback(None)

    r.callLater(0, step, count)
    return d


def later(r: Reactor, f: Callable[[], Any], count: int = 3) -> Deferred[Any]:
    """Run ``f`` after ``count`` passes; fire with what it returns (or its Deferred's result)."""
    return passes(r, count).addCallback(lambda _: f())


class Sink:
    """Records the bytes and the one (expected) loss a pipe half reports.

    ``lost`` fires with the sink itself at the first loss (a Deferred cannot fire with a Failure
    as a result), whose ``reason`` is then that Failure; ``losses`` records every call, so
    "exactly once" is checkable.
    ``want(n)`` fires once ``n`` bytes arrived.
    """

    def __init__(self) -> None:
        self.received = bytearray()
        self.losses: list[Failure] = []
        self.lost: Deferred[Sink] = Deferred()
        self._waiting: list[tuple[int, Deferred[bytes]]] = []
        #: Called with each chunk after recording it (tests hook pausing or closing here).
        self.onData: Callable[[bytes], None] | None = None

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        for entry in list(self._waiting):
            if len(self.received) >= entry[0]:
                self._waiting.remove(entry)
                entry[1].callback(bytes(self.received))
        if self.onData is not None:
            self.onData(data)

    def connectionLost(self, reason: Failure) -> None:
        self.losses.append(reason)
        if len(self.losses) == 1:
            self.lost.callback(self)

    @property
    def reason(self) -> Failure:
        """The first loss reported."""
        return self.losses[0]

    def want(self, count: int) -> Deferred[bytes]:
        d: Deferred[bytes] = Deferred()
        if len(self.received) >= count:
            d.callback(bytes(self.received))
        else:
            self._waiting.append((count, d))
        return d


def isOpen(fd: int) -> bool:
    """Whether ``fd`` is an open descriptor."""
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def closeQuietly(*fds: int) -> None:
    """Close each of ``fds`` that is still open."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def drainInto(fd: int, into: bytearray) -> None:
    """Read whatever a (non-blocking) ``fd`` has now into ``into``."""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except (BlockingIOError, OSError):
            return
        if not chunk:
            return
        into += chunk


def sha256(data: bytes | bytearray) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class Recorder(Protocol):
    """A protocol recording what happens to it.

    ``made`` fires with itself once connected; ``lost`` fires with itself at ``connectionLost``
    (``reason`` holds the Failure, ``lostCount`` the number of calls); ``want(n)`` fires once
    ``n`` bytes arrived; ``onData`` is called with each chunk after it is recorded.
    """

    def __init__(self) -> None:
        self.made: Deferred[Recorder] = Deferred()
        self.lost: Deferred[Recorder] = Deferred()
        self.received = bytearray()
        self.events: list[str] = []
        self.reason: Failure | None = None
        self.lostCount = 0
        self.onData: Callable[[bytes], None] | None = None
        self._waiting: list[tuple[int, Deferred[bytes]]] = []

    def connectionMade(self) -> None:
        self.events.append("made")
        self.made.callback(self)

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        for entry in list(self._waiting):
            if len(self.received) >= entry[0]:
                self._waiting.remove(entry)
                entry[1].callback(bytes(self.received))
        if self.onData is not None:
            self.onData(data)

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        self.events.append("lost")
        self.lostCount += 1
        if self.reason is None:
            self.reason = reason
            self.lost.callback(self)

    def want(self, count: int) -> Deferred[bytes]:
        d: Deferred[bytes] = Deferred()
        if len(self.received) >= count:
            d.callback(bytes(self.received))
        else:
            self._waiting.append((count, d))
        return d


@implementer(IHalfCloseableProtocol)
class HalfCloseRecorder(Recorder):
    """A :class:`Recorder` that hears each direction close (``readLost``, ``writeLost``)."""

    def __init__(self) -> None:
        super().__init__()
        self.readLost: Deferred[None] = Deferred()
        self.writeLost: Deferred[None] = Deferred()

    def readConnectionLost(self) -> None:
        self.events.append("readConnectionLost")
        self.readLost.callback(None)

    def writeConnectionLost(self) -> None:
        self.events.append("writeConnectionLost")
        self.writeLost.callback(None)


def duplexPipes() -> tuple[tuple[int, int], tuple[int, int]]:
    """Two pipes wired as a link: ``((aRead, aWrite), (bRead, bWrite))``; a writes to b."""
    toB, toA = os.pipe(), os.pipe()
    return (toA[0], toB[1]), (toB[0], toA[1])
