"""reactor.protocols.basic: buffering costs linear time in the input size.

Each test feeds an input of n and of 4n bytes shaped to make a quadratic receiver blow up -- one
long frame in one-byte chunks (a receiver that copies or rescans its buffer per chunk), or many
frames in one chunk (a receiver that copies the rest of the buffer per frame) -- and compares
the CPU time. Linear work takes about 4 times as long for 4 times the input, quadratic work
about 16 times; the bound, 10, is far enough from both (the larger input also spills out of
the CPU caches, which costs a little more than 4x on its own), each figure is the best of three
runs, and the garbage collector is paused while timing, so a busy machine does not make the
test flaky. At these sizes Twisted's LineReceiver shows a ratio
near 13 on the many-lines case.
"""

from __future__ import annotations

import gc
import struct
import time
from collections.abc import Callable, Sequence

import pytest

from reactor.protocols.basic import (
    FramingReceiver,
    Int32StringReceiver,
    LineReceiver,
    NetstringReceiver,
)
from reactor.testing import StringTransport

LINEAR_BOUND = 10.0


class CountingLines(LineReceiver):
    MAX_LENGTH = 1 << 30

    def lineReceived(self, line: bytes) -> None:
        self.received += len(line)


class CountingStrings(Int32StringReceiver):
    MAX_LENGTH = 1 << 30

    def stringReceived(self, string: bytes) -> None:
        self.received += len(string)


class CountingNetstrings(NetstringReceiver):
    MAX_LENGTH = 1 << 30

    def stringReceived(self, string: bytes) -> None:
        self.received += len(string)


def cpuSecondsToFeed(cls: type[FramingReceiver], chunks: Sequence[bytes], expected: int) -> float:
    best = float("inf")
    for _ in range(3):
        protocol = cls()
        protocol.received = 0  # type: ignore[attr-defined]
        protocol.makeConnection(StringTransport())
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            for chunk in chunks:
                protocol.dataReceived(chunk)
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
        assert protocol.received == expected  # type: ignore[attr-defined]
    return best


def assertLinear(
    cls: type[FramingReceiver], makeChunks: Callable[[int], tuple[Sequence[bytes], int]], n: int
) -> None:
    small = cpuSecondsToFeed(cls, *makeChunks(n))
    large = cpuSecondsToFeed(cls, *makeChunks(4 * n))
    assert large / max(small, 1e-3) < LINEAR_BOUND, (small, large)


def oneByteAtATime(frame: bytes, payload: int) -> tuple[list[bytes], int]:
    return [frame[i : i + 1] for i in range(len(frame))], payload


def test_long_line_in_one_byte_chunks_costs_linear_time() -> None:
    assertLinear(CountingLines, lambda n: oneByteAtATime(b"x" * n + b"\r\n", n), 40_000)


def test_many_lines_in_one_chunk_cost_linear_time() -> None:
    assertLinear(CountingLines, lambda n: ([b"abcdefg\r\n" * n], 7 * n), 20_000)


def test_long_string_in_one_byte_chunks_costs_linear_time() -> None:
    assertLinear(
        CountingStrings, lambda n: oneByteAtATime(struct.pack("!I", n) + b"x" * n, n), 40_000
    )


def test_many_strings_in_one_chunk_cost_linear_time() -> None:
    assertLinear(CountingStrings, lambda n: ([b"\x00\x00\x00\x03abc" * n], 3 * n), 20_000)


def test_long_netstring_in_one_byte_chunks_costs_linear_time() -> None:
    assertLinear(
        CountingNetstrings, lambda n: oneByteAtATime(b"%d:" % n + b"x" * n + b",", n), 40_000
    )


def test_many_netstrings_in_one_chunk_cost_linear_time() -> None:
    assertLinear(CountingNetstrings, lambda n: ([b"3:abc," * n], 3 * n), 20_000)


@pytest.mark.parametrize("chunk", [1 << 16, 10 << 20], ids=["64KiB-chunks", "one-chunk"])
def test_ten_megabyte_line_arrives_whole(chunk: int) -> None:
    line = b"y" * (10 << 20)
    data = line + b"\r\n"
    protocol = CountingLines()
    protocol.received = 0  # type: ignore[attr-defined]
    protocol.makeConnection(StringTransport())
    view = memoryview(data)
    for i in range(0, len(data), chunk):
        protocol.dataReceived(bytes(view[i : i + chunk]))
    assert protocol.received == len(line)  # type: ignore[attr-defined]
