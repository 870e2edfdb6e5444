"""The two ways a subcommand ends in error without a traceback.

This module owns the error types only; :func:`reactor.cli.main.main` prints them as one line
(``treadle: error: ...``) and returns their status. A traceback is for bugs, never for a user's
mistake or a refused port.
"""

from __future__ import annotations

__all__ = ["CommandFailed", "UsageError"]


class UsageError(Exception):
    """The command line asks for something impossible (a bad endpoint, an unknown reactor, a
    module that does not exist): exit status 2, as for argparse's own errors."""

    status = 2


class CommandFailed(Exception):
    """The command was well formed but could not do its job (the port is taken, the database
    cannot be opened): exit status 1."""

    status = 1
