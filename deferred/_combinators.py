"""Waiting on several Deferreds at once: ``DeferredList``, ``gatherResults`` and ``race``.

This module owns the three combinators only. Each adds one callback pair to every member
Deferred and uses nothing of the chain engine beyond ``Deferred._handOff`` (below); locks and
queues live in ``_sync``.

What happens to the members
---------------------------
Following the hand-off rule of ``_deferred`` (a Deferred whose result is given to another chain
*keeps* its result), every member keeps its own result after a combinator has seen it: callbacks
added to a member later see the same value or Failure, never a ``None`` put there by the
combinator (Twisted's ``consumeErrors`` replaces a failure with ``None``; we do not).

Whether a member's Failure is still reported as "Unhandled error in Deferred" depends on who
took responsibility for it:

* ``consumeErrors=True`` (DeferredList, gatherResults): the combinator takes it — the member's
  Failure is marked handed-off (``Deferred._handOff``) and the member does not report it; the
  combinator's own result carries it.
* ``consumeErrors=False``: the member keeps the responsibility — its Failure is reported when
  the member is collected unless someone adds an errback to the member itself (Twisted's rule,
  so a failure that nobody looks at is never lost).
* ``race`` always takes responsibility: a loser's failure is part of the race (cancelled losers,
  or contestants failing before the winner), and if all fail the ``FailureGroup`` carries them.
* A ``CancelledError`` that a combinator caused by being cancelled is its own doing and is never
  reported by the member.

Cancelling
----------
Cancelling a combinator cancels every member whose result it has not received yet (members that
already delivered are left alone, even if a later callback made them wait on something else).
A ``DeferredList`` then fires, as in Twisted, by its usual rules with whatever the members
produced (cancelled ones as ``CancelledError`` failures). ``gatherResults`` and ``race`` fail with
``CancelledError`` itself rather than Twisted's ``FirstError``/``FailureGroup`` wrapping one, so
``failure.check(CancelledError)`` works on them as on any cancelled Deferred. An exception raised
by a member's canceller is logged on the ``deferred`` logger and the other members are still
cancelled.

Each combinator *is* the Deferred subclass that holds its state, and its canceller is a module
function, not a bound method: so once its members have fired, nothing forms a reference cycle
with it and an unhandled failure in it is reported as soon as it is dropped, not at the next
cyclic garbage collection.

Everything here is single-threaded, like the Deferreds it combines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar, overload

from ._deferred import Deferred
from ._errors import CancelledError, FailureGroup, FirstError
from ._failure import Failure
from ._report import logger

__all__ = ["DeferredList", "gatherResults", "race"]

_T = TypeVar("_T")
_R = TypeVar("_R")

#: Marks a slot of ``gatherResults``' result list whose member has not delivered yet.
_PENDING: Any = object()


def _firstError(failure: Failure, index: int) -> Failure:
    """A Failure holding ``FirstError(failure, index)``, chained to the member's exception.

    The ``__cause__`` link makes the formatted traceback (and so an unhandled-error report of the
    combinator) show the member's own traceback, not only the one-line FirstError.
    """
    error = FirstError(failure, index)
    error.__cause__ = failure.value
    return Failure(error)


def _cancelMembers(
    members: Sequence[Deferred[Any]],
    delivered: Callable[[int], bool],
    spared: Deferred[Any] | None = None,
) -> None:
    """Cancel each member but ``spared`` that has not delivered; log a canceller's exception.

    ``delivered(index)`` is asked as the loop goes, so a member that delivered because an
    earlier one was cancelled is skipped.
    """
    for index, member in enumerate(members):
        if member is spared or delivered(index):
            continue
        try:
            member.cancel()
        except Exception:
            logger.exception("Error cancelling member #%d %r", index, member)


# -- DeferredList ----------------------------------------------------------------------------


class DeferredList(Deferred[_R]):
    """A Deferred that fires when every Deferred of a list has fired.

    By default it fires with a list of ``(success, result)`` pairs in input order: ``(True,
    value)`` for a member that succeeded, ``(False, failure)`` for one that failed. It never
    fails on its own account. An empty list fires at once with ``[]``.

    ``fireOnOneCallback=True``: fire with ``(result, index)`` as soon as one member succeeds. If
    none succeeds, it fires with the full result list as above once all have failed — including
    at once for an empty list (Twisted never fires then).

    ``fireOnOneErrback=True``: fail with ``FirstError`` (``.subFailure``, ``.index``) as soon as
    one member fails.

    ``consumeErrors=True``: members' failures become this list's responsibility and are not
    reported as unhandled by the members (they keep their Failure as their result; see the module
    docstring). Without it, a member's failure that nobody handles on the member itself is
    reported when the member is collected.

    Cancelling it cancels every member that has not delivered yet; it then fires by the rules
    above with what they produced (cancelled members as ``CancelledError`` failures), or fails
    with ``CancelledError`` if some member could not be made to fire. Members that have already
    fired are taken into account at once, so the list may have fired when the constructor
    returns.

    ``resultList`` holds the pairs as they arrive (``None`` for members still waiting);
    ``finishedCount`` counts the members that delivered.
    """

    __slots__ = (
        "_cancelling",
        "_delivered",
        "_members",
        "consumeErrors",
        "finishedCount",
        "fireOnOneCallback",
        "fireOnOneErrback",
        "resultList",
    )

    resultList: list[tuple[bool, Any] | None]

    @overload
    def __init__(
        self: DeferredList[list[tuple[bool, _T | Failure]]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: Literal[False] = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: DeferredList[tuple[_T, int] | list[tuple[bool, _T | Failure]]],
        deferredList: Iterable[Deferred[_T]],
        fireOnOneCallback: Literal[True],
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    @overload
    def __init__(
        self: DeferredList[Any],
        deferredList: Iterable[Deferred[Any]],
        fireOnOneCallback: bool = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None: ...

    def __init__(
        self,
        deferredList: Iterable[Deferred[Any]],
        fireOnOneCallback: bool = False,
        fireOnOneErrback: bool = False,
        consumeErrors: bool = False,
    ) -> None:
        Deferred.__init__(self, _cancelDeferredList)
        members = list(deferredList)
        self._members = members
        self._delivered = [False] * len(members)
        self._cancelling = False
        self.resultList = [None] * len(members)
        self.finishedCount = 0
        self.fireOnOneCallback = fireOnOneCallback
        self.fireOnOneErrback = fireOnOneErrback
        self.consumeErrors = consumeErrors
        if not members:
            self.callback([])  # type: ignore[arg-type]
            return
        # Every attribute above must be set first: an already-fired member runs its callback
        # (and may fire this list) inside addCallbacks.
        succeeded = self._memberSucceeded
        failed = self._memberFailed
        for index, member in enumerate(members):
            args = (index,)
            member.addCallbacks(succeeded, failed, args, None, args, None)

    def _memberSucceeded(self, result: object, index: int) -> object:
        self._delivered[index] = True
        self.resultList[index] = (True, result)
        self.finishedCount += 1
        if not self.called:
            if self.fireOnOneCallback:
                self.callback((result, index))  # type: ignore[arg-type]
            elif self.finishedCount == len(self.resultList):
                self.callback(self.resultList)  # type: ignore[arg-type]
        return result

    def _memberFailed(self, failure: Failure, index: int) -> Failure:
        self._delivered[index] = True
        self.resultList[index] = (False, failure)
        self.finishedCount += 1
        if self.consumeErrors or (self._cancelling and failure.check(CancelledError)):
            self._members[index]._handOff()
        if not self.called:
            if self.fireOnOneErrback:
                self.errback(_firstError(failure, index))
            elif self.finishedCount == len(self.resultList):
                self.callback(self.resultList)  # type: ignore[arg-type]
        return failure


def _cancelDeferredList(dl: Deferred[Any]) -> None:
    """The canceller of every DeferredList: cancel the members that have not delivered."""
    assert isinstance(dl, DeferredList)
    dl._cancelling = True
    try:
        _cancelMembers(dl._members, dl._delivered.__getitem__)
    finally:
        dl._cancelling = False


# -- gatherResults ---------------------------------------------------------------------------


class _GatheredResults(Deferred[list[_T]]):
    """The Deferred returned by ``gatherResults``, holding the results as they arrive.

    gatherResults is on hot paths, so each member costs one tuple and one ``addCallbacks``:
    the two callbacks are bound methods made once, the index is their only argument.
    """

    __slots__ = ("_cancelling", "_consumeErrors", "_members", "_remaining", "_results")

    def __init__(self, members: list[Deferred[_T]], consumeErrors: bool) -> None:
        Deferred.__init__(self, _cancelGathering)
        self._members = members
        self._consumeErrors = consumeErrors
        self._results: list[Any] = [_PENDING] * len(members)
        self._remaining = len(members)
        self._cancelling = False

    def _memberSucceeded(self, result: _T, index: int) -> _T:
        self._results[index] = result
        self._remaining -= 1
        if not self._remaining and not self.called and not self._cancelling:
            self.callback(self._results)
        return result

    def _memberFailed(self, failure: Failure, index: int) -> Failure:
        self._results[index] = failure
        self._remaining -= 1
        if self._consumeErrors or (self._cancelling and failure.check(CancelledError)):
            self._members[index]._handOff()
        if not self.called and not self._cancelling:
            self.errback(_firstError(failure, index))
        return failure


def _cancelGathering(gathered: Deferred[Any]) -> None:
    """Cancel the members still running; Deferred.cancel then fails ``gathered`` itself."""
    assert isinstance(gathered, _GatheredResults)
    # While set, member outcomes do not fire ``gathered``: it is to fail with CancelledError.
    gathered._cancelling = True
    results = gathered._results
    _cancelMembers(gathered._members, lambda index: results[index] is not _PENDING)


def gatherResults(
    deferredList: Iterable[Deferred[_T]], consumeErrors: bool = False
) -> Deferred[list[_T]]:
    """A Deferred for the list of the members' results, in input order.

    It fails with ``FirstError`` (``.subFailure``, ``.index``) as soon as one member fails,
    without waiting for the others (fail-fast; the others are not cancelled). An empty list
    succeeds at once with ``[]``.

    ``consumeErrors=True`` makes the members' failures the gathered Deferred's responsibility:
    the first one is reported (if nobody handles it) through the FirstError only, later ones not
    at all. Without it, each failed member is also reported unless handled on the member.

    Cancelling the result cancels the members that have not delivered and fails it with
    ``CancelledError``.
    """
    members = list(deferredList)
    gathered = _GatheredResults(members, consumeErrors)
    if not members:
        gathered.callback([])
        return gathered
    succeeded = gathered._memberSucceeded
    failed = gathered._memberFailed
    for index, member in enumerate(members):
        args = (index,)
        member.addCallbacks(succeeded, failed, args, None, args, None)
    return gathered


# -- race ------------------------------------------------------------------------------------


class _Race(Deferred[tuple[int, _T]]):
    """The Deferred returned by ``race``: who has delivered, the failures so far, the winner."""

    __slots__ = ("_cancelling", "_delivered", "_failures", "_members", "_winner")

    def __init__(self, members: list[Deferred[_T]]) -> None:
        Deferred.__init__(self, _cancelRace)
        self._members = members
        self._delivered = [False] * len(members)
        self._failures: list[Failure | None] = [None] * len(members)
        self._winner: Deferred[_T] | None = None
        self._cancelling = False

    def _memberSucceeded(self, result: _T, index: int) -> _T:
        self._delivered[index] = True
        if self._winner is None and not self._cancelling:
            winner = self._winner = self._members[index]
            # Cancel the losers before firing: by the time the caller's callbacks run, nothing
            # is still working for this race. The winner may appear more than once in the list.
            _cancelMembers(self._members, self._delivered.__getitem__, winner)
            self.callback((index, result))
        return result

    def _memberFailed(self, failure: Failure, index: int) -> Failure:
        self._delivered[index] = True
        self._failures[index] = failure
        self._members[index]._handOff()
        if self._winner is None and not self._cancelling and all(self._delivered):
            self.errback(FailureGroup([f for f in self._failures if f is not None]))
        return failure


def _cancelRace(outcome: Deferred[Any]) -> None:
    """Cancel every contestant still running; Deferred.cancel then fails the race itself."""
    assert isinstance(outcome, _Race)
    outcome._cancelling = True
    _cancelMembers(outcome._members, outcome._delivered.__getitem__)


def race(ds: Iterable[Deferred[_T]]) -> Deferred[tuple[int, _T]]:
    """A Deferred for the first member to *succeed*: it fires with ``(index, result)``.

    As soon as one member succeeds, every other member still running is cancelled (before the
    race's own callbacks run). Failures do not end the race; if every member fails, the result
    fails with ``FailureGroup`` holding their failures in input order — at once for an empty
    race, which has no contestant that could succeed. The race takes responsibility for all its
    members' failures: no member reports one as unhandled.

    Cancelling the result cancels every member still running and fails it with
    ``CancelledError``.
    """
    members = list(ds)
    outcome = _Race(members)
    if not members:
        outcome.errback(FailureGroup([]))
        return outcome
    succeeded = outcome._memberSucceeded
    failed = outcome._memberFailed
    for index, member in enumerate(members):
        args = (index,)
        member.addCallbacks(succeeded, failed, args, None, args, None)
    return outcome
