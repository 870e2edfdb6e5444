"""Every tutorial lesson prints its golden output; every solution runs.

Each ``tutorials/NN_slug.py`` runs as a script in a fresh interpreter (repository root on
``sys.path``, ``TREADLE_REACTOR`` unset so the default reactor is the platform's best) and must
exit 0, write nothing to stderr, and print what ``NN_slug.out`` says, line for line. Each
``tutorials/solutions/NN_slug.py`` must exit 0 with an empty stderr.

Timings in golden files
-----------------------
A lesson never prints a raw timing: it prints ``≈`` and a rounded number -- ``≈0.9s``,
``≈200ms`` or a bare count ``≈10`` -- and the rest of the line must match exactly. The numbers
are compared with a tolerance (:func:`withinTolerance`): a little below the golden value
(sleeps and timers never finish early) and generously above it (the machine may be loaded;
lessons run three at a time). So a lesson's point must be made by the text around the
numbers ("total ≈0.9s: the SUM of the delays"), which is checked exactly.

Speed: lessons and solutions run three at a time, started in file order ahead of the test
that reads them (no threads: a few ``subprocess.Popen`` pipes in flight). All of them take a
few seconds in all; each lesson is meant to stay under ~2 s by itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = ROOT / "tutorials"
SOLUTIONS = TUTORIALS / "solutions"

LESSONS = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))
SOLUTION_FILES = sorted(SOLUTIONS.glob("[0-9][0-9]_*.py"))

# Lessons and solutions allowed to run at once.
_IN_FLIGHT = 3
# A single script may take this long before the test gives up on it.
_SCRIPT_TIMEOUT = 60.0

_APPROX = re.compile(r"≈(\d+(?:\.\d+)?)(ms|s)?")


def withinTolerance(expected: float, actual: float, unit: str) -> bool:
    """Whether a measured ``actual`` is close enough to the golden ``expected``.

    Times (``s``/``ms``, compared in seconds): at most ``0.1 s + 20%`` below, at most
    ``0.3 s + 50%`` above. Counts (no unit): within half of the value, plus one, either way.
    """
    if unit:
        scale = 0.001 if unit == "ms" else 1.0
        e, a = expected * scale, actual * scale
        return e - (0.1 + 0.2 * e) <= a <= e + (0.3 + 0.5 * e)
    return abs(actual - expected) <= 0.5 * expected + 1


def lineMatches(golden: str, actual: str) -> bool:
    """Whether ``actual`` matches the ``golden`` line: same text, ``≈`` numbers within tolerance."""
    goldenParts = _APPROX.split(golden)
    actualParts = _APPROX.split(actual)
    if len(goldenParts) != len(actualParts):
        return False
    # split() gives [text, number, unit, text, number, unit, ..., text].
    for i in range(0, len(goldenParts), 3):
        if goldenParts[i] != actualParts[i]:
            return False
        if i + 2 < len(goldenParts):
            unit = goldenParts[i + 2] or ""
            if unit != (actualParts[i + 2] or ""):
                return False
            if not withinTolerance(float(goldenParts[i + 1]), float(actualParts[i + 1]), unit):
                return False
    return True


def mismatches(golden: list[str], actual: list[str]) -> list[str]:
    """A readable list of the differences between golden and actual output (empty: a match)."""
    problems = []
    for number in range(max(len(golden), len(actual))):
        want = golden[number] if number < len(golden) else "<no line>"
        got = actual[number] if number < len(actual) else "<no line>"
        if number >= len(golden) or number >= len(actual) or not lineMatches(want, got):
            problems.append(f"line {number + 1}:\n  golden: {want}\n  actual: {got}")
    return problems


class ScriptRunner:
    """Runs scripts as subprocesses, a few at a time, in the order the tests will ask for them."""

    def __init__(self, scripts: list[Path]) -> None:
        self._order = scripts
        self._started: dict[Path, subprocess.Popen[str]] = {}
        self._done: dict[Path, tuple[int, str, str]] = {}
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.pop("TREADLE_REACTOR", None)
        env["PYTHONIOENCODING"] = "utf-8"
        self._env = env

    def result(self, script: Path) -> tuple[int, str, str]:
        """``(exit status, stdout, stderr)`` of ``script``, starting the next ones meanwhile."""
        if script not in self._done:
            self._start(script)
            index = self._order.index(script)
            for ahead in self._order[index + 1 : index + _IN_FLIGHT]:
                if ahead not in self._done:
                    self._start(ahead)
            process = self._started.pop(script)
            try:
                out, err = process.communicate(timeout=_SCRIPT_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
                err += f"\n[test] killed after {_SCRIPT_TIMEOUT:g} s"
            self._done[script] = (process.returncode, out, err)
        return self._done[script]

    def _start(self, script: Path) -> None:
        if script in self._started or script in self._done:
            return
        self._started[script] = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=script.parent,
            env=self._env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def close(self) -> None:
        """Kill and reap whatever is still running (a test run cut short)."""
        for process in self._started.values():
            process.kill()
            process.communicate()
        self._started.clear()


@pytest.fixture(scope="module")
def runner() -> Iterator[ScriptRunner]:
    """One runner for the module, so scripts run ahead of the test that checks them."""
    # The order the tests below ask for them: every lesson, then every solution.
    running = ScriptRunner(LESSONS + SOLUTION_FILES)
    yield running
    running.close()


def test_there_are_twelve_lessons_each_with_golden_output_and_a_solution() -> None:
    assert [path.name[:2] for path in LESSONS] == [f"{n:02d}" for n in range(1, 13)]
    for lesson in LESSONS:
        assert lesson.with_suffix(".out").is_file(), f"{lesson.name} has no golden output"
        assert (SOLUTIONS / lesson.name).is_file(), f"{lesson.name} has no solutions file"


@pytest.mark.parametrize("lesson", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_docstring_has_a_title_and_try_this_exercises(lesson: Path) -> None:
    """The first docstring line is the title ``treadle tutorial`` lists; exercises come last."""
    source = lesson.read_text(encoding="utf-8")
    assert source.startswith('"""'), "a lesson starts with its docstring"
    title = source[3:].splitlines()[0]
    assert title and not title.endswith(".") and len(title) <= 72, title
    docstring = source.split('"""')[1]
    assert "Try this" in docstring


# Scripts run ahead of the test that reads them (see ScriptRunner), so a test ends with the
# next ones still running; the runner reaps every one of them by the end of the module.
aheadOfTheirTests = pytest.mark.treadle_allow_leftovers("processes")


@aheadOfTheirTests
@pytest.mark.parametrize("lesson", LESSONS, ids=[path.stem for path in LESSONS])
def test_lesson_prints_its_golden_output(lesson: Path, runner: ScriptRunner) -> None:
    status, out, err = runner.result(lesson)
    assert status == 0, err
    assert err == ""
    golden = lesson.with_suffix(".out").read_text(encoding="utf-8").splitlines()
    problems = mismatches(golden, out.splitlines())
    assert not problems, f"{lesson.name} output differs from its .out:\n" + "\n".join(problems)


@aheadOfTheirTests
@pytest.mark.parametrize("solution", SOLUTION_FILES, ids=[path.stem for path in SOLUTION_FILES])
def test_solution_runs(solution: Path, runner: ScriptRunner) -> None:
    status, out, err = runner.result(solution)
    assert status == 0, err
    assert err == ""
    assert out.strip(), "a solution prints what it shows"


# --- the golden-file matcher itself -------------------------------------------------------------


def test_matcher_accepts_a_slower_timing_within_tolerance() -> None:
    assert lineMatches("total ≈0.9s: the sum", "total ≈1.1s: the sum")


def test_matcher_rejects_a_timing_far_too_short() -> None:
    assert not lineMatches("total ≈0.9s: the sum", "total ≈0.4s: the sum")


def test_matcher_rejects_a_timing_far_too_long() -> None:
    assert not lineMatches("wait ≈100ms", "wait ≈900ms")


def test_matcher_rejects_different_text_around_a_timing() -> None:
    assert not lineMatches("total ≈0.9s: the sum", "total ≈0.9s: the max")


def test_matcher_rejects_a_different_unit() -> None:
    assert not lineMatches("wait ≈100ms", "wait ≈100s")


def test_matcher_compares_counts_loosely() -> None:
    assert lineMatches("ticks: ≈10", "ticks: ≈8")
    assert not lineMatches("ticks: ≈10", "ticks: ≈0")


def test_matcher_compares_plain_numbers_exactly() -> None:
    assert not lineMatches("ticks during sleep: 0", "ticks during sleep: 1")


def test_mismatches_reports_missing_and_extra_lines() -> None:
    assert mismatches(["a", "b"], ["a"]) == ["line 2:\n  golden: b\n  actual: <no line>"]
    assert len(mismatches(["a"], ["a", "b"])) == 1
