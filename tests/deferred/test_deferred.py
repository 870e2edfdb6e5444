"""The Deferred chain: firing, adding callbacks, pausing, chaining, nesting, and the constructors
``succeed``/``fail``/``maybeDeferred``.

Cancellation, timeouts, unhandled-error reports, inlineCallbacks/coroutines and asyncio have
test modules of their own.
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import pytest

from deferred import (
    AlreadyCalledError,
    Deferred,
    Failure,
    NoCurrentExceptionError,
    fail,
    maybeDeferred,
    passthru,
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


def makeDeferred() -> Deferred[Any]:
    return Deferred()  # the creation site the AlreadyCalledError tests look for


MAKE_DEFERRED_LINE = makeDeferred.__code__.co_firstlineno + 1


# -- firing -----------------------------------------------------------------------------------


def test_callbackPassesTheResultToTheFirstCallback() -> None:
    d: Deferred[int] = Deferred()
    seen: list[int] = []
    d.addCallback(seen.append)
    d.callback(7)
    assert seen == [7]


def test_eachCallbacksReturnValueFeedsTheNext() -> None:
    d: Deferred[int] = Deferred()
    d.addCallback(lambda r: r + 1).addCallback(lambda r: r * 10)
    d.callback(1)
    assert d.result == 20


def test_callbackWithAFailureTakesTheErrbackPath() -> None:
    d: Deferred[Any] = Deferred()
    ran: list[str] = []
    d.addCallback(lambda r: ran.append("callback"))
    d.addErrback(lambda f: ran.append("errback"))
    d.callback(Failure(Boom()))
    assert ran == ["errback"]


def test_errbackWithAFailurePassesThatFailure() -> None:
    failure = Failure(Boom("x"))
    d: Deferred[Any] = Deferred()
    d.errback(failure)
    assert failureOf(d) is failure


def test_errbackWithAnExceptionWrapsItInAFailure() -> None:
    error = Boom("x")
    d: Deferred[Any] = Deferred()
    d.errback(error)
    failure = failureOf(d)
    assert failure.value is error
    assert failure.type is Boom


def test_errbackWithoutArgumentInsideExceptUsesTheExceptionBeingHandled() -> None:
    d: Deferred[Any] = Deferred()
    try:
        raise Boom("handled")
    except Boom:
        d.errback()
    failure = failureOf(d)
    assert failure.check(Boom)
    assert "test_errbackWithoutArgumentInsideExcept" in failure.getTraceback()


def test_errbackWithoutArgumentOutsideExceptRaisesNoCurrentExceptionError() -> None:
    d: Deferred[Any] = Deferred()
    with pytest.raises(NoCurrentExceptionError):
        d.errback()
    assert not d.called


def test_errbackWithANonExceptionRaisesTypeErrorAndDoesNotFire() -> None:
    d: Deferred[Any] = Deferred()
    with pytest.raises(TypeError, match="Failure or an exception"):
        d.errback("not an error")  # type: ignore[arg-type]
    assert not d.called


def test_errbackWithAnExceptionClassRaisesTypeError() -> None:
    d: Deferred[Any] = Deferred()
    with pytest.raises(TypeError):
        d.errback(Boom)  # type: ignore[arg-type]
    assert not d.called


def test_callbackWithADeferredRaisesTypeErrorAndDoesNotFire() -> None:
    d: Deferred[Any] = Deferred()
    with pytest.raises(TypeError, match="chainDeferred"):
        d.callback(Deferred())
    assert not d.called


def test_calledIsFalseUntilFiredThenTrue() -> None:
    d: Deferred[int] = Deferred()
    assert d.called is False
    d.callback(1)
    assert d.called is True


def test_resultHoldsTheLastCallbacksReturnValue() -> None:
    d = succeed(2)
    d.addCallback(lambda r: r * 3)
    assert d.result == 6


def test_resultIsSetEvenWithNoCallbacks() -> None:
    d: Deferred[str] = Deferred()
    d.callback("done")
    assert d.result == "done"


def test_exceptionInACallbackGoesToTheNextErrback() -> None:
    d: Deferred[int] = Deferred()

    def explode(result: int) -> int:
        raise Boom(result)

    d.addCallback(explode)
    d.addCallback(lambda r: pytest.fail("a callback ran after the failure"))
    d.callback(3)
    failure = failureOf(d)
    assert failure.check(Boom)
    assert failure.value.args == (3,)


def test_errbackReturningAValueRecoversTheChain() -> None:
    d: Deferred[str] = fail(Boom())
    d.addErrback(lambda f: "recovered")
    seen: list[str] = []
    d.addCallback(seen.append)
    assert seen == ["recovered"]


def test_errbackRaisingReplacesTheFailure() -> None:
    d: Deferred[Any] = fail(Boom("first"))

    def reraise(f: Failure) -> None:
        raise KeyError("second")

    d.addErrback(reraise)
    assert failureOf(d).check(KeyError)


def test_errbackReturningTheFailureKeepsFailing() -> None:
    original = Failure(Boom())
    d: Deferred[Any] = fail(original)
    d.addErrback(lambda f: f)
    assert failureOf(d) is original


def test_callbackReturningAFailureSwitchesToTheErrbackPath() -> None:
    d = succeed(1)
    d.addCallback(lambda r: Failure(Boom("returned")))
    failure = failureOf(d)
    assert failure.getErrorMessage() == "returned"


def test_callbacksAreSkippedOnTheFailurePathAndErrbacksOnTheSuccessPath() -> None:
    ran: list[str] = []
    d = succeed(0)
    d.addErrback(lambda f: ran.append("errback 1"))
    d.addCallback(lambda r: ran.append("callback") or Failure(Boom()))
    d.addCallback(lambda r: ran.append("callback 2"))
    d.addErrback(lambda f: ran.append("errback 2"))
    assert ran == ["callback", "errback 2"]


# -- adding callbacks -------------------------------------------------------------------------


def test_addCallbackPassesExtraArgsAndKwargs() -> None:
    seen: list[tuple[Any, ...]] = []
    d = succeed("r")
    d.addCallback(lambda r, a, b, c=None: seen.append((r, a, b, c)), 1, 2, c=3)
    assert seen == [("r", 1, 2, 3)]


def test_addErrbackPassesExtraArgsAndKwargs() -> None:
    seen: list[tuple[Any, ...]] = []
    d: Deferred[Any] = fail(Boom())
    d.addErrback(lambda f, a, c=None: seen.append((f.type, a, c)), "a", c="c")
    assert seen == [(Boom, "a", "c")]


def test_addBothPassesExtraArgsOnTheSuccessPath() -> None:
    seen: list[tuple[Any, ...]] = []
    succeed(5).addBoth(lambda r, a, k=None: seen.append((r, a, k)), "a", k="k")
    assert seen == [(5, "a", "k")]


def test_addBothPassesExtraArgsOnTheFailurePath() -> None:
    seen: list[tuple[Any, ...]] = []
    fail(Boom()).addBoth(lambda f, a, k=None: seen.append((f.type, a, k)), "a", k="k")
    assert seen == [(Boom, "a", "k")]


def test_addCallbacksUsesCallbackArgsAndKeywordsOnSuccess() -> None:
    seen: list[tuple[Any, ...]] = []
    succeed(1).addCallbacks(
        lambda r, a, k=None: seen.append(("callback", r, a, k)),
        lambda f, *a, **k: seen.append(("errback",)),
        callbackArgs=("ca",),
        callbackKeywords={"k": "ck"},
        errbackArgs=("ea",),
        errbackKeywords={"k": "ek"},
    )
    assert seen == [("callback", 1, "ca", "ck")]


def test_addCallbacksUsesErrbackArgsAndKeywordsOnFailure() -> None:
    seen: list[tuple[Any, ...]] = []
    fail(Boom()).addCallbacks(
        lambda r, *a, **k: seen.append(("callback",)),
        lambda f, a, k=None: seen.append(("errback", f.type, a, k)),
        callbackArgs=("ca",),
        callbackKeywords={"k": "ck"},
        errbackArgs=("ea",),
        errbackKeywords={"k": "ek"},
    )
    assert seen == [("errback", Boom, "ea", "ek")]


def test_addCallbacksWithoutAnErrbackPassesFailuresThrough() -> None:
    d: Deferred[Any] = fail(Boom())
    d.addCallbacks(lambda r: pytest.fail("callback ran on failure"))
    assert failureOf(d).check(Boom)


def test_addCallbacksWithBothRunsOnlyOneSidePerStep() -> None:
    ran: list[str] = []
    d = succeed(1)
    d.addCallbacks(lambda r: ran.append("callback") or Failure(Boom()), ran.append)
    d.addErrback(lambda f: None)
    assert ran == ["callback"]


def test_everyAddMethodReturnsTheSameDeferred() -> None:
    d: Deferred[Any] = Deferred()
    assert d.addCallback(passthru) is d
    assert d.addErrback(passthru) is d
    assert d.addBoth(passthru) is d
    assert d.addCallbacks(passthru, passthru) is d
    assert d.chainDeferred(Deferred()) is d


def test_callbackAddedAfterFiringRunsAtOnce() -> None:
    d: Deferred[int] = Deferred()
    d.callback(4)
    seen: list[int] = []
    d.addCallback(seen.append)
    assert seen == [4]


def test_errbackAddedAfterFailingRunsAtOnce() -> None:
    d: Deferred[Any] = Deferred()
    d.errback(Boom())
    seen: list[Failure] = []
    d.addErrback(seen.append)
    assert [f.type for f in seen] == [Boom]


def test_callbackAddedByARunningCallbackToItsOwnDeferredRunsAfterIt() -> None:
    d: Deferred[int] = Deferred()
    order: list[str] = []

    def first(result: int) -> int:
        d.addCallback(lambda r: order.append(f"added {r}"))
        order.append("first")
        return result + 1

    d.addCallback(first)
    d.addCallback(lambda r: order.append(f"second {r}") or r)
    d.callback(1)
    assert order == ["first", "second 2", "added 2"]


def test_passthruReturnsItsArgument() -> None:
    marker = object()
    assert passthru(marker) is marker


# -- AlreadyCalledError -----------------------------------------------------------------------


def test_secondCallbackRaisesAlreadyCalledError() -> None:
    d: Deferred[int] = Deferred()
    d.callback(1)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    assert d.result == 1


def test_errbackAfterCallbackRaisesAlreadyCalledError() -> None:
    d: Deferred[int] = Deferred()
    d.callback(1)
    with pytest.raises(AlreadyCalledError):
        d.errback(Boom())
    assert d.result == 1


def test_callbackAfterErrbackRaisesAlreadyCalledError() -> None:
    d: Deferred[Any] = Deferred()
    d.errback(Boom())
    with pytest.raises(AlreadyCalledError):
        d.callback(1)
    assert failureOf(d).check(Boom)


def test_alreadyCalledErrorNamesTheCreationSite() -> None:
    d = makeDeferred()
    d.callback(None)
    with pytest.raises(AlreadyCalledError) as info:
        d.callback(None)
    message = str(info.value)
    assert f"makeDeferred ({__file__}:{MAKE_DEFERRED_LINE})" in message
    assert "setDebugging(True)" in message


def test_alreadyCalledErrorInDebugModeShowsCreationAndFirstFireStacks(debugging: None) -> None:
    def fireIt(d: Deferred[Any]) -> None:
        d.callback(None)

    d = makeDeferred()
    fireIt(d)
    with pytest.raises(AlreadyCalledError) as info:
        d.callback(None)
    message = str(info.value)
    created, _, fired = message.partition("It was first fired at:")
    assert "It was created at:" in created
    assert "in makeDeferred" in created
    assert "test_alreadyCalledErrorInDebugMode" in created
    assert "in fireIt" in fired
    assert "setDebugging(True)" not in message


def test_alreadyCalledErrorOfSucceedInDebugModeShowsWhereItWasCreated(debugging: None) -> None:
    def makeSucceeded() -> Deferred[None]:
        return succeed(None)

    d = makeSucceeded()
    with pytest.raises(AlreadyCalledError) as info:
        d.callback(None)
    created = str(info.value).partition("It was created at:")[2]
    assert "in makeSucceeded" in created


def test_debugModeOnlyAffectsDeferredsCreatedWhileOn(debugging: None) -> None:
    import deferred

    deferred.setDebugging(False)
    d = makeDeferred()
    deferred.setDebugging(True)
    d.callback(None)
    with pytest.raises(AlreadyCalledError) as info:
        d.callback(None)
    assert "It was created in makeDeferred" in str(info.value)


def test_getDebuggingReflectsSetDebugging(debugging: None) -> None:
    import deferred

    assert deferred.getDebugging() is True
    deferred.setDebugging(False)
    assert deferred.getDebugging() is False


# -- creation site and repr -------------------------------------------------------------------


def test_creationSiteNamesTheCreatingFunctionAndLine() -> None:
    site = makeDeferred().creationSite()
    assert site.code.co_name == "makeDeferred"
    assert site.lineno == MAKE_DEFERRED_LINE
    assert str(site) == f"makeDeferred ({__file__}:{MAKE_DEFERRED_LINE})"


def test_creationSiteOfSucceedIsItsCallerInDebugMode(debugging: None) -> None:
    line = sys._getframe().f_lineno + 1
    site = succeed(1).creationSite()
    assert site is not None
    assert (site.code.co_name, site.lineno) == (
        "test_creationSiteOfSucceedIsItsCallerInDebugMode",
        line,
    )


def test_succeedSkipsTheCreationSiteOutsideDebugMode() -> None:
    assert succeed(1).creationSite() is None


def test_firingASucceededDeferredAgainSaysHowToFindItsCreator() -> None:
    d = succeed(1)
    with pytest.raises(
        AlreadyCalledError, match="setDebugging\\(True\\) to see where it was created"
    ):
        d.callback(2)


def test_reprShowsWaitingAndCurrentResult() -> None:
    d: Deferred[int] = Deferred()
    assert "waiting" in repr(d)
    d.callback(12345)
    assert "current result: 12345" in repr(d)


def test_reprOfADeferredWaitingOnAnotherNamesTheInner() -> None:
    inner: Deferred[int] = Deferred()
    outer = succeed(None).addCallback(lambda _: inner)
    assert f"waiting on {inner!r}" in repr(outer)
    inner.callback(1)


# -- pause / unpause --------------------------------------------------------------------------


def test_pauseHoldsCallbacksUntilUnpause() -> None:
    seen: list[int] = []
    d: Deferred[int] = Deferred()
    d.addCallback(seen.append)
    d.pause()
    d.callback(1)
    assert seen == []
    assert d.called
    d.unpause()
    assert seen == [1]


def test_pausedCountsNestedPauses() -> None:
    d: Deferred[int] = Deferred()
    d.pause()
    d.pause()
    assert d.paused == 2
    d.unpause()
    assert d.paused == 1


def test_nestedPausesNeedAsManyUnpauses() -> None:
    seen: list[int] = []
    d = succeed(1)
    d.pause()
    d.pause()
    d.addCallback(seen.append)
    d.unpause()
    assert seen == []
    d.unpause()
    assert seen == [1]


def test_unpauseWithoutPauseDoesNothing() -> None:
    d: Deferred[int] = Deferred()
    d.unpause()
    assert d.paused == 0
    d.callback(1)
    assert d.result == 1


def test_unpauseBeforeFiringRunsNothing() -> None:
    seen: list[int] = []
    d: Deferred[int] = Deferred()
    d.addCallback(seen.append)
    d.pause()
    d.unpause()
    assert seen == []
    d.callback(2)
    assert seen == [2]


def test_pauseFromInsideACallbackStopsTheRestOfTheChain() -> None:
    seen: list[str] = []
    d: Deferred[str] = Deferred()

    def pauseHere(result: str) -> str:
        d.pause()
        return result

    d.addCallback(pauseHere)
    d.addCallback(seen.append)
    d.callback("x")
    assert seen == []
    d.unpause()
    assert seen == ["x"]


# -- chainDeferred ----------------------------------------------------------------------------


def test_chainDeferredFiresTheTargetWithTheResult() -> None:
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    source.chainDeferred(target)
    source.callback(9)
    assert target.called
    assert target.result == 9


def test_chainDeferredFiresTheTargetWithAFailure() -> None:
    source: Deferred[Any] = Deferred()
    target: Deferred[Any] = Deferred()
    source.chainDeferred(target)
    source.errback(Boom())
    assert failureOf(target).check(Boom)


def test_chainDeferredSourceKeepsItsResult() -> None:
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    source.chainDeferred(target)
    source.callback(9)
    later: list[int] = []
    source.addCallback(later.append)
    assert later == [9]


def test_chainDeferredOnAFiredSourceFiresTheTargetAtOnce() -> None:
    target: Deferred[str] = Deferred()
    succeed("now").chainDeferred(target)
    assert target.result == "now"


def test_chainDeferredRunsTheTargetsCallbacksBeforeTheSourcesLaterOnes() -> None:
    order: list[str] = []
    source: Deferred[int] = Deferred()
    target: Deferred[int] = Deferred()
    target.addCallback(lambda r: order.append("target"))
    source.chainDeferred(target)
    source.addCallback(lambda r: order.append("source after chain"))
    source.callback(1)
    assert order == ["target", "source after chain"]


def test_chainDeferredToAnAlreadyFiredTargetFailsTheSource() -> None:
    target = succeed("taken")
    source: Deferred[str] = Deferred()
    source.chainDeferred(target)
    source.callback("late")
    assert failureOf(source).check(AlreadyCalledError)
    assert target.result == "taken"


def test_chainDeferredToAPausedTargetWaitsForUnpause() -> None:
    seen: list[int] = []
    target: Deferred[int] = Deferred()
    target.addCallback(seen.append)
    target.pause()
    succeed(3).chainDeferred(target)
    assert seen == []
    target.unpause()
    assert seen == [3]


# -- a callback returning a Deferred ----------------------------------------------------------


def test_callbackReturningAnUnfiredDeferredPausesTheChainUntilItFires() -> None:
    inner: Deferred[str] = Deferred()
    seen: list[str] = []
    outer = succeed(None)
    outer.addCallback(lambda _: inner)
    outer.addCallback(seen.append)
    assert seen == []
    assert outer.paused == 1
    inner.callback("inner result")
    assert seen == ["inner result"]
    assert outer.paused == 0


def test_callbackReturningAFiredDeferredContinuesWithItsResult() -> None:
    seen: list[int] = []
    succeed(None).addCallback(lambda _: succeed(5)).addCallback(seen.append)
    assert seen == [5]


def test_callbackReturningAFailedDeferredContinuesOnTheErrbackPath() -> None:
    outer = succeed(None).addCallback(lambda _: fail(Boom("inner")))
    assert failureOf(outer).getErrorMessage() == "inner"


def test_callbackReturningItsOwnDeferredFailsWithTypeError() -> None:
    d: Deferred[Any] = Deferred()
    d.addCallback(lambda _: d)
    d.callback(None)
    failure = failureOf(d)
    assert failure.check(TypeError)
    assert "cannot wait on itself" in failure.getErrorMessage()


def test_callbackReturningAPausedFiredDeferredWaitsForItsUnpause() -> None:
    inner = succeed("ready")
    inner.pause()
    seen: list[str] = []
    succeed(None).addCallback(lambda _: inner).addCallback(seen.append)
    assert seen == []
    inner.unpause()
    assert seen == ["ready"]


def test_callbacksAddedToAnOuterDeferredWhileItWaitsRunAfterTheInnerFires() -> None:
    inner: Deferred[int] = Deferred()
    outer = succeed(None).addCallback(lambda _: inner)
    seen: list[int] = []
    outer.addCallback(seen.append)
    assert seen == []
    inner.callback(8)
    assert seen == [8]


def test_callbackReturningADeferredSuspendedMidChainGetsItsResultAfterItsOtherCallbacks() -> None:
    order: list[tuple[str, int]] = []
    outer: Deferred[int] = Deferred()
    inner: Deferred[int] = Deferred()

    def waitOnInnerAgain(result: int) -> Deferred[int]:
        order.append(("outer, second callback", result))
        return inner  # inner is suspended right after handing its result to outer

    outer.addCallback(lambda _: inner)
    outer.addCallback(waitOnInnerAgain)
    outer.addCallback(lambda r: order.append(("outer, third callback", r)))
    outer.callback(0)
    inner.addCallback(lambda r: order.append(("inner, later callback", r)) or r + 1)
    inner.callback(10)
    assert order == [
        ("outer, second callback", 10),
        ("inner, later callback", 10),
        ("outer, third callback", 11),
    ]
    assert inner.result == 11


def test_outerFiredFromInsideTheInnersCallbackWaitsForTheInnersFinalResult() -> None:
    inner: Deferred[int] = Deferred()
    outer: Deferred[int] = Deferred()
    seen: list[int] = []

    def fireOuter(result: int) -> int:
        outer.callback(result)  # outer's callback returns inner, which is running right now
        return result * 2

    inner.addCallback(fireOuter)
    outer.addCallback(lambda _: inner)
    outer.addCallback(seen.append)
    inner.callback(5)
    assert seen == [10]
    assert inner.result == 10


def test_deferredReturnedFromAnErrbackIsWaitedOnToo() -> None:
    inner: Deferred[str] = Deferred()
    seen: list[str] = []
    fail(Boom()).addErrback(lambda _: inner).addCallback(seen.append)
    inner.callback("recovered later")
    assert seen == ["recovered later"]


# -- hand-off: the inner Deferred keeps its result (unlike Twisted) ---------------------------


def test_alreadyFiredInnerDeferredKeepsItsResultAfterHandOff() -> None:
    inner = succeed("inner")
    outer = succeed(None).addCallback(lambda _: inner)
    assert outer.result == "inner"
    later: list[str] = []
    inner.addCallback(later.append)
    assert later == ["inner"]


def test_innerDeferredFiredLaterKeepsItsResultAfterHandOff() -> None:
    inner: Deferred[str] = Deferred()
    outer = succeed(None).addCallback(lambda _: inner)
    inner.callback("inner")
    assert outer.result == "inner"
    later: list[str] = []
    inner.addCallback(later.append)
    assert later == ["inner"]


def test_failedInnerDeferredKeepsItsFailureAfterHandOff() -> None:
    inner: Deferred[Any] = fail(Boom("inner"))
    outer = succeed(None).addCallback(lambda _: inner)
    assert failureOf(outer).getErrorMessage() == "inner"
    assert failureOf(inner).getErrorMessage() == "inner"


def test_outerCallbacksDoNotChangeTheInnerResult() -> None:
    inner: Deferred[int] = Deferred()
    outer = succeed(None).addCallback(lambda _: inner).addCallback(lambda r: r * 100)
    inner.callback(2)
    assert outer.result == 200
    assert inner.result == 2


# -- succeed / fail / maybeDeferred -----------------------------------------------------------


def test_succeedIsAlreadyFiredWithTheValue() -> None:
    d = succeed("v")
    assert d.called
    assert d.result == "v"


def test_failWithAnExceptionIsAlreadyFailed() -> None:
    error = Boom()
    assert failureOf(fail(error)).value is error


def test_failWithAFailureKeepsIt() -> None:
    failure = Failure(Boom())
    assert failureOf(fail(failure)) is failure


def test_failWithoutArgumentInsideExceptUsesTheCurrentException() -> None:
    try:
        raise Boom("current")
    except Boom:
        d = fail()
    assert failureOf(d).getErrorMessage() == "current"


def test_failWithoutArgumentOutsideExceptRaisesNoCurrentExceptionError() -> None:
    with pytest.raises(NoCurrentExceptionError):
        fail()


def test_maybeDeferredWrapsAPlainValue() -> None:
    d = maybeDeferred(lambda a, b=0: a + b, 1, b=2)
    assert d.result == 3


def test_maybeDeferredTurnsAnExceptionIntoAFailedDeferred() -> None:
    def explode() -> None:
        raise Boom("raised")

    failure = failureOf(maybeDeferred(explode))
    assert failure.getErrorMessage() == "raised"
    assert "in explode" in failure.getTraceback()


def test_maybeDeferredReturnsAReturnedDeferredAsIs() -> None:
    inner: Deferred[int] = Deferred()
    assert maybeDeferred(lambda: inner) is inner


def test_maybeDeferredTurnsAReturnedFailureIntoAFailedDeferred() -> None:
    failure = Failure(Boom())
    assert failureOf(maybeDeferred(lambda: failure)) is failure


def test_maybeDeferredRunsAReturnedCoroutine() -> None:
    gate: Deferred[int] = Deferred()

    async def work(x: int) -> int:
        return x + await gate

    d = maybeDeferred(work, 1)
    assert not d.called
    gate.callback(10)
    assert d.result == 11


# -- no RecursionError ------------------------------------------------------------------------

DEPTH = 100_000


def returnSecond(_: object, second: Deferred[Any]) -> Deferred[Any]:
    return second


def nestedChain(depth: int) -> tuple[list[Deferred[Any]], list[Any]]:
    """``depth`` Deferreds, each one's callback returning the next; the first one's result."""
    ds: list[Deferred[Any]] = [Deferred() for _ in range(depth)]
    for d, nxt in itertools.pairwise(ds):
        d.addCallback(returnSecond, nxt)
    seen: list[Any] = []
    ds[0].addCallback(seen.append)
    return ds, seen


def test_nestedDeferredsFiredOutsideInRunWithoutRecursionError() -> None:
    ds, seen = nestedChain(DEPTH)
    for d in ds[:-1]:
        d.callback(None)
    assert seen == []
    ds[-1].callback("bottom")
    assert seen == ["bottom"]


def test_nestedDeferredsFiredInsideOutRunWithoutRecursionError() -> None:
    ds, seen = nestedChain(DEPTH)
    for d in reversed(ds):
        d.callback("bottom" if d is ds[-1] else None)
    assert seen == ["bottom"]


def test_nestedFailurePropagatesThroughEveryLevelWithoutRecursionError() -> None:
    ds, seen = nestedChain(DEPTH)
    for d in ds[:-1]:
        d.callback(None)
    ds[-1].errback(Boom("bottom"))
    assert seen == []
    assert failureOf(ds[0]).getErrorMessage() == "bottom"
    assert ds[DEPTH // 2].result is ds[-1].result  # every level keeps the same failure


def test_longChainDeferredRunsWithoutRecursionError() -> None:
    ds: list[Deferred[Any]] = [Deferred() for _ in range(DEPTH)]
    for source, target in itertools.pairwise(ds):
        source.chainDeferred(target)
    seen: list[str] = []
    ds[-1].addCallback(seen.append)
    ds[0].callback("end")
    assert seen == ["end"]


def test_longChainDeferredOfFiredSourcesRunsWithoutRecursionError() -> None:
    ds: list[Deferred[Any]] = [Deferred() for _ in range(DEPTH)]
    ds[0].callback("end")
    for source, target in itertools.pairwise(ds):
        source.chainDeferred(target)
    assert ds[-1].result == "end"
    assert ds[DEPTH // 2].result == "end"


def test_chainDeferredBuiltBackwardsRunsWithoutRecursionError() -> None:
    ds: list[Deferred[Any]] = [Deferred() for _ in range(DEPTH)]
    for source, target in reversed(list(itertools.pairwise(ds))):
        source.chainDeferred(target)
    ds[0].callback("end")
    assert ds[-1].result == "end"
