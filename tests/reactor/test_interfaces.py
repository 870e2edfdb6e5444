"""Every reactor provides the core zope interfaces; DelayedCall provides IDelayedCall."""

from __future__ import annotations

import pytest
from zope.interface.verify import verifyObject

from reactor import DelayedCall, Reactor
from reactor.interfaces import (
    IDelayedCall,
    IFileDescriptor,
    IReactorCore,
    IReactorFDSet,
    IReactorThreads,
    IReactorTime,
    IReadDescriptor,
    IWriteDescriptor,
)


@pytest.mark.parametrize(
    "interface", [IReactorCore, IReactorTime, IReactorThreads, IReactorFDSet], ids=str
)
def test_reactor_provides_interface(realReactor: Reactor, interface: object) -> None:
    assert verifyObject(interface, realReactor)


def test_delayed_call_provides_IDelayedCall(realReactor: Reactor) -> None:
    call = realReactor.callLater(10, lambda: None)
    try:
        assert isinstance(call, DelayedCall)
        assert verifyObject(IDelayedCall, call)
    finally:
        call.cancel()


def test_descriptor_interfaces_extend_IFileDescriptor() -> None:
    assert IReadDescriptor.extends(IFileDescriptor)
    assert IWriteDescriptor.extends(IFileDescriptor)
    assert set(IReadDescriptor.names(all=True)) == {"fileno", "connectionLost", "doRead"}
    assert set(IWriteDescriptor.names(all=True)) == {"fileno", "connectionLost", "doWrite"}


def test_interfaces_carry_twisted_method_names() -> None:
    assert set(IReactorTime.names()) == {"seconds", "callLater", "getDelayedCalls"}
    assert set(IReactorCore.names()) == {
        "running",
        "run",
        "stop",
        "crash",
        "iterate",
        "fireSystemEvent",
        "addSystemEventTrigger",
        "removeSystemEventTrigger",
        "callWhenRunning",
    }
    assert set(IReactorThreads.names()) == {"callFromThread"}
    assert set(IDelayedCall.names()) == {
        "time",
        "called",
        "cancelled",
        "getTime",
        "cancel",
        "reset",
        "delay",
        "active",
    }
