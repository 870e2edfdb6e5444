"""Pipe halves: one readable fd as a producer of bytes, one writable fd as a buffered consumer.

This module owns :class:`PipeReader` and :class:`PipeWriter`, the two one-way descriptors that
every fd-based transport is built from: a child process's stdin/stdout/stderr
(:mod:`reactor.process`), this process's own stdin/stdout (:mod:`reactor.stdio`) and
:class:`reactor.fd.FileDescriptorTransport`. Each half owns its descriptor from construction
on: it makes it non-blocking, watches it through the reactor's public ``addReader``/
``addWriter`` (so it works on every backend, the asyncio-hosted ones included), and closes it
exactly once, when it reports ``connectionLost``. Neither knows a protocol: they call back plain
functions, so the transports above them decide what end of file or a failed write means.

What a half guarantees:

* its ``connectionLost(reason)`` callback runs exactly once, on a pass of the loop of its own
  (never inside a ``write``/``loseConnection`` call), with ``ConnectionDone`` for a clean end
  -- end of file, EIO from a pty whose other side closed (Linux's end of file for a pty),
  ``loseConnection``, a writer's reader leaving while nothing waited to be written -- and
  ``ConnectionLost`` (naming the OS error) when data was lost (a failed read or write,
  ``EPIPE``), or ``ConnectionAborted`` after ``abortConnection``;
* the descriptor is closed before the callback runs (a standard one, 0-2, is pointed at
  ``/dev/null`` instead, so its number is never reused by accident), and its blocking mode is
  put back as it was found first: O_NONBLOCK belongs to the open file description, which a
  terminal or a parent shell shares with us, so leaving it set would break their next
  blocking read (Twisted's stdio leaves it set);
* a regular file works too: select and poll report it always ready, and the epoll and asyncio
  reactors treat the ``EPERM`` epoll gives it the same way.

Detecting that a pipe's reader went away while nothing is being written (the child exited, the
downstream command of a shell pipeline quit): a write would fail with ``EPIPE``, but with
nothing to write we would never find out. The write end of a pipe becomes "readable" (POLLERR
with poll/epoll, readable with select) exactly when its last reader closes, so a
:class:`PipeWriter` over a FIFO also watches its fd for reading and treats that as the loss
(Twisted's ``ProcessWriter`` does the same). It watches only write-only FIFOs: on a terminal or
a socket, readability means input, which belongs to a reader.

Reactor thread only.
"""

from __future__ import annotations

import enum
import fcntl
import logging
import os
import socket
import stat
from collections.abc import Callable, Iterable
from typing import Any, cast

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Failure
from reactor._buffer import WriteBuffer
from reactor._flow import NO_PRODUCER, ProducerFlow
from reactor.error import ConnectionAborted, ConnectionDone, ConnectionLost
from reactor.fdesc import READ_SIZE, lostOrDone, setNonBlocking, writeToFD
from reactor.interfaces import (
    IConsumer,
    IPushProducer,
    IReadDescriptor,
    IWriteDescriptor,
)

__all__ = ["MAX_READS_PER_EVENT", "PipeReader", "PipeWriter"]

log = logging.getLogger("reactor.fd")

#: Most ``read`` calls one readiness event makes. A pipe holds 64 KiB (one read drains it), but
#: a regular file or a fast pty refills at once; a bound keeps one busy descriptor from
#: starving the others and the timers, and four reads amortise the event's cost on a file.
MAX_READS_PER_EVENT = 4

#: The highest standard descriptor (stderr); see :func:`_release`.
_STANDARD_FDS = 2


class _State(enum.Enum):
    """Where a pipe half is."""

    #: Open and doing its job (a reader is watched; a writer accepts writes).
    OPEN = "open"
    #: A reader paused by ``pauseProducing``/``stopReading``: open, not watched.
    PAUSED = "paused"
    #: ``loseConnection`` was called: a writer flushes first; both close on a later pass.
    CLOSING = "closing"
    #: Closed, or about to be on the next pass (aborted, failed); nothing more happens.
    CLOSED = "closed"


_OPEN = _State.OPEN
_PAUSED = _State.PAUSED
_CLOSING = _State.CLOSING
_CLOSED = _State.CLOSED


def _release(fd: int, wasBlocking: bool) -> None:
    """Put ``fd`` back in the blocking mode it was found in, then close it.

    A standard descriptor (0, 1, 2) is not left closed but pointed at ``/dev/null``: the other
    end still sees its end of the pipe close, while the number stays taken -- a free 0 or 1 is
    what the next ``open()`` returns, and a later ``print`` would then write into that file.
    """
    try:
        if wasBlocking:
            os.set_blocking(fd, True)
        if fd <= _STANDARD_FDS:
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, fd)
            finally:
                os.close(null)
        else:
            os.close(fd)
    except OSError:
        # EBADF: someone closed it behind our back; there is nothing left to release.
        pass


def _isPipeWriteEnd(fd: int) -> bool:
    """Whether ``fd`` is a FIFO opened write-only (so readability can only mean "no reader")."""
    try:
        mode = os.fstat(fd).st_mode
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        return False
    return stat.S_ISFIFO(mode) and flags & os.O_ACCMODE == os.O_WRONLY


class PipeReader:
    """A readable descriptor feeding ``dataReceived(bytes)`` until end of file or an error.

    Reading starts at once (``stopReading``/``pauseProducing`` pause it). ``connectionLost
    (reason)`` is called once the reader is done, see the module docstring. It is an
    ``IPushProducer`` so that a consumer can pace it, and ``stopProducing`` is
    ``loseConnection``. If the reactor refuses the descriptor (select and an fd >= 1024), the
    constructor raises and the caller still owns ``fd``. ``wasBlocking`` is the blocking mode
    to put back when closing (default: the mode ``fd`` is in now); pass False to leave the mode
    alone when something else restores it (the description is shared, see
    :class:`reactor.fd.FileDescriptorTransport`).
    """

    __slots__ = (
        "_closeCall",
        "_dataReceived",
        "_fd",
        "_handle",
        "_onLost",
        "_state",
        "_wasBlocking",
        "disconnected",
        "disconnecting",
        "reactor",
    )

    def __init__(
        self,
        reactor: Any,
        fd: int,
        dataReceived: Callable[[bytes], None],
        connectionLost: Callable[[Failure], None],
        *,
        wasBlocking: bool | None = None,
    ) -> None:
        self.reactor = reactor
        self._fd = fd
        self._handle = fd
        self._dataReceived = dataReceived
        self._onLost = connectionLost
        self._closeCall: Any = None
        #: Twisted's flags: ``disconnecting`` once a close was asked for, ``disconnected`` once
        #: closed.
        self.disconnecting = False
        self.disconnected = False
        self._wasBlocking = os.get_blocking(fd) if wasBlocking is None else wasBlocking
        setNonBlocking(fd)
        self._state = _PAUSED
        try:
            self.startReading()
        except BaseException:
            if self._wasBlocking:
                os.set_blocking(fd, True)
            raise

    def fileno(self) -> int:
        """The descriptor; -1 once closed."""
        return self._fd

    def getHandle(self) -> int:
        """The descriptor number this reader was made with (it stays closed once lost)."""
        return self._handle

    def doRead(self) -> object:
        """The fd is readable: read (a bounded number of times) and hand the bytes on."""
        fd = self._fd
        for _ in range(MAX_READS_PER_EVENT):
            try:
                data = os.read(fd, READ_SIZE)
            except BlockingIOError:
                return None
            except OSError as e:
                return lostOrDone(e)
            if not data:
                return ConnectionDone("end of file")
            try:
                self._dataReceived(data)
            except Exception:
                log.exception("Unhandled error handling data read by %r; closing it", self)
                return Failure()
            if len(data) < READ_SIZE or self._state is not _OPEN:
                # A short read drained it; or the callback paused or closed us.
                return None
        return None

    def startReading(self) -> None:
        """Watch the descriptor and deliver what it reads (idempotent; nothing once closing)."""
        if self._state is _PAUSED:
            self.reactor.addReader(self)
            self._state = _OPEN

    def stopReading(self) -> None:
        """Stop watching the descriptor until :meth:`startReading`."""
        if self._state is _OPEN:
            self._state = _PAUSED
            self.reactor.removeReader(self)

    def pauseProducing(self) -> None:
        """Stop reading until :meth:`resumeProducing` (``IPushProducer``)."""
        self.stopReading()

    def resumeProducing(self) -> None:
        """Read again after :meth:`pauseProducing` (``IPushProducer``)."""
        self.startReading()

    def stopProducing(self) -> None:
        """Stop for good: :meth:`loseConnection`."""
        self.loseConnection()

    def loseConnection(self) -> None:
        """Stop reading, close the fd, and report ``ConnectionDone`` on the next pass."""
        if self._state is _CLOSING or self._state is _CLOSED:
            return
        self.stopReading()
        self._state = _CLOSING
        self.disconnecting = True
        self._closeCall = self.reactor.callLater(0, self._closeNow)

    def _closeNow(self) -> None:
        self._closeCall = None
        self.connectionLost(Failure(ConnectionDone()))

    def connectionLost(self, reason: Failure) -> None:
        """Tear down (once): unwatch, restore the blocking mode, close, call back."""
        if self.disconnected:
            return
        self.disconnected = True
        self.disconnecting = True
        self._state = _CLOSED
        if self._closeCall is not None:
            self._closeCall.cancel()
            self._closeCall = None
        self.reactor.removeReader(self)
        fd, self._fd = self._fd, -1
        _release(fd, self._wasBlocking)
        try:
            self._onLost(reason)
        except Exception:
            log.exception("Unhandled error in the connectionLost callback of %r", self)

    def __repr__(self) -> str:
        return f"<PipeReader fd={self._handle} {self._state.value}>"


class _FdSink:
    """A writable fd dressed as the two socket methods :meth:`WriteBuffer.sendTo` calls.

    (Rejected: a second buffer class for descriptors -- it would copy WriteBuffer's offset and
    coalescing logic; ``os.write``/``os.writev`` are ``send``/``sendmsg`` for an fd.)
    """

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, data: Any) -> int:
        return os.write(self.fd, data)

    def sendmsg(self, vector: Any) -> int:
        return os.writev(self.fd, vector)


def _checkBytes(data: object) -> None:
    if isinstance(data, str):
        raise TypeError(f"transports send bytes, not str ({data[:20]!r}...): encode it first")
    memoryview(data)  # type: ignore[arg-type]  # raises TypeError for non-buffers


class PipeWriter:
    """A writable descriptor with a write buffer, producer pacing and an orderly close.

    ``write`` sends at once when nothing waits and buffers what the kernel does not take;
    ``loseConnection`` flushes, closes and reports ``ConnectionDone``; a failed write (the reader
    went away: ``EPIPE``) reports ``ConnectionLost``, and so does the reader leaving while bytes
    wait in the buffer (with none waiting, nothing was lost: ``ConnectionDone``).
    ``watchForClose`` says whether to watch the fd for readability as the sign that the reader
    went away (default: only for a write-only FIFO, see the module docstring). A registered
    producer is paced by the buffer's water marks as on a TCP transport (:mod:`reactor._flow`).
    ``wasBlocking`` is as for :class:`PipeReader`.
    """

    __slots__ = (
        "_buffer",
        "_closeCall",
        "_direct",
        "_fd",
        "_flow",
        "_given",
        "_handle",
        "_onLost",
        "_sink",
        "_state",
        "_wasBlocking",
        "_watching",
        "disconnected",
        "disconnecting",
        "reactor",
    )

    def __init__(
        self,
        reactor: Any,
        fd: int,
        connectionLost: Callable[[Failure], None],
        *,
        watchForClose: bool | None = None,
        wasBlocking: bool | None = None,
    ) -> None:
        self.reactor = reactor
        self._fd = fd
        self._handle = fd
        self._onLost = connectionLost
        self._sink = _FdSink(fd)
        self._buffer = WriteBuffer()
        self._flow = NO_PRODUCER  # replaced by _ownFlow() when first needed
        self._state = _OPEN
        # True when write() may write at once: open, and no pull producer (paced by doWrite).
        self._direct = True
        self._closeCall: Any = None
        # The last reason this writer gave for ending (see connectionLost).
        self._given: BaseException | None = None
        self.disconnecting = False
        self.disconnected = False
        self._wasBlocking = os.get_blocking(fd) if wasBlocking is None else wasBlocking
        setNonBlocking(fd)
        self._watching = _isPipeWriteEnd(fd) if watchForClose is None else watchForClose
        if self._watching:
            try:
                reactor.addReader(self)
            except BaseException:
                if self._wasBlocking:
                    os.set_blocking(fd, True)
                raise

    def fileno(self) -> int:
        """The descriptor; -1 once closed."""
        return self._fd

    def getHandle(self) -> int:
        """The descriptor number this writer was made with (it stays closed once lost)."""
        return self._handle

    # --- writing ------------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Write ``data``: at once if nothing waits, else after what is buffered.

        Ignored once closed or aborted (as a TCP transport ignores it).
        """
        buffer = self._buffer
        if self._direct and not buffer.size:
            try:
                sent = writeToFD(self._fd, data)
            except TypeError:
                _checkBytes(data)  # A clearer message for str.
                raise
            if isinstance(sent, ConnectionLost):
                self._closeSoon(Failure(self._reason(sent)))
                return
            if sent != len(data):
                buffer.appendUnsent(data, sent)
                self.reactor.addWriter(self)
                self._flow.bufferGrew(buffer.size)
            return
        _checkBytes(data)
        if self._state is _OPEN or self._state is _CLOSING:
            buffer.append(data)
            self.reactor.addWriter(self)
            self._flow.bufferGrew(buffer.size)

    def writeSequence(self, data: Iterable[bytes]) -> None:
        """Write each item of ``data`` in turn (one ``writev`` where possible)."""
        chunks = list(data)
        for chunk in chunks:
            _checkBytes(chunk)
        if not (self._state is _OPEN or self._state is _CLOSING):
            return
        buffer = self._buffer
        wasEmpty = not buffer.size
        buffer.extend(chunks)
        if not buffer.size:
            return
        if wasEmpty and self._direct:
            try:
                self._buffer.sendTo(cast(socket.socket, self._sink))
            except OSError as e:
                self._closeSoon(Failure(self._writeError(e)))
                return
            if not buffer.size:
                return
        self.reactor.addWriter(self)
        self._flow.bufferGrew(buffer.size)

    def doWrite(self) -> object:
        """The fd is writable: write what is buffered; close once drained if asked to."""
        buffer = self._buffer
        if buffer.size:
            try:
                buffer.sendTo(cast(socket.socket, self._sink))
            except OSError as e:
                return self._writeError(e)
            if buffer.size:
                self._flow.bufferShrank(buffer.size)
                return None
        return self._drained()

    def _drained(self) -> object:
        """Everything buffered was written: pace the producer, then finish a pending close."""
        flow = self._flow
        if flow.producer is not None:
            flow.bufferShrank(0)
            if self._buffer.size:
                return None  # The producer wrote more; stay registered for writability.
            if flow.wantsMore() and self._state is _CLOSING:
                # As on TCP (Twisted's rule): a pull producer, or a paused one, holds the close
                # back until it unregisters. Stop polling writability meanwhile.
                self.reactor.removeWriter(self)
                return None
        self.reactor.removeWriter(self)
        if self._state is _CLOSING:
            return self._reason(ConnectionDone())
        return None

    def doRead(self) -> object:
        """The write end of a FIFO turned readable: its last reader closed (module docstring).

        ``ConnectionDone`` if nothing was waiting to be written (nothing was lost: the other
        side closed, as a TCP peer does), else ``ConnectionLost``.
        """
        return self._readerGone()

    def _readerGone(self) -> ConnectionDone | ConnectionLost:
        if self._buffer.size:
            return self._reason(
                ConnectionLost(
                    f"the reading end of the pipe was closed; {self._buffer.size} bytes not written"
                )
            )
        return self._reason(ConnectionDone("the reading end of the pipe was closed"))

    def _reason(self, why: ConnectionDone | ConnectionLost) -> ConnectionDone | ConnectionLost:
        # Remember the reasons we give, to tell them from the reactor's own (connectionLost).
        self._given = why
        return why

    def _writeError(self, error: OSError) -> ConnectionLost:
        why = ConnectionLost(f"writing to file descriptor {self._handle} failed: {error}")
        self._given = why
        return why

    # --- closing ------------------------------------------------------------------------------

    def loseConnection(self) -> None:
        """Close once everything written has been written; report ``ConnectionDone``."""
        state = self._state
        if state is not _OPEN:
            return
        self._state = _CLOSING
        self.disconnecting = True
        self._updateDirect()
        if self._buffer.size:
            self.reactor.addWriter(self)
        else:
            # On the next pass, so writes made meanwhile (and a pull producer) are honoured.
            self._closeCall = self.reactor.callLater(0, self._closeIfDrained)

    def _closeIfDrained(self) -> None:
        self._closeCall = None
        if self._state is not _CLOSING:
            return
        if self._buffer.size:
            self.reactor.addWriter(self)
            return
        why = self._drained()
        if isinstance(why, BaseException):
            self.connectionLost(Failure(why))

    def abortConnection(self) -> None:
        """Drop what is buffered and close on the next pass, with ``ConnectionAborted``."""
        if self._state is _CLOSED:
            return
        self._buffer.clear()
        self._closeSoon(Failure(ConnectionAborted()))

    def _closeSoon(self, reason: Failure) -> None:
        # A failure or an abort outside doWrite: the caller is mid-call; report on the next pass.
        self._given = reason.value
        self._state = _CLOSED
        self._direct = False
        self.disconnecting = True
        self.reactor.removeWriter(self)
        self.reactor.removeReader(self)  # The reason is decided: no hang-up report may change it.
        if self._closeCall is not None:
            self._closeCall.cancel()
        self._closeCall = self.reactor.callLater(0, self._closeNow, reason)

    def _closeNow(self, reason: Failure) -> None:
        self._closeCall = None
        self.connectionLost(reason)

    def connectionLost(self, reason: Failure) -> None:
        """Tear down (once): unwatch, drop the buffer, close, stop the producer, call back."""
        if self.disconnected:
            return
        if (
            self._watching
            and reason.value is not self._given
            and reason.check(ConnectionLost)
            and not reason.check(ConnectionAborted)
        ):
            # The poll and epoll reactors report the last reader of a FIFO leaving as an error
            # event (POLLERR, not "readable") and drop us with a bare ConnectionLost, where the
            # select and asyncio ones call doRead. Give the same answer either way.
            reason = Failure(self._readerGone())
        self.disconnected = True
        self.disconnecting = True
        self._state = _CLOSED
        self._direct = False
        if self._closeCall is not None:
            self._closeCall.cancel()
            self._closeCall = None
        reactor = self.reactor
        reactor.removeReader(self)
        reactor.removeWriter(self)
        self._buffer.clear()
        fd, self._fd = self._fd, -1
        _release(fd, self._wasBlocking)
        try:
            self._flow.stop()
        except Exception:
            log.exception("Unhandled error in stopProducing of the producer of %r", self)
        try:
            self._onLost(reason)
        except Exception:
            log.exception("Unhandled error in the connectionLost callback of %r", self)

    # --- producer -----------------------------------------------------------------------------

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """Attach ``producer``, paced by the buffer's water marks (see :mod:`reactor._flow`).

        :raises RuntimeError: if a producer is registered already.
        """
        if not streaming:
            self._direct = False  # Before its first resumeProducing, which register() calls.
        try:
            self._ownFlow().register(producer, streaming, self.disconnected)
        finally:
            self._updateDirect()

    def unregisterProducer(self) -> None:
        """Detach the producer; a close that was waiting for it proceeds."""
        if self._flow is not NO_PRODUCER:
            self._flow.unregister()
        self._updateDirect()
        if self._state is _CLOSING and not self.disconnected:
            self.reactor.addWriter(self)

    def setWriteBufferLimits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks (bytes) pacing a streaming producer; ``low`` defaults to high/4."""
        self._ownFlow().setLimits(high, low)

    def getWriteBufferLimits(self) -> tuple[int, int]:
        """Return the (low, high) water marks."""
        return (self._flow.low, self._flow.high)

    def getWriteBufferSize(self) -> int:
        """Return how many bytes wait in this writer's buffer (not the kernel's)."""
        return self._buffer.size

    def _ownFlow(self) -> ProducerFlow:
        if self._flow is NO_PRODUCER:
            self._flow = ProducerFlow()
        return self._flow

    def _updateDirect(self) -> None:
        flow = self._flow
        self._direct = self._state is _OPEN and (flow.producer is None or flow.streaming)

    def __repr__(self) -> str:
        return f"<PipeWriter fd={self._handle} {self._state.value}>"


classImplements(PipeReader, IReadDescriptor, IPushProducer)
classImplements(PipeWriter, IWriteDescriptor, IReadDescriptor, IConsumer)
