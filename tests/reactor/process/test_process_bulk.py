"""Large transfers through a child's pipes on every backend: no loss (checksummed), memory
bounded by the pipe and the read size, stdin fed through a producer."""

from __future__ import annotations

import hashlib

import pytest
from _processhelpers import python

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.fdesc import READ_SIZE
from reactor.protocol import ProcessProtocol

pytestmark = pytest.mark.reactor("all")

_MEGABYTE = 1 << 20

# The child writes `count` MiB of seeded random bytes and reports their SHA-256 on stderr.
_WRITER = (
    "import hashlib, os, random, sys\n"
    "count = int(sys.argv[1])\n"
    "block = random.Random(7).randbytes(1 << 20)\n"
    "digest = hashlib.sha256()\n"
    "for i in range(count):\n"
    "    chunk = block[i % 1000:] + block[:i % 1000]\n"
    "    digest.update(chunk)\n"
    "    view = memoryview(chunk)\n"
    "    while view:\n"
    "        view = view[os.write(1, view):]\n"
    "sys.stderr.write(digest.hexdigest())\n"
)


class _Hashing(ProcessProtocol):
    """Hashes stdout as it arrives (keeps none of it); remembers the largest piece."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.received = 0
        self.largestPiece = 0
        self.err = b""
        self.reason: Failure | None = None
        self.ended: Deferred[None] = Deferred()

    def outReceived(self, data: bytes) -> None:
        self.digest.update(data)
        self.received += len(data)
        self.largestPiece = max(self.largestPiece, len(data))

    def errReceived(self, data: bytes) -> None:
        self.err += data

    def processEnded(self, reason: Failure) -> None:
        self.reason = reason
        self.ended.callback(None)


@pytest.mark.treadle_timeout(30)
def test_fifty_megabytes_from_the_child_arrive_intact_in_bounded_pieces(
    reactor: Reactor,
) -> Deferred[None]:
    p = _Hashing()
    reactor.spawnProcess(p, python("")[0], [*python(_WRITER), "50"])

    def check(_: object) -> None:
        assert p.received == 50 * _MEGABYTE
        assert p.digest.hexdigest() == p.err.decode()
        # Streamed as read, never accumulated: no piece bigger than one read.
        assert p.largestPiece <= READ_SIZE

    return p.ended.addCallback(check)


_READER = (
    "import hashlib, sys\n"
    "digest, total = hashlib.sha256(), 0\n"
    "while chunk := sys.stdin.buffer.read1(1 << 16):\n"
    "    digest.update(chunk); total += len(chunk)\n"
    "print(total, digest.hexdigest())\n"
)


class _PullProducer:
    """Writes one MiB of seeded data each time it is asked, ``count`` times, then closes."""

    def __init__(self, process: object, count: int) -> None:
        self.process = process
        self.remaining = count
        self.digest = hashlib.sha256()
        self.asked = 0

    def resumeProducing(self) -> None:
        self.asked += 1
        if not self.remaining:
            self.process.unregisterProducer()  # type: ignore[attr-defined]
            self.process.closeStdin()  # type: ignore[attr-defined]
            return
        self.remaining -= 1
        chunk = bytes([self.remaining % 256]) * _MEGABYTE
        self.digest.update(chunk)
        self.process.write(chunk)  # type: ignore[attr-defined]

    def stopProducing(self) -> None:
        self.remaining = 0


class _Output(ProcessProtocol):
    def __init__(self) -> None:
        self.out = b""
        self.reason: Failure | None = None
        self.ended: Deferred[None] = Deferred()

    def outReceived(self, data: bytes) -> None:
        self.out += data

    def processEnded(self, reason: Failure) -> None:
        self.reason = reason
        self.ended.callback(None)


@pytest.mark.treadle_timeout(30)
def test_twenty_megabytes_to_the_child_paced_by_a_pull_producer(
    reactor: Reactor,
) -> Deferred[None]:
    p = _Output()
    process = reactor.spawnProcess(p, python("")[0], python(_READER))
    producer = _PullProducer(process, 20)
    process.registerProducer(producer, False)

    def check(_: object) -> None:
        total, digest = p.out.split()
        assert int(total) == 20 * _MEGABYTE
        assert digest.decode() == producer.digest.hexdigest()
        assert producer.asked == 21  # one write per request: the pipe paced it

    return p.ended.addCallback(check)
