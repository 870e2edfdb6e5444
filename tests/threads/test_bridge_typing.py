"""Static types of the thread bridge, checked by running mypy (strict) over small snippets.

One generated module, one mypy run (in a child process); each case is a test of its own. A
"good" case must type-check (``assert_type`` pins the inferred type); a "bad" case must be
rejected.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy comes with the 'lint' extra")

REPO = Path(__file__).resolve().parents[2]

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


def caseFunction(name: str, body: str) -> str:
    return f"def case_{name}() -> None:\n{textwrap.indent(body, '    ')}\n"


@pytest.fixture(scope="module")
def mypyErrors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Run mypy once over every case; its error lines, by case name."""
    parts = [PRELUDE]
    spans: list[tuple[str, int, int]] = []
    line = PRELUDE.count("\n") + 1
    for name, body in {**GOOD, **BAD}.items():
        text = "\n" + caseFunction(name, body)
        spans.append((name, line + 1, line + text.count("\n") - 1))
        line += text.count("\n")
        parts.append(text)
    # A name unique to this test: mypy may answer from its cache under the path it had then.
    module = tmp_path_factory.mktemp("typing") / "threads_typing_cases.py"
    module.write_text("".join(parts))
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(REPO / ".mypy_cache"),
            "--no-error-summary",
            str(module),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
    )
    assert not checked.stderr, checked.stderr
    errors: dict[str, list[str]] = {name: [] for name in {**GOOD, **BAD}}
    for message in checked.stdout.splitlines():
        match = re.match(rf".*\b{re.escape(module.name)}:(\d+): error: (.*)", message)
        if match is None:
            continue
        number = int(match.group(1))
        owners = [name for name, first, last in spans if first <= number <= last]
        assert owners, f"error outside every case: {message}"
        errors[owners[0]].append(match.group(2))
    return errors


@pytest.mark.parametrize("name", GOOD)
def test_goodCaseTypeChecks(mypyErrors: dict[str, list[str]], name: str) -> None:
    assert mypyErrors[name] == []


@pytest.mark.parametrize("name", BAD)
def test_badCaseIsRejected(mypyErrors: dict[str, list[str]], name: str) -> None:
    assert mypyErrors[name], f"mypy accepted {BAD[name]!r}"
