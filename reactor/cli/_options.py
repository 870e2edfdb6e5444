"""What every subcommand's command line shares: the parser class and ``--reactor``.

This module owns :class:`CommandParser` (argparse, with an error that is one line naming the
subcommand and the way to its ``--help``) and choosing the reactor a subcommand runs on. It
does not parse any subcommand's own arguments.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn, TypeAlias

import reactor as reactorPackage
from reactor import Reactor
from reactor.cli._errors import UsageError
from reactor.error import ReactorAlreadyInstalledError, UnknownReactorError

__all__ = ["CommandParser", "Subcommands", "addReactorOption", "chooseReactor"]

#: What ``add_subparsers`` returns; each subcommand module's ``addParser`` takes one.
Subcommands: TypeAlias = "argparse._SubParsersAction[Any]"


class CommandParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line and exit status 2.

    argparse prints the whole usage before its error line; for a command with subcommands the
    usage is long and the error scrolls away, so we print only the error and where help is.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` on stderr and exit with status 2."""
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def addReactorOption(parser: argparse.ArgumentParser) -> None:
    """Add ``--reactor NAME`` (default: ``TREADLE_REACTOR``, else the best for this system)."""
    names = ", ".join(reactorPackage.availableReactors())
    parser.add_argument(
        "--reactor",
        metavar="NAME",
        help=f"the reactor backend: {names} (default: $TREADLE_REACTOR, else the first)",
    )


def chooseReactor(name: str | None) -> Reactor:
    """Install and return the process-wide reactor ``name`` (None: the default one).

    The default reactor is installed, not merely created, so that code the command runs which
    says ``from reactor import reactor`` gets this very reactor.

    :raises UsageError: for a name that is unknown or unavailable here.
    """
    try:
        if name is None:
            return reactorPackage.reactor
        return reactorPackage.install(name)
    except (UnknownReactorError, ReactorAlreadyInstalledError) as error:
        raise UsageError(str(error)) from None
