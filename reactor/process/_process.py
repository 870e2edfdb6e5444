"""The transport of one running child process: its pipes, its exit, its protocol's calls.

This module owns :class:`Process`, Twisted's ``IProcessTransport``: it holds the parent's ends
of the child's pipes (a :class:`reactor.fd._pipes.PipeReader` per descriptor the child writes,
a :class:`~reactor.fd._pipes.PipeWriter` per descriptor it reads), the
:class:`~reactor.process._reaping.ChildWatch` that reaps it, and the process protocol, and it
turns their events into the protocol's calls. It does not start the child
(:mod:`reactor.process._spawn`), make the pipes (:mod:`reactor.process`) or read and write
descriptors itself (the pipe halves do).

What the protocol sees, and when (Twisted's contract, kept):

* ``makeConnection(process)`` once, before anything else;
* ``childDataReceived(fd, data)`` as the child writes, and ``childConnectionLost(fd)`` once per
  pipe when it closes -- whichever end closed it (the child exited or closed it; the parent
  called ``closeChildFD``; the child stopped reading its stdin, which the writer notices even
  when idle);
* ``processExited(reason)`` once, when the child has been reaped (``pid`` is None from then on
  and ``signalProcess`` raises ``ProcessExitedAlready``);
* ``processEnded(reason)`` once, last, when the child has been reaped *and* every pipe is closed.
  A grandchild that inherited a pipe therefore holds ``processEnded`` back until it closes it,
  as in Twisted: close the pipe (``closeChildFD``/``loseConnection``) to stop waiting.

An exception raised by one of the protocol's handlers is logged on the ``reactor.process``
logger; one from ``childDataReceived`` also closes that pipe (the pipe half does that), as an
exception in ``dataReceived`` drops a TCP connection.

With a pseudo-terminal (``usePTY=True``) there is one master descriptor: what the child writes
on its terminal arrives as ``childDataReceived(1, ...)``, ``write``/``writeToChild(0, ...)`` go
to the terminal (a duplicate of the master, so each half closes its own descriptor), and when
the child side hangs up (EIO on the master: end of file) both halves close. ``closeStdin``,
``closeStdout`` and ``closeStderr`` do nothing there, as in Twisted: a terminal cannot be
half-closed (write its end-of-file character, ``b"\\x04"``, instead); ``loseConnection``
closes the master, which hangs the terminal up.

Reactor thread only.
"""

from __future__ import annotations

import logging
import os
import signal as signalModule
from collections.abc import Iterable
from typing import Any

import attrs
from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Failure
from reactor._processinterfaces import ChildProcessProtocol, IProcessTransport
from reactor.error import ProcessExitedAlready
from reactor.fd._pipes import PipeReader, PipeWriter
from reactor.interfaces import IAddress, IConsumer, IPushProducer
from reactor.process._reaping import ChildWatch, watchChild
from reactor.process._status import reasonFor

__all__ = ["Process", "ProcessAddress", "signalNumber"]

log = logging.getLogger("reactor.process")


@attrs.frozen
class ProcessAddress:
    """The address of either end of a process transport (it has none; Twisted's too)."""


classImplements(ProcessAddress, IAddress)


def signalNumber(signalID: str | int) -> int:
    """The signal number for ``"TERM"``, ``"SIGTERM"``, ``"KILL"``... or a number.

    :raises ValueError: for a name this system does not know.
    """
    if isinstance(signalID, int):
        return signalID
    name = signalID.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    number = getattr(signalModule, name, None)
    if not isinstance(number, int) or name.startswith("SIG_"):
        raise ValueError(f"unknown signal {signalID!r}")
    return number


class Process:
    """A running child process as its protocol's transport (``IProcessTransport``).

    Made by :func:`reactor.process.spawnProcess`, which hands over the parent's ends of the
    pipes (the process owns and closes them from then on) and the child's pid. The protocol
    may use it as an ``ITransport`` too: ``write`` writes to the child's stdin, and a producer
    registered with it is paced by the stdin pipe's buffer.
    """

    #: The child's process id; None once it has been reaped.
    pid: int | None
    #: The raw wait status once the child has been reaped (``os.waitstatus_to_exitcode``).
    status: int | None
    #: The parent's end of each open pipe, by the child's descriptor number.
    pipes: dict[int, PipeReader | PipeWriter]
    #: True once ``loseConnection`` was called.
    disconnecting: bool

    def __init__(
        self,
        reactor: Any,
        protocol: ChildProcessProtocol,
        pid: int,
        readFDs: dict[int, int],
        writeFDs: dict[int, int],
        *,
        pty: bool = False,
    ) -> None:
        """Take over the parent's ends ``readFDs``/``writeFDs`` (by child descriptor) of the
        pipes of child ``pid``, start watching it, and connect ``protocol``.

        With ``pty``, ``readFDs`` is ``{1: master}`` and ``writeFDs`` ``{0: dup of master}``.
        If a descriptor cannot be watched (select and a descriptor >= FD_SETSIZE), every one
        of them is closed, the child is killed and reaped, and the error propagates.
        """
        self.reactor = reactor
        self.proto = protocol
        self.pid = pid
        self.status = None
        self.pipes = {}
        self.disconnecting = False
        self._pty = pty
        self._exitReason: Failure | None = None
        self._ended = False
        taken: set[int] = set()
        try:
            for childFD, fd in readFDs.items():
                self.pipes[childFD] = PipeReader(
                    reactor, fd, self._dataCallback(childFD), self._lostCallback(childFD)
                )
                taken.add(fd)
            for childFD, fd in writeFDs.items():
                self.pipes[childFD] = PipeWriter(
                    reactor,
                    fd,
                    self._lostCallback(childFD),
                    watchForClose=False if pty else None,
                )
                taken.add(fd)
        except BaseException:
            for fd in [*readFDs.values(), *writeFDs.values()]:
                if fd not in taken:
                    os.close(fd)
            self._abandon()
            raise
        self._watch: ChildWatch = watchChild(reactor, pid, self._exited)
        try:
            protocol.makeConnection(self)
        except Exception:
            log.exception("Unhandled error in makeConnection/connectionMade of %r", protocol)

    def _abandon(self) -> None:
        """Setting up failed: kill and reap the child, close what was taken over (no calls)."""
        for pipe in self.pipes.values():
            fd = pipe.fileno()
            self.reactor.removeReader(pipe)
            self.reactor.removeWriter(pipe)
            if fd >= 0:
                os.close(fd)
        self.pipes.clear()
        pid = self.pid
        assert pid is not None
        try:
            os.kill(pid, signalModule.SIGKILL)
        finally:
            os.waitpid(pid, 0)

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.pid is not None else f"exited ({self.status})"
        return f"<Process {state} pipes={sorted(self.pipes)} {self.proto!r}>"

    def logPrefix(self) -> str:
        """The protocol's class name, for log lines about this process."""
        return type(self.proto).__name__

    # --- events from the pipes and the watch ---------------------------------------------

    def _dataCallback(self, childFD: int) -> Any:
        childDataReceived = self.proto.childDataReceived

        def dataReceived(data: bytes) -> None:
            childDataReceived(childFD, data)

        return dataReceived

    def _lostCallback(self, childFD: int) -> Any:
        def connectionLost(reason: Failure) -> None:
            self._childConnectionLost(childFD, reason)

        return connectionLost

    def _childConnectionLost(self, childFD: int, reason: Failure) -> None:
        self.pipes.pop(childFD, None)
        try:
            self.proto.childConnectionLost(childFD)
        except Exception:
            log.exception("Unhandled error in childConnectionLost(%d) of %r", childFD, self.proto)
        if self._pty:
            # The terminal hung up (or was closed): the other half has nothing left to do.
            for pipe in list(self.pipes.values()):
                if isinstance(pipe, PipeWriter):
                    pipe.abortConnection()
                else:
                    pipe.loseConnection()
        self._maybeEnd()

    def _exited(self, status: int | None) -> None:
        self.status = status
        self.pid = None
        reason = self._exitReason = reasonFor(status)
        try:
            self.proto.processExited(reason)
        except Exception:
            log.exception("Unhandled error in processExited of %r", self.proto)
        self._maybeEnd()

    def _maybeEnd(self) -> None:
        reason = self._exitReason
        if self.pipes or reason is None or self._ended:
            return
        self._ended = True
        try:
            self.proto.processEnded(reason)
        except Exception:
            log.exception("Unhandled error in processEnded of %r", self.proto)

    # --- IProcessTransport ---------------------------------------------------------------

    def writeToChild(self, childFD: int, data: bytes) -> None:
        """Write ``data`` to the pipe read by the child's descriptor ``childFD``.

        :raises KeyError: if the parent does not write to that descriptor (or closed it).
        """
        pipe = self.pipes[childFD]
        if not isinstance(pipe, PipeWriter):
            raise KeyError(f"the child writes descriptor {childFD}; the parent cannot")
        pipe.write(data)

    def closeChildFD(self, descriptor: int) -> None:
        """Close the parent's end of the pipe of child descriptor ``descriptor``.

        A pipe to the child is closed once what was written has been sent. Nothing happens if
        there is no such pipe (any more).
        """
        pipe = self.pipes.get(descriptor)
        if pipe is not None:
            pipe.loseConnection()

    def closeStdin(self) -> None:
        """Close the child's stdin once what was written has been sent (not with a PTY)."""
        if not self._pty:
            self.closeChildFD(0)

    def closeStdout(self) -> None:
        """Stop reading the child's stdout and close the pipe (not with a PTY)."""
        if not self._pty:
            self.closeChildFD(1)

    def closeStderr(self) -> None:
        """Stop reading the child's stderr and close the pipe (not with a PTY)."""
        if not self._pty:
            self.closeChildFD(2)

    def loseConnection(self) -> None:
        """Close stdin (after sending what was written), stderr and stdout; every pipe with
        a PTY. The child is not signalled: it sees end of file (or SIGPIPE, or a hang-up)."""
        self.disconnecting = True
        if self._pty:
            for pipe in list(self.pipes.values()):
                pipe.loseConnection()
            return
        self.closeStdin()
        self.closeStderr()
        self.closeStdout()

    def abortConnection(self) -> None:
        """Close every pipe at once, dropping what was not yet written to the child."""
        self.disconnecting = True
        for pipe in list(self.pipes.values()):
            if isinstance(pipe, PipeWriter):
                pipe.abortConnection()
            else:
                pipe.loseConnection()

    def signalProcess(self, signalID: str | int) -> None:
        """Send the child a signal: ``"TERM"``, ``"KILL"``, ``"INT"``, ``"HUP"``... or a number.

        Never reaches a recycled pid: until this process reaps the child, its pid stays taken.

        :raises ProcessExitedAlready: if the child has exited and was reaped.
        :raises ValueError: for an unknown signal name.
        """
        number = signalNumber(signalID)
        if self.pid is None:
            raise ProcessExitedAlready()
        self._watch.signal(number)

    # --- ITransport, IConsumer, IPushProducer ------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write ``data`` to the child's stdin (ignored once stdin is closed)."""
        pipe = self.pipes.get(0)
        if isinstance(pipe, PipeWriter):
            pipe.write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each of ``data`` to the child's stdin (ignored once stdin is closed)."""
        pipe = self.pipes.get(0)
        if isinstance(pipe, PipeWriter):
            pipe.writeSequence(data)

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Pace ``producer`` by the stdin pipe's buffer; with stdin closed it is stopped.

        :raises RuntimeError: if a producer is registered already.
        """
        pipe = self.pipes.get(0)
        if isinstance(pipe, PipeWriter):
            pipe.registerProducer(producer, streaming)
        else:
            producer.stopProducing()

    def unregisterProducer(self) -> None:
        """Detach the producer registered for stdin (if any)."""
        pipe = self.pipes.get(0)
        if isinstance(pipe, PipeWriter):
            pipe.unregisterProducer()

    def pauseProducing(self) -> None:
        """Stop reading every pipe from the child until :meth:`resumeProducing`."""
        for pipe in self.pipes.values():
            if isinstance(pipe, PipeReader):
                pipe.pauseProducing()

    def resumeProducing(self) -> None:
        """Read the child's pipes again after :meth:`pauseProducing`."""
        for pipe in self.pipes.values():
            if isinstance(pipe, PipeReader):
                pipe.resumeProducing()

    def stopProducing(self) -> None:
        """Stop for good: :meth:`loseConnection`."""
        self.loseConnection()

    def getPeer(self) -> ProcessAddress:
        """A :class:`ProcessAddress` (a child has no network address)."""
        return ProcessAddress()

    def getHost(self) -> ProcessAddress:
        """A :class:`ProcessAddress` (a child has no network address)."""
        return ProcessAddress()

    def getHandle(self) -> dict[int, int]:
        """The parent's end of each open pipe, by the child's descriptor number.

        Low-level access for what treadle does not wrap -- ``fcntl(fd, F_SETPIPE_SZ, ...)`` to
        grow a pipe, say. The descriptors stay the transport's: do not close them.
        """
        return {childFD: pipe.fileno() for childFD, pipe in self.pipes.items()}


classImplements(Process, IProcessTransport, IConsumer, IPushProducer)
