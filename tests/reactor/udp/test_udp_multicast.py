"""listenMulticast: group membership on the loopback interface, shared ports, loopback mode,
TTL and outgoing-interface options, IPv4 and IPv6 (IPv6 membership and options only: the
loopback interface has no IPv6 multicast route to send through).

Every datagram is sent to the group through 127.0.0.1 (``setOutgoingInterface``) and every
group is joined on 127.0.0.1, so nothing leaves the machine. Where the kernel does not allow
multicast on loopback the delivery tests skip -- except under CI, where they fail.

"Not delivered" is shown without waiting for a timeout: after the datagram that must not arrive,
the same sender sends a unicast sentinel to the same port; loopback keeps one sender's datagrams
in order, so once the sentinel is in, the other one would have been too.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from _udphelpers import GROUP, Recorder, runUntil, skipOrFailMulticast
from zope.interface.verify import verifyObject

from reactor import Reactor
from reactor._udpinterfaces import IMulticastTransport
from reactor.error import InvalidAddressError, MulticastJoinError
from reactor.udp._multicast import interfaceIndex

LOOPBACK = "127.0.0.1"


def _member(r: Reactor, protocol: Recorder, port: int = 0, **kw: Any) -> Any:
    """A multicast port that joined :data:`GROUP` on the loopback interface."""
    listening = r.listenMulticast(port, protocol, **kw)  # type: ignore[attr-defined]
    joined = listening.joinGroup(GROUP, LOOPBACK)
    failures: list[Any] = []
    joined.addErrback(failures.append)
    if failures:
        listening.stopListening()
        skipOrFailMulticast(failures[0].getErrorMessage())
    return listening


def _sender(r: Reactor) -> Any:
    """A multicast port that sends through the loopback interface.

    (Loopback mode cannot be shown to work here: what is sent through ``lo`` comes back in
    through ``lo`` whatever the mode says.)
    """
    sender = r.listenMulticast(0, Recorder(), interface=LOOPBACK)  # type: ignore[attr-defined]
    sender.setOutgoingInterface(LOOPBACK)
    return sender


def _closeAll(*ports: Any) -> None:
    for port in ports:
        port.stopListening()


# --- delivery --------------------------------------------------------------------------------


def test_aMemberReceivesDatagramsSentToTheGroup(realReactor: Reactor) -> None:
    r = realReactor
    protocol = Recorder()
    member = _member(r, protocol)
    sender = _sender(r)
    try:
        sender.write(b"to the group", (GROUP, member.getHost().port))
        runUntil(r, protocol.receivedAtLeast(1))
    finally:
        _closeAll(member, sender)
    assert protocol.datagrams == [(b"to the group", (LOOPBACK, sender.getHost().port))]


def test_listenMultipleLetsTwoPortsShareAGroupPortAndBothReceive(realReactor: Reactor) -> None:
    r = realReactor
    first, second = Recorder(), Recorder()
    one = _member(r, first, listenMultiple=True)
    two = _member(r, second, one.getHost().port, listenMultiple=True)
    sender = _sender(r)
    try:
        sender.write(b"for everyone", (GROUP, one.getHost().port))
        runUntil(r, first.receivedAtLeast(1))
        runUntil(r, second.receivedAtLeast(1))
    finally:
        _closeAll(one, two, sender)
    assert first.payloads() == second.payloads() == [b"for everyone"]


def test_withoutListenMultipleASecondPortCannotBindTheGroupPort(realReactor: Reactor) -> None:
    from reactor.error import CannotListenError

    member = _member(realReactor, Recorder())
    try:
        with pytest.raises(CannotListenError):
            realReactor.listenMulticast(member.getHost().port, Recorder())  # type: ignore[attr-defined]
    finally:
        member.stopListening()


def test_afterLeavingTheGroupNoMoreGroupDatagramsArrive(realReactor: Reactor) -> None:
    r = realReactor
    protocol = Recorder()
    member = _member(r, protocol)
    sender = _sender(r)
    where = member.getHost().port
    try:
        left = member.leaveGroup(GROUP, LOOPBACK)
        assert left.called and left.result is None
        sender.write(b"to the group", (GROUP, where))
        sender.write(b"sentinel", (LOOPBACK, where))
        runUntil(r, protocol.receivedAtLeast(1))
    finally:
        _closeAll(member, sender)
    assert protocol.payloads() == [b"sentinel"]


# --- membership errors -----------------------------------------------------------------------


def test_joiningANonMulticastAddressFailsWithMulticastJoinError(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        with pytest.raises(MulticastJoinError):
            runUntil(realReactor, port.joinGroup("127.0.0.2", LOOPBACK))
    finally:
        port.stopListening()


def test_leavingAGroupNotJoinedFailsWithMulticastJoinError(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        with pytest.raises(MulticastJoinError):
            runUntil(realReactor, port.leaveGroup(GROUP, LOOPBACK))
    finally:
        port.stopListening()


def test_joiningAnIPv6GroupOnAnIPv4PortFails(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        with pytest.raises(InvalidAddressError):
            runUntil(realReactor, port.joinGroup("ff02::1:2", LOOPBACK))
    finally:
        port.stopListening()


def test_joiningAfterStopListeningFails(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    port.stopListening()
    with pytest.raises(RuntimeError, match="not listening"):
        runUntil(realReactor, port.joinGroup(GROUP, LOOPBACK))


def test_joiningAGroupGivenByNameLooksItUp(realReactor: Reactor) -> None:
    # No multicast group has a name every machine knows; a unicast name shows the lookup
    # happens and its answer reaches the kernel (which then refuses a unicast "group").
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        with pytest.raises(MulticastJoinError) as caught:
            runUntil(realReactor, port.joinGroup("localhost", LOOPBACK))
    finally:
        port.stopListening()
    assert caught.value.args[:2] == ("localhost", LOOPBACK)


# --- options ---------------------------------------------------------------------------------


def test_multicastPortProvidesIMulticastTransport(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        assert verifyObject(IMulticastTransport, port)
    finally:
        port.stopListening()


def test_ttlDefaultsToOneAndCanBeSet(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        assert port.getTTL() == 1
        port.setTTL(7)
        assert port.getTTL() == 7
        handle = port.getHandle()
        assert handle.getsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL) == 7
        with pytest.raises(ValueError, match=r"0\.\.255"):
            port.setTTL(256)
    finally:
        port.stopListening()


def test_loopbackModeDefaultsToOnAndCanBeTurnedOff(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        assert port.getLoopbackMode() is True
        port.setLoopbackMode(False)
        assert port.getLoopbackMode() is False
    finally:
        port.stopListening()


def test_outgoingInterfaceDefaultsToAnyAndCanBeSetToLoopback(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        assert port.getOutgoingInterface() == "0.0.0.0"
        done = port.setOutgoingInterface(LOOPBACK)
        assert done.called and done.result == 1
        assert port.getOutgoingInterface() == LOOPBACK
    finally:
        port.stopListening()


def test_outgoingInterfaceMayBeGivenByName(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder())  # type: ignore[attr-defined]
    try:
        assert runUntil(realReactor, port.setOutgoingInterface("localhost")) == 1
        assert port.getOutgoingInterface() == LOOPBACK
    finally:
        port.stopListening()


# --- IPv6 ------------------------------------------------------------------------------------


def test_anIPv6PortJoinsAndLeavesAGroupOnTheLoopbackInterfaceByName(
    realReactor: Reactor,
) -> None:
    port = realReactor.listenMulticast(0, Recorder(), interface="::")  # type: ignore[attr-defined]
    try:
        joined = port.joinGroup("ff02::4242", "lo")
        failures: list[Any] = []
        joined.addErrback(failures.append)
        if failures:
            skipOrFailMulticast(failures[0].getErrorMessage())
        with pytest.raises(MulticastJoinError):
            # Already a member: the kernel says so.
            runUntil(realReactor, port.joinGroup("ff02::4242", socket.if_nametoindex("lo")))
        assert runUntil(realReactor, port.leaveGroup("ff02::4242", "lo")) is None
    finally:
        port.stopListening()


def test_anIPv6PortSetsHopsLoopbackAndOutgoingInterfaceIndex(realReactor: Reactor) -> None:
    port = realReactor.listenMulticast(0, Recorder(), interface="::1")  # type: ignore[attr-defined]
    try:
        port.setTTL(3)
        handle = port.getHandle()
        assert handle.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS) == 3
        assert port.getTTL() == 3
        port.setLoopbackMode(0)
        assert port.getLoopbackMode() is False
        assert port.getOutgoingInterface() == 0
        assert runUntil(realReactor, port.setOutgoingInterface("lo")) == 1
        assert port.getOutgoingInterface() == socket.if_nametoindex("lo")
    finally:
        port.stopListening()


def test_interfaceIndexTakesIndexesNamesAndNothing() -> None:
    assert interfaceIndex("") == 0
    assert interfaceIndex(3) == 3
    assert interfaceIndex("3") == 3
    assert interfaceIndex("lo") == socket.if_nametoindex("lo")
    with pytest.raises(ValueError, match="no network interface"):
        interfaceIndex("no-such-interface0")
