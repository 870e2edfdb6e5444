"""Any file descriptor (or a pair of them) as a stream transport for a Protocol.

This module owns :class:`FileDescriptorTransport`, which gives a protocol the transport of a
TCP connection -- ``write``/``writeSequence`` through a write buffer, producers paced by
high/low water marks, ``pauseProducing``/``resumeProducing``, ``loseConnection`` that flushes,
``abortConnection`` that does not, half-close where it makes sense, ``connectionLost`` exactly
once -- over descriptors that are not sockets: a pty, a serial line, a pipe pair, a character
device, this process's stdin/stdout (:mod:`reactor.stdio` builds on it). It also owns
:class:`FileDescriptorAddress`, what ``getHost``/``getPeer`` return. It does not open devices or
set terminal modes (:mod:`reactor.fd._serial` does) and does no I/O itself: it is two halves,
a :class:`~reactor.fd.PipeReader` and a :class:`~reactor.fd.PipeWriter`, and the rules that
turn their two separate ends into the one ``connectionLost`` of a connection.

One descriptor or two. ``FileDescriptorTransport(reactor, fd, protocol)`` reads and writes
``fd``; the writing half gets a ``dup`` of it, so each half owns -- and closes -- a descriptor
of its own (rejected: one object that reads and writes one fd; the halves are the tested
pieces the process transport uses as well, and a dup costs one descriptor). ``readFd=``/
``writeFd=`` give two (``fd:in=0:out=1``), or one for a one-way transport.

How the two ends become one connection:

* ``loseConnection``: stop reading, flush what is buffered, close both; ``ConnectionDone``.
* ``abortConnection``: drop the buffer and close both on the next pass; ``ConnectionAborted``.
* end of file on the reading side (a pipe's writer closed, a pty's other side closed: EIO): a
  protocol providing ``IHalfCloseableProtocol`` gets ``readConnectionLost()`` and may go on
  writing; any other protocol's connection is closed once what it wrote has been flushed.
  (Twisted's StandardIO drops that output -- ``printf x | prog`` loses prog's last words; we
  send it, as a TCP transport here does.)
* ``loseWriteConnection``: flush, close the writing descriptor (the peer reads end of file when
  the descriptors are two; with one shared fd, a pty has no half-close, so the reading goes on
  but the other side sees nothing), then ``writeConnectionLost()`` for a half-closeable
  protocol.
* the reader of our output going away (``EPIPE``, or noticed while idle): writes are ignored
  from then on, as on a closed TCP transport; a half-closeable protocol hears
  ``writeConnectionLost()``. Reading goes on to the end of the input either way, and the
  connection then ends with ``ConnectionLost`` if written data was lost, else
  ``ConnectionDone``. (Rejected: ending the whole connection
  at once, as TCP does: the two directions of a pipe pair are independent, and input already
  sent -- the part a peer wrote before it closed everything -- would be thrown away.)
* an error reading (or an exception from the protocol's ``dataReceived``) ends the whole
  connection at once, with that reason.

``protocol.connectionLost(reason)`` runs once both halves have closed, on a pass of its own:
``ConnectionDone`` unless one of them ended with an error (then the first such reason).

Reactor thread only, like everything a protocol touches.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

import attrs
from zope.interface import classImplements, implementer  # type: ignore[import-untyped]

from deferred import Failure
from reactor.error import ConnectionAborted, ConnectionDone
from reactor.fd._pipes import PipeReader, PipeWriter
from reactor.interfaces import (
    IAddress,
    IConsumer,
    IHalfCloseableProtocol,
    IPushProducer,
    ITransport,
)

__all__ = ["FileDescriptorAddress", "FileDescriptorTransport"]

log = logging.getLogger("reactor.fd")


@implementer(IAddress)
@attrs.frozen
class FileDescriptorAddress:
    """The "address" of a descriptor transport: the descriptors it reads and writes.

    Either may be None (a one-way transport). Both ends of the connection report the same
    address, as Twisted's ``PipeAddress`` does: descriptors have no peer address.
    """

    readFd: int | None = None
    writeFd: int | None = None


def _shareDescription(a: int, b: int) -> bool:
    """Whether descriptors ``a`` and ``b`` share one open file description (one O_NONBLOCK).

    Two descriptors of a terminal usually do (a shell opens it once and dups it to 0, 1 and 2).
    There is no system call that says so; flipping the flag through ``a`` and looking through
    ``b`` does, and the flag is put back at once.
    """
    if a == b:
        return True
    blocking = os.get_blocking(a)
    if os.get_blocking(b) != blocking:
        return False
    os.set_blocking(a, not blocking)
    try:
        return os.get_blocking(b) != blocking
    finally:
        os.set_blocking(a, blocking)


class FileDescriptorTransport:
    """A stream transport over one read/write descriptor, or a reading and a writing one.

    ``FileDescriptorTransport(reactor, fd, protocol)`` uses ``fd`` both ways;
    ``FileDescriptorTransport(reactor, None, protocol, readFd=0, writeFd=1)`` uses two (either
    may be left out for a one-way transport). The transport owns the descriptors from then on
    and closes them when the connection ends. The protocol's ``makeConnection`` is called
    before the constructor returns. See the module docstring for how closing works.

    :raises ValueError: if no descriptor, or ``fd`` together with ``readFd``/``writeFd``, is
        given; the caller then still owns its descriptors.
    """

    def __init__(
        self,
        reactor: Any,
        fd: int | None,
        protocol: Any,
        *,
        readFd: int | None = None,
        writeFd: int | None = None,
    ) -> None:
        if fd is not None:
            if readFd is not None or writeFd is not None:
                raise ValueError("give either fd or readFd/writeFd, not both")
            readFd = fd
        elif readFd is None and writeFd is None:
            raise ValueError("a FileDescriptorTransport needs a descriptor to read or write")
        self.reactor = reactor
        self.protocol = protocol
        #: Twisted's flags: ``connected`` until closed; ``disconnecting`` once a close was asked
        #: for; ``disconnected`` once closed.
        self.connected = True
        self.disconnecting = False
        self.disconnected = False
        self._address = FileDescriptorAddress(readFd, fd if fd is not None else writeFd)
        self._handle = fd if fd is not None else readFd if readFd is not None else writeFd
        self._halfCloseable = bool(IHalfCloseableProtocol.providedBy(protocol))
        # The first error either half ended with (the connection's reason), else None.
        self._error: Failure | None = None
        self._reader: PipeReader | None = None
        self._writer: PipeWriter | None = None
        self._readDone = readFd is None
        self._writeDone = fd is None and writeFd is None
        # A descriptor kept to restore the blocking mode of a description both halves share.
        self._restoreVia: int | None = None
        shared = readFd is not None and writeFd is not None and _shareDescription(readFd, writeFd)
        if fd is not None:
            writeFd = os.dup(fd)
            shared = True
        readerWasBlocking = readFd is not None and os.get_blocking(readFd)
        restore: bool | None = None
        if shared:
            assert readFd is not None
            # One O_NONBLOCK flag for both halves: neither may put it back while the other still
            # works (a blocking write would stall the reactor), so the transport does, once both
            # have closed (see _finish).
            restore = False
            if os.get_blocking(readFd):
                self._restoreVia = os.dup(readFd)
        try:
            if readFd is not None:
                self._reader = PipeReader(
                    reactor, readFd, self._dataReceived, self._readerLost, wasBlocking=restore
                )
            if writeFd is not None:
                self._writer = PipeWriter(reactor, writeFd, self._writerLost, wasBlocking=restore)
        except BaseException:
            if fd is not None and writeFd is not None:
                os.close(writeFd)
            if self._reader is not None:
                # Hand the reading descriptor back as it was given: unwatched, same mode.
                self._reader.stopReading()
                if readerWasBlocking and not shared:
                    os.set_blocking(self._reader.fileno(), True)
            self._restoreBlocking()
            raise
        try:
            protocol.makeConnection(self)
        except Exception:
            log.exception("Unhandled error in connectionMade of %r; dropping the connection", self)
            self._fail(Failure())

    # --- the halves report ------------------------------------------------------------------

    def _dataReceived(self, data: bytes) -> None:
        self.protocol.dataReceived(data)

    def _readerLost(self, reason: Failure) -> None:
        self._readDone = True
        if not reason.check(ConnectionDone):
            self._fail(reason)
            return
        if self._writeDone:
            self._finish()
        elif not self.disconnecting:
            # End of file from the other side (module docstring).
            if self._halfCloseable:
                self._tell("readConnectionLost")
            else:
                self.loseConnection()

    def _writerLost(self, reason: Failure) -> None:
        self._writeDone = True
        if not reason.check(ConnectionDone) and self._error is None:
            self._error = reason
        if self._readDone:
            self._finish()
        elif self.disconnecting:
            pass  # The reader was told to close too; it finishes the connection.
        elif self._halfCloseable:
            self._tell("writeConnectionLost")

    def _tell(self, event: str) -> None:
        try:
            getattr(self.protocol, event)()
        except Exception:
            log.exception("Unhandled error in %s of %r; dropping the connection", event, self)
            self._fail(Failure())

    def _fail(self, reason: Failure) -> None:
        """End both halves at once because of ``reason`` (an error)."""
        if self._error is None:
            self._error = reason
        self.disconnecting = True
        if self._writer is not None:
            self._writer.abortConnection()
        self._closeReader()
        if self._readDone and self._writeDone:
            self._finish()

    def _closeReader(self) -> None:
        if self._reader is not None:
            self._reader.loseConnection()

    def _restoreBlocking(self) -> None:
        keep = self._restoreVia
        if keep is not None:
            self._restoreVia = None
            try:
                os.set_blocking(keep, True)
            finally:
                os.close(keep)

    def _finish(self) -> None:
        if self.disconnected:
            return
        self.disconnected = True
        self.connected = False
        self.disconnecting = True
        self._restoreBlocking()
        reason = self._error if self._error is not None else Failure(ConnectionDone())
        try:
            self.protocol.connectionLost(reason)
        except Exception:
            log.exception("Unhandled error in connectionLost of %r", self.protocol)

    # --- ITransport -------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write ``data`` (buffered when the descriptor cannot take it all now).

        Ignored once the writing direction is closed.

        :raises RuntimeError: if the transport was made without a descriptor to write.
        """
        self._writing().write(data)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each item of ``data`` in turn."""
        self._writing().writeSequence(data)

    def _writing(self) -> PipeWriter:
        writer = self._writer
        if writer is None:
            raise RuntimeError(f"{self!r} has no descriptor to write to (it was made read-only)")
        return writer

    def loseConnection(self) -> None:
        """Stop reading, flush what was written, then close; ``ConnectionDone``."""
        if self.disconnecting:
            return
        self.disconnecting = True
        if self._writer is not None:
            self._writer.loseConnection()
        self._closeReader()

    def abortConnection(self) -> None:
        """Close at once, dropping what was not written yet; ``ConnectionAborted``."""
        if self.disconnected:
            return
        self.disconnecting = True
        if self._error is None:
            self._error = Failure(ConnectionAborted())
        if self._writer is not None:
            self._writer.abortConnection()
        self._closeReader()

    def loseWriteConnection(self) -> None:
        """Half-close: flush, then close the writing descriptor (see the module docstring)."""
        if self._writer is not None and not self.disconnecting:
            self._writer.loseConnection()

    def getPeer(self) -> FileDescriptorAddress:
        """The descriptors (descriptors have no peer address of their own)."""
        return self._address

    def getHost(self) -> FileDescriptorAddress:
        """The descriptors."""
        return self._address

    def getHandle(self) -> int:
        """The descriptor: ``fd``, else the reading one, else the writing one (as given)."""
        assert self._handle is not None
        return self._handle

    # --- producer and consumer --------------------------------------------------------------

    def pauseProducing(self) -> None:
        """Stop reading until :meth:`resumeProducing`."""
        if self._reader is not None:
            self._reader.pauseProducing()

    def resumeProducing(self) -> None:
        """Read again after :meth:`pauseProducing`."""
        if self._reader is not None:
            self._reader.resumeProducing()

    def stopProducing(self) -> None:
        """Stop for good: :meth:`loseConnection`."""
        self.loseConnection()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach ``producer``, paced by the write buffer's water marks.

        A producer registered with a transport that cannot write (any more) is told
        ``stopProducing`` at once.

        :raises RuntimeError: if a producer is registered already.
        """
        if self._writer is None:
            producer.stopProducing()
            return
        self._writer.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Detach the producer; a close that was waiting for it proceeds."""
        if self._writer is not None:
            self._writer.unregisterProducer()

    def setWriteBufferLimits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks (bytes) pacing a streaming producer; ``low`` defaults to high/4."""
        self._writing().setWriteBufferLimits(high, low)

    def getWriteBufferLimits(self) -> tuple[int, int]:
        """Return the (low, high) water marks."""
        return self._writing().getWriteBufferLimits()

    def getWriteBufferSize(self) -> int:
        """Return how many bytes wait in the write buffer (0 for a read-only transport)."""
        return 0 if self._writer is None else self._writer.getWriteBufferSize()

    def logPrefix(self) -> str:
        """The protocol's class name, for log lines."""
        return type(self.protocol).__name__

    def __repr__(self) -> str:
        state = "closed" if self.disconnected else "closing" if self.disconnecting else "open"
        address = self._address
        return (
            f"<{type(self).__name__} {self.logPrefix()} in={address.readFd} "
            f"out={address.writeFd} {state}>"
        )


classImplements(FileDescriptorTransport, ITransport, IConsumer, IPushProducer)
