"""The ``treadle`` command's entry point: ``main(argv=None) -> exit status``.

This module owns the parser tree (``treadle COMMAND ...``; ``treadle serve KIND ...``) and
turning the outcome of a subcommand into an exit status: argparse's own errors and
:class:`reactor.cli._errors.UsageError` are one line and status 2, ``CommandFailed`` one line
and status 1. What each subcommand does lives in its own module (see :mod:`reactor.cli`).

The console script ``treadle`` (``[project.scripts]`` in pyproject.toml) calls :func:`main`, as
does ``python -m reactor.cli``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from reactor.cli import connect, info, servechat, serveecho, tutorial
from reactor.cli import run as runCommand
from reactor.cli._errors import CommandFailed, UsageError
from reactor.cli._options import CommandParser

__all__ = ["buildParser", "main"]


def buildParser() -> CommandParser:
    """The whole ``treadle`` parser, every subcommand included."""
    parser = CommandParser(
        prog="treadle",
        description=(
            "treadle: a Twisted-style reactor, Deferreds and a thread-pool bridge. "
            "Run 'treadle COMMAND --help' for a command's options."
        ),
    )
    parser.add_argument("--version", action="version", version=f"treadle {info.version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    runCommand.addParser(commands)
    serve = commands.add_parser(
        "serve",
        help="run a server: chat (the showcase) or echo",
        description="Run a server until Ctrl-C or SIGTERM.",
    )
    servers = serve.add_subparsers(title="servers", metavar="SERVER", required=True)
    servechat.addParser(servers)
    serveecho.addParser(servers)
    connect.addParser(commands)
    info.addParser(commands)
    tutorial.addParser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``treadle`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = buildParser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help, --version (0) and parse errors (2)
        return exit.code if isinstance(exit.code, int) else 2
    try:
        status: int = args.command(args)
    except (UsageError, CommandFailed) as error:
        sys.stderr.write(f"{args.prog}: error: {error}\n")
        return error.status
    except KeyboardInterrupt:
        # Ctrl-C outside a running reactor (which handles it itself): no traceback.
        sys.stderr.write(f"{args.prog}: interrupted\n")
        return 130
    return status
