"""Static types of the public API, checked by running mypy (strict) over small snippets.

Each case is the body of one function in a generated module; mypy runs once over the module and
every case is a test of its own. A "good" case must type-check (its ``assert_type`` lines pin the
inferred types); a "bad" case must be rejected on its last line.
"""

from __future__ import annotations

import pytest
from typecases import mypyErrorsByCase

pytest.importorskip("mypy", reason="mypy comes with the 'lint' extra")

PRELUDE = """\
from collections.abc import Generator
from typing import Any, assert_type

from deferred import (
    Deferred, Failure, ensureDeferred, fail, inlineCallbacks, maybeDeferred, succeed,
)

def toText(value: int) -> str:
    return str(value)

def toDeferredText(value: int) -> Deferred[str]:
    return succeed(str(value))

def recover(failure: Failure) -> int:
    return 0

async def produceBytes() -> bytes:
    return b""
"""

GOOD: dict[str, str] = {
    "succeedInfersTheValueType": "assert_type(succeed(1), Deferred[int])",
    "addCallbackInfersTheCallbacksReturnType": (
        "assert_type(succeed(1).addCallback(toText), Deferred[str])"
    ),
    "addCallbackReturningADeferredGivesItsValueType": (
        "assert_type(succeed(1).addCallback(toDeferredText), Deferred[str])"
    ),
    "addCallbackChecksExtraArguments": (
        "assert_type(succeed(1).addCallback(lambda r, k: r + k, 2), Deferred[int])"
    ),
    "addCallbackReturningAFailureGivesNever": (
        "d = succeed(1).addCallback(lambda r: Failure(ValueError()))\nd.addErrback(recover)"
    ),
    "addErrbackUnitesTheTypes": "assert_type(succeed(1).addErrback(recover), Deferred[int])",
    "chainDeferredKeepsTheType": (
        "d: Deferred[int] = Deferred()\nassert_type(succeed(1).chainDeferred(d), Deferred[int])"
    ),
    "fromCoroutineGivesTheCoroutinesReturnType": (
        "assert_type(Deferred.fromCoroutine(produceBytes()), Deferred[bytes])"
    ),
    "ensureDeferredGivesTheCoroutinesReturnType": (
        "assert_type(ensureDeferred(produceBytes()), Deferred[bytes])"
    ),
    "maybeDeferredOfAPlainFunction": "assert_type(maybeDeferred(toText, 1), Deferred[str])",
    "maybeDeferredOfAFunctionReturningADeferred": (
        "assert_type(maybeDeferred(toDeferredText, 1), Deferred[str])"
    ),
    "maybeDeferredOfAnAsyncFunction": ("assert_type(maybeDeferred(produceBytes), Deferred[bytes])"),
    "inlineCallbacksGivesADeferredOfTheReturnType": """\
@inlineCallbacks
def work(x: int) -> Generator[Deferred[Any], Any, str]:
    yield succeed(None)
    return str(x)

assert_type(work(1), Deferred[str])""",
    "awaitGivesTheValueType": """\
async def use(d: Deferred[int]) -> None:
    assert_type(await d, int)""",
    "failIsADeferredOfAny": "d: Deferred[str] = fail(ValueError())",
}

BAD: dict[str, str] = {
    "addCallbackRejectsAMismatchedCallback": "succeed(1).addCallback(str.upper)",
    "addCallbackRejectsAnExtraArgument": "succeed(1).addCallback(toText, 2)",
    "addCallbackRejectsAMissingArgument": "succeed(1).addCallback(lambda r, k: r + k)",
    "deferredIsInvariant": "i = succeed(1)\nd: Deferred[object] = i",
    "maybeDeferredChecksArguments": "maybeDeferred(toText, 'not an int')",
    "callbackChecksTheValueType": "d: Deferred[int] = Deferred()\nd.callback('text')",
}


@pytest.fixture(scope="module")
def mypyErrors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Run mypy once over every case; its error lines, by case name."""
    module = tmp_path_factory.mktemp("typing") / "deferred_typing_cases.py"
    return mypyErrorsByCase(PRELUDE, {**GOOD, **BAD}, module)


@pytest.mark.parametrize("name", GOOD)
def test_wellTypedUseIsAccepted(name: str, mypyErrors: dict[str, list[str]]) -> None:
    assert mypyErrors[name] == []


@pytest.mark.parametrize("name", BAD)
def test_illTypedUseIsRejected(name: str, mypyErrors: dict[str, list[str]]) -> None:
    assert mypyErrors[name], f"mypy accepted {BAD[name]!r}"
