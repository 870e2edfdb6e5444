"""Static types of spawnProcess and the process transport, checked by running mypy (strict)
over small snippets: one generated module, one mypy run; each case is a test of its own."""

from __future__ import annotations

import pytest
from typecases import mypyErrorsByCase

pytest.importorskip("mypy", reason="mypy comes with the 'lint' extra")

PRELUDE = """\
from typing import assert_type

from reactor import AsyncioReactor, EPollReactor
from reactor.interfaces import ProcessTransport, ReactorProcess
from reactor.process import Process
from reactor.protocol import ProcessProtocol

r = EPollReactor()
"""

GOOD: dict[str, str] = {
    "spawnProcessGivesTheProcessTransport": (
        "assert_type(r.spawnProcess(ProcessProtocol(), 'true', ['true']), Process)"
    ),
    "processIsAProcessTransport": (
        "t: ProcessTransport = r.spawnProcess(ProcessProtocol(), 'true')"
    ),
    "everyReactorIsAReactorProcess": (
        "a: ReactorProcess = r\nb: ReactorProcess = AsyncioReactor()"
    ),
    "pidIsOptional": "assert_type(r.spawnProcess(ProcessProtocol(), 'true').pid, int | None)",
    "protocolTransportIsTheProcessTransport": (
        "assert_type(ProcessProtocol().transport, ProcessTransport)"
    ),
}

BAD: dict[str, str] = {
    "childFDsValuesAreModesOrDescriptors": (
        "r.spawnProcess(ProcessProtocol(), 'true', childFDs={0: 1.5})"
    ),
    "argsAreStrings": "r.spawnProcess(ProcessProtocol(), 'true', [1, 2])",
    "signalIdIsANameOrNumber": ("r.spawnProcess(ProcessProtocol(), 'true').signalProcess(None)"),
}


@pytest.fixture(scope="module")
def mypyErrors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Run mypy once over every case; its error lines, by case name."""
    module = tmp_path_factory.mktemp("typing") / "process_typing_cases.py"
    return mypyErrorsByCase(PRELUDE, {**GOOD, **BAD}, module)


@pytest.mark.parametrize("name", GOOD)
def test_good_case_type_checks(mypyErrors: dict[str, list[str]], name: str) -> None:
    assert mypyErrors[name] == []


@pytest.mark.parametrize("name", BAD)
def test_bad_case_is_rejected(mypyErrors: dict[str, list[str]], name: str) -> None:
    assert mypyErrors[name], f"mypy accepted {BAD[name]!r}"
