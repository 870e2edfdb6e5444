"""Running a server from the command line: the endpoint, the log, the run until a signal.

This module owns what ``treadle serve chat``/``serve echo`` (and ``connect``) share: turning an
endpoint description into an endpoint with a usage error for a bad one, the log format (one
line per event, on stderr), describing an address for that log, and
:func:`serveUntilStopped`, which runs the reactor, starts the service once it runs, and turns
the outcome into an exit status. It knows nothing about chat or echo.

Signals: a server run by a person stops on Ctrl-C (SIGINT) or SIGTERM, through the reactor's
own handlers (the "before shutdown" triggers then drain what is in flight). A worker under
``--workers`` ignores SIGINT -- Ctrl-C in a terminal signals the whole process group, and its
supervisor forwards a SIGTERM anyway; a second signal would crash the worker's reactor in the
middle of its clean shutdown -- and stops on SIGTERM alone.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from deferred import Deferred, Failure, maybeDeferred
from reactor import Reactor
from reactor.address import IPv4Address, IPv6Address, UNIXAddress
from reactor.cli._errors import CommandFailed, UsageError
from reactor.endpoints import clientFromString, serverFromString
from reactor.error import BindError, ReactorNotRunning

__all__ = [
    "clientEndpoint",
    "configureLogging",
    "describeAddress",
    "serveUntilStopped",
    "serverEndpoint",
]


def configureLogging(label: str | None = None) -> None:
    """Log INFO and above to stderr, one line per event: ``HH:MM:SS [label] message``."""
    prefix = f"[{label}] " if label else ""
    logging.basicConfig(
        level=logging.INFO,
        format=f"%(asctime)s {prefix}%(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
        force=True,
    )


def serverEndpoint(reactor: Reactor, description: str) -> Any:
    """The server endpoint ``description`` names; a bad description is a usage error."""
    try:
        return serverFromString(reactor, description)
    except (ValueError, ImportError) as error:
        raise UsageError(f"--listen {description!r}: {error}") from None


def clientEndpoint(reactor: Reactor, description: str) -> Any:
    """The client endpoint ``description`` names; a bad description is a usage error."""
    try:
        return clientFromString(reactor, description)
    except (ValueError, ImportError) as error:
        raise UsageError(f"{description!r}: {error}") from None


def describeAddress(address: object) -> str:
    """``host:port`` (``[host]:port`` for IPv6) or a Unix socket's path, for log lines."""
    if isinstance(address, IPv4Address):
        return f"{address.host}:{address.port}"
    if isinstance(address, IPv6Address):
        return f"[{address.host}]:{address.port}"
    if isinstance(address, UNIXAddress):
        name = address.name
        if isinstance(name, bytes):
            name = name.decode(errors="replace")
        return name or "unix socket"
    return str(address)


def serveUntilStopped(
    reactor: Reactor, start: Callable[[], Deferred[Any]], asWorker: bool = False
) -> int:
    """Run ``reactor``, call ``start()`` once it runs, and run until stopped; return the status.

    0 once the reactor stops after ``start`` succeeded (a signal, or the service stopping it).
    If ``start``'s Deferred fails the reactor stops at once: a ``BindError`` (the port is
    taken) or ``CommandFailed`` is one line and status 1, a ``UsageError`` one line and 2; any
    other error is printed with its traceback, status 1. ``asWorker`` chooses the signal
    handling of a supervised worker (see the module docstring).
    """
    problems: list[Failure] = []

    def failed(reason: Failure) -> None:
        problems.append(reason)
        try:
            reactor.stop()
        except ReactorNotRunning:
            pass  # A signal stopped it first.

    def begin() -> None:
        maybeDeferred(start).addErrback(failed)

    reactor.callWhenRunning(begin)
    if asWorker:
        _runAsWorker(reactor)
    else:
        reactor.run()
    if not problems:
        return 0
    reason = problems[0]
    error = reason.value
    if isinstance(error, UsageError | CommandFailed):
        raise error
    if isinstance(error, BindError):
        raise CommandFailed(str(error))
    sys.stderr.write("the server failed to start:\n")
    sys.stderr.write(reason.getTraceback())
    return 1


def _runAsWorker(reactor: Reactor) -> None:
    def stopOnTerm(signum: int, frame: FrameType | None) -> None:
        # A signal handler may only use the signal-safe callFromThread queue.
        reactor.callFromThread(_stopIfRunning, reactor)

    previousInt = signal.signal(signal.SIGINT, signal.SIG_IGN)
    previousTerm = signal.signal(signal.SIGTERM, stopOnTerm)
    try:
        reactor.run(installSignalHandlers=False)
    finally:
        signal.signal(signal.SIGINT, previousInt)
        signal.signal(signal.SIGTERM, previousTerm)


def _stopIfRunning(reactor: Reactor) -> None:
    if reactor.running and not reactor.stopping:
        logging.getLogger("treadle").info("SIGTERM: shutting down")
        reactor.stop()
