"""The servers under test of the TCP benchmarks: one echo server per implementation.

``python -m benchmarks.tcpserver NAME`` listens on 127.0.0.1 (a free port, backlog 4096), prints
``PORT <number>`` on stdout and echoes every byte it receives on every connection until it is
sent SIGTERM. NAME is one of :data:`SERVERS`:

* ``treadle-<backend>`` -- a treadle reactor (select, poll, epoll; asyncio or uvloop: an
  ``AsyncioReactor`` on that loop);
* ``twisted-<backend>`` -- Twisted's reactor of that kind (select, poll, epoll; asyncio: its
  ``AsyncioSelectorReactor``), installed as Twisted's global reactor in this process;
* ``asyncio`` / ``uvloop`` -- a plain ``asyncio.Protocol`` on that loop;
* ``python-epoll`` -- a framework-free epoll loop (``recv``/``send`` straight on sockets): the
  ceiling any pure-Python server can approach here.

treadle and Twisted run the very same echo protocol class body (their Protocol APIs match);
asyncio's is the same two lines in its own API. This module owns the server programs only; the
load generator is `benchmarks.tcpclient` and the workloads are `benchmarks.tcp`.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import socket
import sys
from typing import Any

#: Every server this program can run.
SERVERS = (
    "treadle-select",
    "treadle-poll",
    "treadle-epoll",
    "treadle-asyncio",
    "treadle-uvloop",
    "twisted-select",
    "twisted-poll",
    "twisted-epoll",
    "twisted-asyncio",
    "asyncio",
    "uvloop",
    "python-epoll",
)

BACKLOG = 4096


def dieWithParent() -> None:
    """Ask Linux to SIGTERM this process when its parent dies (best effort, Linux only).

    A benchmark runner killed midway (a timeout, ^C) must not leave servers and idle clients
    behind, holding thousands of sockets and competing for its CPU.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prSetPdeathsig = 1
        libc.prctl(prSetPdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)


def _raiseDescriptorLimit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _announce(port: int) -> None:
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()


def _echoProtocol(base: type) -> type:
    """The echo protocol, written once for treadle's and Twisted's ``Protocol``."""

    class Echo(base):  # type: ignore[valid-type,misc]
        def dataReceived(self, data: bytes) -> None:
            self.transport.write(data)

    return Echo


def _serveTreadle(backend: str) -> None:
    import reactor as treadle
    from reactor.protocol import Factory

    if backend in ("asyncio", "uvloop"):
        import asyncio

        if backend == "uvloop":
            import uvloop

            loop = uvloop.new_event_loop()
        else:
            loop = asyncio.new_event_loop()
        r: Any = treadle.AsyncioReactor(loop)
    else:
        r = treadle.availableReactors()[backend]()
    factory = Factory.forProtocol(_echoProtocol(treadle.protocol.Protocol))
    factory.noisy = False
    port = r.listenTCP(0, factory, backlog=BACKLOG, interface="127.0.0.1")
    _announce(port.getHost().port)
    r.run()


def _serveTwisted(backend: str) -> None:
    if backend == "asyncio":
        import asyncio

        from twisted.internet import asyncioreactor

        asyncioreactor.install(asyncio.new_event_loop())
    else:
        module = {"select": "selectreactor", "poll": "pollreactor", "epoll": "epollreactor"}
        __import__(f"twisted.internet.{module[backend]}", fromlist=["install"]).install()
    from twisted.internet import reactor
    from twisted.internet.protocol import Factory, Protocol

    factory = Factory.forProtocol(_echoProtocol(Protocol))
    factory.noisy = False
    port = reactor.listenTCP(0, factory, backlog=BACKLOG, interface="127.0.0.1")  # type: ignore[attr-defined]
    _announce(port.getHost().port)
    reactor.run()  # type: ignore[attr-defined]


def _serveAsyncio(useUvloop: bool) -> None:
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

    server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", 0, backlog=BACKLOG))
    _announce(server.sockets[0].getsockname()[1])
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.run_forever()


def _servePythonEpoll() -> None:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(BACKLOG)
    listener.setblocking(False)
    ep = select.epoll()
    ep.register(listener.fileno(), select.EPOLLIN)
    connections: dict[int, socket.socket] = {}
    pending: dict[int, bytes] = {}
    _announce(listener.getsockname()[1])
    listenerFd = listener.fileno()
    while True:
        for fd, events in ep.poll():
            if fd == listenerFd:
                while True:
                    try:
                        conn, _ = listener.accept()
                    except BlockingIOError:
                        break
                    conn.setblocking(False)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    connections[conn.fileno()] = conn
                    ep.register(conn.fileno(), select.EPOLLIN)
                continue
            conn = connections[fd]
            if events & select.EPOLLOUT:
                data = pending.pop(fd)
                sent = conn.send(data)
                if sent < len(data):
                    pending[fd] = data[sent:]
                else:
                    ep.modify(fd, select.EPOLLIN)
                continue
            try:
                data = conn.recv(65536)
            except ConnectionError:
                data = b""
            if not data:
                ep.unregister(fd)
                del connections[fd]
                pending.pop(fd, None)
                conn.close()
                continue
            if fd in pending:
                pending[fd] += data
                continue
            try:
                sent = conn.send(data)
            except BlockingIOError:
                sent = 0
            if sent < len(data):
                pending[fd] = data[sent:]
                ep.modify(fd, select.EPOLLIN | select.EPOLLOUT)


def main(name: str) -> None:
    """Run the server called ``name`` until SIGTERM."""
    if name not in SERVERS:
        raise SystemExit(f"unknown server {name!r}; choose from {', '.join(SERVERS)}")
    dieWithParent()
    _raiseDescriptorLimit()
    if name == "python-epoll":
        signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    library, _, backend = name.partition("-")
    if library == "treadle":
        _serveTreadle(backend)
    elif library == "twisted":
        _serveTwisted(backend)
    elif name == "python-epoll":
        _servePythonEpoll()
    else:
        _serveAsyncio(useUvloop=name == "uvloop")


if __name__ == "__main__":
    main(sys.argv[1])
