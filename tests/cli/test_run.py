"""``treadle run``: the target's function runs on the reactor; its outcome is the exit status."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from clihelpers import runTreadle


def program(tmp_path: Path, source: str, name: str = "program.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def test_mainRunsOnTheReactorWithTheArgumentsAndExitsZero(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        from reactor.task import deferLater

        def main(reactor, *args):
            d = deferLater(reactor, 0.01, lambda: print("args:", list(args), reactor.running))
            return d
        """,
    )
    completed = runTreadle("run", str(path), "one", "two")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "args: ['one', 'two'] True\n"


def test_aFailingMainExitsOneAndShowsTheError(tmp_path: Path) -> None:
    path = program(
        tmp_path,
        """
        from reactor.task import deferLater

        def check():
            raise ValueError("the answer is not 41")

        def main(reactor):
            return deferLater(reactor, 0, check)
        """,
    )
    completed = runTreadle("run", str(path))
    assert completed.returncode == 1
    assert "ValueError: the answer is not 41" in completed.stderr
    assert "in check" in completed.stderr  # with its traceback


def test_aCoroutineFunctionNamedAfterAColonRuns(tmp_path: Path) -> None:
    program(
        tmp_path,
        """
        from reactor.task import deferLater

        async def greet(reactor, name):
            await deferLater(reactor, 0, lambda: None)
            print("hello", name)
        """,
        name="greeter.py",
    )
    completed = runTreadle("run", "greeter:greet", "world", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "hello world\n"


def test_systemExitFromMainIsTheExitStatus(tmp_path: Path) -> None:
    path = program(tmp_path, "def main(reactor):\n    raise SystemExit(3)\n")
    assert runTreadle("run", str(path)).returncode == 3


@pytest.mark.parametrize("name", ["select", "asyncio"])
def test_reactorOptionPicksTheBackendTheDefaultReactorIs(tmp_path: Path, name: str) -> None:
    path = program(
        tmp_path,
        """
        import reactor as reactorPackage

        def main(reactor):
            from reactor import reactor as default
            print(type(reactor).__name__, default is reactor)
        """,
    )
    completed = runTreadle("run", "--reactor", name, str(path))
    assert completed.returncode == 0, completed.stderr
    expected = {"select": "SelectReactor", "asyncio": "AsyncioReactor"}[name]
    assert completed.stdout == f"{expected} True\n"


def test_aMissingFileIsOneLineAndStatusTwo(tmp_path: Path) -> None:
    completed = runTreadle("run", str(tmp_path / "nowhere.py"))
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        f"treadle run: error: no such file: {tmp_path}/nowhere.py"
    ]


def test_aMissingModuleIsOneLineAndStatusTwo(tmp_path: Path) -> None:
    completed = runTreadle("run", "no_such_module_here", cwd=tmp_path)
    assert completed.returncode == 2
    assert len(completed.stderr.splitlines()) == 1
    assert "no module named 'no_such_module_here'" in completed.stderr


def test_aMissingFunctionIsOneLineAndStatusTwo(tmp_path: Path) -> None:
    path = program(tmp_path, "def main(reactor):\n    pass\n")
    completed = runTreadle("run", f"{path}:start")
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [f"treadle run: error: {path} has no function 'start'"]


def test_aTargetRaisingOnImportShowsItsTracebackAndExitsOne(tmp_path: Path) -> None:
    path = program(tmp_path, "import no_such_dependency_here\n")
    completed = runTreadle("run", str(path))
    assert completed.returncode == 1
    assert "ModuleNotFoundError: No module named 'no_such_dependency_here'" in completed.stderr
