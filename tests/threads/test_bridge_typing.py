"""Static types of the thread bridge, checked by running mypy (strict) over small snippets.

One generated module, one mypy run (in a child process); each case is a test of its own. A
"good" case must type-check (``assert_type`` pins the inferred type); a "bad" case must be
rejected.
"""

from __future__ import annotations

import pytest
from typecases import mypyErrorsByCase

pytest.importorskip("mypy", reason="mypy comes with the 'lint' extra")

PRELUDE = """\
from typing import assert_type

from deferred import Deferred, succeed
from reactor import EPollReactor
from threads import ThreadPool, blockingCallFromThread, deferToThread, deferToThreadPool

r = EPollReactor()
pool = ThreadPool()

def toText(value: int, *, upper: bool = False) -> str:
    return str(value)

def deferredCount() -> Deferred[int]:
    return succeed(1)

async def asyncRatio() -> float:
    return 1.0
"""

GOOD: dict[str, str] = {
    "deferToThreadGivesADeferredOfTheResult": (
        "assert_type(deferToThread(toText, 1, upper=True), Deferred[str])"
    ),
    "deferToThreadPoolGivesADeferredOfTheResult": (
        "assert_type(deferToThreadPool(r, pool, toText, 1), Deferred[str])"
    ),
    "blockingCallFromThreadGivesThePlainResult": (
        "assert_type(blockingCallFromThread(r, toText, 1), str)"
    ),
    "blockingCallFromThreadUnwrapsADeferred": (
        "assert_type(blockingCallFromThread(r, deferredCount, timeout=1.0), int)"
    ),
    "connectionPoolAcceptsARealReactor": (
        "from threads import ConnectionPool\n"
        "from reactor import AsyncioReactor\n"
        "ConnectionPool('sqlite3', ':memory:', reactor=r)\n"
        "ConnectionPool('sqlite3', ':memory:', reactor=AsyncioReactor())"
    ),
    "blockingCallFromThreadUnwrapsACoroutine": (
        "assert_type(blockingCallFromThread(r, asyncRatio), float)"
    ),
}

BAD: dict[str, str] = {
    "deferToThreadChecksArgumentTypes": "deferToThread(toText, 'not an int')",
    "deferToThreadChecksKeywords": "deferToThread(toText, 1, lower=True)",
    "deferToThreadPoolChecksArgumentCount": "deferToThreadPool(r, pool, toText)",
    "deferToThreadPoolNeedsAPool": "deferToThreadPool(r, 3, toText, 1)",
}


@pytest.fixture(scope="module")
def mypyErrors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Run mypy once over every case; its error lines, by case name."""
    module = tmp_path_factory.mktemp("typing") / "threads_typing_cases.py"
    return mypyErrorsByCase(PRELUDE, {**GOOD, **BAD}, module)


@pytest.mark.parametrize("name", GOOD)
def test_goodCaseTypeChecks(mypyErrors: dict[str, list[str]], name: str) -> None:
    assert mypyErrors[name] == []


@pytest.mark.parametrize("name", BAD)
def test_badCaseIsRejected(mypyErrors: dict[str, list[str]], name: str) -> None:
    assert mypyErrors[name], f"mypy accepted {BAD[name]!r}"
