"""A listening Unix stream socket: bind its name safely, accept connections, remove the file.

This module owns :class:`UNIXPort` (``IListeningPort``), what ``listenUNIX`` returns. It is the
TCP port of :mod:`reactor.tcp._port` -- the bounded accept loop, the spare descriptor that keeps
running out of descriptors from becoming a busy loop -- with a Unix name instead of an IP
address: binding goes through :func:`reactor.unix._paths.bindPath` (a dead server's file is
replaced, a live server's never taken, the mode set before anyone can connect), each accepted
socket becomes a :class:`reactor.unix._connection.UNIXConnection`, and stopping removes the
socket file (only if it is still ours) and the ``wantPID`` lock file.

It does not move connection bytes (the transport does) and owns no path policy beyond calling
:mod:`reactor.unix._paths`.

Reactor thread only.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from zope.interface import classImplementsOnly  # type: ignore[import-untyped]

from deferred import Deferred, succeed
from reactor.address import UNIXAddress
from reactor.interfaces import IListeningPort
from reactor.tcp import Port
from reactor.tcp._port import _openSpare
from reactor.unix._connection import UNIXConnection
from reactor.unix._paths import (
    FileIdentity,
    acquirePIDLock,
    bindPath,
    isAbstract,
    lockPathFor,
    releasePIDLock,
    removeIfOurs,
)

__all__ = ["UNIXPort"]

log = logging.getLogger("reactor.unix")


class UNIXPort(Port):
    """A Unix stream socket listening at ``address`` for ``factory``; see the module docstring.

    ``mode`` is the socket file's permission bits (not a umask); ``wantPID`` holds the lock
    file ``address + ".lock"`` (naming this process) while listening. Both mean nothing for a
    Linux abstract name (``"\\0name"``), for which ``wantPID`` is refused.
    """

    def __init__(
        self,
        address: str,
        factory: Any,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
        reactor: Any = None,
    ) -> None:
        if not isinstance(address, str) or not address:
            raise ValueError(f"a Unix socket address is a non-empty str, not {address!r}")
        if wantPID and isAbstract(address):
            raise ValueError("wantPID needs a path: an abstract name has no lock file")
        super().__init__(port=0, factory=factory, backlog=backlog, reactor=reactor)
        #: The name listened on, as given.
        self.address = address
        self.mode = mode
        self.wantPID = wantPID
        self._unixHost = UNIXAddress(address)
        self._identity: FileIdentity | None = None
        self._lockPath: str | None = None

    def startListening(self) -> None:
        """Take the lock file (``wantPID``), bind, listen, start the factory, accept.

        :raises CannotListenError: if another process listens at the address (or holds its
            lock file), a file that is not a socket is in the way, or binding fails otherwise.
        """
        if self.socket is not None:
            return
        if self.wantPID:
            lockPath = lockPathFor(self.address)
            acquirePIDLock(lockPath)
            self._lockPath = lockPath
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            self._identity = bindPath(
                sock, self.address, self.mode, lambda: sock.listen(self.backlog)
            )
        except BaseException:
            sock.close()
            self._releaseLock()
            raise
        self.socket = sock
        self._fd = sock.fileno()
        self._spare = _openSpare()
        self.connected = True
        try:
            self.reactor.addReader(self)
        except BaseException:
            self._close()
            raise
        self.factory.doStart()
        log.info("%s listening on %r", type(self.factory).__name__, self.address)

    def stopListening(self) -> Deferred[None]:
        """Close the socket, remove its file (if still ours) and the lock file, stop the
        factory. Connections already accepted stay open. Fires before it returns."""
        if self.socket is not None:
            self._close()
            self.factory.doStop()
            log.info("Stopped listening on %r", self.address)
        return succeed(None)

    loseConnection = stopListening

    def _close(self) -> None:
        super()._close()
        identity, self._identity = self._identity, None
        removeIfOurs(self.address, identity)
        self._releaseLock()

    def _releaseLock(self) -> None:
        lockPath, self._lockPath = self._lockPath, None
        if lockPath is not None:
            releasePIDLock(lockPath)

    def getHost(self) -> UNIXAddress:  # type: ignore[override]
        """Return the address listened on."""
        return self._unixHost

    def _start(self, sock: socket.socket, peer: Any) -> None:
        # An accepted connection: the peer's name is "" (str or bytes) when it is unbound.
        try:
            sock.setblocking(False)
        except OSError:
            sock.close()
            return
        peerAddress = UNIXAddress(peer or None)
        transport = UNIXConnection(sock, self.reactor, self._unixHost, peerAddress)
        try:
            self.reactor.addReader(transport)
        except (OSError, ValueError) as e:
            log.error("Cannot serve a connection on %r: %s; closing it", self.address, e)
            sock.close()
            return
        try:
            protocol = self.factory.buildProtocol(peerAddress)
        except Exception:
            log.exception("Unhandled error in buildProtocol of %r; closing it", self.factory)
            protocol = None
        if protocol is None:
            self.reactor.removeReader(transport)
            sock.close()
            return
        transport.attach(protocol)

    def __repr__(self) -> str:
        state = "listening" if self.socket is not None else "not listening"
        return f"<UNIX Port {self.logPrefix()} on {self.address!r} {state}>"


classImplementsOnly(UNIXPort, IListeningPort)
