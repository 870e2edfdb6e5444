"""reactor.protocols.basic: LineReceiver and LineOnlyReceiver over a StringTransport."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from zope.interface.verify import verifyObject

from reactor.interfaces import IProtocol, IPushProducer
from reactor.protocols.basic import LineOnlyReceiver, LineReceiver
from reactor.testing import StringTransport


class Lines(LineReceiver):
    """Records lines, raw data and overlong lines; ``onLine`` runs after each line is recorded."""

    MAX_LENGTH = 10

    def __init__(self, onLine: Callable[[Lines, bytes], object] | None = None) -> None:
        self.lines: list[bytes] = []
        self.raw: list[bytes] = []
        self.tooLong: list[bytes] = []
        self.onLine = onLine

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)
        if self.onLine is not None:
            self.onLine(self, line)

    def rawDataReceived(self, data: bytes) -> None:
        self.raw.append(data)


class ForgivingLines(Lines):
    """Keeps the connection open when a line is too long."""

    def lineLengthExceeded(self, line: bytes) -> None:
        self.tooLong.append(line)


class OnlyLines(LineOnlyReceiver):
    MAX_LENGTH = 10

    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def lineReceived(self, line: bytes) -> None:
        self.lines.append(line)


def connected(protocol: LineOnlyReceiver) -> StringTransport:
    transport = StringTransport()
    protocol.makeConnection(transport)
    return transport


def feed(protocol: LineOnlyReceiver, *chunks: bytes) -> None:
    for chunk in chunks:
        protocol.dataReceived(chunk)


# --- Interfaces and basics ---------------------------------------------------------------------


@pytest.mark.parametrize("cls", [Lines, OnlyLines])
def test_line_receivers_provide_IProtocol_and_IPushProducer(cls: type[LineOnlyReceiver]) -> None:
    protocol = cls()
    assert verifyObject(IProtocol, protocol)
    assert verifyObject(IPushProducer, protocol)


def test_lines_are_split_on_the_default_CRLF_delimiter() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"one\r\ntwo\r\n\r\nthree")
    assert protocol.lines == [b"one", b"two", b""]


def test_unfinished_line_waits_for_its_delimiter() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"hel", b"lo")
    assert protocol.lines == []
    feed(protocol, b"\r\n")
    assert protocol.lines == [b"hello"]


def test_delimiter_split_across_chunks_is_found() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"ab\r", b"\ncd\r", b"\n")
    assert protocol.lines == [b"ab", b"cd"]


def test_custom_delimiter_is_used() -> None:
    protocol = Lines()
    protocol.delimiter = b"<END>"
    connected(protocol)
    feed(protocol, b"a<EN", b"D>b\r\n<END>")
    assert protocol.lines == [b"a", b"b\r\n"]


def test_delimiter_changed_between_lines_applies_to_buffered_data() -> None:
    protocol = Lines(onLine=lambda p, line: setattr(p, "delimiter", b"\n"))
    connected(protocol)
    feed(protocol, b"first\r\nsecond\nthird\n")
    assert protocol.lines == [b"first", b"second", b"third"]


def test_delimiter_changed_between_chunks_rescans_buffered_data() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"a\nb")
    protocol.delimiter = b"\n"
    feed(protocol, b"")
    assert protocol.lines == [b"a"]


def test_empty_delimiter_is_rejected() -> None:
    protocol = Lines()
    protocol.delimiter = b""
    connected(protocol)
    with pytest.raises(ValueError, match="delimiter must not be empty"):
        feed(protocol, b"x")


def test_sendLine_writes_the_line_and_delimiter() -> None:
    protocol = Lines()
    transport = connected(protocol)
    protocol.sendLine(b"hello")
    protocol.delimiter = b"\n"
    protocol.sendLine(b"")
    assert transport.value() == b"hello\r\n\n"


def test_lineReceived_must_be_overridden() -> None:
    protocol = LineReceiver()
    connected(protocol)
    with pytest.raises(NotImplementedError, match="lineReceived"):
        protocol.dataReceived(b"x\r\n")


def test_rawDataReceived_must_be_overridden() -> None:
    protocol = LineReceiver()
    connected(protocol)
    protocol.setRawMode()
    with pytest.raises(NotImplementedError, match="rawDataReceived"):
        protocol.dataReceived(b"x")


def test_LineOnlyReceiver_splits_lines() -> None:
    protocol = OnlyLines()
    connected(protocol)
    feed(protocol, b"a\r\nb", b"\r\n")
    assert protocol.lines == [b"a", b"b"]


# --- MAX_LENGTH ---------------------------------------------------------------------------------


def test_line_of_exactly_MAX_LENGTH_is_accepted() -> None:
    protocol = Lines()
    transport = connected(protocol)
    feed(protocol, b"x" * 10 + b"\r\n")
    assert protocol.lines == [b"x" * 10]
    assert not transport.disconnecting


def test_complete_line_over_MAX_LENGTH_closes_the_connection() -> None:
    protocol = Lines()
    transport = connected(protocol)
    feed(protocol, b"x" * 11 + b"\r\n")
    assert protocol.lines == []
    assert transport.disconnecting


def test_unfinished_line_over_MAX_LENGTH_is_caught_before_its_delimiter() -> None:
    protocol = ForgivingLines()
    connected(protocol)
    feed(protocol, b"x" * 6, b"x" * 4)
    assert protocol.tooLong == []
    feed(protocol, b"y")
    assert protocol.tooLong == [b"x" * 10 + b"y"]


def test_unfinished_line_may_end_in_part_of_the_delimiter() -> None:
    # 10 bytes plus "\r" is 11 bytes buffered, but may still be a valid 10-byte line.
    protocol = ForgivingLines()
    connected(protocol)
    feed(protocol, b"x" * 10 + b"\r")
    assert protocol.tooLong == []
    feed(protocol, b"\n")
    assert protocol.lines == [b"x" * 10]


def test_part_of_the_delimiter_then_more_line_is_too_long() -> None:
    protocol = ForgivingLines()
    connected(protocol)
    feed(protocol, b"x" * 10 + b"\r")
    feed(protocol, b"z")
    assert protocol.tooLong == [b"x" * 10 + b"\rz"]


def test_long_delimiter_prefix_at_the_limit_is_not_mistaken_for_an_overlong_line() -> None:
    protocol = ForgivingLines()
    protocol.delimiter = b"<END>"
    connected(protocol)
    feed(protocol, b"x" * 10 + b"<EN")
    assert protocol.tooLong == []
    feed(protocol, b"D>")
    assert protocol.lines == [b"x" * 10]


def test_lines_before_an_overlong_line_are_delivered() -> None:
    protocol = Lines()
    transport = connected(protocol)
    feed(protocol, b"ok\r\nfine\r\n" + b"x" * 20 + b"\r\nlater\r\n")
    assert protocol.lines == [b"ok", b"fine"]
    assert transport.disconnecting


def test_nothing_is_delivered_after_the_default_close() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"x" * 20)
    feed(protocol, b"\r\nafter\r\n")
    assert protocol.lines == []


def test_default_lineLengthExceeded_logs_why(caplog: pytest.LogCaptureFixture) -> None:
    protocol = Lines()
    connected(protocol)
    with caplog.at_level(logging.WARNING, logger="reactor.protocols"):
        feed(protocol, b"x" * 12 + b"\r\n")
    (record,) = caplog.records
    assert record.getMessage() == (
        "Lines: line longer than MAX_LENGTH (10 bytes; 12 received); closing the connection"
    )


def test_connection_kept_open_resumes_after_an_overlong_complete_line() -> None:
    protocol = ForgivingLines()
    transport = connected(protocol)
    feed(protocol, b"a\r\n" + b"x" * 11 + b"\r\nb\r\n")
    assert protocol.tooLong == [b"x" * 11]
    assert protocol.lines == [b"a", b"b"]
    assert not transport.disconnecting


def test_connection_kept_open_skips_the_rest_of_an_overlong_unfinished_line() -> None:
    protocol = ForgivingLines()
    connected(protocol)
    feed(protocol, b"x" * 11, b"more of it", b"still\r", b"\nnext\r\n")
    assert protocol.tooLong == [b"x" * 11]
    assert protocol.lines == [b"next"]


def test_overlong_line_is_reported_once_however_it_is_chunked() -> None:
    protocol = ForgivingLines()
    connected(protocol)
    for byte in b"y" * 100 + b"\r\nz\r\n":
        feed(protocol, bytes([byte]))
    assert protocol.tooLong == [b"y" * 11]
    assert protocol.lines == [b"z"]


def test_LineOnlyReceiver_enforces_MAX_LENGTH() -> None:
    protocol = OnlyLines()
    transport = connected(protocol)
    feed(protocol, b"a\r\n", b"x" * 11)
    assert protocol.lines == [b"a"]
    assert transport.disconnecting


# --- Raw mode ----------------------------------------------------------------------------------


def test_setRawMode_sends_the_rest_of_the_chunk_and_later_data_raw() -> None:
    protocol = Lines(onLine=lambda p, line: p.setRawMode())
    connected(protocol)
    feed(protocol, b"header\r\nbody\r\nmore", b"\r\nlater")
    assert protocol.lines == [b"header"]
    assert b"".join(protocol.raw) == b"body\r\nmore\r\nlater"


def test_raw_data_is_passed_on_as_it_arrives() -> None:
    protocol = Lines()
    connected(protocol)
    protocol.setRawMode()
    feed(protocol, b"abc", b"def")
    assert protocol.raw == [b"abc", b"def"]


def test_raw_mode_has_no_length_limit() -> None:
    protocol = Lines()
    transport = connected(protocol)
    protocol.setRawMode()
    feed(protocol, b"x" * 1000)
    assert protocol.raw == [b"x" * 1000]
    assert not transport.disconnecting


def test_setLineMode_extra_is_parsed_before_later_data() -> None:
    class Body(Lines):
        def rawDataReceived(self, data: bytes) -> None:
            self.raw.append(data[:4])
            self.setLineMode(data[4:])

    protocol = Body(onLine=lambda p, line: p.setRawMode() if line == b"raw" else None)
    connected(protocol)
    feed(protocol, b"raw\r\n1234after\r\nraw\r\n", b"5678x\r\n")
    assert protocol.raw == [b"1234", b"5678"]
    assert protocol.lines == [b"raw", b"after", b"raw", b"x"]


def test_setLineMode_from_outside_a_delivery_parses_extra_at_once() -> None:
    protocol = Lines()
    connected(protocol)
    protocol.setRawMode()
    feed(protocol, b"blob")
    protocol.setLineMode(b"one\r\ntw")
    assert protocol.lines == [b"one"]
    feed(protocol, b"o\r\n")
    assert protocol.lines == [b"one", b"two"]


def test_setLineMode_extra_goes_before_data_buffered_while_paused() -> None:
    protocol = Lines()
    connected(protocol)
    protocol.setRawMode()
    protocol.pauseProducing()
    feed(protocol, b"later\r\n")
    protocol.setLineMode(b"first\r\n")
    protocol.resumeProducing()
    assert protocol.lines == [b"first", b"later"]
    assert protocol.raw == []


def test_setRawMode_outside_a_delivery_sends_buffered_data_with_the_next_chunk() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"partial")
    protocol.setRawMode()
    feed(protocol, b" rest")
    assert b"".join(protocol.raw) == b"partial rest"


# --- clearLineBuffer ---------------------------------------------------------------------------


def test_clearLineBuffer_returns_and_forgets_buffered_data() -> None:
    protocol = Lines()
    connected(protocol)
    feed(protocol, b"half a li")
    assert protocol.clearLineBuffer() == b"half a li"
    feed(protocol, b"ne\r\n")
    assert protocol.lines == [b"ne"]


def test_clearLineBuffer_in_lineReceived_drops_the_rest_of_the_chunk() -> None:
    cleared: list[bytes] = []
    protocol = Lines(onLine=lambda p, line: cleared.append(p.clearLineBuffer()))
    connected(protocol)
    feed(protocol, b"a\r\nb\r\nc")
    assert protocol.lines == [b"a"]
    assert cleared == [b"b\r\nc"]


def test_clearLineBuffer_on_a_fresh_protocol_is_empty() -> None:
    assert Lines().clearLineBuffer() == b""


# --- Pausing -----------------------------------------------------------------------------------


def test_no_lines_are_delivered_while_paused() -> None:
    protocol = Lines(onLine=lambda p, line: p.pauseProducing())
    transport = connected(protocol)
    feed(protocol, b"a\r\nb\r\nc\r\n")
    assert protocol.lines == [b"a"]
    assert transport.producerState == "paused"


def test_resumeProducing_delivers_buffered_lines_then_resumes_the_transport() -> None:
    protocol = Lines()
    transport = connected(protocol)
    protocol.pauseProducing()
    feed(protocol, b"a\r\n", b"b\r\nc")
    assert protocol.lines == []
    protocol.resumeProducing()
    assert protocol.lines == [b"a", b"b"]
    assert transport.producerState == "producing"


def test_pausing_again_during_resume_keeps_the_transport_paused() -> None:
    protocol = Lines(onLine=lambda p, line: p.pauseProducing())
    transport = connected(protocol)
    feed(protocol, b"a\r\nb\r\nc\r\n")
    protocol.resumeProducing()
    assert protocol.lines == [b"a", b"b"]
    assert transport.producerState == "paused"
    protocol.resumeProducing()
    protocol.resumeProducing()
    assert protocol.lines == [b"a", b"b", b"c"]


def test_pause_and_resume_inside_lineReceived_keeps_delivering() -> None:
    def pauseAndResume(p: Lines, line: bytes) -> None:
        p.pauseProducing()
        p.resumeProducing()

    protocol = Lines(onLine=pauseAndResume)
    connected(protocol)
    feed(protocol, b"a\r\nb\r\n")
    assert protocol.lines == [b"a", b"b"]


def test_raw_data_is_held_while_paused() -> None:
    protocol = Lines()
    connected(protocol)
    protocol.setRawMode()
    protocol.pauseProducing()
    feed(protocol, b"ab", b"cd")
    assert protocol.raw == []
    protocol.resumeProducing()
    assert protocol.raw == [b"abcd"]


def test_stopProducing_stops_delivery_and_the_transport() -> None:
    protocol = Lines()
    transport = connected(protocol)
    protocol.stopProducing()
    feed(protocol, b"a\r\n")
    assert protocol.lines == []
    assert transport.producerState == "stopped"


# --- Closing and re-entrancy ------------------------------------------------------------------


def test_no_more_lines_after_lineReceived_closes_the_connection() -> None:
    protocol = Lines(onLine=lambda p, line: p.transport.loseConnection())
    connected(protocol)
    feed(protocol, b"quit\r\nignored\r\n")
    assert protocol.lines == [b"quit"]


def test_no_lines_once_the_transport_is_disconnecting() -> None:
    protocol = Lines()
    transport = connected(protocol)
    transport.loseConnection()
    feed(protocol, b"late\r\n")
    assert protocol.lines == []


def test_resumeProducing_after_close_does_not_touch_the_transport() -> None:
    protocol = Lines()
    transport = connected(protocol)
    protocol.pauseProducing()
    transport.loseConnection()
    protocol.resumeProducing()
    assert transport.producerState == "paused"


def test_data_fed_from_lineReceived_is_delivered_in_order() -> None:
    def echoOnce(p: Lines, line: bytes) -> None:
        if line == b"a":
            p.dataReceived(b"nested\r\n")

    protocol = Lines(onLine=echoOnce)
    connected(protocol)
    feed(protocol, b"a\r\nb\r\n")
    assert protocol.lines == [b"a", b"b", b"nested"]


def test_exception_in_lineReceived_propagates_and_leaves_the_rest_buffered() -> None:
    def boom(p: Lines, line: bytes) -> None:
        if line == b"bad":
            raise RuntimeError("handler failed")

    protocol = Lines(onLine=boom)
    connected(protocol)
    with pytest.raises(RuntimeError, match="handler failed"):
        feed(protocol, b"bad\r\ngood\r\n")
    feed(protocol, b"")
    assert protocol.lines == [b"bad", b"good"]


def test_lines_are_delivered_without_makeConnection() -> None:
    protocol = Lines()
    feed(protocol, b"a\r\n")
    assert protocol.lines == [b"a"]
