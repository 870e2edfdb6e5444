"""``treadle run PATH_OR_MODULE[:function] [args...]``: run ``function(reactor, *args)``.

This module owns finding the target (a ``.py`` file or an importable module, then the function
in it, ``main`` by default) and handing it to :func:`reactor.task.react`, whose outcome becomes
the exit status: 0 when the function's Deferred (or coroutine, or plain return) succeeds, its
own status for ``SystemExit``, else 1 after the error and its traceback on stderr.

The reactor is installed as the process-wide default *before* the target is imported, so a
module that says ``from reactor import reactor`` at import time gets the one it will run on.
A target that cannot be found is a usage error (one line, status 2); a target that raises
while it is imported is a bug in the program, shown with its traceback (status 1).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from reactor.cli._errors import UsageError
from reactor.cli._options import Subcommands, addReactorOption, chooseReactor
from reactor.task import react

__all__ = ["addParser", "run"]


def addParser(subcommands: Subcommands) -> None:
    """Register ``treadle run``."""
    parser = subcommands.add_parser(
        "run",
        help="run function(reactor, *args) from a file or module until its Deferred fires",
        description=(
            "Import TARGET (a path to a .py file, or a module name importable from the current "
            "directory), call FUNCTION(reactor, *ARGS) once the reactor runs (FUNCTION "
            "defaults to main; it may return a Deferred, a coroutine or a plain value), and "
            "exit when it finishes: status 0 on success, 1 with the error shown on failure."
        ),
    )
    addReactorOption(parser)
    parser.add_argument("target", metavar="PATH_OR_MODULE[:FUNCTION]")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS", help="passed on")
    parser.set_defaults(command=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    """Run the target; return the exit status (see the module docstring)."""
    where, name = splitTarget(args.target)
    theReactor = chooseReactor(args.reactor)
    module = loadTarget(where)
    if module is None:
        return 1
    function = getattr(module, name, None)
    if function is None:
        raise UsageError(f"{where} has no function {name!r}")
    if not callable(function):
        raise UsageError(f"{where}:{name} is not a function but {type(function).__name__}")
    return _react(function, list(args.args), theReactor)


def splitTarget(target: str) -> tuple[str, str]:
    """Split ``PATH_OR_MODULE[:FUNCTION]`` into its two parts (FUNCTION defaults to ``main``)."""
    where, colon, name = target.rpartition(":")
    if not colon:
        return target, "main"
    if not where or not name.isidentifier():
        raise UsageError(f"{target!r} is not PATH_OR_MODULE[:FUNCTION]")
    return where, name


def loadTarget(where: str) -> ModuleType | None:
    """Import a ``.py`` file or a module; None (with the traceback shown) if it raised.

    :raises UsageError: if there is no such file or module.
    """
    isPath = where.endswith(".py") or os.sep in where or Path(where).is_file()
    try:
        return _loadFile(Path(where)) if isPath else _loadModule(where)
    except UsageError:
        raise
    except Exception:
        sys.stderr.write(f"treadle run: importing {where} failed:\n")
        traceback.print_exc()
        return None


def _loadFile(path: Path) -> ModuleType:
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import {path} (not a Python source file?)")
    module = importlib.util.module_from_spec(spec)
    # As `python path.py` does: the script's directory first, so its neighbours import.
    sys.path.insert(0, str(path.resolve().parent))
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _loadModule(name: str) -> ModuleType:
    # As `python -m` does: modules in the current directory are importable.
    sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        # Only the target itself (or its package) missing is the user's mistake; a missing
        # import inside the target is the program's, and keeps its traceback.
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise UsageError(f"no module named {name!r} (and no file of that name)") from None
        raise


def _react(function: Callable[..., object], argv: list[str], theReactor: object) -> int:
    try:
        react(function, argv, _reactor=theReactor)  # type: ignore[arg-type]
    except SystemExit as exit:
        return exitStatus(exit.code)
    raise AssertionError("react() always raises SystemExit")


def exitStatus(code: object) -> int:
    """The process exit status ``SystemExit(code)`` stands for (as the interpreter reads it)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1
