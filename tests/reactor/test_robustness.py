"""Signals interrupting the wait, descriptors closed behind the reactor's back, fd leaks."""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Callable

import pytest
from _descriptors import SocketReader

from reactor import Reactor, availableReactors
from reactor.error import ConnectionLost

Run = Callable[..., None]


def test_signal_interrupting_the_wait_does_not_disturb_the_loop(
    realReactor: Reactor, run: Run
) -> None:
    # Every 5 ms SIGALRM interrupts the blocking wait (EINTR); the wait must resume with the
    # right timeout and the timer must still fire once, on time.
    alarms = [0]
    previous = signal.signal(
        signal.SIGALRM, lambda signum, frame: alarms.__setitem__(0, alarms[0] + 1)
    )
    fired: list[float] = []
    start = realReactor.seconds()
    realReactor.callLater(0.1, lambda: (fired.append(realReactor.seconds()), realReactor.stop()))
    signal.setitimer(signal.ITIMER_REAL, 0.005, 0.005)
    try:
        run(realReactor)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    assert alarms[0] >= 3
    assert len(fired) == 1
    assert 0.1 <= fired[0] - start < 1.0


def test_descriptor_closed_behind_the_reactors_back(realReactor: Reactor, run: Run) -> None:
    left, right = socket.socketpair()
    reader = SocketReader(left)
    realReactor.addReader(reader)
    left.close()  # without removeReader: a bug in the caller, which must not kill the loop
    right.close()
    ticks = [0]

    def tick() -> None:
        ticks[0] += 1
        if ticks[0] == 5:
            realReactor.stop()
        else:
            realReactor.callLater(0.005, tick)

    realReactor.callLater(0, tick)
    run(realReactor)
    assert ticks[0] == 5
    if reader.lost:
        # select() and poll() notice the dead descriptor (EBADF / POLLNVAL) and drop it...
        assert reader.lost[0].check(ConnectionLost)
        assert realReactor.getReaders() == []
    else:
        # ...epoll forgets it silently when it is closed; it stays listed until removed.
        assert realReactor.getReaders() == [reader]
        realReactor.removeReader(reader)


def openDescriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("name", list(availableReactors()))
def test_creating_running_and_closing_reactors_leaks_no_descriptors(name: str) -> None:
    def cycle() -> None:
        r = availableReactors()[name]()
        r.callFromThread(r.stop)
        r.callLater(5, r.crash)
        r.run(installSignalHandlers=False)
        r.close()

    cycle()  # first use may open process-wide descriptors (e.g. uvloop's signal pipe)
    before = openDescriptors()
    for _ in range(50):
        cycle()
    assert openDescriptors() == before, sys.platform
