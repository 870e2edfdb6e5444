"""A listening TCP port on a readiness reactor: accept connections, hand them to transports.

This module owns :class:`Port` (Twisted's ``IListeningPort``): it binds and listens, watches the
listening socket, accepts up to :data:`ACCEPTS_PER_EVENT` connections per readable event, asks
the factory for a protocol for each and starts a :class:`reactor.tcp._connection.Connection`.
It owns the reserve descriptor that keeps running out of descriptors from turning into a busy
loop. It does not move connection bytes (the transport does).

Running out of descriptors (``EMFILE``/``ENFILE``): the pending connection stays in the kernel's
accept queue, so a level-triggered backend reports the listening socket readable again at once,
forever -- a busy loop that also starves every other connection (Twisted's behaviour). As
servers such as nginx and libuv do, the port keeps one spare descriptor open (``/dev/null``);
when ``accept`` fails for lack of descriptors it closes the spare, accepts the pending
connection into the freed slot, closes that at once (the client sees its connection closed
rather than hanging), reopens the spare and logs it. If the spare cannot be reopened (something
else took the slot) the port stops accepting for :data:`RETRY_AFTER_EMFILE` seconds instead.

Reactor thread only.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, Failure, succeed
from reactor.interfaces import IListeningPort
from reactor.tcp._connection import Connection
from reactor.tcp._sockets import IPAddress, addressOf, listeningSocket, setNoDelay

__all__ = ["ACCEPTS_PER_EVENT", "RETRY_AFTER_EMFILE", "Port"]

log = logging.getLogger("reactor.tcp")

#: Most connections accepted per readable event: enough to take a burst in one pass, bounded
#: so that a flood of connections cannot starve the connections already open.
ACCEPTS_PER_EVENT = 64

#: Seconds to stop accepting when out of descriptors with no spare to shed a connection with.
RETRY_AFTER_EMFILE = 1.0

_OUT_OF_DESCRIPTORS = frozenset({errno.EMFILE, errno.ENFILE})
# Failures that concern only the connection being accepted: skip it and go on.
_SKIP = frozenset({errno.ECONNABORTED, errno.EPROTO, errno.EPERM, errno.EINTR})
# The kernel is short of memory: stop for this event, try again on the next.
_STOP_FOR_NOW = frozenset({errno.ENOBUFS, errno.ENOMEM})


def _openSpare() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


class Port:
    """A TCP port listening for connections for ``factory``; see the module docstring.

    ``listenTCP`` creates it and calls :meth:`startListening`. The factory is started
    (``doStart``) when listening starts and stopped (``doStop``) when it stops. ``reusePort``
    sets ``SO_REUSEPORT``: several processes may then listen on the port, the kernel spreading
    connections among them (``serverFromString(reactor, "tcp:8000:reusePort=1")``).
    """

    def __init__(
        self,
        port: int,
        factory: Any,
        backlog: int = 50,
        interface: str = "",
        reactor: Any = None,
        reusePort: bool = False,
    ) -> None:
        if reactor is None:
            from reactor import reactor as defaultReactor

            reactor = defaultReactor
        self.port = port
        self.factory = factory
        self.backlog = backlog
        self.interface = interface
        self.reactor = reactor
        self.reusePort = reusePort
        self.socket: socket.socket | None = None
        self.connected = False
        self._fd = -1
        self._spare: int | None = None
        self._host: IPAddress | None = None
        self._retry: Any = None

    def startListening(self) -> None:
        """Bind, listen, start the factory and accept connections.

        :raises CannotListenError: if the address cannot be bound or listened on.
        """
        if self.socket is not None:
            return
        sock = listeningSocket(self.port, self.backlog, self.interface, self.reusePort)
        self.socket = sock
        self._fd = sock.fileno()
        self._host = addressOf(sock.getsockname())
        self._spare = _openSpare()
        self.connected = True
        try:
            self.reactor.addReader(self)
        except BaseException:
            self._close()
            raise
        self.factory.doStart()
        log.info("%s listening on %s", type(self.factory).__name__, self._host)

    def stopListening(self) -> Deferred[None]:
        """Close the listening socket (connections already accepted stay open) and stop the
        factory. The returned Deferred has fired by the time this returns."""
        if self.socket is not None:
            self._close()
            self.factory.doStop()
            log.info("Stopped listening on %s", self._host)
        return succeed(None)

    loseConnection = stopListening

    def _close(self) -> None:
        self.reactor.removeReader(self)
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self.socket is not None:
            self.socket.close()
            self.socket = None
        self._fd = -1
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None
        self.connected = False

    def getHost(self) -> IPAddress:
        """Return the address listened on (with the real port when 0 was asked for)."""
        if self._host is None:
            raise RuntimeError(f"{self!r} is not listening")
        return self._host

    def getHandle(self) -> socket.socket | None:
        """Return the listening socket (None when not listening)."""
        return self.socket

    def fileno(self) -> int:
        """The listening socket's descriptor; -1 when not listening."""
        return self._fd

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the port (an error in ``doRead``): stop listening."""
        if self.socket is not None:
            log.error("Stopped listening on %s: %s", self._host, reason.getErrorMessage())
            self.stopListening()

    def doRead(self) -> None:
        """Accept up to :data:`ACCEPTS_PER_EVENT` pending connections."""
        listener = self.socket
        for _ in range(ACCEPTS_PER_EVENT):
            if listener is None or self.socket is not listener:
                return  # A protocol stopped the port while we were accepting.
            try:
                sock, peer = listener.accept()
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno in _SKIP:
                    continue
                if e.errno in _OUT_OF_DESCRIPTORS:
                    self._shedOne(listener, e)
                    return
                if e.errno in _STOP_FOR_NOW:
                    log.warning("accept() on %s failed: %s; trying again later", self._host, e)
                    return
                raise
            self._start(sock, peer)

    def _start(self, sock: socket.socket, peer: Any) -> None:
        try:
            sock.setblocking(False)
            setNoDelay(sock)
        except OSError:
            sock.close()  # Reset before we got to it; nothing to serve.
            return
        transport = Connection(sock, self.reactor, peer)
        try:
            self.reactor.addReader(transport)
        except (OSError, ValueError) as e:
            # select() cannot watch descriptors >= FD_SETSIZE, for one.
            log.error("Cannot serve the connection from %s: %s; closing it", peer, e)
            sock.close()
            return
        try:
            protocol = self.factory.buildProtocol(addressOf(peer))
        except Exception:
            log.exception("Unhandled error in buildProtocol of %r; closing it", self.factory)
            protocol = None
        if protocol is None:
            self.reactor.removeReader(transport)
            sock.close()
            return
        transport.attach(protocol)

    def _shedOne(self, listener: socket.socket, error: OSError) -> None:
        # Out of descriptors: see the module docstring.
        if self._spare is None:
            log.error(
                "accept() on %s failed: %s, and no spare descriptor is left to shed the "
                "connection with; not accepting for %s s",
                self._host,
                error,
                RETRY_AFTER_EMFILE,
            )
            self.reactor.removeReader(self)
            self._retry = self.reactor.callLater(RETRY_AFTER_EMFILE, self._resumeAccepting)
            return
        os.close(self._spare)
        self._spare = None
        try:
            sock, _ = listener.accept()
        except OSError:
            pass
        else:
            sock.close()
        self._spare = _openSpare()
        log.error(
            "accept() on %s failed: %s; closed one pending connection to keep going",
            self._host,
            error,
        )

    def _resumeAccepting(self) -> None:
        self._retry = None
        if self.socket is not None:
            if self._spare is None:
                self._spare = _openSpare()
            self.reactor.addReader(self)

    def logPrefix(self) -> str:
        """The factory's class name, for log lines."""
        return type(self.factory).__name__

    def __repr__(self) -> str:
        where = self._host if self._host is not None else f"{self.interface}:{self.port}"
        state = "listening" if self.socket is not None else "not listening"
        return f"<TCP Port {self.logPrefix()} on {where} {state}>"


classImplements(Port, IListeningPort)
