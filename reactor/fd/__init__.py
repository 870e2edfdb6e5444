"""Any file descriptor as a transport: pipe halves, whole fd transports, serial ports.

This package owns the descriptor transports that are not sockets: :class:`PipeReader` and
:class:`PipeWriter` (one-way halves, also used by :mod:`reactor.process` and
:mod:`reactor.stdio`). The raw system-call helpers live in :mod:`reactor.fdesc`.
"""

from __future__ import annotations

from reactor.fd._pipes import PipeReader, PipeWriter

__all__ = ["PipeReader", "PipeWriter"]
