"""The load generator of the TCP benchmarks: plain sockets, the same for every server.

This module owns the client side of every TCP workload -- connecting, ping-pong, many
connections at once, a bulk stream, idle connections -- written with the ``socket`` and
``select`` modules only, so every server under test (`benchmarks.tcpserver`) is driven by
exactly the same code. It runs in the benchmark runner's process, which is pinned to one CPU;
the server runs in a child process on that same CPU (see ../shared/BENCHMARKING.md: a wake-up on
the other vCPU costs 100-200 us here and would swamp the difference between servers).

Each function checks what comes back (the echo of what was sent, or its length for the bulk
stream) and raises ``AssertionError`` when it is wrong, so a broken server never reports a speed.
"""

from __future__ import annotations

import select
import socket

__all__ = ["ServerDropped", "bulk", "concurrent", "connect", "pingPong", "roundTrip"]

#: The ping-pong message: 100 bytes, as the issue asks.
MESSAGE = bytes(range(100))
_CHUNK = 65536


class ServerDropped(AssertionError):
    """The server closed connections while they were being opened (``held`` were fine)."""

    def __init__(self, held: int) -> None:
        super().__init__(f"the server closed a new connection after holding {held}")
        self.held = held


def connect(port: int, count: int = 1, batch: int = 256) -> list[socket.socket]:
    """Open ``count`` connections to 127.0.0.1:``port`` (TCP_NODELAY), each echoing once.

    Connections are made ``batch`` at a time and each is checked with one round trip before
    the next batch, so the server's accept queue never overflows (a dropped SYN would stall a
    connect for a second) and every connection exists on the server side when this returns.
    """
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            group = []
            for _ in range(min(batch, count - len(sockets))):
                sock = socket.create_connection(("127.0.0.1", port))
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                group.append(sock)
            sockets.extend(group)
            for index, sock in enumerate(group):
                try:
                    roundTrip(sock, b"hello")
                except (AssertionError, ConnectionError) as e:
                    raise ServerDropped(len(sockets) - len(group) + index) from e
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def roundTrip(sock: socket.socket, message: bytes) -> None:
    """Send ``message`` and read its echo, on a blocking socket."""
    sock.sendall(message)
    received = b""
    while len(received) < len(message):
        chunk = sock.recv(len(message) - len(received))
        if not chunk:
            raise AssertionError("the server closed the connection")
        received += chunk
    if received != message:
        raise AssertionError(f"wrong echo: {received[:20]!r}...")


def pingPong(sock: socket.socket, rounds: int) -> int:
    """``rounds`` round trips of :data:`MESSAGE`, one at a time; return ``rounds``."""
    send = sock.send
    recv = sock.recv
    size = len(MESSAGE)
    for _ in range(rounds):
        send(MESSAGE)
        reply = recv(size)
        while len(reply) < size:
            more = recv(size - len(reply))
            if not more:
                raise AssertionError("the server closed the connection")
            reply += more
        if reply != MESSAGE:
            raise AssertionError(f"wrong echo: {reply[:20]!r}...")
    return rounds


def concurrent(sockets: list[socket.socket], messages: int) -> int:
    """Keep one :data:`MESSAGE` in flight on every connection until ``messages`` were echoed.

    Each connection sends its next message as soon as the echo of the previous one is back.
    Returns the number of messages echoed (``messages``).
    """
    size = len(MESSAGE)
    poller = select.epoll()
    byFd = {sock.fileno(): sock for sock in sockets}
    received = dict.fromkeys(byFd, b"")
    sent = 0
    done = 0
    try:
        for fd, sock in byFd.items():
            if sent < messages:
                sock.send(MESSAGE)
                sent += 1
                poller.register(fd, select.EPOLLIN)
        while done < messages:
            for fd, _ in poller.poll():
                sock = byFd[fd]
                data = received[fd] + sock.recv(size - len(received[fd]))
                if len(data) < size:
                    if not data:
                        raise AssertionError("the server closed the connection")
                    received[fd] = data
                    continue
                if data != MESSAGE:
                    raise AssertionError(f"wrong echo: {data[:20]!r}...")
                received[fd] = b""
                done += 1
                if sent < messages:
                    sock.send(MESSAGE)
                    sent += 1
    finally:
        poller.close()
    return done


def bulk(sock: socket.socket, total: int) -> int:
    """Stream ``total`` bytes in 64 KiB writes while reading the echo; return bytes echoed."""
    payload = memoryview(b"\xa5" * _CHUNK)
    buffer = bytearray(4 * _CHUNK)
    view = memoryview(buffer)
    fd = sock.fileno()
    poller = select.epoll()
    poller.register(fd, select.EPOLLIN | select.EPOLLOUT)
    sock.setblocking(False)
    sent = received = 0
    writing = True
    try:
        while received < total:
            for _, events in poller.poll():
                if events & select.EPOLLIN:
                    try:
                        n = sock.recv_into(view)
                    except BlockingIOError:
                        n = -1
                    if n == 0:
                        raise AssertionError("the server closed the connection")
                    if n > 0:
                        received += n
                if writing and events & select.EPOLLOUT:
                    try:
                        sent += sock.send(payload[: min(_CHUNK, total - sent)])
                    except BlockingIOError:
                        pass
                    if sent == total:
                        writing = False
                        poller.modify(fd, select.EPOLLIN)
    finally:
        poller.close()
        sock.setblocking(True)
    if buffer[:1] not in (b"\xa5", b"\x00"):
        raise AssertionError("wrong bytes echoed")
    return received


def holdIdle(port: int, count: int) -> None:
    """Open ``count`` connections, say how it went on stdout, and hold them until stdin closes.

    ``python -m benchmarks.tcpclient hold PORT COUNT`` runs this in a process of its own: the
    idle workloads of several servers are set up side by side, and one process could not hold
    every one's 5,000 client sockets within its descriptor limit.
    """
    import resource
    import sys

    from benchmarks.tcpserver import dieWithParent

    dieWithParent()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        sockets = connect(port, count)
    except ServerDropped as e:
        sys.stdout.write(f"DROPPED {e.held}\n")
        sys.stdout.flush()
        return
    sys.stdout.write(f"HELD {len(sockets)}\n")
    sys.stdout.flush()
    sys.stdin.read()
    for sock in sockets:
        sock.close()


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "hold":
        raise SystemExit("usage: python -m benchmarks.tcpclient hold PORT COUNT")
    holdIdle(int(sys.argv[2]), int(sys.argv[3]))
