"""This process's own standard input and output as the transport of one Protocol.

This module owns :class:`StandardIO` (Twisted's ``twisted.internet.stdio.StandardIO``): the
protocol reads what arrives on stdin and writes to stdout, whether they are pipes, regular files
or a terminal. Everything about moving the bytes, flow control and closing is
:class:`reactor.fd.FileDescriptorTransport`'s (read its docstring); this module only picks the
descriptors and the reactor. The ``stdio:`` endpoint (:mod:`reactor.fd._endpoints`) builds one.

Differences from Twisted's, each a fix:

* at end of input, a protocol that is not half-closeable still gets its pending output written
  before the connection closes (Twisted drops it);
* the blocking mode of the descriptors is put back when the connection ends, so a shell that
  shares the terminal is not left with a non-blocking one;
* stdin and stdout are never left closed: once done they point at ``/dev/null``, so the parent
  still sees end of file while the numbers 0 and 1 cannot be handed to the next file opened;
* a regular file on stdin works on every backend, epoll included.
"""

from __future__ import annotations

from typing import Any

from reactor.fd._transport import FileDescriptorTransport

__all__ = ["StandardIO"]


class StandardIO(FileDescriptorTransport):
    """Standard input (``stdin``, fd 0) and output (``stdout``, fd 1) as ``protocol``'s transport.

    ``reactor`` defaults to the process-wide default reactor. The protocol's ``makeConnection``
    runs before the constructor returns; ``connectionLost`` once both descriptors are done (see
    :class:`~reactor.fd.FileDescriptorTransport` for the half-close rules: a protocol providing
    ``IHalfCloseableProtocol`` hears ``readConnectionLost`` at end of input and may keep
    writing).
    """

    def __init__(self, protocol: Any, stdin: int = 0, stdout: int = 1, reactor: Any = None) -> None:
        if reactor is None:
            from reactor._default import getDefault

            reactor = getDefault()
        super().__init__(reactor, None, protocol, readFd=stdin, writeFd=stdout)
