"""TCP workloads: ping-pong, 50 concurrent connections, a bulk stream, 5,000 idle connections.

Every workload is run per reactor kind, so each treadle backend meets its own peers:

* ``tcp_*`` (epoll): treadle's ``EPollReactor`` against Twisted's epoll reactor, a plain
  asyncio ``Protocol`` on the default (epoll) loop, the same on uvloop, and -- for the
  message-sized workloads -- ``python-epoll``, a framework-free epoll echo loop: the ceiling a
  pure-Python server reaches here;
* ``tcp_*_poll`` / ``tcp_*_select``: treadle's poll/select reactors against Twisted's;
* ``tcp_*_asyncio``: treadle's ``AsyncioReactor`` (the loop's own transports) against Twisted's
  asyncio reactor and plain asyncio;
* ``tcp_*_uvloop``: treadle's ``AsyncioReactor`` on uvloop against plain uvloop.

Method. The server under test runs in a child process (`benchmarks.tcpserver`, an echo server);
the load generator is this process, driving plain sockets (`benchmarks.tcpclient`), the same code
for every server. The runner pins this process to one CPU before anything starts and the server
inherits that pinning, so client and server share one CPU: the figures are round trips of the
whole system, client included, and the differences between rows are the servers'. Wall time.

Metrics: the idle workloads report the server's resident memory per idle connection (VmRSS
after opening the idle connections minus before, divided by their number) and its peak
resident memory (VmHWM), read from ``/proc/<pid>/status``. select cannot watch descriptors
at or above FD_SETSIZE (1024); its idle workloads report how many connections the server held
before it dropped one, as the reason they were skipped.

This module owns the workload definitions and the server child process; the client and the
server programs live in the two modules named above.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import tcpclient
from benchmarks.workload import Implementation, Run, Setup, Workload

REPOSITORY = Path(__file__).resolve().parent.parent

#: Connections in the concurrent workloads.
CONCURRENT = 50
#: Idle connections in the idle workloads (at their full size; see `_idleCount`).
IDLE = 5_000
#: MiB streamed (and echoed) by one run of a bulk workload.
BULK_MIB = 200

_MiB = 1 << 20


class Server:
    """An echo server of `benchmarks.tcpserver` in a child process (a context manager)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None

    def __enter__(self) -> Server:
        self._stderr = tempfile.TemporaryFile()
        env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tcpserver", self.name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPOSITORY,
            env=env,
        )
        self._process = process
        try:
            line = _readLine(process, 30)
            if not line.startswith(b"PORT "):
                raise RuntimeError(f"server {self.name} did not start: {self.errors()}")
            self.port = int(line.split()[1])
        except BaseException:
            self.__exit__(None, None, None)  # `with` calls __exit__ only once __enter__ returned
            raise
        return self

    def errors(self) -> str:
        """What the server wrote on stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return str(self._stderr.read().decode(errors="replace")[-2000:])

    def memory(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) of the server, in KiB."""
        assert self._process is not None
        fields: dict[str, int] = {}
        for line in Path(f"/proc/{self._process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0])
        return fields["VmRSS"], fields["VmHWM"]

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


def _readLine(process: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The child's next line of stdout, or b"" if none comes within ``timeout`` seconds."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:  # not select(): fds here may pass 1024
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return b""
    return process.stdout.readline()


@contextmanager
def _idleHolder(port: int, count: int) -> Iterator[str]:
    """Hold ``count`` idle connections to ``port`` from a client process of their own.

    Yields its report: "HELD <n>" or "DROPPED <n>" (the server closed one after n).
    """
    env = dict(os.environ, PYTHONPATH=str(REPOSITORY))
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.tcpclient", "hold", str(port), str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=REPOSITORY,
        env=env,
    )
    try:
        yield _readLine(process, 120).decode().strip()
    finally:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# --- setups --------------------------------------------------------------------------------


def _pingPong(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with Server(server) as running:
            [sock] = tcpclient.connect(running.port)
            try:
                yield lambda: tcpclient.pingPong(sock, size)
            finally:
                sock.close()

    return setup


def _concurrent(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with Server(server) as running:
            sockets = tcpclient.connect(running.port, CONCURRENT)
            try:
                yield lambda: tcpclient.concurrent(sockets, size)
            finally:
                for sock in sockets:
                    sock.close()

    return setup


def _bulk(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with Server(server) as running:
            [sock] = tcpclient.connect(running.port)
            try:
                yield lambda: tcpclient.bulk(sock, size * _MiB)
            finally:
                sock.close()

    return setup


def _idleCount(size: int) -> int:
    """5,000 idle connections at the workload's size; 20 at the test suite's smoke size."""
    return IDLE if size >= 100 else 20


class _IdleRun:
    """Ping-pong on one active connection beside many idle ones; reports memory metrics."""

    def __init__(self, server: Server, active: Any, idle: int, before: int) -> None:
        self.server = server
        self.active = active
        self.idle = idle
        self.before = before
        self.size = 0

    def __call__(self) -> int:
        return tcpclient.pingPong(self.active, self.size)

    def metrics(self) -> dict[str, float]:
        rss, peak = self.server.memory()
        return {
            "KiB RSS/idle conn": (rss - self.before) / self.idle,
            "MiB peak RSS": peak / 1024,
        }


def _idle(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        count = _idleCount(size)
        with Server(server) as running:
            [active] = tcpclient.connect(running.port)
            try:
                tcpclient.pingPong(active, 200)  # warm up before the memory baseline
                before, _ = running.memory()
                with _idleHolder(running.port, count) as report:
                    if not report.startswith("HELD"):
                        raise ImportError(
                            f"{server} dropped a connection after holding "
                            f"{report.split()[-1] if report else '?'} idle ones (select cannot "
                            "watch descriptors >= FD_SETSIZE, 1024)"
                        )
                    run = _IdleRun(running, active, count, before)
                    run.size = size
                    yield run
            finally:
                active.close()

    return setup


# --- workloads -----------------------------------------------------------------------------

_BACKENDS: dict[str, dict[str, str]] = {
    # suffix -> {implementation: server}
    "": {
        "treadle": "treadle-epoll",
        "twisted": "twisted-epoll",
        "asyncio": "asyncio",
        "uvloop": "uvloop",
        "python-epoll": "python-epoll",
    },
    "_poll": {"treadle": "treadle-poll", "twisted": "twisted-poll"},
    "_select": {"treadle": "treadle-select", "twisted": "twisted-select"},
    "_asyncio": {"treadle": "treadle-asyncio", "twisted": "twisted-asyncio", "asyncio": "asyncio"},
    "_uvloop": {"treadle": "treadle-uvloop", "uvloop": "uvloop"},
}

_REQUIRES = {"twisted": ("twisted",), "uvloop": ("uvloop",)}

_NOTES = {
    "python-epoll": "a framework-free epoll echo loop, the pure-Python ceiling (not a framework)",
}

_BACKEND_WORDS = {
    "": "epoll",
    "_poll": "poll",
    "_select": "select",
    "_asyncio": "asyncio (treadle: AsyncioReactor on the asyncio loop)",
    "_uvloop": "uvloop (treadle: AsyncioReactor on uvloop)",
}


def _implementations(
    suffix: str, makeSetup: Callable[[str], Setup], withCeiling: bool = True
) -> tuple[Implementation, ...]:
    chosen = []
    for name, server in _BACKENDS[suffix].items():
        if name == "python-epoll" and not withCeiling:
            continue
        requires = _REQUIRES.get(server.partition("-")[0], ()) + (
            ("uvloop",) if server.endswith("uvloop") else ()
        )
        chosen.append(
            Implementation(
                name,
                makeSetup(server),
                requires=tuple(dict.fromkeys(requires)),
                note=_NOTES.get(name, ""),
            )
        )
    return tuple(chosen)


def _family(suffix: str) -> list[Workload]:
    where = _BACKEND_WORDS[suffix]
    return [
        Workload(
            name=f"tcp_pingpong{suffix}",
            description=(
                f"{where}: 1 connection, 100-byte messages echoed one at a time by the server "
                "(a child process) to the plain-socket client (this process), both on one CPU"
            ),
            unit="trips",
            size=2_000,
            smokeSize=10,
            opsPerRun=lambda size: size,
            expected=lambda size: size,
            implementations=_implementations(suffix, _pingPong),
        ),
        Workload(
            name=f"tcp_concurrent{suffix}",
            description=(
                f"{where}: {CONCURRENT} connections, each with one 100-byte message in flight "
                "(the next sent when its echo is back), one plain-socket epoll client"
            ),
            unit="messages",
            size=5_000,
            smokeSize=60,
            opsPerRun=lambda size: size,
            expected=lambda size: size,
            implementations=_implementations(suffix, _concurrent),
        ),
        Workload(
            name=f"tcp_bulk{suffix}",
            description=(
                f"{where}: 1 connection, the client streams {BULK_MIB} MiB in 64 KiB writes "
                "while reading the echo; ops/s = MiB/s echoed"
            ),
            unit="MiB",
            size=BULK_MIB,
            smokeSize=1,
            opsPerRun=lambda size: size,
            expected=lambda size: size * _MiB,
            implementations=_implementations(suffix, _bulk, withCeiling=False),
        ),
        Workload(
            name=f"tcp_idle5000{suffix}",
            description=(
                f"{where}: {IDLE:,} idle connections (each echoed once) plus 1 active doing "
                "100-byte ping-pong; metrics: server RSS per idle connection and peak RSS"
            ),
            unit="trips",
            size=1_000,
            smokeSize=10,
            opsPerRun=lambda size: size,
            expected=lambda size: size,
            implementations=_implementations(suffix, _idle, withCeiling=False),
        ),
    ]


WORKLOADS = [workload for suffix in _BACKENDS for workload in _family(suffix)]
