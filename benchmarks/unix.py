"""Unix-socket workloads: ping-pong over a Unix stream socket, beside the same over TCP.

One workload, ``unix_pingpong``, whose rows are the same echo server reached two ways: over a
Unix socket (``treadle``, ``twisted``, ``asyncio``, ``uvloop``) and over loopback TCP (the
``-tcp`` rows: the TCP family's servers, `benchmarks.tcpserver`). treadle's Unix row against
``treadle-tcp`` is what a Unix socket saves treadle; against ``twisted``/``asyncio``/``uvloop``
it is how treadle's Unix transport compares with theirs (epoll everywhere: treadle's
``EPollReactor``, Twisted's epoll reactor, asyncio's default loop, uvloop).

Method (the TCP family's, `benchmarks.tcp`): the server runs in a child process and echoes every
byte; the load generator is this process, with plain blocking sockets and the same
`benchmarks.tcpclient.pingPong` for every row (one 100-byte message in flight, checked on return).
The runner pins this process to one CPU and the server inherits it, so both share one CPU. Wall
time.

``python -m benchmarks.unix SERVER PATH`` runs one Unix echo server (SERVER is one of
:data:`SERVERS`) listening at PATH; it prints ``READY`` once listening and runs until SIGTERM.
This module owns that server program and the workload; the TCP servers are
`benchmarks.tcpserver`'s.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks import tcpclient
from benchmarks.tcp import REPOSITORY, Server, _readLine
from benchmarks.workload import Implementation, Run, Setup, Workload

#: The Unix echo servers this program can run.
SERVERS = ("treadle", "twisted", "asyncio", "uvloop")

BACKLOG = 4096


# --- the servers (child processes) ---------------------------------------------------------


def _announce() -> None:
    sys.stdout.write("READY\n")
    sys.stdout.flush()


def _serveTreadle(path: str) -> None:
    import reactor as treadle
    from benchmarks.tcpserver import _echoProtocol
    from reactor.protocol import Factory

    r = treadle.EPollReactor()
    factory = Factory.forProtocol(_echoProtocol(treadle.protocol.Protocol))
    factory.noisy = False
    r.listenUNIX(path, factory, backlog=BACKLOG)
    _announce()
    r.run()


def _serveTwisted(path: str) -> None:
    from twisted.internet import epollreactor

    epollreactor.install()
    from twisted.internet import reactor
    from twisted.internet.protocol import Factory, Protocol

    from benchmarks.tcpserver import _echoProtocol

    factory = Factory.forProtocol(_echoProtocol(Protocol))
    factory.noisy = False
    reactor.listenUNIX(path, factory, backlog=BACKLOG)  # type: ignore[attr-defined]
    _announce()
    reactor.run()  # type: ignore[attr-defined]


def _serveAsyncio(path: str, useUvloop: bool) -> None:
    import asyncio

    if useUvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    loop.run_until_complete(loop.create_unix_server(Echo, path, backlog=BACKLOG))
    _announce()
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()


def serve(name: str, path: str) -> None:
    """Run the Unix echo server called ``name`` at ``path`` until SIGTERM."""
    from benchmarks.tcpserver import dieWithParent

    if name not in SERVERS:
        raise SystemExit(f"unknown server {name!r}; choose from {', '.join(SERVERS)}")
    dieWithParent()
    if name == "treadle":
        _serveTreadle(path)
    elif name == "twisted":
        _serveTwisted(path)
    else:
        _serveAsyncio(path, useUvloop=name == "uvloop")


class UnixServer:
    """A Unix echo server of :func:`serve` in a child process, in a private directory."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.path = ""
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None

    def __enter__(self) -> UnixServer:
        self._directory = tempfile.TemporaryDirectory(prefix="tb")
        self.path = os.path.join(self._directory.name, "echo.sock")
        self._stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.unix", self.name, self.path],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPOSITORY,
            env=env,
        )
        try:
            if _readLine(self._process, 30) != b"READY\n":
                self._stderr.seek(0)
                errors = self._stderr.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"Unix server {self.name} did not start: {errors}")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def connect(self) -> socket.socket:
        """A blocking socket connected to the server, checked with one round trip."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.path)
            tcpclient.roundTrip(sock, b"hello")
        except BaseException:
            sock.close()
            raise
        return sock

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None


# --- setups ----------------------------------------------------------------------------------


def _unixPingPong(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with UnixServer(server) as running:
            sock = running.connect()
            try:
                yield lambda: tcpclient.pingPong(sock, size)
            finally:
                sock.close()

    return setup


def _tcpPingPong(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with Server(server) as running:
            [sock] = tcpclient.connect(running.port)
            try:
                yield lambda: tcpclient.pingPong(sock, size)
            finally:
                sock.close()

    return setup


_TCP_NOTE = "the same echo over loopback TCP (the tcp family's server), for comparison"

WORKLOADS = [
    Workload(
        name="unix_pingpong",
        description=(
            "epoll: 1 connection, 100-byte messages echoed one at a time by the server (a child "
            "process) to the plain-socket client (this process), both on one CPU; over a Unix "
            "socket, and over loopback TCP in the -tcp rows"
        ),
        unit="trips",
        size=2_000,
        smokeSize=10,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=(
            Implementation("treadle", _unixPingPong("treadle"), requires=("reactor",)),
            Implementation(
                "treadle-tcp", _tcpPingPong("treadle-epoll"), requires=("reactor",), note=_TCP_NOTE
            ),
            Implementation("twisted", _unixPingPong("twisted"), requires=("twisted",)),
            Implementation(
                "twisted-tcp", _tcpPingPong("twisted-epoll"), requires=("twisted",), note=_TCP_NOTE
            ),
            Implementation("asyncio", _unixPingPong("asyncio")),
            Implementation("asyncio-tcp", _tcpPingPong("asyncio"), note=_TCP_NOTE),
            Implementation("uvloop", _unixPingPong("uvloop"), requires=("uvloop",)),
        ),
    ),
]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python -m benchmarks.unix SERVER PATH")
    serve(sys.argv[1], sys.argv[2])
