"""reactor.protocols.basic: NetstringReceiver over a StringTransport."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from zope.interface.verify import verifyObject

from reactor.interfaces import IProtocol, IPushProducer
from reactor.protocols.basic import NetstringParseError, NetstringReceiver
from reactor.testing import StringTransport


class Netstrings(NetstringReceiver):
    MAX_LENGTH = 100

    def __init__(self, onString: Callable[[Netstrings], object] | None = None) -> None:
        self.strings: list[bytes] = []
        self.errors: list[NetstringParseError] = []
        self.onString = onString

    def stringReceived(self, string: bytes) -> None:
        self.strings.append(string)
        if self.onString is not None:
            self.onString(self)

    def netstringParseFailed(self, error: NetstringParseError) -> None:
        self.errors.append(error)
        super().netstringParseFailed(error)


def connected(onString: Callable[[Netstrings], object] | None = None) -> Netstrings:
    protocol = Netstrings(onString)
    protocol.makeConnection(StringTransport())
    return protocol


def test_NetstringReceiver_provides_IProtocol_and_IPushProducer() -> None:
    assert verifyObject(IProtocol, connected())
    assert verifyObject(IPushProducer, connected())


def test_sendString_writes_a_netstring() -> None:
    protocol = connected()
    protocol.sendString(b"hello world!")
    protocol.sendString(b"")
    assert protocol.transport.value() == b"12:hello world!,0:,"


def test_netstrings_in_one_chunk_are_all_delivered() -> None:
    protocol = connected()
    protocol.dataReceived(b"3:abc,0:,5:a,b:c,")
    assert protocol.strings == [b"abc", b"", b"a,b:c"]


def test_netstring_split_byte_by_byte_is_delivered_once_complete() -> None:
    protocol = connected()
    data = b"11:hello world,"
    for i in range(len(data) - 1):
        protocol.dataReceived(data[i : i + 1])
    assert protocol.strings == []
    protocol.dataReceived(b",")
    assert protocol.strings == [b"hello world"]


def test_string_of_exactly_MAX_LENGTH_is_accepted() -> None:
    protocol = connected()
    protocol.dataReceived(b"100:" + b"x" * 100 + b",")
    assert protocol.strings == [b"x" * 100]
    assert protocol.errors == []


def failsWith(data: bytes, message: str) -> Netstrings:
    protocol = connected()
    protocol.dataReceived(data)
    (error,) = protocol.errors
    assert str(error) == message
    assert protocol.brokenPeer
    assert protocol.parseError is error
    assert protocol.transport.disconnecting
    return protocol


def test_length_over_MAX_LENGTH_is_refused_at_the_colon() -> None:
    failsWith(b"101:", "a netstring length of 101 bytes exceeds MAX_LENGTH (100)")


def test_too_many_digits_are_refused_before_the_colon_arrives() -> None:
    failsWith(b"1000", "a netstring length of 1000 (or more) bytes exceeds MAX_LENGTH (100)")


def test_non_digit_length_is_refused_at_once() -> None:
    failsWith(b"1x", "a netstring length is not decimal digits: b'1x'")


def test_empty_length_is_refused() -> None:
    failsWith(b":abc,", "a netstring length is empty (':' with no digits before it)")


def test_leading_zero_is_refused() -> None:
    failsWith(b"03:abc,", "a netstring length has a leading zero: b'03'")


def test_length_zero_is_not_a_leading_zero() -> None:
    protocol = connected()
    protocol.dataReceived(b"0:,")
    assert protocol.strings == [b""]


def test_missing_comma_is_refused_as_soon_as_its_byte_arrives() -> None:
    failsWith(b"3:abcX", "a 3-byte netstring is followed by b'X', not by its comma")


def test_strings_before_malformed_input_are_delivered_and_none_after() -> None:
    protocol = failsWith(b"1:a,2:bc,x:junk,1:d,", "a netstring length is not decimal digits: b'x'")
    protocol.dataReceived(b"1:e,")
    assert protocol.strings == [b"a", b"bc"]


def test_default_netstringParseFailed_logs_the_reason(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="reactor.protocols"):
        failsWith(b"-1:", "a netstring length is not decimal digits: b'-1'")
    (record,) = caplog.records
    assert record.getMessage() == (
        "Netstrings: a netstring length is not decimal digits: b'-1'; closing the connection"
    )


def test_no_strings_are_delivered_while_paused() -> None:
    protocol = connected(onString=lambda p: p.pauseProducing())
    protocol.dataReceived(b"1:a,1:b,")
    assert protocol.strings == [b"a"]
    protocol.resumeProducing()
    protocol.resumeProducing()
    assert protocol.strings == [b"a", b"b"]


def test_stringReceived_must_be_overridden() -> None:
    protocol = NetstringReceiver()
    protocol.makeConnection(StringTransport())
    with pytest.raises(NotImplementedError, match="stringReceived"):
        protocol.dataReceived(b"0:,")


def test_sent_strings_parse_back() -> None:
    sender, receiver = connected(), connected()
    payloads = [b"", b"1:2,", b"x" * 100]
    for payload in payloads:
        sender.sendString(payload)
    receiver.dataReceived(sender.transport.value())
    assert receiver.strings == payloads
