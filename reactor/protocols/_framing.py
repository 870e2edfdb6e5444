"""The receive buffer and delivery loop that every framing protocol shares.

This module owns :class:`FramingReceiver`: it buffers what ``dataReceived`` gets, lets the
subclass's ``_deliverFrames`` deliver the complete frames in it, and makes the three things
that are easy to get wrong in each framing protocol right once:

* **Linear time.** Bytes are appended to one ``bytearray``; frames are read at an offset
  (``_start``) that moves forward, and the consumed prefix is dropped once per delivery round,
  not once per frame. (Rejected: ``buffer = buffer[n:]`` per frame, Twisted's way, which copies
  the rest of the buffer for every frame -- quadratic for a chunk holding many frames.)
* **Re-entrancy.** A frame handler may call ``dataReceived``, ``pauseProducing``,
  ``resumeProducing``, ``clearLineBuffer``, switch modes or close the connection. All parsing
  state lives on the instance and ``_deliverFrames`` re-reads it for each frame; a nested
  delivery request only appends, and the outer loop carries on.
* **Flow control.** While ``paused`` nothing is delivered (data is buffered, and the transport
  is paused too, so little arrives); ``resumeProducing`` delivers what was buffered first and
  resumes the transport only if the handlers did not pause again. Once the transport is
  ``disconnecting`` nothing more is delivered.

It knows no frame format: that is :mod:`reactor.protocols.basic`'s job.
"""

from __future__ import annotations

from zope.interface import implementer  # type: ignore[import-untyped]

from reactor.interfaces import IPushProducer
from reactor.protocol import Protocol

__all__ = ["FramingReceiver"]


@implementer(IPushProducer)
class FramingReceiver(Protocol):
    """A protocol that buffers its input and delivers it as frames (lines, strings...).

    Subclasses implement :meth:`_deliverFrames`. Not thread-safe: the reactor thread only (as every
    protocol).
    """

    #: True while delivery is paused by :meth:`pauseProducing` (or stopped for good).
    paused: bool = False

    # The state below is created lazily because protocol subclasses commonly define __init__
    # without calling ours. _buffer[_start:] is the undelivered input; once made, _buffer is
    # only changed in place, never replaced (delivery loops hold on to it). _delivering is True
    # while the delivery loop runs (so nested calls only append).
    _buffer: bytearray | None = None
    _start: int = 0
    _delivering: bool = False

    def dataReceived(self, data: bytes) -> None:
        """Buffer ``data`` and deliver every complete frame (unless paused)."""
        buffer = self._buffer
        if buffer is None:
            buffer = self._buffer = bytearray()
        buffer += data
        if self._delivering or self.paused:
            return
        # _deliverAll() inlined: this runs once per chunk received.
        self._delivering = True
        try:
            self._deliverFrames()
        finally:
            self._delivering = False
            if self._start:
                self._compact()

    def _deliverAll(self) -> None:
        """Deliver frames until more input is needed, delivery pauses or the connection closes."""
        if self._buffer is None:
            return
        self._delivering = True
        try:
            self._deliverFrames()
        finally:
            self._delivering = False
            if self._start:
                self._compact()

    def _deliverFrames(self) -> None:
        """Consume and deliver frames from ``_buffer[_start:]`` until more input is needed.

        Implementations stop as soon as ``paused`` is set or the transport is
        ``disconnecting`` (checked before each frame), read ``self._start`` and their parsing
        state afresh for each frame (a handler may have moved them: ``clearLineBuffer``, a mode
        switch...), and move ``_start`` past a frame *before* calling its handler (so a handler
        that raises loses nothing after it).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement _deliverFrames()")

    def _compact(self) -> None:
        # Dropping the consumed prefix of a bytearray only moves its start pointer in CPython
        # (no copy), so doing it once per delivery round keeps the buffer small at O(1) cost.
        start = self._start
        if start:
            buffer = self._buffer
            assert buffer is not None
            del buffer[:start]
            self._start = 0
            self._shifted(start)

    def _shifted(self, amount: int) -> None:
        """The buffer's consumed prefix of ``amount`` bytes was dropped: adjust saved offsets."""

    def _resetBuffer(self) -> bytes:
        """Empty the buffer; return what it held that had not been delivered."""
        buffer = self._buffer
        if buffer is None:
            return b""
        pending = bytes(buffer[self._start :])
        buffer.clear()
        start, self._start = self._start, 0
        self._shifted(start)
        return pending

    # --- IPushProducer: the application throttles its own input ---------------------------

    def pauseProducing(self) -> None:
        """Deliver nothing more until :meth:`resumeProducing`, and pause the transport."""
        self.paused = True
        if self.transport is not None and not self.transport.disconnecting:
            self.transport.pauseProducing()

    def resumeProducing(self) -> None:
        """Deliver what was buffered while paused, then resume the transport (if still unpaused)."""
        self.paused = False
        if not self._delivering:
            self._deliverAll()
        if not self.paused and self.transport is not None and not self.transport.disconnecting:
            self.transport.resumeProducing()

    def stopProducing(self) -> None:
        """Deliver nothing more and stop the transport (the consumer is going away)."""
        self.paused = True
        if self.transport is not None:
            self.transport.stopProducing()
