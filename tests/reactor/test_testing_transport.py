"""Tests for reactor.testing.StringTransport and its disconnecting variant."""

from __future__ import annotations

import pytest

from deferred import Failure
from reactor.error import ConnectionDone
from reactor.testing import (
    IPv4Address,
    IPv6Address,
    StringTransport,
    StringTransportWithDisconnection,
    UNIXAddress,
)


def test_value_holds_everything_written() -> None:
    transport = StringTransport()
    transport.write(b"hello ")
    transport.write(bytearray(b"wor"))
    transport.write(memoryview(b"ld"))
    assert transport.value() == b"hello world"


def test_writeSequence_writes_each_chunk() -> None:
    transport = StringTransport()
    transport.writeSequence([b"a", b"b", b"c"])
    assert transport.value() == b"abc"


def test_clear_forgets_what_was_written() -> None:
    transport = StringTransport()
    transport.write(b"old")
    transport.clear()
    transport.write(b"new")
    assert transport.value() == b"new"


def test_value_is_a_snapshot() -> None:
    transport = StringTransport()
    transport.write(b"a")
    snapshot = transport.value()
    transport.write(b"b")
    assert snapshot == b"a"


def test_writing_text_is_a_TypeError() -> None:
    transport = StringTransport()
    with pytest.raises(TypeError, match="bytes, not str"):
        transport.write("text")  # type: ignore[arg-type]
    assert transport.value() == b""


def test_loseConnection_sets_disconnecting_only() -> None:
    transport = StringTransport()
    assert not transport.disconnecting
    transport.loseConnection()
    assert transport.disconnecting
    assert not transport.aborted
    assert not transport.disconnected


def test_abortConnection_sets_aborted_and_disconnecting() -> None:
    transport = StringTransport()
    transport.abortConnection()
    assert transport.aborted
    assert transport.disconnecting


def test_default_addresses() -> None:
    transport = StringTransport()
    assert transport.getHost() == IPv4Address("TCP", "10.0.0.1", 12345)
    assert transport.getPeer() == IPv4Address("TCP", "192.168.1.1", 54321)


def test_given_addresses_are_returned() -> None:
    host = IPv6Address("TCP", "::1", 80)
    peer = UNIXAddress("/tmp/sock")
    transport = StringTransport(hostAddress=host, peerAddress=peer)
    assert transport.getHost() is host
    assert transport.getPeer() is peer


def test_addresses_are_frozen_values() -> None:
    address = IPv4Address("TCP", "127.0.0.1", 1)
    assert address == IPv4Address("TCP", "127.0.0.1", 1)
    assert hash(address) == hash(IPv4Address("TCP", "127.0.0.1", 1))
    with pytest.raises(AttributeError):
        address.port = 2  # type: ignore[misc]


def test_registerProducer_records_producer() -> None:
    transport = StringTransport()
    producer = object()
    transport.registerProducer(producer, True)
    assert (transport.producer, transport.streaming) == (producer, True)
    transport.unregisterProducer()
    assert (transport.producer, transport.streaming) == (None, None)


def test_second_producer_is_refused() -> None:
    transport = StringTransport()
    transport.registerProducer(object(), False)
    with pytest.raises(RuntimeError, match="already registered"):
        transport.registerProducer(object(), False)


def test_unregister_without_producer_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="none is registered"):
        StringTransport().unregisterProducer()


def test_producer_state_follows_pause_resume_stop() -> None:
    transport = StringTransport()
    assert transport.producerState == "producing"
    transport.pauseProducing()
    assert transport.producerState == "paused"
    transport.resumeProducing()
    assert transport.producerState == "producing"
    transport.stopProducing()
    assert transport.producerState == "stopped"


def test_resume_after_loseConnection_is_an_error() -> None:
    transport = StringTransport()
    transport.loseConnection()
    with pytest.raises(RuntimeError, match="after loseConnection"):
        transport.resumeProducing()


class RecordingProtocol:
    def __init__(self) -> None:
        self.reasons: list[Failure] = []

    def connectionLost(self, reason: Failure) -> None:
        self.reasons.append(reason)


def test_disconnecting_variant_tells_the_protocol_once() -> None:
    transport = StringTransportWithDisconnection()
    protocol = RecordingProtocol()
    transport.protocol = protocol
    transport.loseConnection()
    transport.loseConnection()
    assert transport.disconnected
    assert len(protocol.reasons) == 1
    assert protocol.reasons[0].check(ConnectionDone)


def test_disconnecting_variant_without_protocol_is_an_error() -> None:
    transport = StringTransportWithDisconnection()
    with pytest.raises(RuntimeError, match="no protocol"):
        transport.loseConnection()
    assert not transport.disconnecting
