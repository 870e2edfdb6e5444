"""``treadle tutorial``: the lessons are listed with their titles and run one by number, from a
source checkout (``tutorials/``) as from a wheel (``reactor/cli/_tutorials``)."""

from __future__ import annotations

import ast
from pathlib import Path

from clihelpers import REPOSITORY, runTreadle

from reactor.cli.tutorial import findLessons

TUTORIALS = REPOSITORY / "tutorials"


def test_listShowsEveryLessonWithItsDocstringTitle() -> None:
    completed = runTreadle("tutorial", "list")
    assert completed.returncode == 0, completed.stderr
    lessons = sorted(TUTORIALS.glob("[0-9][0-9]_*.py"))
    assert len(lessons) >= 12
    for path in lessons:
        docstring = ast.get_docstring(ast.parse(path.read_text()))
        assert docstring is not None
        title = docstring.splitlines()[0]
        assert f"{int(path.name[:2]):2d}  {title}" in completed.stdout.splitlines()


def test_withoutArgumentsItLists() -> None:
    assert runTreadle("tutorial").stdout == runTreadle("tutorial", "list").stdout


def test_aLessonRunsByNumberAndPrintsItsGoldenOutput() -> None:
    completed = runTreadle("tutorial", "5")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (TUTORIALS / "05_deferred_basics.out").read_text()
    assert completed.stderr.startswith("lesson 5: ")


def test_aLessonThatDoesNotExistIsOneLineAndStatusTwo() -> None:
    completed = runTreadle("tutorial", "99")
    assert completed.returncode == 2
    [line] = completed.stderr.splitlines()
    assert line.startswith("treadle tutorial: error: there is no lesson 99 (lessons: 1, 2,")


def test_findLessonsReadsTitlesWithoutRunningTheLessons(tmp_path: Path) -> None:
    (tmp_path / "01_first.py").write_text('"""First steps.\n\nMore text."""\nraise SystemExit(9)\n')
    (tmp_path / "02_no_docstring.py").write_text("x = 1\n")
    (tmp_path / "helper.py").write_text('"""Not a lesson."""\n')
    lessons = findLessons(tmp_path)
    assert [(lesson.number, lesson.title) for lesson in lessons] == [
        (1, "First steps."),
        (2, "no docstring"),
    ]
