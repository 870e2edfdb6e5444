"""Descriptors the select reactor cannot watch (>= FD_SETSIZE): spawning fails cleanly, and a
pidfd it cannot watch falls back to the waiter thread."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from _processhelpers import Recorder, openDescriptors, python, reaped

from deferred import Deferred
from reactor import Reactor
from reactor.error import FDSetSizeError
from reactor.process._reaping import _ThreadWatch, watchChild

FD_SETSIZE = 1024


@pytest.fixture
def lowDescriptorsTaken() -> Iterator[None]:
    """Every descriptor number below FD_SETSIZE is taken, so new ones land above it."""
    taken = []
    try:
        while True:
            fd = os.open(os.devnull, os.O_RDONLY)
            taken.append(fd)
            if fd >= FD_SETSIZE:
                os.close(taken.pop())
                break
        yield
    finally:
        for fd in taken:
            os.close(fd)


@pytest.mark.reactor("select")
def test_pipes_select_cannot_watch_fail_the_spawn_leaving_nothing_behind(
    reactor: Reactor, lowDescriptorsTaken: None
) -> None:
    before = openDescriptors()
    p = Recorder()
    with pytest.raises(FDSetSizeError):
        reactor.spawnProcess(p, python("")[0], python("import time; time.sleep(30)"))
    assert openDescriptors() == before
    assert p.events == []  # never connected
    assert reactor.getReaders() == [] and reactor.getWriters() == []


@pytest.mark.reactor("select")
def test_pidfd_select_cannot_watch_falls_back_to_a_thread(reactor: Reactor) -> Deferred[None]:
    pid = os.posix_spawn(python("")[0], python("raise SystemExit(4)"), os.environ)
    statuses: list[int | None] = []
    done: Deferred[None] = Deferred()

    def exited(status: int | None) -> None:
        statuses.append(status)
        done.callback(None)

    taken = []
    try:
        while (fd := os.open(os.devnull, os.O_RDONLY)) < FD_SETSIZE - 1:
            taken.append(fd)
        taken.append(fd)  # FD_SETSIZE - 1 is the last low one: the pidfd gets FD_SETSIZE
        watch = watchChild(reactor, pid, exited)
    finally:
        for fd in taken:
            os.close(fd)
    assert isinstance(watch, _ThreadWatch)

    def check(_: object) -> None:
        [status] = statuses
        assert status is not None and os.waitstatus_to_exitcode(status) == 4
        assert reaped(pid)

    return done.addCallback(check)
