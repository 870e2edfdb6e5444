"""The chain engine's shortcuts, seen from outside: each must behave as the plain path does.

* Failures and Deferreds are told from plain results by their type, looked up among the
  registered types (``deferred._failure.chainTypes``) instead of calling ``isinstance``;
  subclasses register themselves when they are defined. A subclass defined by user code must be
  treated exactly like its base class everywhere the engine looks.
* ``addCallback(f, x)`` stores ``x`` itself rather than the tuple ``(x,)``: ``f`` must still get
  exactly ``x``, whatever it is (a tuple included).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from deferred import Deferred, Failure, inlineCallbacks, succeed


class Boom(Exception):
    """The exception the tests raise on purpose."""


class MyDeferred(Deferred[Any]):
    """A Deferred subclass defined outside the package."""


class MyFailure(Failure):
    """A Failure subclass defined outside the package."""

    __slots__ = ()


def outcome(d: Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, f"{d!r} has not fired"
    return box[0]


def test_callbackWaitsOnADeferredSubclassItReturns() -> None:
    inner = MyDeferred()
    d: Deferred[int] = Deferred()
    d.addCallback(lambda _: inner)
    seen: list[int] = []
    d.addCallback(seen.append)
    d.callback(0)
    assert seen == [] and d.paused
    inner.callback(5)
    assert seen == [5]


def test_callbackTakesTheResultOfAFiredDeferredSubclassItReturns() -> None:
    inner = MyDeferred()
    inner.callback(6)
    d: Deferred[int] = Deferred()
    d.addCallback(lambda _: inner)
    d.callback(0)
    assert outcome(d) == 6


def test_callbackReturningAFailureSubclassTakesTheErrbackSide() -> None:
    d: Deferred[int] = Deferred()
    d.addCallback(lambda _: MyFailure(Boom("returned")))
    seen: list[str] = []
    d.addCallbacks(lambda _: seen.append("callback"), lambda f: seen.append("errback"))
    d.callback(0)
    assert seen == ["errback"]


def test_callbackWithAFailureSubclassTakesTheErrbackSide() -> None:
    d: Deferred[int] = Deferred()
    seen: list[Any] = []
    d.addErrback(seen.append)
    failure = MyFailure(Boom("fired"))
    d.callback(failure)
    assert seen == [failure]


def test_errbackTakesAFailureSubclassAsIs() -> None:
    d: Deferred[int] = Deferred()
    failure = MyFailure(Boom("fired"))
    d.errback(failure)
    assert outcome(d) is failure


def test_callbackRefusesADeferredSubclass() -> None:
    d: Deferred[int] = Deferred()
    with pytest.raises(TypeError):
        d.callback(MyDeferred())  # type: ignore[arg-type]


def test_awaitingAFiredFailureSubclassRaisesItsException() -> None:
    async def awaits(d: Deferred[Any]) -> str:
        try:
            await d
        except Boom as e:
            return str(e)
        return "no error"

    d: Deferred[Any] = Deferred()
    d.callback(MyFailure(Boom("awaited")))
    assert outcome(Deferred.fromCoroutine(awaits(d))) == "awaited"


def test_inlineCallbacksWaitsOnAYieldedDeferredSubclass() -> None:
    inner = MyDeferred()

    @inlineCallbacks
    def waits() -> Generator[Deferred[Any], Any, Any]:
        first = yield succeed(1)
        second = yield inner
        return first + second

    d = waits()
    inner.callback(2)
    assert outcome(d) == 3


def test_subclassesAreRegisteredAsChainTypes() -> None:
    from deferred._deferred import deferredTypes
    from deferred._failure import chainTypes, failureTypes

    assert MyDeferred in deferredTypes and MyDeferred in chainTypes
    assert MyFailure in failureTypes and MyFailure in chainTypes
    assert MyDeferred not in failureTypes and MyFailure not in deferredTypes


def test_oneExtraArgumentReachesTheCallbackAsIs() -> None:
    d: Deferred[int] = Deferred()
    seen: list[tuple[Any, ...]] = []
    d.addCallback(lambda result, extra: seen.append((result, extra)), (1, 2))
    d.addCallback(lambda result, extra: seen.append((result, extra)), None)
    d.callback(0)
    assert seen == [(0, (1, 2)), (None, None)]


def test_oneExtraArgumentWithKeywordsReachesTheCallback() -> None:
    d: Deferred[int] = Deferred()
    seen: list[tuple[Any, ...]] = []
    d.addCallback(lambda result, extra, key: seen.append((result, extra, key)), "x", key="k")
    d.callback(0)
    assert seen == [(0, "x", "k")]


def test_callbackWithOneExtraArgumentAddedAfterFiringRunsAtOnce() -> None:
    d = succeed(1)
    seen: list[tuple[int, str]] = []
    d.addCallback(lambda result, extra: seen.append((result, extra)), "late")
    assert seen == [(1, "late")]
