"""Flow control between a stream transport and the producer registered with it.

This module owns :class:`ProducerFlow`: which producer is registered with a transport, whether
it streams (a push producer, paused and resumed) or is pulled (asked for one more piece at a
time), whether the transport paused it, and the write-buffer water marks that decide when.
Every stream transport uses it -- the readiness transports of :mod:`reactor.tcp` and the asyncio
adapter of :mod:`reactor._asyncio_tcp` -- so producers behave the same on every backend. It
never touches a socket or a buffer: the transport tells it when its buffer crossed a mark.

The rules (Twisted's, plus a low mark so a producer does not flap at the boundary):

* a streaming producer is paused when the buffer grows above ``high`` and resumed once it has
  drained to ``low`` or below; between the marks nothing changes (hysteresis);
* a pull producer is asked (``resumeProducing``) right after it registers and then every time
  the buffer has drained to ``low`` or below after a write;
* when the connection ends, the producer is told ``stopProducing`` and forgotten;
* registering while another producer is registered raises ``RuntimeError``; registering with a
  transport that is already disconnected tells the producer ``stopProducing`` at once.

Not thread-safe: it belongs to its transport, in the reactor thread.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_HIGH_WATER", "DEFAULT_LOW_WATER", "NO_PRODUCER", "ProducerFlow"]

#: Pause a streaming producer once more than this many bytes wait to be sent (Twisted's
#: ``bufferSize``, asyncio's default high mark).
DEFAULT_HIGH_WATER = 64 * 1024
#: Resume it once no more than this many bytes wait (asyncio's default: a quarter of the high).
DEFAULT_LOW_WATER = 16 * 1024


class ProducerFlow:
    """The registered producer of one transport and the water marks that pace it."""

    __slots__ = ("high", "low", "paused", "producer", "streaming", "writes")

    def __init__(self, high: int = DEFAULT_HIGH_WATER, low: int = DEFAULT_LOW_WATER) -> None:
        self.high = high
        self.low = low
        #: The registered producer, or None.
        self.producer: Any = None
        #: Whether ``producer`` is a push (streaming) producer.
        self.streaming = False
        #: Whether *we* paused the (streaming) producer because the buffer was full.
        self.paused = False
        #: Writes made while a producer was registered: a transport that counts them (the
        #: asyncio one) learns whether a pull producer wrote when asked. Only ever changed on a
        #: transport's own flow, never on NO_PRODUCER (which has no producer).
        self.writes = 0

    def setLimits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks; ``low`` defaults to a quarter of ``high``.

        :raises ValueError: unless ``0 <= low <= high``.
        """
        if high is None:
            high = DEFAULT_HIGH_WATER if low is None else max(DEFAULT_HIGH_WATER, 4 * low)
        if low is None:
            low = high // 4
        if not 0 <= low <= high:
            raise ValueError(f"water marks must satisfy 0 <= low <= high, not {low=} {high=}")
        self.high = high
        self.low = low

    def register(self, producer: Any, streaming: bool, disconnected: bool) -> None:
        """Attach ``producer``; a pull producer is asked for its first piece now.

        :raises RuntimeError: if a producer is registered already.
        """
        if self.producer is not None:
            raise RuntimeError(
                f"cannot register producer {producer!r}: {self.producer!r} is registered "
                "already (unregister it first)"
            )
        self.producer = producer
        self.streaming = bool(streaming)
        self.paused = False
        if disconnected:
            producer.stopProducing()
        elif not streaming:
            producer.resumeProducing()

    def unregister(self) -> None:
        """Detach the producer (no error if none is registered)."""
        self.producer = None
        self.paused = False

    def bufferGrew(self, size: int) -> None:
        """The transport buffered data and now holds ``size`` bytes: pause if over the mark."""
        if size > self.high and self.streaming and not self.paused:
            producer = self.producer
            if producer is not None:
                self.paused = True
                producer.pauseProducing()

    def bufferShrank(self, size: int) -> None:
        """The transport sent data and now holds ``size`` bytes: resume or pull if drained."""
        producer = self.producer
        if producer is None or size > self.low:
            return
        if not self.streaming:
            producer.resumeProducing()
        elif self.paused:
            self.paused = False
            producer.resumeProducing()

    def wantsMore(self) -> bool:
        """Whether the transport must keep asking the producer for data (pull, or paused)."""
        return self.producer is not None and (not self.streaming or self.paused)

    def stop(self) -> None:
        """The connection ended: tell the producer ``stopProducing`` and forget it."""
        producer = self.producer
        if producer is not None:  # (never writes to NO_PRODUCER, below)
            self.producer = None
            self.paused = False
            producer.stopProducing()


#: The flow of every transport that never registered a producer nor changed its marks: it has
#: no producer, so every method is a no-op, and idle connections do not each carry one (~90
#: bytes apiece). Transports replace it with their own before registering or setting limits,
#: and never call a mutating method on it; so it is never written, and safe to share between
#: reactor threads.
NO_PRODUCER = ProducerFlow()
