"""Chat fan-out: ``treadle serve chat`` with 100 clients, every message delivered to all.

Method. The server is the real command (``python -m reactor.cli serve chat``) in a child
process, storing every message in an sqlite file (WAL, group commit, one pool thread) before it
shows it to anyone; it inherits the runner's CPU pinning, so server, its database thread and the
load generator (this process) share one CPU. The load generator holds :data:`CLIENTS`
plain-socket clients, each joined under its own nick, and keeps :data:`WINDOW` messages in
flight: a message counts as done once every client (its author included: that is the
acknowledgement) has received it; then another client sends the next. Wall time.

Metrics: messages/s (each one stored, then written to 100 connections), and the delivery
latency -- from the moment a message was sent to the moment one client received it -- at p50
and p99 over every delivery of the run's samples.

This module owns the workload and its load generator; the server is the CLI's own.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.workload import Implementation, Run, Workload

REPOSITORY = Path(__file__).resolve().parent.parent

#: Clients at the workload's size (a smoke run uses fewer, see `_clientCount`).
CLIENTS = 100
#: Messages in flight at once.
WINDOW = 8


def _clientCount(size: int) -> int:
    return CLIENTS if size >= 100 else 5


class ChatServer:
    """``treadle serve chat`` on a fresh sqlite file, in a child process (context manager)."""

    def __init__(self) -> None:
        self.port = 0
        self._directory: Any = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChatServer:
        self._directory = tempfile.TemporaryDirectory(prefix="treadle-chat-bench-")
        database = Path(self._directory.name) / "chat.db"
        env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
        env.pop("TREADLE_REACTOR", None)
        self._process = subprocess.Popen(
            [
                sys.executable, "-m", "reactor.cli", "serve", "chat",
                "--listen", "tcp:0:interface=127.0.0.1", "--db", f"sqlite:{database}",
                "--history", "0", "--poll", "0",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self._directory.name,
            env=env,
        )  # fmt: skip
        try:
            self.port = self._waitForPort(30)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _waitForPort(self, timeout: float) -> int:
        assert self._process is not None and self._process.stderr is not None
        deadline = time.monotonic() + timeout
        fd = self._process.stderr.fileno()
        seen = b""
        # Raw reads, not readline(): a buffered readline may swallow the next line into its
        # buffer, where select() cannot see it, and the wait would then sleep to its deadline.
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(deadline - time.monotonic()):
                    break
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                seen += chunk
                for line in seen.splitlines():
                    if b"chat server listening on " in line:
                        address = line.split(b"listening on ", 1)[1].split()[0]
                        return int(address.rsplit(b":", 1)[1])
        raise RuntimeError(f"treadle serve chat did not start: {seen.decode(errors='replace')}")

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stderr is not None:
                process.stderr.close()
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None


class _Client:
    """One chat client on a non-blocking socket: whole lines in, lines out."""

    def __init__(self, port: int, nick: str) -> None:
        self.nick = nick
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._partial = b""
        self.sock.sendall(f"/nick {nick}\n".encode())
        self.sock.settimeout(30)
        while not any(line.startswith(b"* here:") for line in self.readLines()):
            pass
        self.sock.setblocking(False)

    def readLines(self) -> list[bytes]:
        try:
            data = self.sock.recv(262144)
        except BlockingIOError:
            return []
        if not data:
            raise ConnectionError(f"the server closed {self.nick}'s connection")
        *lines, self._partial = (self._partial + data).split(b"\n")
        return lines


class FanOut:
    """The load generator: one run sends ``size`` messages, each delivered to every client."""

    def __init__(self, port: int, clients: int) -> None:
        self.clients = [_Client(port, f"c{n}") for n in range(clients)]
        self.selector = selectors.DefaultSelector()
        for client in self.clients:
            self.selector.register(client.sock, selectors.EVENT_READ, client)
        self.size = 0
        self._sequence = 0
        self.latencies: list[float] = []

    def __call__(self) -> int:
        clients = self.clients
        everyone = len(clients)
        sentAt: dict[bytes, float] = {}
        remaining: dict[bytes, int] = {}
        toSend = self.size
        done = 0
        latencies = self.latencies

        def sendNext() -> None:
            nonlocal toSend
            self._sequence += 1
            body = b"m%d" % self._sequence
            author = clients[self._sequence % everyone]
            sentAt[body] = time.perf_counter()
            remaining[body] = everyone
            author.sock.send(body + b"\n")  # a few bytes: the socket buffer takes them whole
            toSend -= 1

        while toSend and len(sentAt) < WINDOW:
            sendNext()
        while done < self.size:
            for key, _ in self.selector.select(30):
                now = time.perf_counter()
                for line in key.data.readLines():
                    body = line.rpartition(b" ")[2]
                    left = remaining.get(body)
                    if left is None:
                        continue
                    latencies.append(now - sentAt[body])
                    if left > 1:
                        remaining[body] = left - 1
                        continue
                    del remaining[body], sentAt[body]
                    done += 1
                    if toSend:
                        sendNext()
        return done

    def metrics(self) -> dict[str, float]:
        ordered = sorted(self.latencies)
        if not ordered:
            return {}
        return {
            "ms p50 delivery": ordered[len(ordered) // 2] * 1000,
            "ms p99 delivery": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        }

    def close(self) -> None:
        self.selector.close()
        for client in self.clients:
            client.sock.close()


@contextmanager
def _treadleChat(size: int) -> Iterator[Run]:
    with ChatServer() as server:
        fanOut = FanOut(server.port, _clientCount(size))
        fanOut.size = size
        try:
            yield fanOut
        finally:
            fanOut.close()


WORKLOADS = [
    Workload(
        name="chat_fanout",
        description=(
            f"treadle serve chat (a child process, sqlite persistence on) with {CLIENTS} "
            f"clients; {WINDOW} messages in flight, each stored then delivered to every client "
            "(the author's copy is its acknowledgement); server, its DB thread and the "
            "plain-socket load generator share one CPU"
        ),
        unit="messages",
        size=300,
        smokeSize=5,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=(Implementation("treadle", _treadleChat, requires=("reactor",)),),
    ),
]
