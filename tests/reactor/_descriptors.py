"""Small real descriptors for the reactor tests: socket/pipe/file readers and writers.

Each records what the reactor did to it (``reads``, ``writes``, ``lost``) so tests can assert
on behaviour without mocks. None of them closes its descriptor: the tests own and close them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from deferred import Failure
from reactor.error import ConnectionDone


class SocketReader:
    """Reads a socket; returns ConnectionDone at end of file; calls ``onData`` per chunk."""

    def __init__(self, sock: socket.socket, onData: Callable[[bytes], None] | None = None) -> None:
        self.sock = sock
        self.onData = onData
        self.received = b""
        self.reads = 0
        self.lost: list[Failure] = []

    def fileno(self) -> int:
        return self.sock.fileno()

    def doRead(self) -> object:
        self.reads += 1
        data = self.sock.recv(65536)
        if not data:
            return ConnectionDone()
        self.received += data
        if self.onData is not None:
            self.onData(data)
        return None

    def connectionLost(self, reason: Failure) -> None:
        self.lost.append(reason)


class FdReader:
    """Reads a raw descriptor (pipe, file) with os.read; ConnectionDone at end of file."""

    def __init__(self, fd: int, onEOF: Callable[[], None] | None = None) -> None:
        self.fd = fd
        self.onEOF = onEOF
        self.received = b""
        self.reads = 0
        self.lost: list[Failure] = []

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> object:
        self.reads += 1
        data = os.read(self.fd, 65536)
        if not data:
            return ConnectionDone()
        self.received += data
        return None

    def connectionLost(self, reason: Failure) -> None:
        self.lost.append(reason)
        if self.onEOF is not None:
            self.onEOF()


class Writer:
    """Writes ``payload`` to a descriptor as it becomes writable; removes itself when done."""

    def __init__(self, r: object, fd: int, payload: bytes, onDone: Callable[[], None]) -> None:
        self.reactor = r
        self.fd = fd
        self.pending = payload
        self.onDone = onDone
        self.writes = 0
        self.lost: list[Failure] = []

    def fileno(self) -> int:
        return self.fd

    def doWrite(self) -> object:
        self.writes += 1
        sent = os.write(self.fd, self.pending)
        self.pending = self.pending[sent:]
        if not self.pending:
            self.reactor.removeWriter(self)  # type: ignore[attr-defined]
            self.onDone()
        return None

    def connectionLost(self, reason: Failure) -> None:
        self.lost.append(reason)
        self.onDone()
