"""Tests for reactor.task.Clock: deterministic time on the shared time heap."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

from reactor.error import AlreadyCalled, AlreadyCancelled
from reactor.interfaces import IReactorTime
from reactor.task import Clock


def test_clock_starts_at_zero() -> None:
    assert Clock().seconds() == 0


def test_clock_provides_IReactorTime() -> None:
    assert verifyObject(IReactorTime, Clock())


def test_advance_moves_time() -> None:
    clock = Clock()
    clock.advance(2.5)
    clock.advance(1)
    assert clock.seconds() == 3.5
    assert clock.rightNow == 3.5


def test_negative_advance_is_rejected() -> None:
    clock = Clock()
    with pytest.raises(ValueError, match="non-negative"):
        clock.advance(-1)
    assert clock.seconds() == 0


def test_call_runs_when_its_time_comes() -> None:
    clock = Clock()
    ran: list[float] = []
    clock.callLater(2, lambda: ran.append(clock.seconds()))
    clock.advance(1.9)
    assert ran == []
    clock.advance(0.1)
    assert ran == [2]


def test_call_receives_arguments() -> None:
    clock = Clock()
    ran: list[tuple[object, ...]] = []
    clock.callLater(1, lambda *a, **kw: ran.append((a, kw)), 1, 2, key=3)
    clock.advance(1)
    assert ran == [((1, 2), {"key": 3})]


def test_equal_times_run_in_scheduling_order() -> None:
    clock = Clock()
    ran: list[int] = []
    for i in range(50):
        clock.callLater(1, ran.append, i)
    clock.advance(5)
    assert ran == list(range(50))


def test_one_advance_runs_calls_in_time_order() -> None:
    clock = Clock()
    ran: list[int] = []
    for delay in (3, 1, 2):
        clock.callLater(delay, ran.append, delay)
    clock.advance(10)
    assert ran == [1, 2, 3]


def test_advance_runs_calls_scheduled_for_a_time_already_reached() -> None:
    clock = Clock()
    ran: list[str] = []
    clock.callLater(1, lambda: clock.callLater(0, ran.append, "chained"))
    clock.advance(1)
    assert ran == ["chained"]


def test_advance_does_not_run_calls_scheduled_beyond_the_new_time() -> None:
    clock = Clock()
    ran: list[str] = []
    clock.callLater(1, lambda: clock.callLater(1, ran.append, "later"))
    clock.advance(1)
    assert ran == []
    clock.advance(1)
    assert ran == ["later"]


def test_pump_advances_by_each_amount() -> None:
    clock = Clock()
    seen: list[float] = []
    for t in (1, 2, 3):
        clock.callLater(t, lambda: seen.append(clock.seconds()))
    clock.pump([1, 1, 1])
    assert seen == [1, 2, 3]
    assert clock.seconds() == 3


def test_getDelayedCalls_lists_pending_calls_in_run_order() -> None:
    clock = Clock()
    late = clock.callLater(2, lambda: None)
    early = clock.callLater(1, lambda: None)
    gone = clock.callLater(1.5, lambda: None)
    gone.cancel()
    assert clock.getDelayedCalls() == [early, late]
    assert clock.calls == [early, late]


def test_run_call_leaves_the_pending_list() -> None:
    clock = Clock()
    call = clock.callLater(1, lambda: None)
    clock.advance(1)
    assert clock.getDelayedCalls() == []
    assert call.called
    with pytest.raises(AlreadyCalled):
        call.cancel()


def test_cancelled_call_does_not_run() -> None:
    clock = Clock()
    ran: list[int] = []
    call = clock.callLater(1, ran.append, 1)
    call.cancel()
    clock.advance(2)
    assert ran == []
    with pytest.raises(AlreadyCancelled):
        call.cancel()


def test_reset_and_delay_use_clock_time() -> None:
    clock = Clock()
    ran: list[float] = []
    call = clock.callLater(1, lambda: ran.append(clock.seconds()))
    clock.advance(0.5)
    call.reset(2)  # due at 2.5
    call.delay(1)  # due at 3.5
    clock.advance(2.9)
    assert ran == []
    clock.advance(0.1)
    assert ran == [3.5]


def test_exception_in_call_propagates_out_of_advance() -> None:
    clock = Clock()
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    clock.callLater(1, boom)
    clock.callLater(1, ran.append, "after")
    with pytest.raises(RuntimeError, match="boom"):
        clock.advance(1)
    assert ran == []
    clock.advance(0)
    assert ran == ["after"]


def test_repr_shows_time_and_pending_count() -> None:
    clock = Clock()
    clock.callLater(1, lambda: None)
    clock.advance(0.5)
    assert repr(clock) == "<Clock at 0.5 with 1 pending calls>"
