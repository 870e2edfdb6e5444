"""Run a command to completion and collect what it printed: Twisted's ``twisted.internet.utils``.

This module owns three conveniences over ``reactor.spawnProcess`` for the common case "run this
program, give me its output and/or its exit code": :func:`getProcessOutput`,
:func:`getProcessValue` and :func:`getProcessOutputAndValue`. As in Twisted, ``args`` are the
arguments *after* the program name (the name itself is passed as ``argv[0]``), and the child's
stdin is closed at once (or fed ``stdinBytes`` first). Unlike Twisted, ``env=None`` (the default)
gives the child this process's environment, as ``spawnProcess`` does; and a child killed by a
signal fails :func:`getProcessOutputAndValue`'s Deferred with the ``ProcessTerminated`` itself,
carrying ``out`` and ``err`` attributes, instead of a bare tuple.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from deferred import Deferred, Failure
from reactor.error import ProcessTerminated
from reactor.protocol import ProcessProtocol

__all__ = ["getProcessOutput", "getProcessOutputAndValue", "getProcessValue"]


class _Collector(ProcessProtocol):
    """Gathers stdout and stderr; fires ``finished`` with the reason once the child has ended."""

    def __init__(self, stdinBytes: bytes) -> None:
        # Fired with the reason's exception (ProcessDone or ProcessTerminated) as a plain value:
        # a Failure given to callback() would start the errback chain.
        self.finished: Deferred[BaseException] = Deferred()
        self._stdin = stdinBytes
        self.out: list[bytes] = []
        self.err: list[bytes] = []

    def connectionMade(self) -> None:
        if self._stdin:
            self.transport.write(self._stdin)
        self.transport.closeStdin()

    def outReceived(self, data: bytes) -> None:
        self.out.append(data)

    def errReceived(self, data: bytes) -> None:
        self.err.append(data)

    def processEnded(self, reason: Failure) -> None:
        self.finished.callback(reason.value)


def _spawn(
    executable: str,
    args: Sequence[str],
    env: Mapping[str, str] | None,
    path: str | None,
    reactor: Any,
    stdinBytes: bytes = b"",
) -> _Collector:
    if reactor is None:
        from reactor import reactor as default

        reactor = default
    collector = _Collector(stdinBytes)
    reactor.spawnProcess(collector, executable, [executable, *args], env, path)
    return collector


def getProcessOutputAndValue(
    executable: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    path: str | None = None,
    reactor: Any = None,
    stdinBytes: bytes = b"",
) -> Deferred[tuple[bytes, bytes, int]]:
    """Run ``executable`` with ``args``; fire with ``(stdout, stderr, exitCode)`` once it ended.

    A child killed by a signal fails the Deferred with ``ProcessTerminated`` (its ``signal``
    says which), whose ``out`` and ``err`` attributes hold what it printed.
    """
    collector = _spawn(executable, args, env, path, reactor, stdinBytes)

    def ended(value: BaseException) -> tuple[bytes, bytes, int]:
        out, err = b"".join(collector.out), b"".join(collector.err)
        if isinstance(value, ProcessTerminated) and value.exitCode is None:
            value.out = out  # type: ignore[attr-defined]
            value.err = err  # type: ignore[attr-defined]
            raise value
        return out, err, getattr(value, "exitCode", 0) or 0

    return collector.finished.addCallback(ended)


def getProcessOutput(
    executable: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    path: str | None = None,
    reactor: Any = None,
    errortoo: bool = False,
) -> Deferred[bytes]:
    """Run ``executable`` with ``args``; fire with what it wrote to stdout, whatever its status.

    With ``errortoo``, stderr is included (after stdout). Without it, output on stderr fails the
    Deferred with ``OSError`` naming it, as in Twisted (the child is still left to finish).
    """
    collector = _spawn(executable, args, env, path, reactor)

    def ended(value: BaseException) -> bytes:
        out, err = b"".join(collector.out), b"".join(collector.err)
        if errortoo:
            return out + err
        if err:
            raise OSError(f"{executable} wrote to stderr: {err[:200]!r}")
        return out

    return collector.finished.addCallback(ended)


def getProcessValue(
    executable: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    path: str | None = None,
    reactor: Any = None,
) -> Deferred[int]:
    """Run ``executable`` with ``args``; fire with its exit code (minus the signal if killed)."""
    collector = _spawn(executable, args, env, path, reactor)

    def ended(value: BaseException) -> int:
        exitCode = getattr(value, "exitCode", 0)
        if exitCode is None:
            return -int(getattr(value, "signal", 0) or 0)
        return int(exitCode)

    return collector.finished.addCallback(ended)
