"""``ProcessEndpoint``: a client endpoint whose "connection" is a child process's stdio.

This module owns :class:`ProcessEndpoint` (Twisted's ``twisted.internet.endpoints.
ProcessEndpoint``) and :class:`StandardErrorBehavior`: ``connect(factory)`` builds a stream
protocol with ``factory``, spawns the child, and fires with the protocol once it is connected.
The protocol's transport is the process transport itself -- treadle's is a full ``ITransport``,
so unlike Twisted no proxy is needed: ``write`` feeds the child's stdin, ``loseConnection``
closes its pipes. What the child writes on stdout arrives in ``dataReceived``; what it writes on
stderr is logged (``StandardErrorBehavior.LOG``, on the ``reactor.process`` logger at INFO) or
dropped (``DROP``); when the child has exited and its pipes are closed the protocol gets
``connectionLost`` -- ``ConnectionDone`` for exit status 0, else the ``ProcessTerminated``.
It does not start processes itself (:func:`reactor.process.spawnProcess` does).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from zope.interface import implementer  # type: ignore[import-untyped]

from deferred import Deferred, Failure, fail, succeed
from reactor.error import ConnectionDone, NoProtocol, ProcessDone
from reactor.interfaces import IStreamClientEndpoint, ProtocolFactory, StreamProtocol
from reactor.process._process import ProcessAddress
from reactor.protocol import ProcessProtocol

__all__ = ["ProcessEndpoint", "StandardErrorBehavior"]

log = logging.getLogger("reactor.process")


class StandardErrorBehavior(enum.Enum):
    """What a :class:`ProcessEndpoint` does with what the child writes on stderr."""

    #: Log each piece on the ``reactor.process`` logger (INFO).
    LOG = "log"
    #: Ignore it.
    DROP = "drop"


class _StreamOverProcess(ProcessProtocol):
    """A process protocol that drives a stream protocol: stdout in, stdin out, end as close."""

    def __init__(
        self, protocol: StreamProtocol, executable: str | bytes, errFlag: StandardErrorBehavior
    ) -> None:
        self.protocol = protocol
        self.executable = executable
        self.errFlag = errFlag

    def makeConnection(self, transport: Any) -> None:
        """Hand the process transport to the stream protocol as its transport."""
        self.transport = transport
        self.connected = True
        self.protocol.makeConnection(transport)

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        """Stdout goes to ``dataReceived``; stderr is logged or dropped; others are ignored."""
        if childFD == 1:
            self.protocol.dataReceived(data)
        elif childFD == 2 and self.errFlag is StandardErrorBehavior.LOG:
            log.info(
                "Process %r wrote to stderr (unhandled by %r): %r",
                self.executable,
                self.protocol,
                data,
            )

    def processEnded(self, reason: Failure) -> None:
        """Tell the stream protocol: ``ConnectionDone`` for exit status 0, else the reason."""
        if reason.check(ProcessDone):
            reason = Failure(ConnectionDone())
        self.protocol.connectionLost(reason)


@implementer(IStreamClientEndpoint)
class ProcessEndpoint:
    """A client endpoint that spawns ``executable`` for each ``connect``.

    The arguments are :func:`reactor.process.spawnProcess`'s (``env=None``: this process's
    environment), plus ``errFlag``, what to do with the child's stderr.
    """

    def __init__(
        self,
        reactor: Any,
        executable: str | bytes,
        args: Sequence[str | bytes] = (),
        env: Mapping[str, str] | None = None,
        path: str | None = None,
        uid: int | None = None,
        gid: int | None = None,
        usePTY: bool = False,
        childFDs: Mapping[int, int | str] | None = None,
        errFlag: StandardErrorBehavior = StandardErrorBehavior.LOG,
    ) -> None:
        self._reactor = reactor
        self._executable = executable
        self._args = args
        self._env = env
        self._path = path
        self._uid = uid
        self._gid = gid
        self._usePTY = usePTY
        self._childFDs = childFDs
        self._errFlag = errFlag

    def __repr__(self) -> str:
        return f"<ProcessEndpoint {self._executable!r} {list(self._args)!r}>"

    def connect(self, protocolFactory: ProtocolFactory) -> Deferred[Any]:
        """Spawn the child with a protocol from ``protocolFactory``; fire with that protocol.

        Fails with the ``OSError`` if the child cannot be started, with ``NoProtocol`` if the
        factory refuses (``buildProtocol`` returns None; nothing is spawned then).
        """
        try:
            protocol = protocolFactory.buildProtocol(ProcessAddress())
            if protocol is None:
                raise NoProtocol(f"{protocolFactory!r} built no protocol")
            self._reactor.spawnProcess(
                _StreamOverProcess(protocol, self._executable, self._errFlag),
                self._executable,
                self._args,
                self._env,
                self._path,
                self._uid,
                self._gid,
                self._usePTY,
                self._childFDs,
            )
        except BaseException:
            return fail(Failure())
        return succeed(protocol)
