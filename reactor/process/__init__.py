"""Child processes: ``spawnProcess`` and the process transport (Twisted's ``IReactorProcess``).

This package owns starting a child process wired to a
:class:`~reactor.protocol.ProcessProtocol`: :func:`spawnProcess` (what
``reactor.spawnProcess`` calls) makes the pipes (or the pseudo-terminal) the ``childFDs`` map
asks for, starts the child (:mod:`reactor.process._spawn`), and hands everything to a
:class:`Process` transport (:mod:`reactor.process._process`), which reaps the child
(:mod:`reactor.process._reaping`) and calls the protocol. :class:`ProcessEndpoint`
(:mod:`reactor.process._endpoints`) drives a stream protocol over a child's stdin/stdout;
:func:`getProcessOutput` and friends (:mod:`reactor.process._output`) run a command to its end.
It does not own the pipe halves (:mod:`reactor.fd._pipes`) or this process's own stdio
(:mod:`reactor.stdio`).

Differences from Twisted, on purpose:

* ``env=None`` gives the child this process's environment (``os.environ``), as ``subprocess``
  and asyncio do; Twisted gives it an *empty* one. Pass ``env={}`` for Twisted's behaviour.
* A child that cannot be started (no such executable, a bad ``path``, a failed ``setuid``)
  makes ``spawnProcess`` raise the ``OSError``, and the protocol is never connected; Twisted's
  child prints a traceback to its stderr and exits with status 1.
* ``args`` may be empty: the child then gets ``[executable]`` as its argument vector.
* The process transport is a full ``ITransport`` (``write``, ``writeSequence``, producers,
  ``getPeer``/``getHost``) and has ``abortConnection``.
* With ``usePTY=True``, ``writeToChild(0, ...)`` writes to the terminal (Twisted raises
  ``NotImplementedError``); ``childFDs`` must not be given then (Twisted ignores it). Only
  ``True``/``False`` are accepted (not Twisted's ``(master, slave, ttyname)`` tuple).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from reactor._processinterfaces import ChildProcessProtocol
from reactor.process._endpoints import ProcessEndpoint, StandardErrorBehavior
from reactor.process._output import getProcessOutput, getProcessOutputAndValue, getProcessValue
from reactor.process._process import Process, ProcessAddress, signalNumber
from reactor.process._spawn import ChildSpec, resolveExecutable, startChild

__all__ = [
    "DEFAULT_CHILD_FDS",
    "Process",
    "ProcessAddress",
    "ProcessEndpoint",
    "StandardErrorBehavior",
    "getProcessOutput",
    "getProcessOutputAndValue",
    "getProcessValue",
    "signalNumber",
    "spawnProcess",
]

#: Twisted's default ``childFDs``: the parent writes the child's stdin and reads its stdout and
#: stderr. ``"w"``/``"r"`` are from the parent's side; an ``int`` hands the child a copy of
#: that parent descriptor.
DEFAULT_CHILD_FDS: Mapping[int, int | str] = {0: "w", 1: "r", 2: "r"}


def spawnProcess(
    reactor: Any,
    processProtocol: ChildProcessProtocol,
    executable: str | bytes,
    args: Sequence[str | bytes] = (),
    env: Mapping[str, str] | None = None,
    path: str | None = None,
    uid: int | None = None,
    gid: int | None = None,
    usePTY: bool = False,
    childFDs: Mapping[int, int | str] | None = None,
) -> Process:
    """Start ``executable`` as a child of this process, driven by ``processProtocol``.

    ``executable`` is looked up on the child's ``PATH`` unless it contains a slash; ``args`` is
    the whole argument vector (``args[0]`` is the program's name for itself); ``env`` the whole
    environment (None: this process's); ``path`` the working directory (None: ours); ``uid``/
    ``gid`` the identity to switch to (root only). ``childFDs`` maps each descriptor the child
    gets to ``"r"`` (a pipe the parent reads), ``"w"`` (a pipe the parent writes) or a parent
    descriptor to hand over; the child gets no other descriptor. Default
    :data:`DEFAULT_CHILD_FDS`. ``usePTY=True`` puts the child in a new session with a
    pseudo-terminal as its controlling terminal and stdin, stdout and stderr.

    The returned :class:`Process` is already connected (``processProtocol.makeConnection``
    was called). The child is reaped when it exits, whichever thread runs the reactor.

    :raises OSError: if the child could not be started (nothing is left open or running).
    :raises ValueError: for a malformed ``childFDs`` or ``childFDs`` with ``usePTY``.
    """
    environment: Mapping[str, str] = os.environ if env is None else env
    resolved = resolveExecutable(executable, environment)
    argv = list(args) if args else [executable]
    if usePTY:
        if childFDs is not None:
            raise ValueError("childFDs cannot be given with usePTY: the terminal is 0, 1 and 2")
        return _spawnWithPTY(reactor, processProtocol, resolved, argv, environment, path, uid, gid)
    plan = _PipePlan(DEFAULT_CHILD_FDS if childFDs is None else childFDs)
    try:
        spec = ChildSpec(resolved, argv, environment, plan.childMap, path, uid, gid)
        pid = startChild(spec)
    except BaseException:
        plan.closeAll()
        raise
    plan.closeChildEnds()
    return Process(reactor, processProtocol, pid, plan.readFDs, plan.writeFDs)


class _PipePlan:
    """The pipes of one ``childFDs`` map: both ends of each until the child has started."""

    def __init__(self, childFDs: Mapping[int, int | str]) -> None:
        #: {child fd: parent fd the child gets a copy of}.
        self.childMap: dict[int, int] = {}
        #: The parent's ends, by child fd.
        self.readFDs: dict[int, int] = {}
        self.writeFDs: dict[int, int] = {}
        # The child's ends, closed in the parent once the child has its copies.
        self._childEnds: list[int] = []
        try:
            for childFD, how in childFDs.items():
                self._add(childFD, how)
        except BaseException:
            self.closeAll()
            raise

    def _add(self, childFD: int, how: int | str) -> None:
        if not isinstance(childFD, int) or isinstance(childFD, bool) or childFD < 0:
            raise ValueError(f"childFDs: child descriptor {childFD!r} is not an int >= 0")
        if how == "r":
            readEnd, writeEnd = os.pipe()
            self.readFDs[childFD] = readEnd
            self._childEnds.append(writeEnd)
            self.childMap[childFD] = writeEnd
        elif how == "w":
            readEnd, writeEnd = os.pipe()
            self.writeFDs[childFD] = writeEnd
            self._childEnds.append(readEnd)
            self.childMap[childFD] = readEnd
        elif isinstance(how, int) and not isinstance(how, bool) and how >= 0:
            self.childMap[childFD] = how
        else:
            raise ValueError(
                f'childFDs[{childFD}] is {how!r}; use "r" (the parent reads), "w" (the parent '
                "writes) or a parent descriptor number"
            )

    def closeChildEnds(self) -> None:
        for fd in self._childEnds:
            os.close(fd)
        self._childEnds = []

    def closeAll(self) -> None:
        self.closeChildEnds()
        for fd in [*self.readFDs.values(), *self.writeFDs.values()]:
            os.close(fd)
        self.readFDs = {}
        self.writeFDs = {}


def _spawnWithPTY(
    reactor: Any,
    processProtocol: ChildProcessProtocol,
    executable: str | bytes,
    argv: list[str | bytes],
    env: Mapping[str, str],
    path: str | None,
    uid: int | None,
    gid: int | None,
) -> Process:
    master, slave = os.openpty()
    try:
        writeEnd = os.dup(master)
    except BaseException:
        os.close(master)
        os.close(slave)
        raise
    try:
        spec = ChildSpec(
            executable,
            argv,
            env,
            {0: slave, 1: slave, 2: slave},
            path,
            uid,
            gid,
            controllingTerminal=True,
        )
        pid = startChild(spec)
    except BaseException:
        os.close(master)
        os.close(writeEnd)
        raise
    finally:
        os.close(slave)
    return Process(reactor, processProtocol, pid, {1: master}, {0: writeEnd}, pty=True)
