"""The pytest plugin's "processes" leftover check, through pytester (as tests/reactor/
test_plugin.py tests the other checks): a test that leaves a child unreaped fails."""

from __future__ import annotations

import os
import sys

import pytest

from reactor.testing import plugin

pytest_plugins = ["pytester"]

INNER_ARGS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")

needsProc = pytest.mark.skipif(
    plugin._childProcesses() is None, reason="no /proc here: the plugin cannot see children"
)

# Each inner module reaps what it left in a last test, so the outer run leaves nothing either.
LEAKY_MODULE = """
import os, subprocess, sys
import pytest

left = []

{test}

def test_reap_them():
    for child in left:
        child.kill()
        child.wait()
"""

_SLEEPER = [sys.executable, "-S", "-c", "import time; time.sleep(30)"]


def run(pytester: pytest.Pytester, test: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=LEAKY_MODULE.format(test=test))
    return pytester.runpytest_inprocess(*INNER_ARGS)


@needsProc
def test_running_child_left_behind_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
def test_starts_a_child():
    left.append(subprocess.Popen({_SLEEPER!r}))
""",
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_starts_a_child*",
            "*the test left 1 child process(es)*",
            "*pid *: python* (running)",
            '*treadle_allow_leftovers("processes")*',
        ]
    )


@needsProc
def test_exited_but_unreaped_child_fails_the_test_as_a_zombie(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
def test_kills_a_child_without_waiting():
    child = subprocess.Popen({_SLEEPER!r})
    left.append(child)
    child.kill()
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited; still unreaped
""",
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*pid *: python* (exited, never reaped)"])


def test_reaped_child_is_no_leftover(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
def test_runs_a_child_to_the_end():
    subprocess.run([sys.executable, "-S", "-c", "pass"], check=True)
""",
    )
    result.assert_outcomes(passed=2)


def test_spawned_process_waited_for_is_no_leftover(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
from reactor.protocol import ProcessProtocol
from deferred import Deferred

@pytest.mark.reactor("all")
def test_spawns(reactor):
    ended = Deferred()
    class P(ProcessProtocol):
        def processEnded(self, reason):
            ended.callback(None)
    reactor.spawnProcess(P(), sys.executable, [sys.executable, "-S", "-c", "pass"])
    return ended
""",
    )
    result.assert_outcomes(passed=1 + len(plugin.availableReactors()))


def test_allow_leftovers_processes_allows_a_child(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        f"""
@pytest.mark.treadle_allow_leftovers("processes")
def test_starts_a_child():
    left.append(subprocess.Popen({_SLEEPER!r}))
""",
    )
    result.assert_outcomes(passed=2)


def test_process_check_is_skipped_without_proc(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugin, "_PROC_DIRECTORY", str(pytester.path / "no-such-proc"))
    result = run(
        pytester,
        f"""
def test_starts_a_child():
    left.append(subprocess.Popen({_SLEEPER!r}))
""",
    )
    result.assert_outcomes(passed=2)


@needsProc
def test_children_found_are_exactly_this_process_children() -> None:
    import subprocess

    child = subprocess.Popen(_SLEEPER)
    try:
        children = plugin._childProcesses()
        assert children is not None
        assert child.pid in children
        assert os.getpid() not in children
    finally:
        child.kill()
        child.wait()
    assert child.pid not in (plugin._childProcesses() or {})
