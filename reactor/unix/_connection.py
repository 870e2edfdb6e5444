"""The transport of one connected Unix stream socket, with descriptor passing (``SCM_RIGHTS``).

This module owns :class:`UNIXConnection`, Twisted's ``IUNIXTransport``: the TCP transport of
:mod:`reactor.tcp._connection` (its buffer, producer pacing, closing and half-close, all
unchanged) with Unix addresses and two additions:

* **Sending descriptors.** ``sendFileDescriptor(fd)`` duplicates ``fd`` at once (so the caller
  may close its copy straight away; Twisted sends the caller's descriptor later and breaks if
  it was closed meanwhile) and attaches it to the *first byte written after the call*: a
  stream socket carries ancillary data only alongside bytes. Each such attachment is a *mark*
  at a position of the outgoing stream. While marks are pending the transport never sends
  straight from ``write``; :meth:`UNIXConnection.doWrite` sends up to the next mark with a
  plain send and from the mark with one ``sendmsg`` carrying its descriptors, so descriptors
  keep their order with respect to the writes around them (Twisted promises no such order).
  Our duplicate is closed once the kernel holds the descriptor in flight, or when the
  connection ends first. Descriptors sent after the last byte ever written are never sent.
* **Receiving descriptors.** If the protocol provides ``IFileDescriptorReceiver``, reads use
  ``recvmsg`` and each descriptor that arrives is given to ``fileDescriptorReceived`` before
  ``dataReceived`` gets the bytes it arrived with (Linux may deliver a few bytes written just
  before it in the same read). Protocols that do not provide it read with a plain ``recv``, as
  TCP does (recvmsg costs more per read); the kernel then discards any descriptor sent to them
  (closes it, nothing leaks), where Twisted logs that it did.

The TCP-only options (``TCP_NODELAY``, ``SO_KEEPALIVE``) mean nothing here; their methods answer
False and ignore settings, as Twisted's Unix transports do.

Reactor thread only.
"""

from __future__ import annotations

import array
import logging
import os
import socket
from collections import deque
from collections.abc import Callable
from typing import Any

from zope.interface import classImplementsOnly  # type: ignore[import-untyped]

from deferred import Failure
from reactor._unixinterfaces import IFileDescriptorReceiver, IUNIXTransport
from reactor.address import UNIXAddress
from reactor.interfaces import IConsumer, IPushProducer
from reactor.tcp import Connection
from reactor.tcp._connection import READ_SIZE

__all__ = ["MAX_DESCRIPTORS_PER_MESSAGE", "UNIXConnection"]

log = logging.getLogger("reactor.unix")

#: Most descriptors one ``sendmsg`` carries (Linux's ``SCM_MAX_FD``); more descriptors queued
#: for the same byte ride on the bytes after it, this many at a time.
MAX_DESCRIPTORS_PER_MESSAGE = 253

# Ancillary space of one read: room for a full message of descriptors, so none is truncated.
_ANCILLARY_SPACE = socket.CMSG_SPACE(MAX_DESCRIPTORS_PER_MESSAGE * array.array("i").itemsize)


class _Mark:
    """Descriptors waiting to ride on the byte at ``position`` of the outgoing stream."""

    __slots__ = ("descriptors", "position")

    def __init__(self, position: int) -> None:
        self.position = position
        self.descriptors: list[int] = []


class _LimitedSender:
    """Stands in for the socket in ``WriteBuffer.sendTo``: sends at most ``limit`` bytes, with
    ``descriptors`` (if any) as ``SCM_RIGHTS`` ancillary data, in one ``sendmsg``."""

    __slots__ = ("_ancillary", "_limit", "_socket")

    def __init__(self, sock: socket.socket, limit: int | None, descriptors: list[int]) -> None:
        self._socket = sock
        self._limit = limit
        self._ancillary = (
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", descriptors))]
            if descriptors
            else []
        )

    def send(self, data: Any) -> int:
        return self.sendmsg([data])

    def sendmsg(self, buffers: list[Any]) -> int:
        room = self._limit
        vector: list[Any] = []
        for chunk in buffers:
            if room is not None:
                view = memoryview(chunk)
                if len(view) >= room:
                    vector.append(view[:room])
                    break
                room -= len(view)
            vector.append(chunk)
        return self._socket.sendmsg(vector, self._ancillary)


class UNIXConnection(Connection):
    """A connected Unix stream socket as an ``IUNIXTransport``; see the module docstring.

    ``host`` and ``peer`` are this end's and the other end's addresses (``UNIXAddress(None)``
    for an unbound end, as a connecting client's usually is).
    """

    __slots__ = ("_fdSent", "_marks", "_receivesDescriptors", "_unixHost", "_unixPeer")

    def __init__(
        self,
        sock: socket.socket,
        reactor: Any,
        host: UNIXAddress,
        peer: UNIXAddress,
        onLost: Callable[[Failure], None] | None = None,
    ) -> None:
        super().__init__(sock, reactor, (), onLost=onLost)
        self._unixHost = host
        self._unixPeer = peer
        self._receivesDescriptors = False
        # Pending descriptor marks, oldest first; None while there are none (the fast path).
        self._marks: deque[_Mark] | None = None
        # Bytes sent since the first mark was made: the stream position marks count from.
        self._fdSent = 0

    def attach(self, protocol: Any) -> None:
        """Give the transport its protocol (see ``Connection.attach``)."""
        self._receivesDescriptors = IFileDescriptorReceiver.providedBy(protocol)
        super().attach(protocol)

    # --- receiving descriptors ------------------------------------------------------------------

    def doRead(self) -> object:
        """The socket is readable: read once (with descriptors, for a receiving protocol)."""
        if not self._receivesDescriptors:
            return Connection.doRead(self)
        try:
            data, ancillary, flags, _ = self.socket.recvmsg(READ_SIZE, _ANCILLARY_SPACE)
        except BlockingIOError:
            return None
        except OSError as e:
            return self._lostFrom(e)
        if ancillary:
            problem = self._deliverDescriptors(ancillary)
            if problem is not None:
                return problem
        if flags & socket.MSG_CTRUNC:
            log.warning("%r: descriptors were dropped (more than fit in one read)", self)
        if data:
            try:
                self.protocol.dataReceived(data)
            except Exception:
                log.exception(
                    "Unhandled error in dataReceived of %r; dropping the connection", self
                )
                return Failure()
            return None
        return self._readEOF()

    def _deliverDescriptors(self, ancillary: list[tuple[int, int, bytes]]) -> Failure | None:
        received: list[int] = []
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                descriptors = array.array("i")
                usable = len(payload) - len(payload) % descriptors.itemsize
                descriptors.frombytes(payload[:usable])
                received.extend(descriptors)
        for index, fd in enumerate(received):
            try:
                self.protocol.fileDescriptorReceived(fd)
            except Exception:
                log.exception(
                    "Unhandled error in fileDescriptorReceived of %r; dropping the connection",
                    self,
                )
                for unclaimed in received[index + 1 :]:
                    os.close(unclaimed)
                return Failure()
        return None

    # --- sending descriptors --------------------------------------------------------------------

    def sendFileDescriptor(self, descriptor: int) -> None:
        """Send a duplicate of ``descriptor`` with the first byte written after this call.

        The duplicate is made now: close your copy whenever you like. Ignored once the
        connection is closing or closed (as ``write`` is after its writing direction ends).

        :raises OSError: if ``descriptor`` is not an open descriptor.
        """
        if self.disconnected or self.disconnecting:
            return
        duplicate = os.dup(descriptor)  # Inheritable=False: not leaked into child processes.
        marks = self._marks
        if marks is None:
            marks = self._marks = deque()
            self._fdSent = 0
        position = self._fdSent + self._buffer.size
        last = marks[-1] if marks else None
        if last is not None and last.position >= position:
            if len(last.descriptors) < MAX_DESCRIPTORS_PER_MESSAGE:
                last.descriptors.append(duplicate)
                return
            position = last.position + 1
        mark = _Mark(position)
        mark.descriptors.append(duplicate)
        marks.append(mark)
        self._direct = False  # write() must buffer now, so doWrite can attach the marks.

    def _updateDirect(self) -> None:
        super()._updateDirect()
        if self._marks:
            self._direct = False

    def doWrite(self) -> object:
        """The socket is writable: send what is buffered, descriptors on their bytes."""
        if self._marks:
            lost = self._sendMarked()
            if lost is not None:
                return lost
            if self._marks and self._buffer.size:
                return None  # The kernel is full; wait for writability again.
        return Connection.doWrite(self)

    def _sendMarked(self) -> object:
        """Send buffered bytes until the marks are sent or the kernel takes no more."""
        marks = self._marks
        buffer = self._buffer
        assert marks is not None
        while marks and buffer.size:
            mark = marks[0]
            before = mark.position - self._fdSent
            if before > 0:
                sender = _LimitedSender(self.socket, before, [])
            else:
                following = marks[1].position - mark.position if len(marks) > 1 else None
                sender = _LimitedSender(self.socket, following, mark.descriptors)
            try:
                sent = buffer.sendTo(sender)  # type: ignore[arg-type]
            except OSError as e:
                return self._lostFrom(e)
            if not sent:
                return None
            self._fdSent += sent
            if before <= 0:
                marks.popleft()
                _closeAll(mark.descriptors)
        if not marks:
            self._marks = None
            self._updateDirect()
        return None

    def connectionLost(self, reason: Failure) -> None:
        """Tear down (see ``Connection.connectionLost``); close descriptors never sent."""
        marks, self._marks = self._marks, None
        if marks:
            for mark in marks:
                _closeAll(mark.descriptors)
        super().connectionLost(reason)

    # --- addresses and options ------------------------------------------------------------------

    def getPeer(self) -> UNIXAddress:  # type: ignore[override]
        """Return the other end's address (``UNIXAddress(None)`` if it is unbound)."""
        return self._unixPeer

    def getHost(self) -> UNIXAddress:  # type: ignore[override]
        """Return this end's address (``UNIXAddress(None)`` if it is unbound)."""
        return self._unixHost

    def getTcpNoDelay(self) -> bool:
        """Always False: Unix sockets have no Nagle algorithm (as Twisted answers)."""
        return False

    def setTcpNoDelay(self, enabled: bool) -> None:
        """Ignored: Unix sockets have no Nagle algorithm."""

    def getTcpKeepAlive(self) -> bool:
        """Always False: Unix sockets have no keep-alive probes."""
        return False

    def setTcpKeepAlive(self, enabled: bool) -> None:
        """Ignored: Unix sockets have no keep-alive probes."""

    def __repr__(self) -> str:
        state = "closed" if self.disconnected else self._write.value
        where = self._unixHost.name or self._unixPeer.name
        return f"<UNIX {self.logPrefix()} fd={self._fd} on {where!r} {state}>"


def _closeAll(descriptors: list[int]) -> None:
    for fd in descriptors:
        try:
            os.close(fd)
        except OSError:
            pass
    descriptors.clear()


classImplementsOnly(UNIXConnection, IUNIXTransport, IConsumer, IPushProducer)
