"""``Deferred.addTimeout`` with a minimal clock written here (the deferred package knows no
reactor; anything with ``callLater`` returning a cancellable call will do)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deferred import CancelledError, Deferred, Failure, TimeoutError


class FakeCall:
    """One scheduled call of ``FakeClock``."""

    def __init__(self, when: float, function: Callable[[], object]) -> None:
        self.when = when
        self.function = function
        self.cancelled = False
        self.called = False

    def active(self) -> bool:
        return not (self.cancelled or self.called)

    def cancel(self) -> None:
        assert self.active(), "cancel() of a call that already ran or was cancelled"
        self.cancelled = True


class FakeClock:
    """Just enough of ``IReactorTime``: ``callLater`` and a way to move time forward."""

    def __init__(self) -> None:
        self.now = 0.0
        self.calls: list[FakeCall] = []

    def callLater(self, delay: float, function: Callable[[], object]) -> FakeCall:
        call = FakeCall(self.now + delay, function)
        self.calls.append(call)
        return call

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for call in sorted(self.calls, key=lambda c: c.when):
            if call.active() and call.when <= self.now:
                call.called = True
                call.function()

    def pending(self) -> list[FakeCall]:
        return [call for call in self.calls if call.active()]


class Boom(Exception):
    """The exception the tests raise on purpose."""


def outcome(d: Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, f"{d!r} has not fired"
    return box[0]


def failureOf(d: Deferred[Any]) -> Failure:
    result = outcome(d)
    assert isinstance(result, Failure), f"expected a Failure, got {result!r}"
    return result


def test_addTimeoutReturnsTheSameDeferred() -> None:
    d: Deferred[int] = Deferred()
    assert d.addTimeout(1, FakeClock()) is d
    d.callback(1)


def test_addTimeoutSchedulesOneCallAfterTheTimeout() -> None:
    clock = FakeClock()
    d: Deferred[int] = Deferred()
    d.addTimeout(5, clock)
    assert [call.when for call in clock.pending()] == [5]
    d.callback(1)


def test_firingInTimeKeepsTheResult() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    clock.advance(4)
    d.callback("in time")
    assert d.result == "in time"


def test_firingInTimeCancelsTheTimer() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    d.callback("in time")
    assert clock.pending() == []
    assert clock.calls[0].cancelled


def test_failingInTimeKeepsTheFailureAndCancelsTheTimer() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    d.errback(Boom("in time"))
    assert clock.pending() == []
    assert failureOf(d).check(Boom)


def test_addTimeoutOnAFiredDeferredCancelsTheTimerAtOnce() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.callback("early")
    d.addTimeout(5, clock)
    assert clock.pending() == []
    assert d.result == "early"


def test_notFiringInTimeFailsWithTimeoutError() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    clock.advance(5)
    failure = failureOf(d)
    assert failure.check(TimeoutError)
    assert "5" in failure.getErrorMessage()


def test_timeoutDoesNotFireBeforeTheTimeout() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    clock.advance(4.9)
    assert not d.called
    d.callback("x")


def test_timeoutCallsTheCanceller() -> None:
    cancelled: list[Deferred[Any]] = []
    clock = FakeClock()
    d: Deferred[str] = Deferred(cancelled.append)
    d.addTimeout(1, clock)
    clock.advance(1)
    assert cancelled == [d]
    assert failureOf(d).check(TimeoutError)


def test_timeoutKeepsTheCancellersValue() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred(lambda d: d.callback("gave up quietly"))
    d.addTimeout(1, clock)
    clock.advance(1)
    assert d.result == "gave up quietly"


def test_timeoutKeepsACancellersOwnError() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred(lambda d: d.errback(Boom("own")))
    d.addTimeout(1, clock)
    clock.advance(1)
    assert failureOf(d).check(Boom)


def test_lateResultAfterTimeoutIsIgnored() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(1, clock)
    clock.advance(1)
    d.callback("too late")
    assert failureOf(d).check(TimeoutError)


def test_onTimeoutCancelGetsTheResultAndTheTimeout() -> None:
    seen: list[tuple[Any, float]] = []
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(3, clock, onTimeoutCancel=lambda result, timeout: seen.append((result, timeout)))
    clock.advance(3)
    [(result, timeout)] = seen
    assert isinstance(result, Failure) and result.check(CancelledError)
    assert timeout == 3


def test_onTimeoutCancelReturnValueBecomesTheResult() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(3, clock, onTimeoutCancel=lambda result, timeout: f"default after {timeout}")
    clock.advance(3)
    assert d.result == "default after 3"


def test_onTimeoutCancelExceptionBecomesTheFailure() -> None:
    def convert(result: Any, timeout: float) -> None:
        raise Boom(f"custom timeout {timeout}")

    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(3, clock, onTimeoutCancel=convert)
    clock.advance(3)
    assert failureOf(d).getErrorMessage() == "custom timeout 3"


def test_onTimeoutCancelIsNotCalledWhenFiredInTime() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(3, clock, onTimeoutCancel=lambda r, t: pytest.fail("called without a timeout"))
    d.callback("in time")
    assert d.result == "in time"


def test_cancelBeforeTheTimeoutGivesCancelledErrorNotTimeoutError() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    d.cancel()
    failure = failureOf(d)
    assert failure.check(CancelledError)
    assert not failure.check(TimeoutError)


def test_cancelBeforeTheTimeoutCancelsTheTimer() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    d.addTimeout(5, clock)
    d.cancel()
    assert clock.pending() == []
    failureOf(d)


def test_timeoutWhileWaitingOnAnInnerDeferredCancelsTheInner() -> None:
    cancelled: list[Deferred[Any]] = []
    clock = FakeClock()
    inner: Deferred[str] = Deferred(cancelled.append)
    d: Deferred[Any] = Deferred()
    d.addCallback(lambda _: inner)
    d.addTimeout(2, clock)
    d.callback(None)
    clock.advance(2)
    assert cancelled == [inner]
    assert failureOf(d).check(TimeoutError)
    failureOf(inner)


def test_callbacksAddedAfterAddTimeoutSeeTheTimeoutError() -> None:
    clock = FakeClock()
    d: Deferred[str] = Deferred()
    seen: list[type[BaseException]] = []
    d.addTimeout(1, clock)
    d.addErrback(lambda f: seen.append(f.type))
    clock.advance(1)
    assert seen == [TimeoutError]
