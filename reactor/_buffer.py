"""The write buffer of a stream transport: bytes the kernel has not taken yet.

This module owns :class:`WriteBuffer`, a FIFO of byte chunks plus an offset into the first one,
and the one operation that empties it: :meth:`WriteBuffer.sendTo`, which hands up to
:data:`MAX_CHUNKS_PER_SEND` chunks to the kernel with a single ``sendmsg`` (one ``send`` when
only one chunk waits). It does not decide *when* to send, watch descriptors or talk to
producers: that is the transport's job (:mod:`reactor.tcp._connection`).

Why this shape:

* **No quadratic copying.** A partly sent chunk is never re-sliced into a new ``bytes``: the
  buffer keeps an offset and sends ``memoryview(chunk)[offset:]``, which copies nothing.
  (Rejected: Twisted's ``dataBuffer = dataBuffer[offset:] + b"".join(more)``, which copies
  everything buffered on every ``doWrite`` below 128 KiB -- quadratic for a slow reader.)
* **Few syscalls for many writes.** Chunks are not joined either; ``sendmsg`` takes them as an
  I/O vector. Runs of small writes are coalesced into a ``bytearray`` tail (see
  :data:`COALESCE_BELOW`), so ten thousand 10-byte writes become a handful of iovecs rather
  than ten thousand.
* **Nothing the caller can change later.** Buffered chunks are ``bytes`` (immutable) or views
  of them, or the buffer's own tail; a caller's ``bytearray``/``memoryview`` is copied when it
  has to be kept.

Not thread-safe: a buffer belongs to its transport, in the reactor thread.
"""

from __future__ import annotations

import socket
from collections import deque
from collections.abc import Iterable

__all__ = ["COALESCE_BELOW", "MAX_CHUNKS_PER_SEND", "WriteBuffer"]

#: Most chunks given to one ``sendmsg`` call. Far below ``IOV_MAX`` (1024 on Linux): the
#: kernel takes at most a socket buffer's worth per call anyway, so listing more only costs the
#: time to build the vector.
MAX_CHUNKS_PER_SEND = 64

#: Chunks shorter than this are appended to a ``bytearray`` tail instead of being kept apart,
#: so a burst of tiny writes costs one iovec per ~64 KiB instead of one per write.
COALESCE_BELOW = 2048
_TAIL_LIMIT = 65536

Chunk = bytes | bytearray | memoryview


class WriteBuffer:
    """Bytes waiting to be sent, in order, with the offset already sent of the first chunk.

    ``size`` is the number of bytes still waiting (an attribute, not ``len()``, because the
    transport reads it on every write).
    """

    __slots__ = ("_chunks", "_offset", "_tail", "size")

    def __init__(self) -> None:
        # Invariant: size == sum(len(c) for c in _chunks) - _offset, and _offset < len(_chunks[0])
        # whenever _chunks is not empty. _tail is _chunks[-1] when that is our own bytearray
        # that small writes may still extend, else None; it is never _chunks[0] (a memoryview of
        # the first chunk may be alive inside sendTo, and a bytearray with views cannot grow).
        # None while empty: an idle connection should not carry an empty deque (624 bytes; the
        # largest part of an idle transport's footprint before this was lazy).
        self._chunks: deque[Chunk] | None = None
        self._offset = 0
        self._tail: bytearray | None = None
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def __bool__(self) -> bool:
        return self.size > 0

    def append(self, data: Chunk) -> None:
        """Add ``data`` at the end (empty data is ignored). ``bytes`` are kept, not copied."""
        n = len(data)
        if not n:
            return
        self.size += n
        tail = self._tail
        if n < COALESCE_BELOW:
            if tail is not None and len(tail) < _TAIL_LIMIT:
                tail += data
                return
            if self._chunks:
                # A new tail; the first chunk can never be one (see __init__).
                tail = bytearray(data)
                self._chunks.append(tail)
                self._tail = tail
                return
        self._tail = None
        if type(data) is not bytes:
            data = bytes(data)
        self._queue().append(data)

    def appendUnsent(self, data: Chunk, sent: int) -> None:
        """Keep the part of ``data`` after its first ``sent`` bytes; the buffer must be empty.

        For a write the kernel took only part of: ``bytes`` are kept whole with an offset (no
        copy of the remainder); other buffers are copied, since their owner may change them.
        """
        if self.size:
            raise RuntimeError("appendUnsent() on a buffer that is not empty")
        if sent >= len(data):
            return
        if type(data) is not bytes:
            self.append(bytes(memoryview(data)[sent:]))
            return
        self._queue().append(data)
        self._offset = sent
        self.size = len(data) - sent

    def extend(self, chunks: Iterable[Chunk]) -> None:
        """Add each of ``chunks`` at the end, in order."""
        for chunk in chunks:
            self.append(chunk)

    def clear(self) -> None:
        """Drop everything still buffered."""
        self._chunks = None
        self._offset = 0
        self._tail = None
        self.size = 0

    def sendTo(self, sock: socket.socket) -> int:
        """Send what the kernel will take now, with one system call; return the bytes sent.

        Returns 0 when the socket would block. Other ``OSError``\\ s (a reset, a broken pipe)
        propagate and leave the buffer as it was.
        """
        chunks = self._chunks
        if not chunks:
            return 0
        offset = self._offset
        first = chunks[0]
        try:
            if len(chunks) == 1:
                sent = sock.send(memoryview(first)[offset:] if offset else first)
            else:
                vector: list[Chunk] = [memoryview(first)[offset:] if offset else first]
                for index in range(1, min(len(chunks), MAX_CHUNKS_PER_SEND)):
                    vector.append(chunks[index])
                sent = sock.sendmsg(vector)
        except BlockingIOError:
            return 0
        self._consume(sent)
        return sent

    def _consume(self, sent: int) -> None:
        self.size -= sent
        chunks = self._chunks
        offset = self._offset + sent
        while chunks:
            length = len(chunks[0])
            if offset < length:
                break
            offset -= length
            if chunks.popleft() is self._tail:
                self._tail = None
        if not chunks:
            self._chunks = None
        elif chunks[0] is self._tail:
            # The tail became the first chunk: stop growing it (see __init__).
            self._tail = None
        self._offset = offset

    def _queue(self) -> deque[Chunk]:
        chunks = self._chunks
        if chunks is None:
            chunks = self._chunks = deque()
        return chunks
