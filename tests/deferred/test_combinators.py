"""DeferredList, gatherResults and race: results, options, cancellation and error reporting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from deferred import (
    CancelledError,
    Deferred,
    DeferredList,
    Failure,
    FailureGroup,
    FirstError,
    TimeoutError,
    fail,
    gatherResults,
    race,
    succeed,
)

# -- helpers ---------------------------------------------------------------------------------


def successOf(d: Deferred[Any]) -> Any:
    """The success result ``d`` has already fired with (taking it out of the chain)."""
    outcomes: list[Any] = []
    d.addBoth(outcomes.append)
    assert outcomes, f"{d!r} has not fired"
    assert not isinstance(outcomes[0], Failure), outcomes[0]
    return outcomes[0]


def failureOf(d: Deferred[Any]) -> Failure:
    """The Failure ``d`` has already failed with (handling it, so it is not reported)."""
    outcomes: list[Any] = []
    d.addBoth(outcomes.append)
    assert outcomes, f"{d!r} has not fired"
    assert isinstance(outcomes[0], Failure), outcomes[0]
    return outcomes[0]


def peek(d: Deferred[Any]) -> Any:
    """What a callback added to ``d`` now would see, leaving the result in place."""
    seen: list[Any] = []

    def look(result: object) -> object:
        seen.append(result)
        return result

    d.addBoth(look)
    assert seen, f"{d!r} has not fired"
    return seen[0]


Reports = Callable[[], list[str]]
"""The ``unhandledReports`` fixture (tests/deferred/conftest.py): collects garbage, then returns
(and claims) the reports logged on the "deferred" logger since its last call."""


class Boom(Exception):
    """The error the members of these tests fail with."""


# -- DeferredList: results -------------------------------------------------------------------


def test_deferredListOfNothingFiresAtOnceWithEmptyList() -> None:
    assert successOf(DeferredList([])) == []


def test_deferredListIsADeferred() -> None:
    dl = DeferredList([succeed(1)])
    assert isinstance(dl, Deferred)
    assert successOf(dl.addCallback(len)) == 1


def test_deferredListWaitsForEveryMember() -> None:
    d1: Deferred[int] = Deferred()
    d2: Deferred[int] = Deferred()
    dl = DeferredList([d1, d2])
    d1.callback(1)
    assert not dl.called
    d2.callback(2)
    assert dl.called


def test_deferredListResultsAreInInputOrderNotFiringOrder() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred(), Deferred()]
    dl = DeferredList(ds)
    ds[2].callback("c")
    ds[0].callback("a")
    ds[1].callback("b")
    assert successOf(dl) == [(True, "a"), (True, "b"), (True, "c")]


def test_deferredListReportsFailuresAsFalsePairs() -> None:
    error = Boom("second")
    dl = DeferredList([succeed(1), fail(error)], consumeErrors=True)
    [first, second] = successOf(dl)
    assert first == (True, 1)
    assert second[0] is False
    assert isinstance(second[1], Failure)
    assert second[1].value is error


def test_deferredListOfAlreadyFiredMembersFiresDuringConstruction() -> None:
    dl = DeferredList([succeed("x"), succeed("y")])
    assert dl.called
    assert successOf(dl) == [(True, "x"), (True, "y")]


def test_deferredListMixesFiredAndUnfiredMembers() -> None:
    later: Deferred[str] = Deferred()
    dl = DeferredList([succeed("now"), later])
    assert not dl.called
    later.callback("later")
    assert successOf(dl) == [(True, "now"), (True, "later")]


def test_deferredListTracksProgressInResultListAndFinishedCount() -> None:
    d1: Deferred[int] = Deferred()
    d2: Deferred[int] = Deferred()
    dl = DeferredList([d1, d2])
    d2.callback(2)
    assert dl.resultList == [None, (True, 2)]
    assert dl.finishedCount == 1


def test_deferredListAcceptsAnyIterable() -> None:
    dl = DeferredList(succeed(i) for i in range(3))
    assert successOf(dl) == [(True, 0), (True, 1), (True, 2)]


def test_deferredListCountsTheSameDeferredTwice() -> None:
    d: Deferred[str] = Deferred()
    dl = DeferredList([d, d])
    d.callback("twice")
    assert successOf(dl) == [(True, "twice"), (True, "twice")]


def test_deferredListWaitsForAMemberThatWaitsOnAnInnerDeferred() -> None:
    inner: Deferred[str] = Deferred()
    member = succeed(None).addCallback(lambda _: inner)
    dl = DeferredList([member])
    assert not dl.called
    inner.callback("inner")
    assert successOf(dl) == [(True, "inner")]


def test_deferredListMembersKeepTheirSuccessResults() -> None:
    d: Deferred[str] = Deferred()
    DeferredList([d])
    d.callback("kept")
    assert peek(d) == "kept"


def test_deferredListCreationSiteIsItsCaller() -> None:
    dl = DeferredList([])
    assert dl.creationSite().code is test_deferredListCreationSiteIsItsCaller.__code__


# -- DeferredList: fireOnOneCallback ---------------------------------------------------------


def test_fireOnOneCallbackFiresWithFirstResultAndItsIndex() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    dl = DeferredList(ds, fireOnOneCallback=True)
    ds[1].callback("second")
    assert successOf(dl) == ("second", 1)


def test_fireOnOneCallbackIgnoresLaterSuccesses() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    dl = DeferredList(ds, fireOnOneCallback=True)
    ds[0].callback("first")
    ds[1].callback("second")  # must not fire dl again
    assert successOf(dl) == ("first", 0)


def test_fireOnOneCallbackWaitsPastFailuresForASuccess() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    dl = DeferredList(ds, fireOnOneCallback=True, consumeErrors=True)
    ds[0].errback(Boom())
    assert not dl.called
    ds[1].callback("ok")
    assert successOf(dl) == ("ok", 1)


def test_fireOnOneCallbackWithAlreadyFiredMemberFiresDuringConstruction() -> None:
    dl = DeferredList([Deferred(), succeed("ready")], fireOnOneCallback=True)
    assert successOf(dl) == ("ready", 1)


def test_fireOnOneCallbackWhenAllFailFiresWithTheResultList() -> None:
    dl = DeferredList(
        [fail(Boom("a")), fail(Boom("b"))], fireOnOneCallback=True, consumeErrors=True
    )
    results = successOf(dl)
    assert [success for success, _ in results] == [False, False]
    assert [failure.getErrorMessage() for _, failure in results] == ["a", "b"]


def test_fireOnOneCallbackOfNothingFiresAtOnceWithEmptyList() -> None:
    assert successOf(DeferredList([], fireOnOneCallback=True)) == []


# -- DeferredList: fireOnOneErrback ----------------------------------------------------------


def test_fireOnOneErrbackFailsWithFirstErrorAtTheFirstFailure() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred(), Deferred()]
    dl = DeferredList(ds, fireOnOneErrback=True, consumeErrors=True)
    error = Boom("middle")
    ds[1].errback(error)
    failure = failureOf(dl)
    assert isinstance(failure.value, FirstError)
    assert failure.value.index == 1
    assert failure.value.subFailure.value is error


def test_fireOnOneErrbackIgnoresLaterFailures() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    dl = DeferredList(ds, fireOnOneErrback=True, consumeErrors=True)
    ds[0].errback(Boom("first"))
    ds[1].errback(Boom("second"))  # must not fire dl again
    failure = failureOf(dl)
    assert failure.value.index == 0  # type: ignore[attr-defined]
    assert dl.finishedCount == 2


def test_fireOnOneErrbackWithNoFailureFiresWithTheResultList() -> None:
    dl = DeferredList([succeed(1), succeed(2)], fireOnOneErrback=True)
    assert successOf(dl) == [(True, 1), (True, 2)]


def test_fireOnOneErrbackWithAlreadyFailedMemberFailsDuringConstruction() -> None:
    dl = DeferredList([Deferred(), fail(Boom())], fireOnOneErrback=True, consumeErrors=True)
    assert failureOf(dl).check(FirstError)


def test_firstErrorTracebackShowsTheMembersTraceback() -> None:
    def raiseDeep() -> None:
        raise Boom("deep down")

    d: Deferred[None] = Deferred()
    d.addCallback(lambda _: raiseDeep())
    dl = DeferredList([d], fireOnOneErrback=True, consumeErrors=True)
    d.callback(None)
    traceback = failureOf(dl).getTraceback()
    assert "raiseDeep" in traceback
    assert "deep down" in traceback
    assert "FirstError" in traceback


# -- DeferredList: consumeErrors and unhandled-error reports ---------------------------------


def test_deferredListWithoutConsumeErrorsLeavesMemberFailureReportedWhenUnhandled(
    unhandledReports: Reports,
) -> None:
    member: Deferred[None] = Deferred()
    dl = DeferredList([member])
    member.errback(Boom("dl-unconsumed"))
    assert successOf(dl)[0][0] is False
    del member, dl
    reports = unhandledReports()
    assert len(reports) == 1
    assert all("dl-unconsumed" in report for report in reports)


def test_deferredListWithoutConsumeErrorsReportsNothingWhenMemberHandlesIt(
    unhandledReports: Reports,
) -> None:
    member: Deferred[None] = Deferred()
    dl = DeferredList([member])
    member.errback(Boom("dl-handled-on-member"))
    member.addErrback(lambda failure: None)
    successOf(dl)
    del member, dl
    assert unhandledReports() == []


def test_deferredListConsumeErrorsStopsMemberReports(unhandledReports: Reports) -> None:
    members: list[Deferred[None]] = [Deferred(), Deferred()]
    dl = DeferredList(members, consumeErrors=True)
    members[0].errback(Boom("dl-consumed"))
    members[1].errback(Boom("dl-consumed"))
    successOf(dl)
    del members, dl
    assert unhandledReports() == []


def test_deferredListConsumeErrorsMemberKeepsItsFailure() -> None:
    member: Deferred[None] = Deferred()
    DeferredList([member], consumeErrors=True)
    error = Boom()
    member.errback(error)
    seen = peek(member)
    assert isinstance(seen, Failure)
    assert seen.value is error


def test_deferredListConsumeErrorsStillAllowsFireOnOneErrback() -> None:
    member: Deferred[None] = Deferred()
    dl = DeferredList([member], fireOnOneErrback=True, consumeErrors=True)
    member.errback(Boom())
    assert failureOf(dl).check(FirstError)


def test_deferredListFirstErrorIsReportedWhenUnhandled(unhandledReports: Reports) -> None:
    member: Deferred[None] = Deferred()
    dl = DeferredList([member], fireOnOneErrback=True, consumeErrors=True)
    member.errback(Boom("dl-first-error"))
    del member, dl
    [report] = unhandledReports()
    assert "dl-first-error" in report
    assert "FirstError" in report


# -- DeferredList: cancellation --------------------------------------------------------------


def test_cancellingDeferredListCancelsEveryUnfiredMember() -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred()]
    dl = DeferredList(ds)
    dl.cancel()
    assert all(failureOf(d).check(CancelledError) for d in ds)


def test_cancellingDeferredListLeavesDeliveredMembersAlone() -> None:
    inner: Deferred[str] = Deferred()
    delivered: Deferred[str] = succeed("done")
    dl = DeferredList([delivered, Deferred()])
    # After delivering to the list, the member goes on to wait for something else.
    delivered.addCallback(lambda _: inner)
    dl.cancel()
    assert not inner.called


def test_cancelledDeferredListFiresWithTheCancelledFailures() -> None:
    dl = DeferredList([succeed("kept"), Deferred()])
    dl.cancel()
    [first, second] = successOf(dl)
    assert first == (True, "kept")
    assert second[0] is False
    assert second[1].check(CancelledError)


def test_cancelledMembersOfDeferredListAreNotReported(unhandledReports: Reports) -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred()]
    dl = DeferredList(ds)
    dl.cancel()
    successOf(dl)
    del ds, dl
    assert unhandledReports() == []


def test_cancellingFiredDeferredListDoesNotCancelMembers() -> None:
    pending: Deferred[str] = Deferred()
    dl = DeferredList([succeed("winner"), pending], fireOnOneCallback=True)
    dl.cancel()
    assert not pending.called
    assert successOf(dl) == ("winner", 0)


def test_cancellingDeferredListWithFireOnOneErrbackFailsWithFirstCancellation() -> None:
    dl = DeferredList([Deferred(), Deferred()], fireOnOneErrback=True)
    dl.cancel()
    failure = failureOf(dl)
    assert failure.check(FirstError)
    assert failure.value.subFailure.check(CancelledError)  # type: ignore[attr-defined]


def test_cancelledDeferredListFailsWhenAMemberCannotFire() -> None:
    stuck: Deferred[str] = Deferred()
    stuck.pause()
    stuck.callback("held back")  # fired but paused: cancel() cannot reach it
    dl = DeferredList([stuck])
    dl.cancel()
    assert failureOf(dl).check(CancelledError)
    stuck.unpause()  # delivering late must not fire the list a second time
    assert dl.finishedCount == 1


def test_deferredListCancelLogsACancellerErrorAndCancelsTheRest(
    caplog: pytest.LogCaptureFixture, unhandledReports: Reports
) -> None:
    def fireThenRaise(d: Deferred[str]) -> None:
        d.callback("fired by canceller")
        raise Boom("canceller blew up")

    ds: list[Deferred[str]] = [Deferred(fireThenRaise), Deferred()]
    dl = DeferredList(ds)
    dl.cancel()
    assert "canceller blew up" in caplog.text  # logged with its traceback
    [logged] = unhandledReports()
    assert "Error cancelling member #0" in logged
    assert failureOf(ds[1]).check(CancelledError)
    assert successOf(dl)[0] == (True, "fired by canceller")


# -- gatherResults ---------------------------------------------------------------------------


def test_gatherResultsOfNothingFiresAtOnceWithEmptyList() -> None:
    assert successOf(gatherResults([])) == []


def test_gatherResultsGivesResultsInInputOrder() -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred(), Deferred()]
    gathered = gatherResults(ds)
    ds[1].callback(1)
    ds[2].callback(2)
    assert not gathered.called
    ds[0].callback(0)
    assert successOf(gathered) == [0, 1, 2]


def test_gatherResultsOfAlreadyFiredMembersFiresAtOnce() -> None:
    assert successOf(gatherResults([succeed("a"), succeed("b")])) == ["a", "b"]


def test_gatherResultsMixesFiredAndUnfiredMembers() -> None:
    later: Deferred[str] = Deferred()
    gathered = gatherResults([succeed("now"), later])
    later.callback("later")
    assert successOf(gathered) == ["now", "later"]


def test_gatherResultsAcceptsAnyIterable() -> None:
    assert successOf(gatherResults(succeed(i) for i in range(3))) == [0, 1, 2]


def test_gatherResultsFailsFastWithFirstError() -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred(), Deferred()]
    gathered = gatherResults(ds, consumeErrors=True)
    error = Boom("fast")
    ds[2].errback(error)
    # Fails at once, while the others are still running, and does not cancel them.
    failure = failureOf(gathered)
    assert isinstance(failure.value, FirstError)
    assert failure.value.index == 2
    assert failure.value.subFailure.value is error
    assert not ds[0].called and not ds[1].called


def test_gatherResultsIgnoresOutcomesAfterFailing() -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred()]
    gathered = gatherResults(ds, consumeErrors=True)
    ds[0].errback(Boom("first"))
    ds[1].errback(Boom("second"))  # must not fire gathered again
    assert failureOf(gathered).value.index == 0  # type: ignore[attr-defined]


def test_gatherResultsWithAlreadyFailedMemberFailsAtOnce() -> None:
    gathered = gatherResults([Deferred(), fail(Boom())], consumeErrors=True)
    assert failureOf(gathered).value.index == 1  # type: ignore[attr-defined]


def test_gatherResultsMembersKeepTheirResults() -> None:
    ok: Deferred[str] = Deferred()
    bad: Deferred[str] = Deferred()
    gathered = gatherResults([ok, bad], consumeErrors=True)
    ok.callback("kept")
    error = Boom()
    bad.errback(error)
    assert peek(ok) == "kept"
    assert peek(bad).value is error
    failureOf(gathered)


def test_gatherResultsWaitsForAMemberWaitingOnAnInnerDeferred() -> None:
    inner: Deferred[str] = Deferred()
    gathered = gatherResults([succeed(None).addCallback(lambda _: inner)])
    assert not gathered.called
    inner.callback("inner")
    assert successOf(gathered) == ["inner"]


def test_gatherResultsOfManyMembers() -> None:
    ds: list[Deferred[int]] = [Deferred() for _ in range(10_000)]
    gathered = gatherResults(ds)
    for i, d in enumerate(ds):
        d.callback(i)
    assert successOf(gathered) == list(range(10_000))


def test_gatherResultsConsumeErrorsReportsOnlyTheFirstErrorOnce(
    unhandledReports: Reports,
) -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred(), Deferred()]
    gathered = gatherResults(ds, consumeErrors=True)
    ds[0].errback(Boom("gather-consumed"))
    ds[1].errback(Boom("gather-consumed"))
    ds[2].callback(2)
    del ds, gathered
    [report] = unhandledReports()
    assert "gather-consumed" in report
    assert "FirstError" in report


def test_gatherResultsConsumeErrorsReportsNothingWhenResultHandled(
    unhandledReports: Reports,
) -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred()]
    gathered = gatherResults(ds, consumeErrors=True)
    ds[0].errback(Boom("gather-handled"))
    ds[1].errback(Boom("gather-handled"))
    failureOf(gathered)
    del ds, gathered
    assert unhandledReports() == []


def test_gatherResultsWithoutConsumeErrorsReportsEachUnhandledMemberFailure(
    unhandledReports: Reports,
) -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred()]
    gathered = gatherResults(ds)
    ds[0].errback(Boom("gather-unconsumed"))
    ds[1].errback(Boom("gather-unconsumed"))
    failureOf(gathered)
    del ds, gathered
    reports = unhandledReports()
    assert len(reports) == 2
    assert all("gather-unconsumed" in report for report in reports)


def test_gatherResultsWithoutConsumeErrorsReportsNothingWhenAllHandled(
    unhandledReports: Reports,
) -> None:
    ds: list[Deferred[int]] = [Deferred()]
    gathered = gatherResults(ds)
    ds[0].errback(Boom("gather-all-handled"))
    ds[0].addErrback(lambda failure: None)
    failureOf(gathered)
    del ds, gathered
    assert unhandledReports() == []


def test_cancellingGatherResultsFailsWithCancelledError() -> None:
    gathered = gatherResults([Deferred(), Deferred()])
    gathered.cancel()
    assert failureOf(gathered).type is CancelledError


def test_cancellingGatherResultsCancelsOnlyUndeliveredMembers() -> None:
    inner: Deferred[str] = Deferred()
    delivered: Deferred[str] = succeed("done")
    pending: Deferred[str] = Deferred()
    gathered = gatherResults([delivered, pending])
    delivered.addCallback(lambda _: inner)
    gathered.cancel()
    assert failureOf(pending).check(CancelledError)
    assert not inner.called
    failureOf(gathered)


def test_cancellingGatherResultsReportsNoCancelledMembers(
    unhandledReports: Reports,
) -> None:
    ds: list[Deferred[int]] = [Deferred(), Deferred()]
    gathered = gatherResults(ds)
    gathered.cancel()
    failureOf(gathered)
    del ds, gathered
    assert unhandledReports() == []


def test_cancellingGatherResultsIgnoresAMemberCancelledIntoSuccess() -> None:
    member: Deferred[str] = Deferred(lambda d: d.callback("too late"))
    gathered = gatherResults([member])
    gathered.cancel()
    assert failureOf(gathered).type is CancelledError
    assert peek(member) == "too late"


def test_cancellingFiredGatherResultsDoesNothing() -> None:
    pending: Deferred[int] = Deferred()
    gathered = gatherResults([fail(Boom()), pending], consumeErrors=True)
    gathered.cancel()
    assert not pending.called
    assert failureOf(gathered).check(FirstError)


# -- race ------------------------------------------------------------------------------------


def test_raceFiresWithIndexAndResultOfFirstSuccess() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred(), Deferred()]
    raced = race(ds)
    ds[1].callback("fastest")
    assert successOf(raced) == (1, "fastest")


def test_raceCancelsTheLosers() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred(), Deferred()]
    race(ds)
    ds[1].callback("winner")
    assert failureOf(ds[0]).check(CancelledError)
    assert failureOf(ds[2]).check(CancelledError)


def test_raceDoesNotCancelTheWinner() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    race(ds)
    ds[0].callback("winner")
    assert peek(ds[0]) == "winner"


def test_raceCancelsLosersBeforeItsCallbacksRun() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    losersFiredFirst: list[bool] = []
    race(ds).addCallback(lambda _: losersFiredFirst.append(ds[1].called))
    ds[0].callback("winner")
    assert losersFiredFirst == [True]


def test_raceContinuesPastFailures() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    raced = race(ds)
    ds[0].errback(Boom())
    assert not raced.called
    ds[1].callback("survivor")
    assert successOf(raced) == (1, "survivor")


def test_raceFailsWithFailureGroupInInputOrderWhenAllFail() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred(), Deferred()]
    raced = race(ds)
    ds[2].errback(Boom("c"))
    ds[0].errback(Boom("a"))
    assert not raced.called
    ds[1].errback(Boom("b"))
    failure = failureOf(raced)
    assert isinstance(failure.value, FailureGroup)
    assert [f.getErrorMessage() for f in failure.value.failures] == ["a", "b", "c"]


def test_raceOfNothingFailsAtOnceWithEmptyFailureGroup() -> None:
    failure = failureOf(race([]))
    assert isinstance(failure.value, FailureGroup)
    assert failure.value.failures == []


def test_raceWithAlreadyFiredMemberWinsAtOnceAndCancelsTheRest() -> None:
    before: Deferred[str] = Deferred()
    after: Deferred[str] = Deferred()
    raced = race([before, succeed("ready"), after])
    assert successOf(raced) == (1, "ready")
    assert failureOf(before).check(CancelledError)
    assert failureOf(after).check(CancelledError)


def test_raceSkipsAlreadyFailedMembers() -> None:
    later: Deferred[str] = Deferred()
    raced = race([fail(Boom()), later])
    later.callback("ok")
    assert successOf(raced) == (1, "ok")


def test_raceIgnoresALoserCancelledIntoSuccess() -> None:
    stubborn: Deferred[str] = Deferred(lambda d: d.callback("second success"))
    winner: Deferred[str] = Deferred()
    raced = race([stubborn, winner])
    winner.callback("first success")
    assert successOf(raced) == (1, "first success")
    assert peek(stubborn) == "second success"


def test_raceWithTheWinnerListedTwiceDoesNotCancelIt() -> None:
    winner: Deferred[str] = Deferred()
    raced = race([winner, Deferred(), winner])
    winner.callback("twice")
    assert successOf(raced) == (0, "twice")
    assert peek(winner) == "twice"


def test_raceReportsNoLoserFailures(unhandledReports: Reports) -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred(), Deferred()]
    raced = race(ds)
    ds[0].errback(Boom("race-loser"))
    ds[1].callback("winner")  # ds[2] is cancelled
    successOf(raced)
    del ds, raced
    assert unhandledReports() == []


def test_raceFailureGroupIsReportedOnceWhenUnhandled(unhandledReports: Reports) -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    raced = race(ds)
    ds[0].errback(Boom("race-all-failed"))
    ds[1].errback(Boom("race-all-failed"))
    del ds, raced
    [report] = unhandledReports()
    assert "race-all-failed" in report
    assert "FailureGroup" in report


def test_cancellingRaceCancelsEveryMemberAndFailsWithCancelledError() -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    raced = race(ds)
    raced.cancel()
    assert failureOf(raced).type is CancelledError
    assert all(failureOf(d).check(CancelledError) for d in ds)


def test_cancellingRaceReportsNoCancelledMembers(unhandledReports: Reports) -> None:
    ds: list[Deferred[str]] = [Deferred(), Deferred()]
    raced = race(ds)
    raced.cancel()
    failureOf(raced)
    del ds, raced
    assert unhandledReports() == []


def test_cancellingRaceIgnoresAMemberCancelledIntoSuccess() -> None:
    member: Deferred[str] = Deferred(lambda d: d.callback("too late"))
    raced = race([member])
    raced.cancel()
    assert failureOf(raced).type is CancelledError


def test_cancellingFinishedRaceDoesNothing() -> None:
    raced = race([succeed("done")])
    raced.cancel()
    assert successOf(raced) == (0, "done")


# -- with addTimeout -------------------------------------------------------------------------


class OneShotClock:
    """Just enough of a clock for ``addTimeout``: it remembers one call and runs it on demand."""

    def __init__(self) -> None:
        self.scheduled: list[Callable[[], object]] = []

    def callLater(self, delay: float, function: Callable[[], object]) -> OneShotClock:
        self.scheduled.append(function)
        return self

    def active(self) -> bool:
        return bool(self.scheduled)

    def cancel(self) -> None:
        self.scheduled.clear()

    def fire(self) -> None:
        self.scheduled.pop()()


@pytest.mark.parametrize("combine", [gatherResults, race], ids=["gatherResults", "race"])
def test_timedOutCombinatorFailsWithTimeoutError(combine: Callable[..., Deferred[Any]]) -> None:
    # Because a cancelled gatherResults/race fails with CancelledError itself (not wrapped in
    # FirstError/FailureGroup as in Twisted), addTimeout recognises it and says TimeoutError.
    clock = OneShotClock()
    members: list[Deferred[str]] = [Deferred(), Deferred()]
    combined = combine(members).addTimeout(5, clock)
    clock.fire()
    assert failureOf(combined).type is TimeoutError
    assert all(failureOf(member).check(CancelledError) for member in members)
