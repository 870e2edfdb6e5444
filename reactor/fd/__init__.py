"""Any file descriptor as a transport: pipe halves, whole fd transports, serial ports.

This package owns the descriptor transports that are not sockets: :class:`PipeReader` and
:class:`PipeWriter` (one-way halves, also used by :mod:`reactor.process` and
:mod:`reactor.stdio`), :class:`FileDescriptorTransport` (a Protocol over one read/write
descriptor or a pair), :class:`SerialPort` (a tty in raw mode with a serial line's settings),
and the ``fd:``/``stdio:`` endpoint descriptions (:mod:`reactor.fd._endpoints`). The raw
system-call helpers live in :mod:`reactor.fdesc`, ``StandardIO`` in :mod:`reactor.stdio`.
"""

from __future__ import annotations

from reactor.fd._pipes import PipeReader, PipeWriter
from reactor.fd._serial import SerialPort, SerialSettings, configureSerial, serialAttributes
from reactor.fd._transport import FileDescriptorAddress, FileDescriptorTransport

__all__ = [
    "FileDescriptorAddress",
    "FileDescriptorTransport",
    "PipeReader",
    "PipeWriter",
    "SerialPort",
    "SerialSettings",
    "configureSerial",
    "serialAttributes",
]
