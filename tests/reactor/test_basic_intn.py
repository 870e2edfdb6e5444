"""reactor.protocols.basic: Int32/Int16/Int8StringReceiver over a StringTransport."""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable

import pytest
from zope.interface.verify import verifyObject

from reactor.interfaces import IProtocol, IPushProducer
from reactor.protocols.basic import (
    Int8StringReceiver,
    Int16StringReceiver,
    Int32StringReceiver,
    IntNStringReceiver,
    StringTooLongError,
)
from reactor.testing import StringTransport

RECEIVERS = [Int32StringReceiver, Int16StringReceiver, Int8StringReceiver]


def recorder(
    base: type[IntNStringReceiver], onString: Callable[[IntNStringReceiver], object] | None = None
) -> IntNStringReceiver:
    """A connected ``base`` that records strings in ``.strings``, over a StringTransport."""

    class Recorder(base):
        def stringReceived(self, string: bytes) -> None:
            self.strings.append(string)
            if onString is not None:
                onString(self)

    protocol = Recorder()
    protocol.strings = []
    protocol.makeConnection(StringTransport())
    return protocol


def frame(base: type[IntNStringReceiver], string: bytes) -> bytes:
    return struct.pack(base.structFormat, len(string)) + string


@pytest.mark.parametrize("base", RECEIVERS)
def test_receivers_provide_IProtocol_and_IPushProducer(base: type[IntNStringReceiver]) -> None:
    protocol = recorder(base)
    assert verifyObject(IProtocol, protocol)
    assert verifyObject(IPushProducer, protocol)


@pytest.mark.parametrize(
    ("base", "prefix"),
    [
        (Int32StringReceiver, b"\x00\x00\x00\x05"),
        (Int16StringReceiver, b"\x00\x05"),
        (Int8StringReceiver, b"\x05"),
    ],
)
def test_prefix_is_big_endian_of_its_size(base: type[IntNStringReceiver], prefix: bytes) -> None:
    protocol = recorder(base)
    protocol.sendString(b"hello")
    assert protocol.transport.value() == prefix + b"hello"


@pytest.mark.parametrize("base", RECEIVERS)
def test_strings_in_one_chunk_are_all_delivered(base: type[IntNStringReceiver]) -> None:
    protocol = recorder(base)
    protocol.dataReceived(frame(base, b"a") + frame(base, b"") + frame(base, b"bcd"))
    assert protocol.strings == [b"a", b"", b"bcd"]


@pytest.mark.parametrize("base", RECEIVERS)
def test_string_split_across_chunks_waits_until_complete(base: type[IntNStringReceiver]) -> None:
    protocol = recorder(base)
    data = frame(base, b"hello")
    for i in range(len(data) - 1):
        protocol.dataReceived(data[i : i + 1])
    assert protocol.strings == []
    protocol.dataReceived(data[-1:])
    assert protocol.strings == [b"hello"]


def test_string_of_exactly_MAX_LENGTH_is_accepted() -> None:
    protocol = recorder(Int16StringReceiver)
    protocol.MAX_LENGTH = 5
    protocol.dataReceived(frame(Int16StringReceiver, b"12345"))
    assert protocol.strings == [b"12345"]
    assert not protocol.transport.disconnecting


def test_prefix_over_MAX_LENGTH_closes_before_the_string_arrives() -> None:
    protocol = recorder(Int32StringReceiver)
    protocol.MAX_LENGTH = 5
    protocol.dataReceived(b"\x00\x00\x00\x06")
    assert protocol.transport.disconnecting
    assert protocol.strings == []


def test_huge_prefix_is_refused_without_buffering() -> None:
    protocol = recorder(Int32StringReceiver)
    protocol.dataReceived(b"\xff\xff\xff\xff" + b"x" * 1000)
    assert protocol.transport.disconnecting
    assert protocol.strings == []


def test_strings_before_an_oversized_one_are_delivered() -> None:
    protocol = recorder(Int16StringReceiver)
    protocol.MAX_LENGTH = 3
    protocol.dataReceived(
        frame(Int16StringReceiver, b"ok") + frame(Int16StringReceiver, b"toolong") + b"\x00"
    )
    assert protocol.strings == [b"ok"]
    assert protocol.transport.disconnecting


def test_default_lengthLimitExceeded_logs_why(caplog: pytest.LogCaptureFixture) -> None:
    protocol = recorder(Int16StringReceiver)
    protocol.MAX_LENGTH = 3
    with caplog.at_level(logging.WARNING, logger="reactor.protocols"):
        protocol.dataReceived(b"\x00\x07")
    (record,) = caplog.records
    assert record.getMessage() == (
        "Recorder: string of 7 bytes announced, more than MAX_LENGTH (3); closing the connection"
    )


def test_connection_kept_open_skips_the_oversized_string_and_stays_in_step() -> None:
    class Forgiving(Int16StringReceiver):
        MAX_LENGTH = 3

        def __init__(self) -> None:
            self.strings: list[bytes] = []
            self.exceeded: list[int] = []

        def stringReceived(self, string: bytes) -> None:
            self.strings.append(string)

        def lengthLimitExceeded(self, length: int) -> None:
            self.exceeded.append(length)

    protocol = Forgiving()
    protocol.makeConnection(StringTransport())
    data = frame(Forgiving, b"a") + frame(Forgiving, b"0123456789") + frame(Forgiving, b"b")
    for i in range(len(data)):
        protocol.dataReceived(data[i : i + 1])
    assert protocol.exceeded == [10]
    assert protocol.strings == [b"a", b"b"]


@pytest.mark.parametrize(
    ("base", "limit"), [(Int16StringReceiver, 65535), (Int8StringReceiver, 255)]
)
def test_sendString_refuses_what_the_prefix_cannot_express(
    base: type[IntNStringReceiver], limit: int
) -> None:
    protocol = recorder(base)
    protocol.sendString(b"x" * limit)
    with pytest.raises(StringTooLongError, match=f"at most {limit}"):
        protocol.sendString(b"x" * (limit + 1))
    assert len(protocol.transport.value()) == base.prefixLength + limit


def test_stringReceived_must_be_overridden() -> None:
    protocol = Int32StringReceiver()
    protocol.makeConnection(StringTransport())
    with pytest.raises(NotImplementedError, match="stringReceived"):
        protocol.dataReceived(b"\x00\x00\x00\x00")


def test_no_strings_are_delivered_while_paused() -> None:
    protocol = recorder(Int8StringReceiver, onString=lambda p: p.pauseProducing())
    protocol.dataReceived(b"\x01a\x01b")
    assert protocol.strings == [b"a"]
    assert protocol.transport.producerState == "paused"
    protocol.dataReceived(b"\x01c")
    protocol.resumeProducing()
    assert protocol.strings == [b"a", b"b"]
    protocol.resumeProducing()
    assert protocol.strings == [b"a", b"b", b"c"]


def test_no_strings_after_stringReceived_closes_the_connection() -> None:
    protocol = recorder(Int8StringReceiver, onString=lambda p: p.transport.loseConnection())
    protocol.dataReceived(b"\x01a\x01b")
    assert protocol.strings == [b"a"]


def test_sent_strings_parse_back() -> None:
    sender = recorder(Int32StringReceiver)
    receiver = recorder(Int32StringReceiver)
    payloads = [b"", b"x", bytes(range(256)) * 100]
    for payload in payloads:
        sender.sendString(payload)
    receiver.dataReceived(sender.transport.value())
    assert receiver.strings == payloads
