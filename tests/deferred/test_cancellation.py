"""``Deferred.cancel``: the cancellation matrix.

With and without a canceller; a canceller that fires the Deferred, one that raises; cancelling
while waiting on an inner Deferred; cancelling after firing; the producer's late result after a
cancel; and cancelling ``inlineCallbacks``/coroutine Deferreds.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from deferred import (
    AlreadyCalledError,
    CancelledError,
    Deferred,
    Failure,
    inlineCallbacks,
    succeed,
)


class Boom(Exception):
    """The exception the tests raise on purpose."""


def outcome(d: Deferred[Any]) -> Any:
    """The result a fired Deferred has now (a Failure is consumed)."""
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, f"{d!r} has not fired"
    return box[0]


def failureOf(d: Deferred[Any]) -> Failure:
    result = outcome(d)
    assert isinstance(result, Failure), f"expected a Failure, got {result!r}"
    return result


class RecordingCanceller:
    """A canceller that records the Deferreds it was called with and does nothing else."""

    def __init__(self) -> None:
        self.calls: list[Deferred[Any]] = []

    def __call__(self, d: Deferred[Any]) -> None:
        self.calls.append(d)


# -- without / with a canceller ---------------------------------------------------------------


def test_cancelWithoutACancellerFailsWithCancelledError() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    assert failureOf(d).check(CancelledError)


def test_cancelCallsTheCancellerWithTheDeferred() -> None:
    canceller = RecordingCanceller()
    d: Deferred[int] = Deferred(canceller)
    d.cancel()
    assert canceller.calls == [d]
    failureOf(d)


def test_cancelWithACancellerThatDoesNotFireFailsWithCancelledError() -> None:
    d: Deferred[int] = Deferred(RecordingCanceller())
    d.cancel()
    assert failureOf(d).check(CancelledError)


def test_cancellerThatFiresWithAValueDecidesTheResult() -> None:
    d: Deferred[str] = Deferred(lambda d: d.callback("cancelled nicely"))
    d.cancel()
    assert d.result == "cancelled nicely"


def test_cancellerThatErrbacksDecidesTheFailure() -> None:
    d: Deferred[str] = Deferred(lambda d: d.errback(Boom("own error")))
    d.cancel()
    assert failureOf(d).getErrorMessage() == "own error"


def test_cancellerThatRaisesFailsTheDeferredWithItsError() -> None:
    def badCanceller(d: Deferred[Any]) -> None:
        raise Boom("canceller broke")

    d: Deferred[int] = Deferred(badCanceller)
    d.cancel()  # does not raise
    failure = failureOf(d)
    assert failure.getErrorMessage() == "canceller broke"
    assert "in badCanceller" in failure.getTraceback()


def test_cancellerThatFiresAndThenRaisesLetsTheErrorReachTheCaller() -> None:
    def fireThenRaise(d: Deferred[Any]) -> None:
        d.callback("fired by the canceller")
        raise Boom("after firing")

    d: Deferred[str] = Deferred(fireThenRaise)
    with pytest.raises(Boom):
        d.cancel()
    assert d.result == "fired by the canceller"


def test_cancelRunsTheErrbacksAlreadyAdded() -> None:
    seen: list[type[BaseException]] = []
    d: Deferred[int] = Deferred()
    d.addErrback(lambda f: seen.append(f.type))
    d.cancel()
    assert seen == [CancelledError]


# -- cancelling after firing ------------------------------------------------------------------


def test_cancelAfterFiringDoesNothing() -> None:
    canceller = RecordingCanceller()
    d: Deferred[int] = Deferred(canceller)
    d.callback(1)
    d.cancel()
    assert d.result == 1
    assert canceller.calls == []


def test_cancelAfterFailingDoesNothing() -> None:
    d: Deferred[int] = Deferred()
    d.errback(Boom())
    d.cancel()
    assert failureOf(d).check(Boom)


def test_cancelTwiceCancelsOnce() -> None:
    canceller = RecordingCanceller()
    d: Deferred[int] = Deferred(canceller)
    d.cancel()
    d.cancel()
    assert len(canceller.calls) == 1
    assert failureOf(d).check(CancelledError)


def test_cancelOfAPausedFiredDeferredDoesNothing() -> None:
    d = succeed("value")
    d.pause()
    d.cancel()
    d.unpause()
    assert d.result == "value"


# -- the producer's late result ---------------------------------------------------------------


def test_lateCallbackAfterCancelIsIgnored() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    d.callback(1)
    assert failureOf(d).check(CancelledError)


def test_lateErrbackAfterCancelIsIgnored() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    d.errback(Boom())
    assert failureOf(d).check(CancelledError)


def test_onlyOneLateResultAfterCancelIsIgnored() -> None:
    d: Deferred[int] = Deferred()
    d.cancel()
    d.callback(1)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    failureOf(d)


def test_lateCallbackAfterACancellerThatDidNotFireIsIgnored() -> None:
    d: Deferred[int] = Deferred(RecordingCanceller())
    d.cancel()
    d.callback(1)
    assert failureOf(d).check(CancelledError)


def test_lateCallbackAfterACancellerThatRaisedIsIgnored() -> None:
    def badCanceller(d: Deferred[Any]) -> None:
        raise Boom()

    d: Deferred[int] = Deferred(badCanceller)
    d.cancel()
    d.callback(1)
    assert failureOf(d).check(Boom)


def test_lateCallbackAfterACancellerThatFiredRaisesAlreadyCalledError() -> None:
    d: Deferred[str] = Deferred(lambda d: d.callback("by canceller"))
    d.cancel()
    with pytest.raises(AlreadyCalledError):
        d.callback("by producer")
    assert d.result == "by canceller"


def test_cancelledChainDeferredTargetIgnoresTheSourcesLateResult() -> None:
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    source.chainDeferred(target)
    target.cancel()
    source.callback(5)
    assert source.result == 5
    assert failureOf(target).check(CancelledError)


# -- cancelling while waiting on an inner Deferred --------------------------------------------


def test_cancelWhileWaitingOnAnInnerDeferredCancelsTheInner() -> None:
    canceller = RecordingCanceller()
    inner: Deferred[int] = Deferred(canceller)
    outer = succeed(None).addCallback(lambda _: inner)
    outer.cancel()
    assert canceller.calls == [inner]
    assert failureOf(outer).check(CancelledError)
    assert failureOf(inner).check(CancelledError)


def test_cancelWhileWaitingOnAnInnerDeferredTakesTheInnersCancellerResult() -> None:
    inner: Deferred[str] = Deferred(lambda d: d.callback("inner gave up"))
    outer = succeed(None).addCallback(lambda _: inner).addCallback(str.upper)
    outer.cancel()
    assert outer.result == "INNER GAVE UP"


def test_cancelReachesTheInnermostOfNestedWaits() -> None:
    canceller = RecordingCanceller()
    innermost: Deferred[int] = Deferred(canceller)
    middle = succeed(None).addCallback(lambda _: innermost)
    outer = succeed(None).addCallback(lambda _: middle)
    outer.cancel()
    assert canceller.calls == [innermost]
    assert failureOf(outer).check(CancelledError)
    failureOf(middle)


def test_cancelWhileWaitingDoesNotCallTheOutersOwnCanceller() -> None:
    canceller = RecordingCanceller()
    outer: Deferred[Any] = Deferred(canceller)
    inner: Deferred[int] = Deferred()
    outer.addCallback(lambda _: inner)
    outer.callback(None)
    outer.cancel()
    assert canceller.calls == []
    assert failureOf(outer).check(CancelledError)


# -- cancelling inlineCallbacks and coroutines ------------------------------------------------


def test_cancellingAnInlineCallbacksDeferredCancelsWhatItWaitsOn() -> None:
    canceller = RecordingCanceller()
    awaited: Deferred[None] = Deferred(canceller)

    @inlineCallbacks
    def waiter() -> Generator[Deferred[None], None, None]:
        yield awaited

    d = waiter()
    d.cancel()
    assert canceller.calls == [awaited]
    assert failureOf(d).check(CancelledError)


def test_cancelledInlineCallbacksSeesCancelledErrorAtTheYield() -> None:
    seen: list[str] = []

    @inlineCallbacks
    def waiter() -> Generator[Deferred[None], None, None]:
        try:
            yield Deferred()
        except CancelledError:
            seen.append("cancelled")
            raise

    d = waiter()
    d.cancel()
    assert seen == ["cancelled"]
    failureOf(d)


def test_cancellingACoroutineDeferredCancelsWhatItAwaits() -> None:
    canceller = RecordingCanceller()
    awaited: Deferred[None] = Deferred(canceller)

    async def waiter() -> None:
        await awaited

    d = Deferred.fromCoroutine(waiter())
    d.cancel()
    assert canceller.calls == [awaited]
    assert failureOf(d).check(CancelledError)


def test_cancellingACoroutineCancelsTheDeferredANestedCoroutineAwaits() -> None:
    canceller = RecordingCanceller()
    awaited: Deferred[None] = Deferred(canceller)

    async def inner() -> None:
        await awaited

    async def outer() -> None:
        await Deferred.fromCoroutine(inner())

    d = Deferred.fromCoroutine(outer())
    d.cancel()
    assert canceller.calls == [awaited]
    assert failureOf(d).check(CancelledError)


def test_inlineCallbacksThatSwallowsCancelledErrorAndReturnsGivesItsValue() -> None:
    @inlineCallbacks
    def stubborn() -> Generator[Deferred[None], None, str]:
        try:
            yield Deferred()
        except CancelledError:
            return "carried on"
        return "not cancelled"

    d = stubborn()
    d.cancel()
    assert d.result == "carried on"


def test_coroutineThatSwallowsCancelledErrorAndReturnsGivesItsValue() -> None:
    async def stubborn() -> str:
        try:
            await Deferred()
        except CancelledError:
            return "carried on"
        return "not cancelled"

    d = Deferred.fromCoroutine(stubborn())
    d.cancel()
    assert d.result == "carried on"


def test_inlineCallbacksThatSwallowsCancelledErrorAndWaitsAgainStillFailsCancelled() -> None:
    second: Deferred[None] = Deferred()

    @inlineCallbacks
    def stubborn() -> Generator[Deferred[None], None, str]:
        try:
            yield Deferred()
        except CancelledError:
            yield second
        return "finished"

    d = stubborn()
    d.cancel()
    assert failureOf(d).check(CancelledError)
    second.callback(None)


def test_generatorThatSwallowedCancelledErrorIsClosedWhenItNextResumes() -> None:
    second: Deferred[None] = Deferred()
    events: list[str] = []

    @inlineCallbacks
    def stubborn() -> Generator[Deferred[None], None, None]:
        try:
            yield Deferred()
        except CancelledError:
            try:
                yield second
                events.append("resumed")
            finally:
                events.append("closed")

    d = stubborn()
    d.cancel()
    assert events == []
    second.callback(None)
    assert events == ["closed"]
    failureOf(d)


def test_coroutineThatSwallowedCancelledErrorIsClosedWhenItNextResumes() -> None:
    second: Deferred[None] = Deferred()
    events: list[str] = []

    async def stubborn() -> None:
        try:
            await Deferred()
        except CancelledError:
            try:
                await second
                events.append("resumed")
            finally:
                events.append("closed")

    d = Deferred.fromCoroutine(stubborn())
    d.cancel()
    second.callback(None)
    assert events == ["closed"]
    assert failureOf(d).check(CancelledError)


def test_cancellingAFinishedInlineCallbacksDeferredDoesNothing() -> None:
    @inlineCallbacks
    def quick() -> Generator[Deferred[int], int, int]:
        return (yield succeed(1))

    d = quick()
    d.cancel()
    assert d.result == 1
