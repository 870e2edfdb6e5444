"""Tests for reactor.task.react: run main on a real reactor, exit with its status."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

import reactor as reactorPackage
from deferred import Deferred, fail, succeed
from reactor import Reactor
from reactor.task import deferLater, react


@pytest.fixture
def freshReactor() -> Iterator[Reactor]:
    r = reactorPackage.availableReactors()[reactorPackage.defaultReactorName()]()
    try:
        yield r
    finally:
        if r.running:
            r.crash()
        r.close()


def exitStatus(main: object, r: Reactor, argv: tuple[object, ...] = ()) -> object:
    with pytest.raises(SystemExit) as info:
        react(main, argv, _reactor=r)  # type: ignore[arg-type]
    return info.value.code


def test_success_exits_zero(freshReactor: Reactor) -> None:
    assert exitStatus(lambda r: succeed("fine"), freshReactor) == 0
    assert not freshReactor.running


def test_main_gets_the_reactor_and_argv(freshReactor: Reactor) -> None:
    seen: list[tuple[object, ...]] = []

    def main(r: Reactor, *argv: object) -> Deferred[None]:
        seen.append((r, *argv))
        return succeed(None)

    exitStatus(main, freshReactor, ("a", 1))
    assert seen == [(freshReactor, "a", 1)]


def test_main_runs_once_the_reactor_is_running(freshReactor: Reactor) -> None:
    states: list[bool] = []

    def main(r: Reactor) -> Deferred[None]:
        states.append(r.running)
        return succeed(None)

    exitStatus(main, freshReactor)
    assert states == [True]


def test_reactor_runs_until_mains_deferred_fires(freshReactor: Reactor) -> None:
    order: list[str] = []

    def main(r: Reactor) -> Deferred[None]:
        r.callLater(0, order.append, "tick")
        return deferLater(r, 0.01, order.append, "done")

    assert exitStatus(main, freshReactor) == 0
    assert order == ["tick", "done"]


def test_coroutine_main_is_run(freshReactor: Reactor) -> None:
    async def main(r: Reactor) -> str:
        await deferLater(r, 0)
        return "ok"

    assert exitStatus(main, freshReactor) == 0


def test_exception_in_main_exits_one_and_prints_it(
    freshReactor: Reactor, capsys: pytest.CaptureFixture[str]
) -> None:
    def main(r: Reactor) -> Deferred[None]:
        raise ValueError("main blew up")

    assert exitStatus(main, freshReactor) == 1
    err = capsys.readouterr().err
    assert "main function encountered an error" in err
    assert "ValueError: main blew up" in err
    assert "Traceback" in err


def test_failed_deferred_exits_one_and_prints_it(
    freshReactor: Reactor, capsys: pytest.CaptureFixture[str]
) -> None:
    def main(r: Reactor) -> Deferred[None]:
        return deferLater(r, 0, lambda: fail(KeyError("late failure")))  # type: ignore[arg-type]

    assert exitStatus(main, freshReactor) == 1
    assert "late failure" in capsys.readouterr().err


@pytest.mark.parametrize("code", [0, 3, "goodbye"])
def test_SystemExit_raised_in_main_is_respected(freshReactor: Reactor, code: object) -> None:
    def main(r: Reactor) -> Deferred[None]:
        raise SystemExit(code)

    assert exitStatus(main, freshReactor) == code


def test_SystemExit_failure_of_mains_deferred_is_respected(freshReactor: Reactor) -> None:
    def main(r: Reactor) -> Deferred[None]:
        return fail(SystemExit(7))

    assert exitStatus(main, freshReactor) == 7


def test_reactor_stopped_by_someone_else_exits_zero(freshReactor: Reactor) -> None:
    never: Deferred[None] = Deferred()

    def main(r: Reactor) -> Deferred[None]:
        r.callLater(0, r.stop)
        return never

    assert exitStatus(main, freshReactor) == 0
    assert not never.called


def test_main_stopping_the_reactor_itself_is_fine(freshReactor: Reactor) -> None:
    def main(r: Reactor) -> Deferred[None]:
        r.stop()
        return succeed(None)

    assert exitStatus(main, freshReactor) == 0


def runScript(body: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_default_reactor_and_exit_status_in_a_real_process() -> None:
    done = runScript(
        """
        from reactor.task import deferLater, react
        react(lambda r, word: deferLater(r, 0, print, word), ["hello"])
        """
    )
    assert (done.returncode, done.stdout) == (0, "hello\n"), done.stderr


def test_failing_main_in_a_real_process_exits_one() -> None:
    done = runScript(
        """
        from reactor.task import react
        def main(r):
            raise RuntimeError("real failure")
        react(main)
        """
    )
    assert done.returncode == 1
    assert "RuntimeError: real failure" in done.stderr
