"""``treadle info``: what this installation offers -- version, reactors, pool sizes, Python.

This module owns gathering and printing those facts; it starts nothing (no reactor is created,
no thread is started), so it is safe to run anywhere.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sys
import sysconfig
from pathlib import Path

import reactor as reactorPackage
from reactor._default import ENV_VAR
from reactor.cli._options import Subcommands
from threads._dbpool import DEFAULT_MAX as DB_DEFAULT_MAX
from threads._reactorpool import DEFAULT_POOL_SIZE

__all__ = ["addParser", "facts", "run", "version"]


def addParser(subcommands: Subcommands) -> None:
    """Register ``treadle info``."""
    parser = subcommands.add_parser(
        "info",
        help="show the version, the reactors available here, pool sizes and the Python build",
        description=(
            "Show treadle's version, the reactor backends this system offers and which one is "
            "the default, how the thread pools are sized, and the Python build (GIL or not)."
        ),
    )
    parser.set_defaults(command=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    """Print the facts, one ``name: value`` line each."""
    for name, value in facts():
        sys.stdout.write(f"{name + ':':<18}{value}\n")
    return 0


def facts() -> list[tuple[str, str]]:
    """The facts ``treadle info`` prints, as (name, value) pairs."""
    available = list(reactorPackage.availableReactors())
    chosen = os.environ.get(ENV_VAR)
    default = reactorPackage.defaultReactorName()
    defaultLine = f"{chosen} (from {ENV_VAR})" if chosen else f"{default} (set {ENV_VAR} to change)"
    return [
        ("treadle", f"{version()} ({Path(reactorPackage.__file__).resolve().parent.parent})"),
        ("reactors", ", ".join(available)),
        ("default reactor", defaultLine),
        (
            "thread pool",
            f"reactor.getThreadPool(): up to {DEFAULT_POOL_SIZE} threads "
            "(reactor.suggestThreadPoolSize changes it)",
        ),
        (
            "ConnectionPool",
            f"up to {DB_DEFAULT_MAX} connections, 1 for sqlite3 (one writer); cp_max changes it",
        ),
        ("CPUs", _cpus()),
        (
            "python",
            f"{platform.python_version()} ({platform.python_implementation()}, {sys.executable})",
        ),
        ("GIL", _gil()),
        ("platform", platform.platform()),
    ]


def version() -> str:
    """treadle's installed version, or a note that it runs from a source tree."""
    try:
        return importlib.metadata.version("treadle")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed: running from a source tree)"


def _cpus() -> str:
    total = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else total
    return f"{usable} usable of {total} (treadle serve chat --workers {usable} uses them all)"


def _gil() -> str:
    freeThreadedBuild = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    isEnabled = getattr(sys, "_is_gil_enabled", None)
    if not freeThreadedBuild:
        return "enabled (a standard build: threads take turns running Python code)"
    if isEnabled is not None and not isEnabled():
        return "disabled (a free-threaded build: threads run Python code in parallel)"
    return "enabled (a free-threaded build with the GIL turned back on, e.g. PYTHON_GIL=1)"
