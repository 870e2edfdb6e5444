"""Netstring framing (``12:hello world!,``): ``NetstringReceiver``.

This module owns parsing and sending D. J. Bernstein's netstrings: a decimal length, a colon,
that many bytes, a comma. Buffering, re-entrancy and pausing come from
:class:`reactor.protocols._framing.FramingReceiver`.

Malformed input -- a length that is empty, not decimal, has a leading zero, or exceeds
``MAX_LENGTH``, or a string not followed by its comma -- is caught as soon as the offending byte
is buffered (a length is known to be too long once it has too many digits, without waiting for
its colon). Strings before the bad input are delivered; nothing after it is, since there is no
way to find the next frame. :meth:`NetstringReceiver.netstringParseFailed` gets a
:class:`NetstringParseError` saying what was wrong; its default logs it and closes the
connection. The error is also kept in ``parseError`` and ``brokenPeer`` is set (Twisted's name).
"""

from __future__ import annotations

import logging

from reactor.protocols._framing import FramingReceiver

__all__ = ["NetstringParseError", "NetstringReceiver"]

log = logging.getLogger("reactor.protocols")

_COLON = ord(":")
_COMMA = ord(",")


class NetstringParseError(ValueError):
    """The peer sent something that is not a netstring; the message says what."""


class NetstringReceiver(FramingReceiver):
    """A protocol that receives netstrings: override :meth:`stringReceived`."""

    #: The longest string accepted, in bytes.
    MAX_LENGTH: int = 99999
    #: True once the peer sent malformed input (nothing more is parsed after that).
    brokenPeer: bool = False
    #: What was wrong with the peer's input, once ``brokenPeer``.
    parseError: NetstringParseError | None = None

    # The length of the string being received, once its "<digits>:" has been parsed.
    _stringLength: int | None = None

    def dataReceived(self, data: bytes) -> None:
        """Buffer ``data`` and deliver every complete netstring; ignore everything once broken."""
        if not self.brokenPeer:
            super().dataReceived(data)

    def _deliverFrames(self) -> None:
        while not self.paused and not self.brokenPeer:
            transport = self.transport
            if transport is not None and transport.disconnecting:
                return
            buffer = self._buffer
            assert buffer is not None
            length = self._stringLength
            if length is None:
                length = self._parseLength(buffer, self._start)
                if length is None:
                    return
            start = self._start
            end = start + length
            if len(buffer) <= end:
                return
            if buffer[end] != _COMMA:
                self._fail(
                    f"a {length}-byte netstring is followed by {bytes(buffer[end : end + 1])!r}, "
                    "not by its comma"
                )
                return
            self._start = end + 1
            self._stringLength = None
            self.stringReceived(bytes(buffer[start:end]))

    def _parseLength(self, buffer: bytearray, start: int) -> int | None:
        """Parse ``<digits>:`` at ``start``; None if incomplete (or malformed: then failed)."""
        maxDigits = len(str(self.MAX_LENGTH))
        colon = buffer.find(_COLON, start, start + maxDigits + 1)
        digits = bytes(buffer[start : start + maxDigits + 1] if colon < 0 else buffer[start:colon])
        complete = colon >= 0
        problem = None
        if not digits.isdigit():
            if complete and not digits:
                problem = "a netstring length is empty (':' with no digits before it)"
            elif digits and not digits.isdigit():
                problem = f"a netstring length is not decimal digits: {digits!r}"
        elif len(digits) > 1 and digits.startswith(b"0"):
            problem = f"a netstring length has a leading zero: {digits!r}"
        elif len(digits) > maxDigits or int(digits) > self.MAX_LENGTH:
            problem = (
                f"a netstring length of {int(digits)}{'' if complete else ' (or more)'} "
                f"bytes exceeds MAX_LENGTH ({self.MAX_LENGTH})"
            )
        if problem is not None:
            self._fail(problem)
            return None
        if not complete:
            return None
        length = int(digits)
        self._start = colon + 1
        self._stringLength = length
        return length

    def _fail(self, problem: str) -> None:
        self.brokenPeer = True
        self.parseError = NetstringParseError(problem)
        self._resetBuffer()
        self.netstringParseFailed(self.parseError)

    def stringReceived(self, string: bytes) -> None:
        """Called with each string received.

        :raises NotImplementedError: unless overridden.
        """
        raise NotImplementedError(f"{type(self).__name__} must override stringReceived()")

    def netstringParseFailed(self, error: NetstringParseError) -> None:
        """Called once when the peer's input turns out malformed; ``error`` says how.

        The default logs a warning and closes the connection. Nothing is parsed afterwards.
        """
        log.warning("%s: %s; closing the connection", self.logPrefix(), error)
        self.transport.loseConnection()

    def sendString(self, string: bytes) -> None:
        """Write ``string`` as a netstring (in one write)."""
        self.transport.write(b"%d:%b," % (len(string), string))
