"""The "Unhandled error in Deferred" report: a failed Deferred nobody handled is logged (logger
``deferred``) when it is garbage-collected — once, with where it was created — and handling the
failure in any way (errback, hand-off to another chain, await) prevents the report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any

import pytest

from deferred import Deferred, Failure, fail, inlineCallbacks, maybeDeferred, succeed

Reports = Callable[[], list[str]]


class Boom(Exception):
    """The exception the tests raise on purpose."""


def raiseBoom(message: str) -> None:
    raise Boom(message)


def makeFailed(message: str = "unhandled") -> Deferred[Any]:
    d: Deferred[Any] = Deferred()  # the creation site the reports must name
    try:
        raiseBoom(message)
    except Boom:
        d.errback()
    return d


MAKE_FAILED_LINE = makeFailed.__code__.co_firstlineno + 1


def returning(value: object) -> Callable[[object], object]:
    """A callback returning ``value`` (a closure over this argument, not the test's locals, so
    that the test can ``del`` its own references)."""
    return lambda _: value


def makeWaiting() -> Deferred[Any]:
    return Deferred()


MAKE_WAITING_LINE = makeWaiting.__code__.co_firstlineno + 1


# -- the report -------------------------------------------------------------------------------


def test_unhandledFailureIsLoggedOnTheDeferredLoggerAtErrorLevel(
    caplog: pytest.LogCaptureFixture, unhandledReports: Reports
) -> None:
    makeFailed()
    [report] = unhandledReports()
    [record] = [r for r in caplog.records if r.name == "deferred"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == report


def test_unhandledFailureIsReportedOnceWhenCollected(unhandledReports: Reports) -> None:
    d = makeFailed("collected")
    assert unhandledReports() == []
    del d
    reports = unhandledReports()
    assert len(reports) == 1
    assert reports[0].startswith("Unhandled error in Deferred:")


def test_reportNamesTheCreatingFunctionAndLine(unhandledReports: Reports) -> None:
    makeFailed()
    [report] = unhandledReports()
    assert f"created in makeFailed ({__file__}:{MAKE_FAILED_LINE})" in report


def test_reportContainsTheTraceback(unhandledReports: Reports) -> None:
    makeFailed("with traceback")
    [report] = unhandledReports()
    assert "Traceback (most recent call last)" in report
    assert "in raiseBoom" in report
    assert report.rstrip().endswith("Boom: with traceback")


def test_reportWithoutDebuggingHasNoStacks(unhandledReports: Reports) -> None:
    makeFailed()
    [report] = unhandledReports()
    assert "Created at:" not in report
    assert "First fired at:" not in report


def test_reportInDebugModeShowsCreationAndFirstFireStacks(
    debugging: None, unhandledReports: Reports
) -> None:
    def fireIt(d: Deferred[Any]) -> None:
        d.errback(Boom("debugged"))

    d = makeWaiting()
    fireIt(d)
    del d
    [report] = unhandledReports()
    created, _, fired = report.partition("First fired at:")
    assert "Created at:" in created
    assert "in makeWaiting" in created
    assert "in fireIt" in fired


def test_reportOfAFailureFromALaterCallbackNamesWhereTheDeferredWasCreated(
    unhandledReports: Reports,
) -> None:
    d = makeWaiting()
    d.addCallback(raiseBoom)
    d.callback("in a callback")
    del d
    [report] = unhandledReports()
    assert f"makeWaiting ({__file__}:{MAKE_WAITING_LINE})" in report
    assert "Boom: in a callback" in report


def test_reportOfFailNamesItsCaller(unhandledReports: Reports) -> None:
    def failsHere() -> None:
        fail(Boom("from fail()"))

    failsHere()
    [report] = unhandledReports()
    assert "created in failsHere" in report


def test_reportOfMaybeDeferredNamesItsCaller(unhandledReports: Reports) -> None:
    def callsMaybeDeferred() -> None:
        maybeDeferred(raiseBoom, "from maybeDeferred")

    callsMaybeDeferred()
    [report] = unhandledReports()
    assert "created in callsMaybeDeferred" in report
    assert "in raiseBoom" in report


def test_reportOfInlineCallbacksNamesItsCaller(unhandledReports: Reports) -> None:
    @inlineCallbacks
    def broken() -> Generator[Deferred[None], None, None]:
        yield succeed(None)
        raise Boom("in a generator")

    def callsBroken() -> None:
        broken()

    callsBroken()
    [report] = unhandledReports()
    assert "created in callsBroken" in report
    assert "in broken" in report


def test_reportOfACoroutineNamesItsCaller(unhandledReports: Reports) -> None:
    async def broken() -> None:
        raise Boom("in a coroutine")

    def startsBroken() -> None:
        Deferred.fromCoroutine(broken())

    startsBroken()
    [report] = unhandledReports()
    assert "created in startsBroken" in report


def test_pausedDeferredHoldingAFailureIsReportedWhenCollected(unhandledReports: Reports) -> None:
    d = makeWaiting()
    d.pause()
    d.errback(Boom("paused"))
    del d
    [report] = unhandledReports()
    assert "Boom: paused" in report


def test_failureHandledAfterUnpauseIsNotReported(unhandledReports: Reports) -> None:
    d = makeWaiting()
    d.pause()
    d.errback(Boom("paused"))
    d.addErrback(lambda f: None)
    d.unpause()
    del d
    assert unhandledReports() == []


def test_callbackPausingItsDeferredOnAFailureStillReportsIt(unhandledReports: Reports) -> None:
    d = makeWaiting()

    def pauseAndFail(result: object, d: Deferred[Any]) -> None:
        d.pause()
        raise Boom("failed while pausing")

    d.addCallback(pauseAndFail, d)
    d.callback(None)
    del d
    [report] = unhandledReports()
    assert "Boom: failed while pausing" in report


# -- what is never reported -------------------------------------------------------------------


def test_successfulDeferredIsNotReported(unhandledReports: Reports) -> None:
    succeed("fine")
    assert unhandledReports() == []


def test_unfiredDeferredIsNotReported(unhandledReports: Reports) -> None:
    makeWaiting()
    assert unhandledReports() == []


def test_failureHandledByAnErrbackIsNotReported(unhandledReports: Reports) -> None:
    makeFailed().addErrback(lambda f: None)
    assert unhandledReports() == []


def test_errbackAddedLaterClearsTheReport(unhandledReports: Reports) -> None:
    d = makeFailed()
    d.addErrback(lambda f: None)
    del d
    assert unhandledReports() == []


def test_failureTrappedByALaterErrbackIsNotReported(unhandledReports: Reports) -> None:
    d = makeFailed()
    d.addErrback(lambda f: f.trap(Boom))
    del d
    assert unhandledReports() == []


def test_callbackAddedLaterThatPassesTheFailureOnStillReportsOnce(
    unhandledReports: Reports,
) -> None:
    d = makeFailed("still unhandled")
    d.addCallback(lambda r: r)
    d.addBoth(lambda r: r)
    del d
    reports = unhandledReports()
    assert len(reports) == 1
    assert "still unhandled" in reports[0]


def test_newFailureAfterAHandledOneIsReported(unhandledReports: Reports) -> None:
    d = makeFailed("first")

    def handleThenFail(f: Failure) -> None:
        raise Boom("second")

    d.addErrback(handleThenFail)
    del d
    [report] = unhandledReports()
    assert "Boom: second" in report


# -- hand-off: reported once, by the chain that received the failure --------------------------


def test_innerFailureReturnedFromACallbackIsReportedOnceByTheOuterChain(
    unhandledReports: Reports,
) -> None:
    inner = makeFailed("inner")
    outer = makeWaiting()
    outer.addCallback(returning(inner))
    outer.callback(None)
    del inner, outer
    [report] = unhandledReports()
    assert f"makeWaiting ({__file__}:{MAKE_WAITING_LINE})" in report
    assert "Boom: inner" in report


def test_innerFailureFiredLaterIsReportedOnceByTheOuterChain(unhandledReports: Reports) -> None:
    inner: Deferred[Any] = Deferred()
    outer = makeWaiting()
    outer.addCallback(returning(inner))
    outer.callback(None)
    inner.errback(Boom("inner later"))
    del inner, outer
    [report] = unhandledReports()
    assert "makeWaiting" in report
    assert "Boom: inner later" in report


def test_innerFailureHandledByTheOuterChainIsNotReported(unhandledReports: Reports) -> None:
    inner = makeFailed("inner")
    outer = succeed(None).addCallback(returning(inner)).addErrback(lambda f: None)
    del inner, outer
    assert unhandledReports() == []


def test_innerFailureFiredLaterAndHandledByTheOuterChainIsNotReported(
    unhandledReports: Reports,
) -> None:
    inner: Deferred[Any] = Deferred()
    outer = succeed(None).addCallback(returning(inner)).addErrback(lambda f: None)
    inner.errback(Boom())
    del inner, outer
    assert unhandledReports() == []


def test_failureThroughThreeNestedLevelsIsReportedOnce(unhandledReports: Reports) -> None:
    innermost: Deferred[Any] = Deferred()
    middle = succeed(None).addCallback(returning(innermost))
    outer = makeWaiting()
    outer.addCallback(returning(middle))
    outer.callback(None)
    innermost.errback(Boom("deep"))
    del innermost, middle, outer
    [report] = unhandledReports()
    assert "makeWaiting" in report


def test_chainDeferredSourceFailureIsReportedOnceByTheTarget(unhandledReports: Reports) -> None:
    source: Deferred[Any] = Deferred()
    target = makeWaiting()
    source.chainDeferred(target)
    source.errback(Boom("chained"))
    del source, target
    [report] = unhandledReports()
    assert "makeWaiting" in report
    assert "Boom: chained" in report


def test_chainDeferredFailureHandledByTheTargetIsNotReported(unhandledReports: Reports) -> None:
    source: Deferred[Any] = Deferred()
    target: Deferred[Any] = Deferred()
    target.addErrback(lambda f: None)
    source.chainDeferred(target)
    source.errback(Boom())
    del source, target
    assert unhandledReports() == []


def test_chainDeferredFromAFailedSourceIsReportedOnceByTheTarget(
    unhandledReports: Reports,
) -> None:
    source = makeFailed("chained late")
    target = makeWaiting()
    source.chainDeferred(target)
    del source, target
    [report] = unhandledReports()
    assert "makeWaiting" in report


# -- await and inlineCallbacks consume the failure --------------------------------------------


def test_awaitingAFailedDeferredClearsItsReport(unhandledReports: Reports) -> None:
    failed = makeFailed()

    async def handle(failed: Deferred[Any]) -> str:
        try:
            await failed
        except Boom:
            return "handled"
        return "not raised"

    assert Deferred.fromCoroutine(handle(failed)).result == "handled"
    del failed
    assert unhandledReports() == []


def test_awaitingADeferredThatFailsLaterClearsItsReport(unhandledReports: Reports) -> None:
    later: Deferred[None] = Deferred()

    async def handle(later: Deferred[None]) -> str:
        try:
            await later
        except Boom:
            return "handled"
        return "not raised"

    d = Deferred.fromCoroutine(handle(later))
    later.errback(Boom())
    assert d.result == "handled"
    del later
    assert unhandledReports() == []


def test_failureEscapingACoroutineIsReportedOnceByItsDeferred(unhandledReports: Reports) -> None:
    later: Deferred[None] = Deferred()

    async def passOn(later: Deferred[None]) -> None:
        await later

    def startsPassOn(later: Deferred[None]) -> None:
        Deferred.fromCoroutine(passOn(later))

    startsPassOn(later)
    later.errback(Boom("escaped"))
    del later
    [report] = unhandledReports()
    assert "created in startsPassOn" in report


def test_yieldingAFailedDeferredInInlineCallbacksClearsItsReport(
    unhandledReports: Reports,
) -> None:
    failed = makeFailed()

    @inlineCallbacks
    def handle(failed: Deferred[Any]) -> Generator[Deferred[Any], Any, str]:
        try:
            yield failed
        except Boom:
            return "handled"
        return "not raised"

    assert handle(failed).result == "handled"
    del failed
    assert unhandledReports() == []


def test_yieldingADeferredThatFailsLaterInInlineCallbacksClearsItsReport(
    unhandledReports: Reports,
) -> None:
    later: Deferred[None] = Deferred()

    @inlineCallbacks
    def handle(later: Deferred[None]) -> Generator[Deferred[None], None, str]:
        try:
            yield later
        except Boom:
            return "handled"
        return "not raised"

    d = handle(later)
    later.errback(Boom())
    assert d.result == "handled"
    del later
    assert unhandledReports() == []
