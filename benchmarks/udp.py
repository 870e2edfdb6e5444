"""UDP workloads: datagram ping-pong and windowed bursts against an echo server.

Implementations (the server under test): treadle's ``EPollReactor`` with a ``DatagramProtocol``,
Twisted's epoll reactor with the very same protocol body, a plain asyncio
``DatagramProtocol`` (``create_datagram_endpoint``) on the default loop, the same on uvloop, and
``python-epoll``, a framework-free epoll loop (``recvfrom``/``sendto`` straight on the socket):
the ceiling a pure-Python server reaches here.

Method. The server runs in a child process (``python -m benchmarks.udp serve NAME``, which
prints ``PORT <n>`` and echoes every datagram to its sender until SIGTERM); the load generator
is this process, one plain connected UDP socket, the same code for every server. The runner
pins this process to one CPU before anything starts and the server inherits the pinning, so
client and server share one CPU (see ../shared/BENCHMARKING.md). Wall time.

* ``udp_pingpong``: one 100-byte datagram in flight; the next is sent when its echo is back.
  Measures per-datagram latency through the whole system.
* ``udp_burst``: windows of :data:`WINDOW` 100-byte datagrams sent back to back, then all their
  echoes read before the next window. The server finds many datagrams queued per readable event,
  so this measures how cheaply it drains a burst (treadle reads up to 256 per event; asyncio's
  selector loop reads one per event).

Under each workload's rows: the server's CPU time (user + system, from ``/proc``) per datagram
echoed over every run, the server's own cost without the client's and the scheduler's share.

Loopback does not lose datagrams at these rates (a window is far below the socket buffers); a
missing echo is a failure (``AssertionError`` after :data:`RECEIVE_TIMEOUT` seconds), never a
speed.

This module owns the workload definitions, the client loops and the server programs.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.workload import Implementation, Run, Setup, Workload

REPOSITORY = Path(__file__).resolve().parent.parent

#: The datagram every workload sends: 100 bytes.
MESSAGE = bytes(range(100))
#: Datagrams in flight at once in the burst workload.
WINDOW = 64
#: Seconds to wait for an echo before calling it lost.
RECEIVE_TIMEOUT = 5.0

#: Every server ``serve`` can run.
SERVERS = ("treadle-epoll", "twisted-epoll", "asyncio", "uvloop", "python-epoll")


# --- the client (this process) -------------------------------------------------------------


def connectedSocket(port: int) -> socket.socket:
    """A blocking UDP socket connected to 127.0.0.1:``port``, with a receive timeout."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.connect(("127.0.0.1", port))
        sock.settimeout(RECEIVE_TIMEOUT)
    except BaseException:
        sock.close()
        raise
    return sock


def _receive(sock: socket.socket) -> bytes:
    try:
        return sock.recv(2048)
    except TimeoutError:
        raise AssertionError(f"no echo within {RECEIVE_TIMEOUT} s: a datagram was lost") from None


def pingPong(sock: socket.socket, rounds: int) -> int:
    """``rounds`` round trips of :data:`MESSAGE`, one at a time; return ``rounds``."""
    send = sock.send
    for _ in range(rounds):
        send(MESSAGE)
        if _receive(sock) != MESSAGE:
            raise AssertionError("wrong echo")
    return rounds


def burst(sock: socket.socket, datagrams: int) -> int:
    """Echo ``datagrams`` datagrams in windows of :data:`WINDOW`; return how many came back."""
    send = sock.send
    echoed = 0
    while echoed < datagrams:
        window = min(WINDOW, datagrams - echoed)
        for _ in range(window):
            send(MESSAGE)
        for _ in range(window):
            if _receive(sock) != MESSAGE:
                raise AssertionError("wrong echo")
        echoed += window
    return echoed


class Server:
    """An echo server of :func:`serve` in a child process (a context manager)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None

    def __enter__(self) -> Server:
        self._stderr = tempfile.TemporaryFile()
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.udp", "serve", self.name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=REPOSITORY,
            env=dict(os.environ, PYTHONPATH=str(REPOSITORY)),
        )
        self._process = process
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 30)
            line = process.stdout.readline() if ready else b""
            if not line.startswith(b"PORT "):
                raise RuntimeError(f"server {self.name} did not start: {self._errors()}")
            self.port = int(line.split()[1])
        except BaseException:
            self.__exit__()
            raise
        return self

    def _errors(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return str(self._stderr.read().decode(errors="replace")[-2000:])

    def cpuSeconds(self) -> float:
        """User plus system CPU time the server has used so far (from ``/proc``)."""
        assert self._process is not None
        fields = Path(f"/proc/{self._process.pid}/stat").read_text().rpartition(")")[2].split()
        # Fields 14 and 15 of stat(5) (utime, stime), counted after the ")" ending the name.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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


class _CountingRun:
    """One run of a client loop; counts datagrams and reports the server's CPU per datagram.

    CPU time per datagram is the server's own cost (its framework and system calls), which the
    wall-clock rate mixes with the client's and the scheduler's; it also barely moves when
    other processes load the machine.
    """

    def __init__(
        self, server: Server, sock: socket.socket, loop: Callable[[socket.socket, int], int]
    ) -> None:
        self.server = server
        self.sock = sock
        self.loop = loop
        self.size = 0
        self.datagrams = 0
        self.startCPU = server.cpuSeconds()

    def __call__(self) -> int:
        done = self.loop(self.sock, self.size)
        self.datagrams += done
        return done

    def metrics(self) -> dict[str, float]:
        used = self.server.cpuSeconds() - self.startCPU
        return {"µs server CPU/datagram": used / max(self.datagrams, 1) * 1e6}


def _setup(server: str, loop: Callable[[socket.socket, int], int]) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with Server(server) as running:
            sock = connectedSocket(running.port)
            try:
                loop(sock, 10)  # warm up: imports, first allocations
                run = _CountingRun(running, sock, loop)
                run.size = size
                yield run
            finally:
                sock.close()

    return setup


# --- the servers (the child process) -------------------------------------------------------


def _announce(port: int) -> None:
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()


def _echoProtocol(base: type) -> type:
    """The echo protocol, written once for treadle's and Twisted's ``DatagramProtocol``."""

    class Echo(base):  # type: ignore[valid-type,misc]
        noisy = False

        def datagramReceived(self, datagram: bytes, addr: Any) -> None:
            self.transport.write(datagram, addr)

    return Echo


def _serveTreadle() -> None:
    from reactor import EPollReactor
    from reactor.protocol import DatagramProtocol

    r = EPollReactor()
    port = r.listenUDP(0, _echoProtocol(DatagramProtocol)(), interface="127.0.0.1")
    _announce(port.getHost().port)
    r.run()


def _serveTwisted() -> None:
    from twisted.internet import epollreactor

    epollreactor.install()
    from twisted.internet import reactor
    from twisted.internet.protocol import DatagramProtocol

    port = reactor.listenUDP(0, _echoProtocol(DatagramProtocol)(), interface="127.0.0.1")  # type: ignore[attr-defined]
    _announce(port.getHost().port)
    reactor.run()  # type: ignore[attr-defined]


def _serveAsyncio(useUvloop: bool) -> None:
    import asyncio

    if useUvloop:
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()

    class Echo(asyncio.DatagramProtocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr: Any) -> None:
            self.transport.sendto(data, addr)

    transport, _ = loop.run_until_complete(
        loop.create_datagram_endpoint(Echo, local_addr=("127.0.0.1", 0))
    )
    _announce(transport.get_extra_info("sockname")[1])
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()


def _servePythonEpoll() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    ep = select.epoll()
    ep.register(sock.fileno(), select.EPOLLIN)
    _announce(sock.getsockname()[1])
    recvfrom, sendto = sock.recvfrom, sock.sendto
    while True:
        ep.poll()
        while True:
            try:
                data, addr = recvfrom(8192)
            except BlockingIOError:
                break
            sendto(data, addr)


def serve(name: str) -> None:
    """Run the echo server called ``name`` until SIGTERM."""
    from benchmarks.tcpserver import dieWithParent

    if name not in SERVERS:
        raise SystemExit(f"unknown server {name!r}; choose from {', '.join(SERVERS)}")
    dieWithParent()
    if name == "treadle-epoll":
        _serveTreadle()
    elif name == "twisted-epoll":
        _serveTwisted()
    elif name == "python-epoll":
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
        _servePythonEpoll()
    else:
        _serveAsyncio(useUvloop=name == "uvloop")


# --- workloads -----------------------------------------------------------------------------

_IMPLEMENTATIONS = {
    # implementation: (server, requires, note)
    "treadle": ("treadle-epoll", ("reactor",), ""),
    "twisted": ("twisted-epoll", ("twisted",), ""),
    "asyncio": ("asyncio", (), ""),
    "uvloop": ("uvloop", ("uvloop",), ""),
    "python-epoll": (
        "python-epoll",
        (),
        "a framework-free epoll echo loop, the pure-Python ceiling (not a framework)",
    ),
}


def _implementations(loop: Callable[[socket.socket, int], int]) -> tuple[Implementation, ...]:
    return tuple(
        Implementation(name, _setup(server, loop), requires=requires, note=note)
        for name, (server, requires, note) in _IMPLEMENTATIONS.items()
    )


WORKLOADS = [
    Workload(
        name="udp_pingpong",
        description=(
            "epoll: 100-byte datagrams echoed one at a time by the server (a child process) to "
            "a plain connected UDP socket (this process), both on one CPU"
        ),
        unit="datagrams",
        size=2_000,
        smokeSize=10,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(pingPong),
    ),
    Workload(
        name="udp_burst",
        description=(
            f"epoll: windows of {WINDOW} 100-byte datagrams sent back to back, then their "
            "echoes read; the server drains a queue of datagrams per readable event"
        ),
        unit="datagrams",
        size=8_192,
        smokeSize=WINDOW + 1,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(burst),
    ),
]


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "serve":
        raise SystemExit("usage: python -m benchmarks.udp serve NAME")
    serve(sys.argv[2])
