"""Tests for reactor.task.deferLater, driven by a Clock."""

from __future__ import annotations

from deferred import CancelledError, Deferred, Failure
from reactor.task import Clock, deferLater


def test_fires_with_none_after_the_delay() -> None:
    clock = Clock()
    results: list[object] = []
    deferLater(clock, 2).addCallback(results.append)
    clock.advance(1.5)
    assert results == []
    clock.advance(0.5)
    assert results == [None]


def test_fires_with_the_callables_result() -> None:
    clock = Clock()
    results: list[object] = []
    d = deferLater(clock, 1, lambda a, b=0: a + b, 40, b=2)
    d.addCallback(results.append)
    clock.advance(1)
    assert results == [42]


def test_callable_runs_only_when_due() -> None:
    clock = Clock()
    ran: list[float] = []
    deferLater(clock, 3, lambda: ran.append(clock.seconds()))
    clock.advance(2)
    assert ran == []
    clock.advance(1)
    assert ran == [3]


def test_callable_exception_becomes_the_failure() -> None:
    clock = Clock()
    failures: list[Failure] = []

    def boom() -> None:
        raise LookupError("nope")

    deferLater(clock, 1, boom).addErrback(failures.append)
    clock.advance(1)
    assert failures[0].check(LookupError)


def test_returned_deferred_is_waited_for() -> None:
    clock = Clock()
    inner: Deferred[str] = Deferred()
    results: list[object] = []
    deferLater(clock, 1, lambda: inner).addCallback(results.append)
    clock.advance(1)
    assert results == []
    inner.callback("inner result")
    assert results == ["inner result"]


def test_cancel_cancels_the_timed_call_and_fails_with_CancelledError() -> None:
    clock = Clock()
    ran: list[int] = []
    failures: list[Failure] = []
    d = deferLater(clock, 1, ran.append, 1)
    d.addErrback(failures.append)
    d.cancel()
    assert clock.getDelayedCalls() == []
    assert failures[0].check(CancelledError)
    clock.advance(2)
    assert ran == []


def test_cancel_after_firing_does_nothing() -> None:
    clock = Clock()
    results: list[object] = []
    d = deferLater(clock, 1)
    d.addCallback(results.append)
    clock.advance(1)
    d.cancel()
    assert results == [None]


def test_schedules_exactly_one_timed_call() -> None:
    clock = Clock()
    deferLater(clock, 5)
    [call] = clock.getDelayedCalls()
    assert call.getTime() == 5
    clock.advance(5)
