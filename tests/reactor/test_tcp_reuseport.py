"""SO_REUSEPORT on listening TCP ports: ``tcp:PORT:reusePort=1`` lets several ports (in one
process here; several processes in the ``treadle serve chat --workers`` tests) share a port."""

from __future__ import annotations

import socket

import pytest
from _tcphelpers import CollectingFactory, Recorder, connectTo, runUntil

from reactor import Reactor
from reactor.endpoints import TCP4ServerEndpoint, serverFromString
from reactor.error import CannotListenError
from reactor.testing import MemoryReactor

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_REUSEPORT"), reason="this system has no SO_REUSEPORT"
)


def test_twoPortsWithReusePortListenOnTheSamePort(realReactor: Reactor) -> None:
    r = realReactor
    factory = CollectingFactory(Recorder)
    first = runUntil(
        r, serverFromString(r, "tcp:0:interface=127.0.0.1:reusePort=1").listen(factory)
    )
    number = first.getHost().port
    again = serverFromString(r, f"tcp:{number}:interface=127.0.0.1:reusePort=1")
    second = runUntil(r, again.listen(factory))
    try:
        assert second.getHost().port == number
        client = Recorder()
        connectTo(r, number, client)
        runUntil(r, client.made)
        [served] = runUntil(r, factory.builtAtLeast(1))
        client.transport.loseConnection()
        runUntil(r, client.lost)
        runUntil(r, served.lost)
    finally:
        first.stopListening()
        second.stopListening()


def test_aPortWithoutReusePortCannotShareIt(realReactor: Reactor) -> None:
    r = realReactor
    endpoint = serverFromString(r, "tcp:0:interface=127.0.0.1:reusePort=1")
    first = runUntil(r, endpoint.listen(CollectingFactory(Recorder)))
    try:
        plain = serverFromString(r, f"tcp:{first.getHost().port}:interface=127.0.0.1")
        with pytest.raises(CannotListenError):
            runUntil(r, plain.listen(CollectingFactory(Recorder)))
    finally:
        first.stopListening()


def test_parserReadsReusePortAsAFlag() -> None:
    r = MemoryReactor()
    assert serverFromString(r, "tcp:8000:reusePort=1")._reusePort is True
    assert serverFromString(r, "tcp:8000:reusePort=no")._reusePort is False
    assert serverFromString(r, "tcp:8000")._reusePort is False


def test_parserRejectsAReusePortThatIsNotAFlag() -> None:
    with pytest.raises(ValueError, match="reusePort must be 1 or 0"):
        serverFromString(MemoryReactor(), "tcp:8000:reusePort=maybe")


def test_reusePortOnAReactorOfAnotherKindIsAClearError() -> None:
    endpoint = TCP4ServerEndpoint(MemoryReactor(), 8000, reusePort=True)
    failure: list[object] = []
    endpoint.listen(CollectingFactory(Recorder)).addErrback(failure.append)
    [reason] = failure
    assert "reusePort needs one of treadle's reactors" in reason.getErrorMessage()  # type: ignore[attr-defined]
