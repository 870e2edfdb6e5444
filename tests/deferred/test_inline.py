"""``inlineCallbacks``, ``Deferred.fromCoroutine`` and ``ensureDeferred``: generators and
coroutines that wait on Deferreds.

Cancelling them is tested in test_cancellation.py; awaiting asyncio futures in
test_asyncio_interop.py.
"""

from __future__ import annotations

import contextvars
import types
from collections.abc import Generator
from typing import Any

import pytest

from deferred import (
    Deferred,
    Failure,
    NotACoroutineError,
    ensureDeferred,
    fail,
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


var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")


# -- inlineCallbacks --------------------------------------------------------------------------


def test_inlineCallbacksPlainReturnFiresWithTheValue() -> None:
    @inlineCallbacks
    def compute() -> Generator[Deferred[int], int, int]:
        a = yield succeed(1)
        b = yield succeed(2)
        return a + b

    assert compute().result == 3


def test_inlineCallbacksWithoutAYieldBeforeReturningFiresAtOnce() -> None:
    @inlineCallbacks
    def early(flag: bool) -> Generator[Deferred[int], int, str]:
        if flag:
            return "early"
        yield succeed(1)
        return "late"

    assert early(True).result == "early"


def test_inlineCallbacksPassesArgumentsToTheGenerator() -> None:
    @inlineCallbacks
    def add(a: int, b: int = 0) -> Generator[Deferred[int], int, int]:
        yield succeed(0)
        return a + b

    assert add(1, b=2).result == 3


def test_inlineCallbacksWaitsForAnUnfiredDeferred() -> None:
    gate: Deferred[str] = Deferred()

    @inlineCallbacks
    def waiter() -> Generator[Deferred[str], str, str]:
        value = yield gate
        return value.upper()

    d = waiter()
    assert not d.called
    gate.callback("open")
    assert d.result == "OPEN"


def test_inlineCallbacksRaisesAFailedDeferredsErrorAtTheYield() -> None:
    @inlineCallbacks
    def handler() -> Generator[Deferred[Any], Any, str]:
        try:
            yield fail(Boom("inner"))
        except Boom as error:
            return f"caught {error}"
        return "not caught"

    assert handler().result == "caught inner"


def test_inlineCallbacksRaisesALaterFailureAtTheYield() -> None:
    gate: Deferred[Any] = Deferred()

    @inlineCallbacks
    def handler() -> Generator[Deferred[Any], Any, str]:
        try:
            yield gate
        except Boom:
            return "caught"
        return "not caught"

    d = handler()
    gate.errback(Boom())
    assert d.result == "caught"


def test_inlineCallbacksExceptionFailsTheResult() -> None:
    @inlineCallbacks
    def broken() -> Generator[Deferred[None], None, None]:
        yield succeed(None)
        raise Boom("from the generator")

    assert failureOf(broken()).getErrorMessage() == "from the generator"


def test_inlineCallbacksExceptionBeforeTheFirstYieldFailsTheResult() -> None:
    @inlineCallbacks
    def broken() -> Generator[Deferred[None], None, None]:
        raise Boom("at once")
        yield succeed(None)

    assert failureOf(broken()).getErrorMessage() == "at once"


def test_inlineCallbacksUncaughtInnerFailureFailsTheResult() -> None:
    @inlineCallbacks
    def passOn() -> Generator[Deferred[Any], Any, None]:
        yield fail(Boom("inner"))

    assert failureOf(passOn()).getErrorMessage() == "inner"


def test_inlineCallbacksOnANonGeneratorFunctionRaisesTypeErrorNamingIt() -> None:
    @inlineCallbacks
    def notAGenerator() -> Any:
        return 3

    with pytest.raises(TypeError, match=r"notAGenerator returned 3; add a yield"):
        notAGenerator()


def test_inlineCallbacksOnANonGeneratorFunctionThatRaisesFailsTheResult() -> None:
    @inlineCallbacks
    def raisesAtCall() -> Any:
        raise Boom("called")

    assert failureOf(raisesAtCall()).getErrorMessage() == "called"


def test_inlineCallbacksSendsYieldedPlainValuesStraightBack() -> None:
    @inlineCallbacks
    def plain() -> Generator[Any, Any, list[Any]]:
        a = yield 1
        b = yield "two"
        c = yield None
        return [a, b, c]

    assert plain().result == [1, "two", None]


def test_inlineCallbacksReturningADeferredFiresWithItsResult() -> None:
    gate: Deferred[str] = Deferred()

    @inlineCallbacks
    def handOver() -> Generator[Deferred[None], None, Deferred[str]]:
        yield succeed(None)
        return gate

    d = handOver()
    assert not d.called
    gate.callback("handed over")
    assert d.result == "handed over"


def test_inlineCallbacksWaitsForAPausedFiredDeferred() -> None:
    paused = succeed("held")
    paused.pause()

    @inlineCallbacks
    def waiter() -> Generator[Deferred[str], str, str]:
        return (yield paused)

    d = waiter()
    assert not d.called
    paused.unpause()
    assert d.result == "held"


def test_inlineCallbacksKeepsTheFunctionsName() -> None:
    @inlineCallbacks
    def namedFunction() -> Generator[Deferred[None], None, None]:
        yield succeed(None)

    assert namedFunction.__name__ == "namedFunction"


def test_inlineCallbacksYieldedDeferredKeepsItsResult() -> None:
    inner = succeed("kept")

    @inlineCallbacks
    def consume() -> Generator[Deferred[str], str, str]:
        return (yield inner)

    assert consume().result == "kept"
    assert inner.result == "kept"


def test_inlineCallbacksRunsOneHundredThousandSynchronousYieldsWithoutRecursionError() -> None:
    @inlineCallbacks
    def many() -> Generator[Deferred[int], int, int]:
        total = 0
        for _ in range(100_000):
            total += yield succeed(1)
        return total

    assert many().result == 100_000


# -- contextvars ------------------------------------------------------------------------------


def test_inlineCallbacksSeesAVariableSetBeforeTheCall() -> None:
    @inlineCallbacks
    def read() -> Generator[Deferred[None], None, str]:
        yield succeed(None)
        return var.get()

    token = var.set("outside")
    try:
        assert read().result == "outside"
    finally:
        var.reset(token)


def test_inlineCallbacksVariableSetInsideDoesNotLeakOut() -> None:
    @inlineCallbacks
    def write() -> Generator[Deferred[None], None, str]:
        var.set("inside")
        yield succeed(None)
        return var.get()

    assert write().result == "inside"
    assert var.get() == "unset"


def test_inlineCallbacksKeepsItsContextWhenResumedFromElsewhere() -> None:
    gate: Deferred[None] = Deferred()

    @inlineCallbacks
    def write() -> Generator[Deferred[None], None, str]:
        var.set("inside")
        yield gate
        return var.get()

    d = write()
    gate.callback(None)  # resumed from this test's context, where var is unset
    assert d.result == "inside"
    assert var.get() == "unset"


def test_inlineCallbacksCallsDoNotShareAContext() -> None:
    gates: list[Deferred[None]] = [Deferred(), Deferred()]

    @inlineCallbacks
    def tag(name: str, gate: Deferred[None]) -> Generator[Deferred[None], None, str]:
        var.set(name)
        yield gate
        return var.get()

    first, second = tag("first", gates[0]), tag("second", gates[1])
    gates[0].callback(None)
    gates[1].callback(None)
    assert (first.result, second.result) == ("first", "second")


def test_coroutineVariableSetInsideDoesNotLeakOut() -> None:
    gate: Deferred[None] = Deferred()

    async def write() -> str:
        var.set("inside")
        await gate
        return var.get()

    d = Deferred.fromCoroutine(write())
    gate.callback(None)
    assert d.result == "inside"
    assert var.get() == "unset"


def test_coroutineSeesAVariableSetBeforeItStarts() -> None:
    async def read() -> str:
        return var.get()

    token = var.set("outside")
    try:
        assert Deferred.fromCoroutine(read()).result == "outside"
    finally:
        var.reset(token)


# -- coroutines -------------------------------------------------------------------------------


def test_fromCoroutineFiresWithTheReturnValue() -> None:
    async def compute() -> int:
        return 42

    assert Deferred.fromCoroutine(compute()).result == 42


def test_fromCoroutineAwaitsAFiredDeferred() -> None:
    async def compute() -> int:
        return await succeed(20) + await succeed(22)

    assert Deferred.fromCoroutine(compute()).result == 42


def test_fromCoroutineAwaitsAnUnfiredDeferred() -> None:
    gate: Deferred[int] = Deferred()

    async def compute() -> int:
        return await gate + 1

    d = Deferred.fromCoroutine(compute())
    assert not d.called
    gate.callback(41)
    assert d.result == 42


def test_fromCoroutineAwaitsSeveralUnfiredDeferredsInTurn() -> None:
    gates: list[Deferred[int]] = [Deferred() for _ in range(3)]

    async def compute() -> list[int]:
        return [await gate for gate in gates]

    d = Deferred.fromCoroutine(compute())
    for i, gate in enumerate(gates):
        assert not d.called
        gate.callback(i)
    assert d.result == [0, 1, 2]


def test_fromCoroutineRaisesAFailedDeferredsErrorAtTheAwait() -> None:
    async def handler() -> str:
        try:
            await fail(Boom("inner"))
        except Boom as error:
            return f"caught {error}"
        return "not caught"

    assert Deferred.fromCoroutine(handler()).result == "caught inner"


def test_fromCoroutineRaisesALaterFailureAtTheAwait() -> None:
    gate: Deferred[None] = Deferred()

    async def handler() -> str:
        try:
            await gate
        except Boom:
            return "caught"
        return "not caught"

    d = Deferred.fromCoroutine(handler())
    gate.errback(Boom())
    assert d.result == "caught"


def test_fromCoroutineExceptionFailsTheResult() -> None:
    async def broken() -> None:
        raise Boom("from the coroutine")

    assert failureOf(Deferred.fromCoroutine(broken())).getErrorMessage() == "from the coroutine"


def test_fromCoroutineAwaitingANonDeferredRaisesTypeErrorInTheCoroutine() -> None:
    class YieldsAnInt:
        def __await__(self) -> Generator[int, None, None]:
            yield 42

    async def confused() -> str:
        try:
            await YieldsAnInt()
        except TypeError as error:
            return str(error)
        return "no error"

    message = Deferred.fromCoroutine(confused()).result
    assert "awaited 42, which is not a Deferred or an asyncio Future" in message


def test_fromCoroutineTreatsABareYieldAsAPass() -> None:
    @types.coroutine
    def letOthersRun() -> Generator[None, None, None]:
        yield

    async def polite() -> str:
        await letOthersRun()
        return "done"

    assert Deferred.fromCoroutine(polite()).result == "done"


def test_fromCoroutineAwaitsAnInlineCallbacksResult() -> None:
    gate: Deferred[int] = Deferred()

    @inlineCallbacks
    def legacy() -> Generator[Deferred[int], int, int]:
        return (yield gate) * 2

    async def modern() -> int:
        return await legacy() + 1

    d = Deferred.fromCoroutine(modern())
    gate.callback(10)
    assert d.result == 21


def test_inlineCallbacksYieldsACoroutinesDeferred() -> None:
    gate: Deferred[int] = Deferred()

    async def modern() -> int:
        return await gate * 2

    @inlineCallbacks
    def legacy() -> Generator[Deferred[int], int, int]:
        return (yield Deferred.fromCoroutine(modern())) + 1

    d = legacy()
    gate.callback(10)
    assert d.result == 21


def test_fromCoroutineAwaitedDeferredKeepsItsResult() -> None:
    inner = succeed("kept")

    async def consume() -> str:
        return await inner

    assert Deferred.fromCoroutine(consume()).result == "kept"
    assert inner.result == "kept"


def test_fromCoroutineOfANonCoroutineRaisesNotACoroutineError() -> None:
    def notAsync() -> int:
        return 1

    with pytest.raises(NotACoroutineError):
        Deferred.fromCoroutine(notAsync())  # type: ignore[arg-type]


def test_fromCoroutineOfAFunctionRaisesNotACoroutineError() -> None:
    async def forgotToCall() -> int:
        return 1

    with pytest.raises(NotACoroutineError, match="is not a coroutine"):
        Deferred.fromCoroutine(forgotToCall)  # type: ignore[arg-type]


def test_notACoroutineErrorIsATypeError() -> None:
    assert issubclass(NotACoroutineError, TypeError)


def test_ensureDeferredRunsACoroutine() -> None:
    async def compute() -> str:
        return "ran"

    assert ensureDeferred(compute()).result == "ran"


def test_ensureDeferredReturnsADeferredAsIs() -> None:
    d: Deferred[int] = Deferred()
    assert ensureDeferred(d) is d


def test_ensureDeferredOfANonCoroutineRaisesNotACoroutineError() -> None:
    with pytest.raises(NotACoroutineError):
        ensureDeferred(3)  # type: ignore[arg-type]


def test_coroutineRunsOneHundredThousandAwaitsOfFiredDeferredsWithoutRecursionError() -> None:
    async def many() -> int:
        total = 0
        for _ in range(100_000):
            total += await succeed(1)
        return total

    assert Deferred.fromCoroutine(many()).result == 100_000


def test_coroutineResumedTenThousandTimesFromOutsideDoesNotGrowTheStack() -> None:
    gates: list[Deferred[int]] = [Deferred() for _ in range(10_000)]

    async def many() -> int:
        total = 0
        for gate in gates:
            total += await gate
        return total

    d = Deferred.fromCoroutine(many())
    for gate in gates:
        gate.callback(1)
    assert d.result == 10_000


# -- tracebacks show every level --------------------------------------------------------------


def test_tracebackOfSynchronousNestedInlineCallbacksShowsEveryLevel() -> None:
    @inlineCallbacks
    def innermostGenerator() -> Generator[Deferred[None], None, None]:
        yield succeed(None)
        raise Boom("deep")

    @inlineCallbacks
    def middleGenerator() -> Generator[Deferred[None], None, None]:
        yield innermostGenerator()

    @inlineCallbacks
    def outerGenerator() -> Generator[Deferred[None], None, None]:
        yield middleGenerator()

    text = failureOf(outerGenerator()).getTraceback()
    for name in ("outerGenerator", "middleGenerator", "innermostGenerator"):
        assert f"in {name}" in text
    assert text.rstrip().endswith("Boom: deep")


def test_tracebackOfNestedInlineCallbacksFailingLaterShowsEveryLevel() -> None:
    gate: Deferred[None] = Deferred()

    @inlineCallbacks
    def innermostGenerator() -> Generator[Deferred[None], None, None]:
        yield gate
        raise Boom("deep")

    @inlineCallbacks
    def middleGenerator() -> Generator[Deferred[None], None, None]:
        yield innermostGenerator()

    @inlineCallbacks
    def outerGenerator() -> Generator[Deferred[None], None, None]:
        yield middleGenerator()

    d = outerGenerator()
    gate.callback(None)
    text = failureOf(d).getTraceback()
    for name in ("outerGenerator", "middleGenerator", "innermostGenerator"):
        assert f"in {name}" in text


def test_tracebackOfNestedCoroutinesFailingLaterShowsEveryLevel() -> None:
    gate: Deferred[None] = Deferred()

    async def innermostCoroutine() -> None:
        await gate
        raise Boom("deep")

    async def middleCoroutine() -> None:
        await Deferred.fromCoroutine(innermostCoroutine())

    async def outerCoroutine() -> None:
        await Deferred.fromCoroutine(middleCoroutine())

    d = Deferred.fromCoroutine(outerCoroutine())
    gate.callback(None)
    text = failureOf(d).getTraceback()
    for name in ("outerCoroutine", "middleCoroutine", "innermostCoroutine"):
        assert f"in {name}" in text


def test_tracebackOfCoroutinesAwaitingEachOtherDirectlyShowsEveryLevel() -> None:
    gate: Deferred[None] = Deferred()

    async def innermostCoroutine() -> None:
        await gate
        raise Boom("deep")

    async def middleCoroutine() -> None:
        await innermostCoroutine()

    async def outerCoroutine() -> None:
        await middleCoroutine()

    d = Deferred.fromCoroutine(outerCoroutine())
    gate.callback(None)
    text = failureOf(d).getTraceback()
    for name in ("outerCoroutine", "middleCoroutine", "innermostCoroutine"):
        assert f"in {name}" in text


def test_tracebackAcrossMixedInlineCallbacksAndCoroutinesShowsEveryLevel() -> None:
    gate: Deferred[None] = Deferred()

    @inlineCallbacks
    def innermostGenerator() -> Generator[Deferred[None], None, None]:
        yield gate
        raise Boom("deep")

    async def middleCoroutine() -> None:
        await innermostGenerator()

    @inlineCallbacks
    def outerGenerator() -> Generator[Deferred[None], None, None]:
        yield Deferred.fromCoroutine(middleCoroutine())

    d = outerGenerator()
    gate.callback(None)
    text = failureOf(d).getTraceback()
    for name in ("outerGenerator", "middleCoroutine", "innermostGenerator"):
        assert f"in {name}" in text


def test_tracebackOfAFailedDeferredYieldedInInlineCallbacksShowsWhereItWasRaised() -> None:
    def failingWork() -> Deferred[None]:
        try:
            raise Boom("in the work")
        except Boom:
            return fail()

    @inlineCallbacks
    def caller() -> Generator[Deferred[None], None, None]:
        yield failingWork()

    text = failureOf(caller()).getTraceback()
    assert "in failingWork" in text
    assert "in caller" in text
