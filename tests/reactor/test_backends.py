"""The readiness backends on their own: what ``wait`` reports for each kind of readiness.

Every available backend (select, poll, epoll) must translate the operating system's flags into
the same READ/WRITE/HANGUP/ERROR masks; the reactor's loop dispatches on those masks alone.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Callable, Iterator

import pytest

from reactor.backends import ERROR, HANGUP, READ, WRITE, Backend
from reactor.backends.poll import PollBackend
from reactor.backends.select import SelectBackend

BACKENDS: dict[str, Callable[[], Backend]] = {"select": SelectBackend, "poll": PollBackend}
try:
    from reactor.backends.epoll import EPollBackend
except ImportError:  # not Linux
    pass
else:
    BACKENDS["epoll"] = EPollBackend


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    made = BACKENDS[request.param]()
    yield made
    made.close()


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    yield a, b
    a.close()
    b.close()


def test_an_idle_descriptor_is_not_reported(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    backend.setInterest(pair[0].fileno(), READ)
    assert backend.wait(0) == []


def test_a_readable_descriptor_is_reported_as_read(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    backend.setInterest(a.fileno(), READ)
    b.send(b"x")
    assert backend.wait(0) == [(a.fileno(), READ)]


def test_a_writable_descriptor_is_reported_as_write(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    backend.setInterest(pair[0].fileno(), WRITE)
    assert backend.wait(0) == [(pair[0].fileno(), WRITE)]


def test_read_and_write_readiness_come_in_one_report(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    backend.setInterest(a.fileno(), READ | WRITE)
    b.send(b"x")
    assert backend.wait(0) == [(a.fileno(), READ | WRITE)]


def test_each_ready_descriptor_is_reported_once(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    backend.setInterest(a.fileno(), READ)
    backend.setInterest(b.fileno(), READ | WRITE)
    a.send(b"x")
    b.send(b"y")
    assert sorted(backend.wait(0)) == sorted([(a.fileno(), READ), (b.fileno(), READ | WRITE)])


def test_a_hung_up_peer_is_reported_readable_and_as_hangup_where_the_os_says_so(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    backend.setInterest(a.fileno(), READ)
    b.close()
    [(fd, mask)] = backend.wait(0)
    assert fd == a.fileno()
    # select() has no hang-up set: end of file is simply readable there.
    assert mask == (READ if backend.name == "select" else READ | HANGUP)


def test_a_failed_connection_is_reported_as_an_error(backend: Backend) -> None:
    # Connect to a port nobody listens on: the attempt fails with ECONNREFUSED.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        address = listener.getsockname()
    with socket.socket() as s:
        s.setblocking(False)
        s.connect_ex(address)
        backend.setInterest(s.fileno(), WRITE)
        [(fd, mask)] = backend.wait(1)
        assert fd == s.fileno()
        # select() reports a failed connect as writable; the others say what happened.
        assert mask & WRITE
        if backend.name != "select":
            assert mask & ERROR


def test_a_forgotten_descriptor_is_not_reported(
    backend: Backend, pair: tuple[socket.socket, socket.socket]
) -> None:
    a, b = pair
    backend.setInterest(a.fileno(), READ)
    backend.setInterest(a.fileno(), 0)
    b.send(b"x")
    assert backend.wait(0) == []


def test_a_regular_file_is_always_ready(backend: Backend) -> None:
    with tempfile.TemporaryFile() as f:
        backend.setInterest(f.fileno(), READ)
        assert backend.wait(None) == [(f.fileno(), READ)]
        backend.setInterest(f.fileno(), 0)


@pytest.mark.skipif("epoll" not in BACKENDS, reason="epoll is Linux-only")
def test_epoll_sheds_a_registration_outliving_its_descriptor_number(
    pair: tuple[socket.socket, socket.socket],
) -> None:
    a, b = pair
    backend = EPollBackend()
    try:
        # Register a duplicate, then close it without telling the backend: the kernel keeps
        # the registration alive because `a` still holds the same open file.
        ghost = os.dup(a.fileno())
        backend.setInterest(ghost, READ)
        os.close(ghost)
        backend.setInterest(ghost, 0)  # what the reactor does; epoll cannot remove it
        b.send(b"x")
        haunted = backend._epoll
        assert backend.wait(0) == []  # the ghost's event is dropped...
        assert backend._epoll is not haunted  # ...and the epoll object rebuilt without it
        assert haunted.closed
        backend.setInterest(a.fileno(), READ)
        assert backend.wait(0) == [(a.fileno(), READ)]
    finally:
        backend.close()
