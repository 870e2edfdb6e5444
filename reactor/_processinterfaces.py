"""The contracts of child processes: the process transport, the process protocol, the reactor.

This module owns the interfaces of :mod:`reactor.process` -- what a process protocol may call on
its transport (Twisted's ``IProcessTransport``), what the transport calls on the protocol
(``IProcessProtocol``) and the reactor method that starts a child (``IReactorProcess``). It holds
no behaviour: the transport lives in :mod:`reactor.process`, the base protocol class in
:mod:`reactor.protocol`. :mod:`reactor.interfaces` re-exports these names.

As in :mod:`reactor._netinterfaces`, each contract is written once as a ``typing.Protocol`` and
its zope.interface twin (Twisted's ``I``-prefixed name) is generated from it. The typing twin of
``IProcessProtocol`` is ``ChildProcessProtocol``, because ``ProcessProtocol`` is the base class
in :mod:`reactor.protocol` (the same reason ``IProtocol``'s twin is ``StreamProtocol``).

One addition to Twisted's ``IProcessTransport``: it extends ``ITransport`` here, and treadle's
process transport really provides it (``write``, ``writeSequence``, producers, ``getPeer``...),
so a stream protocol can be driven by a child's stdio without a wrapper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from reactor._netinterfaces import ITransport, Transport, _zopeTwin

if TYPE_CHECKING:
    from deferred import Failure

__all__ = [
    "ChildProcessProtocol",
    "IProcessProtocol",
    "IProcessTransport",
    "IReactorProcess",
    "ProcessTransport",
    "ReactorProcess",
]


class ProcessTransport(Transport, Protocol):
    """A running child process, as its protocol sees it (Twisted's ``IProcessTransport``).

    ``write`` writes to the child's stdin (``writeToChild(0, ...)``); ``loseConnection`` closes
    stdin once what was written has been sent, and closes stdout and stderr.
    """

    #: The child's process id; None once it has been reaped.
    pid: int | None

    def closeStdin(self) -> None:
        """Close the child's stdin once what was written to it has been sent."""
        ...

    def closeStdout(self) -> None:
        """Stop reading the child's stdout and close our end (the child may get SIGPIPE)."""
        ...

    def closeStderr(self) -> None:
        """Stop reading the child's stderr and close our end."""
        ...

    def closeChildFD(self, descriptor: int) -> None:
        """Close our end of the pipe connected to the child's descriptor ``descriptor``."""
        ...

    def writeToChild(self, childFD: int, data: bytes) -> None:
        """Write ``data`` to the pipe connected to the child's descriptor ``childFD``.

        :raises KeyError: if the parent does not write to that child descriptor.
        """
        ...

    def signalProcess(self, signalID: str | int) -> None:
        """Send the child a signal: ``"TERM"``, ``"KILL"``, ``"INT"``, ``"HUP"``... or a number.

        :raises ProcessExitedAlready: if the child has exited and was reaped.
        """
        ...


class ChildProcessProtocol(Protocol):
    """What a process transport calls (Twisted's ``IProcessProtocol``).

    ``makeConnection`` once; then ``childDataReceived`` and ``childConnectionLost`` (once per
    pipe) in any order with ``processExited`` (once, when the child was reaped); finally
    ``processEnded`` once, after the child was reaped *and* every pipe was closed.
    """

    def makeConnection(self, process: ProcessTransport) -> None:
        """Attach the process transport and call ``connectionMade``."""
        ...

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """The child wrote ``data`` to its descriptor ``childFD``."""
        ...

    def childConnectionLost(self, childFD: int) -> None:
        """The pipe to or from the child's descriptor ``childFD`` was closed."""
        ...

    def processExited(self, reason: Failure) -> None:
        """The child exited (``ProcessDone`` or ``ProcessTerminated``); pipes may be open."""
        ...

    def processEnded(self, reason: Failure) -> None:
        """The child exited and all its pipes are closed; the last call."""
        ...


class ReactorProcess(Protocol):
    """A reactor that starts child processes (Twisted's ``IReactorProcess``)."""

    def spawnProcess(
        self,
        processProtocol: ChildProcessProtocol,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str, str] | None = None,
        path: str | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool = False,
        childFDs: Mapping[int, int | str] | None = None,
    ) -> ProcessTransport:
        """Start ``executable`` with argument vector ``args`` driven by ``processProtocol``."""
        ...


IProcessTransport = _zopeTwin(ProcessTransport, ITransport)
IProcessProtocol = _zopeTwin(ChildProcessProtocol, name="IProcessProtocol")
IReactorProcess = _zopeTwin(ReactorProcess)
