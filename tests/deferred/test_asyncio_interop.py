"""Deferreds and asyncio: ``Deferred.fromFuture``, ``Deferred.asFuture`` and coroutines run by
``Deferred.fromCoroutine`` that await asyncio futures — each on a real asyncio event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from deferred import CancelledError, Deferred, Failure, succeed


class Boom(Exception):
    """The exception the tests raise on purpose."""


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A fresh event loop; the test fails if any callback on it raised."""
    loop = asyncio.new_event_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda loop, context: errors.append(context))
    try:
        yield loop
    finally:
        loop.close()
    assert errors == [], f"errors in event loop callbacks: {errors}"


def runUntil(loop: asyncio.AbstractEventLoop, done: Any) -> None:
    """Run ``loop`` until ``done()`` is true (a few iterations; bounded in time)."""

    async def spin() -> None:
        while not done():
            await asyncio.sleep(0)

    loop.run_until_complete(asyncio.wait_for(spin(), timeout=5))


def outcome(d: Deferred[Any]) -> Any:
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, f"{d!r} has not fired"
    return box[0]


def failureOf(d: Deferred[Any]) -> Failure:
    result = outcome(d)
    assert isinstance(result, Failure), f"expected a Failure, got {result!r}"
    return result


# -- Deferred.fromFuture ----------------------------------------------------------------------


def test_fromFutureFiresWithTheFuturesResult(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[str] = loop.create_future()
    d = Deferred.fromFuture(future)
    assert not d.called
    future.set_result("from asyncio")
    runUntil(loop, lambda: d.called)
    assert d.result == "from asyncio"


def test_fromFutureOfADoneFutureFiresOnTheNextLoopIteration(
    loop: asyncio.AbstractEventLoop,
) -> None:
    future: asyncio.Future[str] = loop.create_future()
    future.set_result("done already")
    d = Deferred.fromFuture(future)
    runUntil(loop, lambda: d.called)
    assert d.result == "done already"


def test_fromFutureFailsWithTheFuturesException(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[str] = loop.create_future()
    d = Deferred.fromFuture(future)
    error = Boom("asyncio failed")
    future.set_exception(error)
    runUntil(loop, lambda: d.called)
    assert failureOf(d).value is error


def test_fromFutureOfACancelledFutureFailsWithCancelledError(
    loop: asyncio.AbstractEventLoop,
) -> None:
    future: asyncio.Future[str] = loop.create_future()
    d = Deferred.fromFuture(future)
    future.cancel()
    runUntil(loop, lambda: d.called)
    assert failureOf(d).check(CancelledError)


def test_cancellingTheDeferredCancelsTheFuture(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[str] = loop.create_future()
    d = Deferred.fromFuture(future)
    d.cancel()
    assert future.cancelled()
    assert failureOf(d).check(CancelledError)


def test_cancelledDeferredIgnoresTheFuturesLaterCompletion(
    loop: asyncio.AbstractEventLoop,
) -> None:
    future: asyncio.Future[str] = loop.create_future()
    d = Deferred.fromFuture(future)
    d.cancel()
    loop.run_until_complete(asyncio.sleep(0))  # the cancelled future's done-callback runs now
    assert failureOf(d).check(CancelledError)


# -- Deferred.asFuture ------------------------------------------------------------------------


def test_asFutureCompletesWithTheDeferredsResult(loop: asyncio.AbstractEventLoop) -> None:
    d: Deferred[str] = Deferred()
    future = d.asFuture(loop)
    assert not future.done()
    d.callback("from treadle")
    assert future.result() == "from treadle"


def test_asFutureOfAFiredDeferredIsDoneAtOnce(loop: asyncio.AbstractEventLoop) -> None:
    future = succeed(3).asFuture(loop)
    assert future.result() == 3


def test_asFutureFailsWithTheDeferredsException(loop: asyncio.AbstractEventLoop) -> None:
    d: Deferred[str] = Deferred()
    future = d.asFuture(loop)
    error = Boom("treadle failed")
    d.errback(error)
    assert future.exception() is error


def test_asFutureLeavesTheDeferredItsResult(loop: asyncio.AbstractEventLoop) -> None:
    d: Deferred[str] = Deferred()
    d.asFuture(loop)
    d.callback("kept")
    assert d.result == "kept"


def test_asFutureLeavesTheDeferredItsFailure(loop: asyncio.AbstractEventLoop) -> None:
    d: Deferred[str] = Deferred()
    future = d.asFuture(loop)
    d.errback(Boom("kept"))
    assert future.exception() is not None
    assert failureOf(d).getErrorMessage() == "kept"


def test_asFutureFailureIsNotReportedAsUnhandled(
    loop: asyncio.AbstractEventLoop, unhandledReports: Any
) -> None:
    d: Deferred[str] = Deferred()
    future = d.asFuture(loop)
    d.errback(Boom())
    assert isinstance(future.exception(), Boom)
    del d
    assert unhandledReports() == []


def test_cancellingTheFutureCancelsTheDeferred(loop: asyncio.AbstractEventLoop) -> None:
    cancelled: list[Deferred[Any]] = []
    d: Deferred[str] = Deferred(cancelled.append)
    future = d.asFuture(loop)
    future.cancel()
    runUntil(loop, lambda: d.called)
    assert cancelled == [d]
    assert failureOf(d).check(CancelledError)


def test_awaitingAsFutureInAnAsyncioCoroutineGetsTheResult(
    loop: asyncio.AbstractEventLoop,
) -> None:
    d: Deferred[int] = Deferred()

    async def main() -> int:
        loop.call_soon(d.callback, 41)
        return await d.asFuture(asyncio.get_running_loop()) + 1

    assert loop.run_until_complete(main()) == 42


# -- coroutines run by treadle awaiting asyncio futures ---------------------------------------


def test_coroutineAwaitingAnAsyncioFutureGetsItsResult(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()

    async def work() -> int:
        return await future + 1

    d = Deferred.fromCoroutine(work())
    assert not d.called
    future.set_result(41)
    runUntil(loop, lambda: d.called)
    assert d.result == 42


def test_coroutineAwaitingAFailedAsyncioFutureSeesTheException(
    loop: asyncio.AbstractEventLoop,
) -> None:
    future: asyncio.Future[int] = loop.create_future()

    async def work() -> str:
        try:
            await future
        except Boom as error:
            return f"caught {error}"
        return "not raised"

    d = Deferred.fromCoroutine(work())
    future.set_exception(Boom("from the future"))
    runUntil(loop, lambda: d.called)
    assert d.result == "caught from the future"


def test_cancellingACoroutineDeferredCancelsTheAsyncioFutureItAwaits(
    loop: asyncio.AbstractEventLoop,
) -> None:
    future: asyncio.Future[int] = loop.create_future()

    async def work() -> int:
        return await future

    d = Deferred.fromCoroutine(work())
    d.cancel()
    assert future.cancelled()
    assert failureOf(d).check(CancelledError)


def test_coroutineAwaitingACancelledAsyncioFutureFailsWithCancelledError(
    loop: asyncio.AbstractEventLoop,
) -> None:
    future: asyncio.Future[int] = loop.create_future()

    async def work() -> int:
        return await future

    d = Deferred.fromCoroutine(work())
    future.cancel()
    runUntil(loop, lambda: d.called)
    assert failureOf(d).check(CancelledError)


def test_coroutineAwaitsAsyncioFuturesAndDeferredsInTurn(loop: asyncio.AbstractEventLoop) -> None:
    future: asyncio.Future[int] = loop.create_future()
    gate: Deferred[int] = Deferred()

    steps: list[str] = []

    async def work() -> int:
        fromFuture = await future
        steps.append("future awaited")
        return fromFuture + await gate

    d = Deferred.fromCoroutine(work())
    future.set_result(1)
    runUntil(loop, lambda: steps)
    assert not d.called
    gate.callback(2)
    assert d.result == 3
