"""Basic framing protocols (Twisted's ``twisted.protocols.basic``), each with a size limit.

This module is the public face of the framing protocols; it holds no code of its own. Each
receiver buffers input in linear time, delivers nothing while paused (``pauseProducing``), stops
parsing once its transport is ``disconnecting``, and reports input over its limit or malformed
input through an overridable method whose default logs a warning and closes the connection:

* lines -- :class:`LineReceiver` (with a raw mode) and :class:`LineOnlyReceiver`;
  ``MAX_LENGTH``, ``lineLengthExceeded`` (see :mod:`reactor.protocols._lines`);
* length-prefixed strings -- :class:`Int32StringReceiver`, :class:`Int16StringReceiver`,
  :class:`Int8StringReceiver` (base :class:`IntNStringReceiver`); ``MAX_LENGTH``,
  ``lengthLimitExceeded`` (see :mod:`reactor.protocols._intn`);
* netstrings -- :class:`NetstringReceiver`; ``MAX_LENGTH``, ``netstringParseFailed`` (see
  :mod:`reactor.protocols._netstring`).
"""

from reactor.protocols._framing import FramingReceiver
from reactor.protocols._intn import (
    Int8StringReceiver,
    Int16StringReceiver,
    Int32StringReceiver,
    IntNStringReceiver,
    StringTooLongError,
)
from reactor.protocols._lines import LineOnlyReceiver, LineReceiver
from reactor.protocols._netstring import NetstringParseError, NetstringReceiver

__all__ = [
    "FramingReceiver",
    "Int8StringReceiver",
    "Int16StringReceiver",
    "Int32StringReceiver",
    "IntNStringReceiver",
    "LineOnlyReceiver",
    "LineReceiver",
    "NetstringParseError",
    "NetstringReceiver",
    "StringTooLongError",
]
