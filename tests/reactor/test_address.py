"""reactor.address: frozen, validated address value classes that provide IAddress."""

from __future__ import annotations

import pickle

import attrs
import pytest
from zope.interface.verify import verifyObject

from reactor.address import IPv4Address, IPv6Address, UNIXAddress
from reactor.interfaces import IAddress


@pytest.mark.parametrize(
    "address",
    [
        IPv4Address("TCP", "127.0.0.1", 80),
        IPv6Address("UDP", "::1", 53, flowInfo=1, scopeID=2),
        UNIXAddress("/tmp/socket"),
    ],
    ids=repr,
)
def test_addresses_provide_IAddress(address: object) -> None:
    assert verifyObject(IAddress, address)


def test_IPv4Address_fields_and_repr() -> None:
    address = IPv4Address("TCP", "127.0.0.1", 8080)
    assert (address.type, address.host, address.port) == ("TCP", "127.0.0.1", 8080)
    assert repr(address) == "IPv4Address(type='TCP', host='127.0.0.1', port=8080)"


def test_IPv6Address_flowInfo_and_scopeID_default_to_zero() -> None:
    address = IPv6Address("TCP", "::1", 1)
    assert (address.flowInfo, address.scopeID) == (0, 0)


def test_equal_addresses_compare_and_hash_equal() -> None:
    assert IPv4Address("TCP", "10.0.0.1", 1) == IPv4Address("TCP", "10.0.0.1", 1)
    assert hash(IPv4Address("TCP", "10.0.0.1", 1)) == hash(IPv4Address("TCP", "10.0.0.1", 1))
    assert len({UNIXAddress("/a"), UNIXAddress("/a"), UNIXAddress("/b")}) == 2


def test_addresses_of_different_kinds_or_fields_differ() -> None:
    assert IPv4Address("TCP", "10.0.0.1", 1) != IPv4Address("UDP", "10.0.0.1", 1)
    assert IPv4Address("TCP", "::1", 1) != IPv6Address("TCP", "::1", 1)
    assert IPv6Address("TCP", "fe80::1", 1, scopeID=1) != IPv6Address("TCP", "fe80::1", 1)


def test_addresses_are_frozen() -> None:
    address = IPv4Address("TCP", "127.0.0.1", 80)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        address.port = 81  # type: ignore[misc]


@pytest.mark.parametrize("kind", ["tcp", "SCTP", ""])
def test_unknown_transport_type_is_rejected(kind: str) -> None:
    with pytest.raises(ValueError, match="'TCP' or 'UDP'"):
        IPv4Address(kind, "127.0.0.1", 80)


@pytest.mark.parametrize("port", [-1, 65536, True, "80", 80.0])
def test_invalid_port_is_rejected(port: object) -> None:
    with pytest.raises(ValueError, match=r"port must be an int in 0\.\.65535"):
        IPv6Address("TCP", "::1", port)  # type: ignore[arg-type]


def test_port_bounds_are_accepted() -> None:
    assert IPv4Address("TCP", "0.0.0.0", 0).port == 0
    assert IPv4Address("TCP", "0.0.0.0", 65535).port == 65535


def test_non_string_host_is_rejected() -> None:
    with pytest.raises(TypeError, match="host must be a str"):
        IPv4Address("TCP", b"127.0.0.1", 80)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["/tmp/s", b"\0abstract", None], ids=repr)
def test_UNIXAddress_holds_any_name(name: str | bytes | None) -> None:
    assert UNIXAddress(name).name == name


def test_addresses_pickle_round_trip() -> None:
    address = IPv6Address("TCP", "::1", 443, flowInfo=3, scopeID=4)
    assert pickle.loads(pickle.dumps(address)) == address
