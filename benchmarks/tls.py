"""TLS workloads: echo throughput over one TLS connection, and handshakes per second.

Each server under test runs in a child process started by this module (``python -m
benchmarks.tls SERVER CERTFILE``): a TLS echo server presenting a trustme certificate (ECDSA
P-256, TLS 1.3), for

* ``treadle`` -- ``EPollReactor.listenSSL`` (stdlib ``ssl`` over memory BIOs);
* ``twisted`` -- Twisted's epoll reactor, ``listenSSL`` with pyOpenSSL (its TLS needs
  ``pyOpenSSL`` and ``service_identity``: they are skipped when missing);
* ``asyncio`` / ``uvloop`` -- ``loop.create_server(ssl=...)`` on that loop.

treadle and Twisted run the same echo protocol body; asyncio's is the same in its own API. The
load generator is this process, the same code for every server: a non-blocking stdlib
``ssl`` socket driven by ``epoll`` (throughput), or blocking ``ssl`` sockets (handshakes). The
runner pins this process to one CPU and the server inherits the pinning, so client and server
share one CPU (see ../shared/BENCHMARKING.md); the figures are of the whole system, client
included, and the differences between rows are the servers'. Wall time.

* ``tls_echo``: the client streams ``size`` MiB in 64 KiB writes while reading the echo;
  ops/s = MiB/s echoed.
* ``tls_handshakes``: ``size`` times: connect, handshake (verifying the server's certificate),
  one 1-byte echo (so the server has finished its side of the handshake too), close.

The echo workload also reports the server's CPU time per MiB (``/proc/<pid>/stat``): the
client takes most of the shared CPU, which compresses the MiB/s ratios towards 1.

This module owns the workloads and the server program; it imports no peer until a setup runs.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.tcp import REPOSITORY, _readLine
from benchmarks.workload import Implementation, Run, Setup, Workload

#: Every server this program can run.
SERVERS = ("treadle", "twisted", "asyncio", "uvloop")

#: MiB echoed by one run of the throughput workload.
ECHO_MIB = 32

_MiB = 1 << 20
_CHUNK = 65536


# --- the servers (run in the child process) ------------------------------------------------


def _announce(port: int) -> None:
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()


def _echoProtocol(base: type) -> type:
    """The echo protocol, written once for treadle's and Twisted's ``Protocol``."""

    class Echo(base):  # type: ignore[misc]
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    return Echo


def _serveTreadle(pem: str) -> None:
    import reactor as treadle
    from reactor.protocol import Factory
    from reactor.tls import serverContext

    r: Any = treadle.availableReactors()["epoll"]()
    factory = Factory.forProtocol(_echoProtocol(treadle.protocol.Protocol))
    factory.noisy = False
    port = r.listenSSL(0, factory, serverContext(pem), backlog=1024, interface="127.0.0.1")
    _announce(port.getHost().port)
    r.run()


def _serveTwisted(pem: str) -> None:
    from twisted.internet import epollreactor

    epollreactor.install()  # type: ignore[no-untyped-call]
    from twisted.internet import reactor as twistedReactor
    from twisted.internet import ssl as twistedSSL
    from twisted.internet.protocol import Factory, Protocol

    reactor: Any = twistedReactor
    loadPEM: Any = twistedSSL.PrivateCertificate.loadPEM
    certificate = loadPEM(Path(pem).read_text())
    factory = Factory.forProtocol(_echoProtocol(Protocol))
    factory.noisy = False
    port = reactor.listenSSL(0, factory, certificate.options(), backlog=1024, interface="127.0.0.1")
    _announce(port.getHost().port)
    reactor.run()


def _serveAsyncio(pem: str, useUvloop: bool) -> None:
    import asyncio

    if useUvloop:
        import uvloop

        loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(pem)

    class Echo(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport: Any = transport

        def data_received(self, data: bytes) -> None:
            self.transport.write(data)

    server: Any = loop.run_until_complete(
        loop.create_server(Echo, "127.0.0.1", 0, ssl=context, backlog=1024)
    )
    _announce(server.sockets[0].getsockname()[1])
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()


def main(name: str, pem: str) -> None:
    """Run the TLS echo server ``name`` with the key and chain in ``pem`` until SIGTERM."""
    from benchmarks.tcpserver import dieWithParent

    if name not in SERVERS:
        raise SystemExit(f"unknown server {name!r}; choose from {', '.join(SERVERS)}")
    dieWithParent()
    if name == "treadle":
        _serveTreadle(pem)
    elif name == "twisted":
        _serveTwisted(pem)
    else:
        _serveAsyncio(pem, useUvloop=name == "uvloop")


# --- the parent: certificates, the child process, the client --------------------------------


class _Certificates:
    """A trustme CA and a server certificate for 127.0.0.1, the latter in a PEM file."""

    def __init__(self, directory: str) -> None:
        import trustme

        ca = trustme.CA()
        leaf = ca.issue_cert("127.0.0.1", "localhost")
        self.pem = os.path.join(directory, "server.pem")
        leaf.private_key_and_cert_chain_pem.write_to_path(self.pem)
        self.client = ssl.create_default_context(cadata=ca.cert_pem.bytes().decode())


@contextmanager
def _server(name: str) -> Iterator[tuple[int, ssl.SSLContext, int]]:
    """Start server ``name`` in a child process; yield its port, a client context, its pid."""
    with (
        tempfile.TemporaryDirectory(prefix="treadle-bench-tls-") as directory,
        tempfile.TemporaryFile() as errors,
    ):
        certificates = _Certificates(directory)
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tls", name, certificates.pem],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=REPOSITORY,
            env=dict(os.environ, PYTHONPATH=str(REPOSITORY)),
        )
        try:
            line = _readLine(process, 30)
            if not line.startswith(b"PORT "):
                errors.seek(0)
                message = errors.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"TLS server {name} did not start: {message}")
            yield int(line.split()[1]), certificates.client, process.pid
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            assert process.stdout is not None
            process.stdout.close()


def _connect(port: int, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def echo(sock: ssl.SSLSocket, total: int) -> int:
    """Stream ``total`` bytes in 64 KiB writes while reading the echo; return bytes echoed."""
    payload = memoryview(b"\xa5" * _CHUNK)
    buffer = bytearray(4 * _CHUNK)
    view = memoryview(buffer)
    fd = sock.fileno()
    poller = select.epoll()
    poller.register(fd, select.EPOLLIN | select.EPOLLOUT)
    sock.setblocking(False)
    sent = received = 0
    try:
        while received < total:
            poller.poll()
            while True:  # Records already decrypted leave no trace in epoll: drain them.
                try:
                    n = sock.recv_into(view)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    break
                if n == 0:
                    raise AssertionError("the server closed the connection")
                received += n
            if sent < total:
                try:
                    sent += sock.send(payload[: min(_CHUNK, total - sent)])
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    pass
                if sent == total:
                    poller.modify(fd, select.EPOLLIN)
    finally:
        poller.close()
        sock.setblocking(True)
    if buffer[:1] != b"\xa5":
        raise AssertionError("wrong bytes echoed")
    return received


def handshakes(port: int, context: ssl.SSLContext, count: int) -> int:
    """``count`` times: connect, handshake, echo one byte, close; return how many worked."""
    done = 0
    for _ in range(count):
        with _connect(port, context) as sock:
            sock.sendall(b"!")
            if sock.recv(1) != b"!":
                raise AssertionError("wrong byte echoed")
        done += 1
    return done


def _cpuSeconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _EchoRun:
    """One echo run; its metric is the server's CPU time per MiB echoed over all runs.

    The client (this process) takes most of the one CPU both share -- it encrypts and
    decrypts too, one record per ``ssl`` call -- so MiB/s compresses the servers'
    differences; the server's own CPU cost per MiB shows them undiluted.
    """

    def __init__(self, sock: ssl.SSLSocket, size: int, pid: int) -> None:
        self.sock = sock
        self.size = size
        self.pid = pid
        self.cpu = 0.0
        self.mebibytes = 0

    def __call__(self) -> int:
        before = _cpuSeconds(self.pid)
        echoed = echo(self.sock, self.size * _MiB)
        self.cpu += _cpuSeconds(self.pid) - before
        self.mebibytes += self.size
        return echoed

    def metrics(self) -> dict[str, float]:
        return {"server CPU ms/MiB": 1000 * self.cpu / max(self.mebibytes, 1)}


def _echoSetup(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with _server(server) as (port, context, pid):
            sock = _connect(port, context)
            try:
                yield _EchoRun(sock, size, pid)
            finally:
                sock.close()

    return setup


def _handshakeSetup(server: str) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        with _server(server) as (port, context, _):
            yield lambda: handshakes(port, context, size)

    return setup


_REQUIRES: dict[str, tuple[str, ...]] = {
    "treadle": ("trustme",),
    "twisted": ("trustme", "twisted", "OpenSSL", "service_identity"),
    "asyncio": ("trustme",),
    "uvloop": ("trustme", "uvloop"),
}


def _implementations(makeSetup: Any) -> tuple[Implementation, ...]:
    return tuple(
        Implementation(name, makeSetup(name), requires=_REQUIRES[name]) for name in SERVERS
    )


WORKLOADS = [
    Workload(
        name="tls_echo",
        description=(
            f"epoll: 1 TLS 1.3 connection, the client (a non-blocking stdlib ssl socket) streams "
            f"{ECHO_MIB} MiB in 64 KiB writes while reading the echo; ops/s = MiB/s echoed"
        ),
        unit="MiB",
        size=ECHO_MIB,
        smokeSize=1,
        opsPerRun=lambda size: size,
        expected=lambda size: size * _MiB,
        implementations=_implementations(_echoSetup),
    ),
    Workload(
        name="tls_handshakes",
        description=(
            "epoll: connect, TLS 1.3 handshake (ECDSA P-256, verified), a 1-byte echo, close; "
            "blocking stdlib ssl client"
        ),
        unit="handshakes",
        size=50,
        smokeSize=2,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(_handshakeSetup),
    ),
]


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
