"""reactor.protocols.basic: however the input is chunked, the same frames come out.

Hypothesis generates an input and a way to cut it into chunks; each receiver, fed the chunks,
must deliver what a reference parser that sees the whole input at once (``bytes.split``,
``struct``) says -- including which frames are over the limit, and with pausing and raw mode
switching in the middle of chunks.
"""

from __future__ import annotations

import itertools
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reactor.protocols.basic import (
    Int8StringReceiver,
    Int16StringReceiver,
    Int32StringReceiver,
    IntNStringReceiver,
    LineReceiver,
    NetstringParseError,
    NetstringReceiver,
)
from reactor.testing import StringTransport

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def chunkings(draw: st.DrawFn, data: bytes) -> list[bytes]:
    """``data`` cut at random points (possibly into empty chunks)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=max(1, len(data)))))
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def chunked(data: bytes) -> st.SearchStrategy[list[bytes]]:
    return chunkings(data)


# --- Lines -----------------------------------------------------------------------------------

DELIMITERS = [b"\r\n", b"\n", b"aa", b"<END>"]
# Mostly bytes of the delimiters, so delimiters, partial delimiters and overlaps are frequent.
lineData = st.lists(st.sampled_from([b"a", b"b", b"\r", b"\n", b"\r\n", b"<", b"<END>", b"E"]))


def canStillEndValidLine(tail: bytes, delimiter: bytes, maxLength: int) -> bool:
    return any(delimiter.startswith(tail[cut:]) for cut in range(min(len(tail), maxLength) + 1))


def referenceLines(data: bytes, delimiter: bytes, maxLength: int) -> tuple[list[bytes], int]:
    """The lines a forgiving receiver delivers, and how many overlong lines it reports."""
    *complete, tail = data.split(delimiter)
    lines = [line for line in complete if len(line) <= maxLength]
    overlong = len(complete) - len(lines)
    if not canStillEndValidLine(tail, delimiter, maxLength):
        overlong += 1
    return lines, overlong


class Lines(LineReceiver):
    def __init__(self, delimiter: bytes, maxLength: int, *, forgiving: bool) -> None:
        self.delimiter = delimiter
        self.MAX_LENGTH = maxLength
        self.forgiving = forgiving
        self.lines: list[bytes] = []
        self.overlong = 0

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)

    def lineLengthExceeded(self, line: bytes) -> None:
        assert len(line) > self.MAX_LENGTH
        self.overlong += 1
        if not self.forgiving:
            super().lineLengthExceeded(line)


@SETTINGS
@given(
    pieces=lineData,
    delimiter=st.sampled_from(DELIMITERS),
    maxLength=st.integers(0, 6),
    data=st.data(),
)
def test_lines_match_a_whole_input_split(
    pieces: list[bytes], delimiter: bytes, maxLength: int, data: st.DataObject
) -> None:
    stream = b"".join(pieces)
    protocol = Lines(delimiter, maxLength, forgiving=True)
    protocol.makeConnection(StringTransport())
    for chunk in data.draw(chunked(stream)):
        protocol.dataReceived(chunk)
    assert (protocol.lines, protocol.overlong) == referenceLines(stream, delimiter, maxLength)


@SETTINGS
@given(
    pieces=lineData,
    delimiter=st.sampled_from(DELIMITERS),
    maxLength=st.integers(0, 6),
    data=st.data(),
)
def test_closing_receiver_delivers_every_line_before_the_first_overlong_one(
    pieces: list[bytes], delimiter: bytes, maxLength: int, data: st.DataObject
) -> None:
    stream = b"".join(pieces)
    *complete, tail = stream.split(delimiter)
    expected: list[bytes] = []
    for line in complete:
        if len(line) > maxLength:
            break
        expected.append(line)
    shouldClose = len(expected) < len(complete) or not canStillEndValidLine(
        tail, delimiter, maxLength
    )
    protocol = Lines(delimiter, maxLength, forgiving=False)
    transport = StringTransport()
    protocol.makeConnection(transport)
    for chunk in data.draw(chunked(stream)):
        protocol.dataReceived(chunk)
    assert protocol.lines == expected
    assert transport.disconnecting == shouldClose
    assert protocol.overlong == int(shouldClose)


@SETTINGS
@given(lines=st.lists(st.binary(max_size=8).filter(lambda b: b"\n" not in b)), data=st.data())
def test_pausing_after_every_line_loses_and_reorders_nothing(
    lines: list[bytes], data: st.DataObject
) -> None:
    class Pausing(Lines):
        def lineReceived(self, line: bytes) -> None:
            super().lineReceived(line)
            self.pauseProducing()

    protocol = Pausing(b"\n", 8, forgiving=False)
    protocol.makeConnection(StringTransport())
    for chunk in data.draw(chunked(b"".join(line + b"\n" for line in lines))):
        protocol.dataReceived(chunk)
        while protocol.paused:
            delivered = len(protocol.lines)
            protocol.resumeProducing()
            if len(protocol.lines) == delivered:
                break
    assert protocol.lines == lines


# --- Raw mode in the middle of chunks -------------------------------------------------------

plainLine = st.binary(max_size=12).filter(lambda b: b"\r\n" not in b and not b.startswith(b"RAW"))
rawOrLine = st.one_of(
    st.tuples(st.just("line"), plainLine), st.tuples(st.just("raw"), st.binary(max_size=30))
)


class Switching(LineReceiver):
    """``RAW <n>`` lines announce n bytes of raw data, after which lines resume."""

    MAX_LENGTH = 64

    def __init__(self) -> None:
        self.events: list[tuple[str, bytes]] = []
        self.remaining = 0
        self.raw = bytearray()

    def lineReceived(self, line: bytes) -> None:
        if not line.startswith(b"RAW "):
            self.events.append(("line", line))
            return
        self.remaining = int(line[4:])
        self.raw = bytearray()
        self.setRawMode()
        if self.remaining == 0:
            self.rawDataReceived(b"")

    def rawDataReceived(self, data: bytes) -> None:
        taken = data[: self.remaining]
        self.raw += taken
        self.remaining -= len(taken)
        if self.remaining == 0:
            self.events.append(("raw", bytes(self.raw)))
            self.setLineMode(data[len(taken) :])


@SETTINGS
@given(items=st.lists(rawOrLine), data=st.data())
def test_raw_mode_switches_land_on_the_same_bytes_however_chunked(
    items: list[tuple[str, bytes]], data: st.DataObject
) -> None:
    stream = b"".join(
        payload + b"\r\n" if kind == "line" else b"RAW %d\r\n%b" % (len(payload), payload)
        for kind, payload in items
    )
    protocol = Switching()
    protocol.makeConnection(StringTransport())
    for chunk in data.draw(chunked(stream)):
        protocol.dataReceived(chunk)
    assert protocol.events == items


# --- Length-prefixed strings ------------------------------------------------------------------


def forgivingStrings(base: type[IntNStringReceiver], maxLength: int) -> IntNStringReceiver:
    """A connected ``base`` receiver that records strings and skips those over ``maxLength``."""

    class Recorder(base):  # type: ignore[valid-type, misc]
        MAX_LENGTH = maxLength

        def stringReceived(self, string: bytes) -> None:
            self.strings.append(string)

        def lengthLimitExceeded(self, length: int) -> None:
            self.exceeded.append(length)

    protocol = Recorder()
    protocol.strings = []
    protocol.exceeded = []
    protocol.makeConnection(StringTransport())
    return protocol  # type: ignore[no-any-return]


@SETTINGS
@given(
    base=st.sampled_from([Int32StringReceiver, Int16StringReceiver, Int8StringReceiver]),
    payloads=st.lists(st.binary(max_size=40)),
    maxLength=st.integers(0, 40),
    data=st.data(),
)
def test_length_prefixed_strings_match_a_whole_input_parse(
    base: type[IntNStringReceiver], payloads: list[bytes], maxLength: int, data: st.DataObject
) -> None:
    stream = b"".join(struct.pack(base.structFormat, len(p)) + p for p in payloads)
    protocol = forgivingStrings(base, maxLength)
    for chunk in data.draw(chunked(stream)):
        protocol.dataReceived(chunk)
    assert protocol.strings == [p for p in payloads if len(p) <= maxLength]
    assert protocol.exceeded == [len(p) for p in payloads if len(p) > maxLength]


# --- Netstrings -------------------------------------------------------------------------------

MALFORMED = [b"x", b"01:a,", b":", b"3:abcX", b"1000", b"-1:", b"2:ab;"]


class Netstrings(NetstringReceiver):
    MAX_LENGTH = 100

    def __init__(self) -> None:
        self.strings: list[bytes] = []
        self.errors: list[NetstringParseError] = []

    def stringReceived(self, string: bytes) -> None:
        self.strings.append(string)

    def netstringParseFailed(self, error: NetstringParseError) -> None:
        self.errors.append(error)
        super().netstringParseFailed(error)


@SETTINGS
@given(payloads=st.lists(st.binary(max_size=100)), data=st.data())
def test_netstrings_match_a_whole_input_parse(payloads: list[bytes], data: st.DataObject) -> None:
    protocol = Netstrings()
    protocol.makeConnection(StringTransport())
    for chunk in data.draw(chunked(b"".join(b"%d:%b," % (len(p), p) for p in payloads))):
        protocol.dataReceived(chunk)
    assert protocol.strings == payloads
    assert protocol.errors == []


@SETTINGS
@given(
    payloads=st.lists(st.binary(max_size=20)),
    bad=st.sampled_from(MALFORMED),
    trailer=st.binary(max_size=20),
    data=st.data(),
)
def test_malformed_netstring_keeps_everything_before_it_however_chunked(
    payloads: list[bytes], bad: bytes, trailer: bytes, data: st.DataObject
) -> None:
    stream = b"".join(b"%d:%b," % (len(p), p) for p in payloads) + bad + trailer
    protocol = Netstrings()
    transport = StringTransport()
    protocol.makeConnection(transport)
    for chunk in data.draw(chunked(stream)):
        protocol.dataReceived(chunk)
    assert protocol.strings == payloads
    assert len(protocol.errors) == 1
    assert transport.disconnecting
