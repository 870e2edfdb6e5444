"""Length-prefixed framing: ``IntNStringReceiver`` and its 32-, 16- and 8-bit variants.

This module owns strings framed by a big-endian unsigned length prefix. Buffering, re-entrancy
and pausing come from :class:`reactor.protocols._framing.FramingReceiver`.

A prefix announcing more than ``MAX_LENGTH`` bytes is caught as soon as the prefix is in --
before any of the string is buffered -- and reported to ``lengthLimitExceeded``, whose default
closes the connection. A receiver that stays connected skips the announced bytes as they arrive
(without keeping them) and carries on with the next string, so the stream stays in step.
(Twisted throws its whole buffer away instead, which leaves the stream out of step.)
"""

from __future__ import annotations

import logging
import struct

from reactor.protocols._framing import FramingReceiver

__all__ = [
    "Int8StringReceiver",
    "Int16StringReceiver",
    "Int32StringReceiver",
    "IntNStringReceiver",
    "StringTooLongError",
]

log = logging.getLogger("reactor.protocols")


class StringTooLongError(ValueError):
    """``sendString`` was given a string too long for the length prefix to express."""


class IntNStringReceiver(FramingReceiver):
    """A protocol that receives length-prefixed strings: override :meth:`stringReceived`.

    Subclasses set ``structFormat`` (a :mod:`struct` format for one unsigned integer, e.g.
    ``"!I"``) and ``prefixLength`` (its size in bytes); use the ready-made
    :class:`Int32StringReceiver`, :class:`Int16StringReceiver` or :class:`Int8StringReceiver`.
    """

    #: The :mod:`struct` format of the length prefix.
    structFormat: str
    #: The size of the length prefix, in bytes.
    prefixLength: int
    #: The longest string accepted, in bytes.
    MAX_LENGTH: int = 99999

    # Bytes of an over-long string that are still to be skipped.
    _skipping: int = 0

    def _deliverFrames(self) -> None:
        while not self.paused:
            transport = self.transport
            if transport is not None and transport.disconnecting:
                return
            buffer = self._buffer
            assert buffer is not None
            start = self._start
            if self._skipping:
                dropped = min(self._skipping, len(buffer) - start)
                self._start = start + dropped
                self._skipping -= dropped
                if self._skipping:
                    return
                continue
            prefixLength = self.prefixLength
            if len(buffer) - start < prefixLength:
                return
            (length,) = struct.unpack_from(self.structFormat, buffer, start)
            if length > self.MAX_LENGTH:
                self._start = start + prefixLength
                self._skipping = length
                self.lengthLimitExceeded(length)
                continue
            end = start + prefixLength + length
            if len(buffer) < end:
                return
            self._start = end
            self.stringReceived(bytes(buffer[start + prefixLength : end]))

    def stringReceived(self, string: bytes) -> None:
        """Called with each string received.

        :raises NotImplementedError: unless overridden.
        """
        raise NotImplementedError(f"{type(self).__name__} must override stringReceived()")

    def lengthLimitExceeded(self, length: int) -> None:
        """Called when a prefix announces ``length`` bytes, more than ``MAX_LENGTH``.

        The default logs a warning and closes the connection. An override that leaves the
        connection open gets the string after this one (this one's bytes are skipped).
        """
        log.warning(
            "%s: string of %d bytes announced, more than MAX_LENGTH (%d); closing the connection",
            self.logPrefix(),
            length,
            self.MAX_LENGTH,
        )
        self.transport.loseConnection()

    def sendString(self, string: bytes) -> None:
        """Write ``string`` with its length prefix (in one write).

        :raises StringTooLongError: if the prefix cannot express ``len(string)``.
        """
        limit = 1 << (8 * self.prefixLength)
        if len(string) >= limit:
            raise StringTooLongError(
                f"{type(self).__name__} cannot send {len(string)} bytes: its "
                f"{self.prefixLength}-byte prefix allows at most {limit - 1}"
            )
        self.transport.write(struct.pack(self.structFormat, len(string)) + string)


class Int32StringReceiver(IntNStringReceiver):
    """Strings prefixed by a 32-bit big-endian length."""

    structFormat = "!I"
    prefixLength = 4


class Int16StringReceiver(IntNStringReceiver):
    """Strings prefixed by a 16-bit big-endian length."""

    structFormat = "!H"
    prefixLength = 2


class Int8StringReceiver(IntNStringReceiver):
    """Strings prefixed by an 8-bit length."""

    structFormat = "!B"
    prefixLength = 1
