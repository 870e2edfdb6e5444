"""``treadle tutorial [list | N]``: list the numbered lessons, or run one.

This module owns finding the lessons and running one. A lesson is ``NN_slug.py`` in the
tutorials directory, titled by the first line of its docstring (read without running it). A
lesson runs in a child process (``python NN_slug.py``), so it gets a fresh interpreter, its
own default reactor and its own exit status, which becomes the command's.

Where the lessons are: a wheel carries them inside this package, as ``reactor/cli/_tutorials``
(pyproject.toml force-includes ``tutorials/`` there); an editable install or a source checkout
has them in ``tutorials/`` beside the ``reactor`` package. The first of the two that exists
wins.
"""

from __future__ import annotations

import argparse
import ast
import re
import subprocess
import sys
from pathlib import Path

import attrs

from reactor.cli._errors import CommandFailed, UsageError
from reactor.cli._options import Subcommands

__all__ = ["Lesson", "addParser", "findLessons", "lessonsDirectory", "run"]

_LESSON_NAME = re.compile(r"(\d\d)_([A-Za-z0-9_]+)\.py")


@attrs.frozen
class Lesson:
    """One lesson: its number, file and title."""

    number: int
    path: Path
    title: str


def addParser(subcommands: Subcommands) -> None:
    """Register ``treadle tutorial``."""
    parser = subcommands.add_parser(
        "tutorial",
        help="list the tutorial lessons, or run lesson N",
        description=(
            "'treadle tutorial' or 'treadle tutorial list' lists the lessons; "
            "'treadle tutorial N' runs lesson N (read its file alongside: the path is shown)."
        ),
    )
    parser.add_argument(
        "lesson", nargs="?", default="list", metavar="list | N", help="what to do (default: list)"
    )
    parser.set_defaults(command=run, prog=parser.prog)


def lessonsDirectory() -> Path:
    """Where the lessons are (see the module docstring).

    :raises CommandFailed: if neither place has them.
    """
    packaged = Path(__file__).resolve().parent / "_tutorials"
    checkout = Path(__file__).resolve().parent.parent.parent / "tutorials"
    for candidate in (packaged, checkout):
        if candidate.is_dir():
            return candidate
    raise CommandFailed(f"the tutorials are not installed (looked in {packaged} and {checkout})")


def findLessons(directory: Path) -> list[Lesson]:
    """Every ``NN_slug.py`` lesson in ``directory``, by number."""
    lessons = []
    for path in sorted(directory.glob("*.py")):
        match = _LESSON_NAME.fullmatch(path.name)
        if match is not None:
            lessons.append(Lesson(int(match.group(1)), path, _title(path)))
    return lessons


def _title(path: Path) -> str:
    try:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (SyntaxError, UnicodeDecodeError, OSError):
        docstring = None
    if not docstring:
        return path.stem.partition("_")[2].replace("_", " ")
    return docstring.strip().splitlines()[0].strip()


def run(args: argparse.Namespace) -> int:
    """List the lessons or run one; return the exit status."""
    lessons = findLessons(lessonsDirectory())
    if args.lesson == "list":
        for lesson in lessons:
            sys.stdout.write(f"{lesson.number:2d}  {lesson.title}\n")
        sys.stdout.write("\nRun one with 'treadle tutorial N'; read it in its file alongside.\n")
        return 0
    if not args.lesson.isdigit():
        raise UsageError(f"{args.lesson!r} is neither 'list' nor a lesson number")
    wanted = int(args.lesson)
    for lesson in lessons:
        if lesson.number == wanted:
            return _runLesson(lesson)
    numbers = ", ".join(str(lesson.number) for lesson in lessons) or "none"
    raise UsageError(f"there is no lesson {wanted} (lessons: {numbers})")


def _runLesson(lesson: Lesson) -> int:
    sys.stderr.write(f"lesson {lesson.number}: {lesson.title}\n({lesson.path})\n\n")
    sys.stderr.flush()
    try:
        completed = subprocess.run([sys.executable, str(lesson.path)], check=False)
    except KeyboardInterrupt:
        return 130
    return completed.returncode
