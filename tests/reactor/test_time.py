"""Timed calls on real reactors: ordering, FIFO on equal deadlines, threads, errors."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest

from reactor import Reactor
from reactor.error import WrongThreadError

Run = Callable[..., None]


def test_seconds_is_the_monotonic_clock(realReactor: Reactor) -> None:
    before = time.monotonic()
    now = realReactor.seconds()
    assert before <= now <= time.monotonic()


def test_calls_run_in_deadline_order(realReactor: Reactor, run: Run) -> None:
    ran: list[float] = []
    for delay in (0.03, 0.01, 0.02, 0.0):
        realReactor.callLater(delay, ran.append, delay)
    realReactor.callLater(0.04, realReactor.stop)
    run(realReactor)
    assert ran == [0.0, 0.01, 0.02, 0.03]


def test_call_does_not_run_before_its_deadline(realReactor: Reactor, run: Run) -> None:
    scheduled = realReactor.seconds()
    ranAt: list[float] = []
    realReactor.callLater(0.05, lambda: (ranAt.append(realReactor.seconds()), realReactor.stop()))
    run(realReactor)
    assert ranAt[0] - scheduled >= 0.05


def test_equal_deadlines_run_in_scheduling_order(realReactor: Reactor, run: Run) -> None:
    ran: list[int] = []
    calls = [realReactor.callLater(0.01, ran.append, i) for i in range(50)]
    # Move every call onto exactly the last one's deadline. The times are within a factor of
    # two of each other, so target - time is exact (Sterbenz) and time + that == target.
    target = calls[-1].getTime()
    for call in calls:
        call.delay(target - call.getTime())
    assert {call.getTime() for call in calls} == {target}
    realReactor.callLater(0.02, realReactor.stop)
    run(realReactor)
    assert ran == list(range(50))


def test_call_scheduled_by_a_timed_call_waits_for_the_next_pass(
    realReactor: Reactor, request: pytest.FixtureRequest
) -> None:
    if "uvloop" in request.node.callspec.id:
        # uvloop's loop.stop() lets callbacks queued meanwhile run before run_forever returns,
        # so iterate() there is "at least one pass"; the property that matters on every loop
        # (no starvation) is the next test.
        return
    ran: list[str] = []

    def first() -> None:
        ran.append("first")
        realReactor.callLater(0, ran.append, "second")

    realReactor.callLater(0, first)
    for _ in range(100):
        realReactor.iterate(0.01)
        if ran:
            break
    assert ran == ["first"]
    for _ in range(100):
        realReactor.iterate(0.01)
        if len(ran) == 2:
            break
    assert ran == ["first", "second"]


def test_timed_call_rescheduling_itself_does_not_starve_io(realReactor: Reactor, run: Run) -> None:
    spins = [0]
    done: list[bool] = []
    left, right = socket.socketpair()

    class Reader:
        def fileno(self) -> int:
            return left.fileno()

        def doRead(self) -> None:
            left.recv(1)
            realReactor.removeReader(self)
            done.append(True)
            realReactor.stop()

        def connectionLost(self, reason: object) -> None:
            pass

    def spin() -> None:
        spins[0] += 1
        if spins[0] == 10:
            right.send(b"x")
        if not done:
            realReactor.callLater(0, spin)

    try:
        realReactor.addReader(Reader())
        realReactor.callLater(0, spin)
        run(realReactor)
    finally:
        left.close()
        right.close()
    assert 10 <= spins[0] < 1000


def test_cancelled_call_does_not_run(realReactor: Reactor, run: Run) -> None:
    ran: list[str] = []
    call = realReactor.callLater(0.01, ran.append, "cancelled")
    call.cancel()
    realReactor.callLater(0.02, realReactor.stop)
    run(realReactor)
    assert ran == []
    assert call.cancelled and not call.called


def test_getDelayedCalls_lists_pending_calls(realReactor: Reactor) -> None:
    first = realReactor.callLater(10, lambda: None)
    second = realReactor.callLater(20, lambda: None)
    assert set(realReactor.getDelayedCalls()) == {first, second}
    first.cancel()
    assert realReactor.getDelayedCalls() == [second]
    second.cancel()
    assert realReactor.getDelayedCalls() == []


def test_reset_to_earlier_wakes_a_waiting_loop(realReactor: Reactor, run: Run) -> None:
    call = realReactor.callLater(30, realReactor.stop)
    realReactor.callLater(0.01, call.reset, 0.01)
    started = time.monotonic()
    run(realReactor)
    assert time.monotonic() - started < 2


def test_raising_timed_call_is_logged_and_loop_goes_on(
    realReactor: Reactor, run: Run, reactorLog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise ZeroDivisionError("timed call exploded")

    realReactor.callLater(0, broken)
    realReactor.callLater(0.01, realReactor.stop)
    run(realReactor)
    assert "timed call exploded" in reactorLog.text
    assert "Traceback" in reactorLog.text


def test_callLater_from_another_thread_while_running_raises(realReactor: Reactor, run: Run) -> None:
    errors: list[BaseException] = []

    def fromThread() -> None:
        try:
            realReactor.callLater(0, lambda: None)
        except WrongThreadError as e:
            errors.append(e)
        realReactor.callFromThread(realReactor.stop)

    realReactor.callWhenRunning(lambda: threading.Thread(target=fromThread).start())
    run(realReactor)
    assert len(errors) == 1
    assert "callFromThread" in str(errors[0])


def test_callLater_from_another_thread_before_running_is_allowed(
    realReactor: Reactor, run: Run
) -> None:
    ran: list[str] = []
    thread = threading.Thread(target=lambda: realReactor.callLater(0, ran.append, "ran"))
    thread.start()
    thread.join()
    realReactor.callLater(0.01, realReactor.stop)
    run(realReactor)
    assert ran == ["ran"]
