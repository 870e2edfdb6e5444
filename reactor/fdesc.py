"""Raw file-descriptor helpers: blocking mode, and reads and writes with the errno cases sorted.

This module owns the few system calls every descriptor transport makes on a bare ``int`` fd
(:mod:`reactor.fd`, :mod:`reactor.stdio`, the process pipes), in the style of Twisted's
``twisted.internet.fdesc``: :func:`setNonBlocking`/:func:`setBlocking`, :func:`readFromFD`
and :func:`writeToFD`. It keeps no state and watches nothing; deciding when to read or write
is the transports' job.

What "errno handling done right" means here -- the cases Twisted's ``fdesc`` folds into one
anonymous ``CONNECTION_LOST``:

* ``EAGAIN``/``EWOULDBLOCK``: nothing to read, or no room to write. Not an error: ``None``
  from a read, ``0`` bytes written. (``EINTR`` never reaches us: Python retries the call,
  PEP 475.)
* ``EIO`` on a read: what a pty master reads once its slave side is closed (Linux). It is the
  end of the stream, so it is reported as :class:`~reactor.error.ConnectionDone`, not an error.
* ``EPIPE``, ``ECONNRESET``, ``EIO`` on a write, and every other ``OSError``: the other end is
  gone or the descriptor failed; a :class:`~reactor.error.ConnectionLost` *naming the OS error*
  is returned, so a log line says why.
* A programming error (a closed descriptor: ``EBADF``) is still reported, with its cause,
  rather than swallowed; writing a ``str`` raises ``TypeError`` at once.

The return values are exceptions, not raised: a reader's ``doRead`` can hand them straight back
to the reactor, which drops the descriptor with that reason (the reactor's ``doRead``
contract).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from reactor.error import ConnectionDone, ConnectionLost

__all__ = [
    "READ_SIZE",
    "lostOrDone",
    "readFromFD",
    "setBlocking",
    "setNonBlocking",
    "writeToFD",
]

#: Bytes asked of one ``read`` by :func:`readFromFD` (Twisted asks 8 KiB; a pipe holds 64 KiB on
#: Linux, so a full pipe drains in one call).
READ_SIZE = 65536


def setNonBlocking(fd: int) -> None:
    """Put ``fd`` (its open file description, shared by every ``dup`` of it) in O_NONBLOCK."""
    os.set_blocking(fd, False)


def setBlocking(fd: int) -> None:
    """Clear O_NONBLOCK on ``fd`` (its open file description)."""
    os.set_blocking(fd, True)


def readFromFD(
    fd: int, callback: Callable[[bytes], object], size: int = READ_SIZE
) -> ConnectionDone | ConnectionLost | None:
    """Read up to ``size`` bytes from ``fd`` and give them to ``callback``.

    Returns ``None`` after data (or when nothing was ready), :class:`ConnectionDone` at end of
    file (an empty read, or ``EIO`` from a pty whose other side closed), and
    :class:`ConnectionLost` naming the error for any other failure. ``callback`` is called only
    with data, never with ``b""``; its exceptions propagate.
    """
    try:
        data = os.read(fd, size)
    except BlockingIOError:
        return None
    except OSError as e:
        return lostOrDone(e)
    if not data:
        return ConnectionDone()
    callback(data)
    return None


def writeToFD(fd: int, data: bytes | bytearray | memoryview) -> int | ConnectionLost:
    """Write what the kernel takes now of ``data`` to ``fd``; return the number of bytes taken.

    Returns ``0`` when the descriptor would block, and :class:`ConnectionLost` naming the error
    when the other end is gone (``EPIPE``) or the write failed otherwise.

    :raises TypeError: if ``data`` is not a bytes-like object (a ``str``: encode it first).
    """
    try:
        return os.write(fd, data)
    except BlockingIOError:
        return 0
    except OSError as e:
        return ConnectionLost(f"writing to file descriptor {fd} failed: {e}")


def lostOrDone(error: OSError) -> ConnectionDone | ConnectionLost:
    """The reason a failed ``read`` ends a stream: ``EIO`` is a pty's end of file, else lost."""
    if error.errno == errno.EIO:
        return ConnectionDone("end of file (EIO: the other side of the terminal closed)")
    return ConnectionLost(f"reading failed: {error}")
