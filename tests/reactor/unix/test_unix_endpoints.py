"""The ``unix:`` endpoint descriptions (Twisted's syntax) and the Unix endpoints themselves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _tcphelpers import CollectingFactory, Echo, Recorder, closeAll, runUntil
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor import Reactor
from reactor.endpoints import clientFromString, serverFromString
from reactor.error import CannotListenError, ConnectError, ConnectingCancelledError
from reactor.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from reactor.testing import MemoryReactor
from reactor.unix._endpoints import UNIXClientEndpoint, UNIXServerEndpoint


def _serverArgs(description: str) -> tuple[Any, ...]:
    memory = MemoryReactor()
    endpoint = serverFromString(memory, description)
    assert isinstance(endpoint, UNIXServerEndpoint)
    calls: list[tuple[Any, ...]] = []

    class Recording:
        def listenUNIX(self, *args: Any, **kwargs: Any) -> None:
            calls.append((args[0], kwargs))

    endpoint._reactor = Recording()
    endpoint.listen(CollectingFactory(Recorder))
    return calls[0]


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("unix:/run/a.sock", ("/run/a.sock", 50, 0o666, True)),
        ("unix:address=/run/a.sock", ("/run/a.sock", 50, 0o666, True)),
        ("unix:/run/a.sock:mode=660:backlog=7:lockfile=0", ("/run/a.sock", 7, 0o660, False)),
        ("unix:/run/a.sock:lockfile=1", ("/run/a.sock", 50, 0o666, True)),
        ("unix:\0abstract", ("\0abstract", 50, 0o666, False)),
    ],
)
def test_serverDescriptionsAreParsedAsTwistedParsesThem(
    description: str, expected: tuple[Any, ...]
) -> None:
    address, kwargs = _serverArgs(description)
    assert (address, kwargs["backlog"], kwargs["mode"], kwargs["wantPID"]) == expected


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("unix:path=/run/a.sock", ("/run/a.sock", 30.0, False)),
        ("unix:/run/a.sock:timeout=5:checkPID=1", ("/run/a.sock", 5.0, True)),
        ("unix:path=/run/a.sock:lockfile=1", ("/run/a.sock", 30.0, True)),
    ],
)
def test_clientDescriptionsAreParsedAsTwistedParsesThem(
    description: str, expected: tuple[Any, ...]
) -> None:
    endpoint = clientFromString(MemoryReactor(), description)
    assert isinstance(endpoint, UNIXClientEndpoint)
    assert (endpoint._path, endpoint._timeout, endpoint._checkPID) == expected


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("unix:", "address is needed"),
        ("unix:/a:mode=9x", "octal"),
        ("unix:/a:backlog=many", "backlog"),
        ("unix:/a:lockfile=yes", "lockfile"),
        ("unix:/a:colour=red", "unknown parameters"),
        ("unix:/a:/b", "unexpected positional"),
    ],
)
def test_badServerDescriptionsSayWhatIsWrong(description: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        serverFromString(MemoryReactor(), description)


@pytest.mark.parametrize(
    ("description", "problem"),
    [
        ("unix:", "path is needed"),
        ("unix:path=/a:timeout=soon", "timeout"),
        ("unix:path=/a:checkPID=1:lockfile=1", "not both"),
        ("unix:path=/a:checkPID=2", "checkPID"),
        ("unix:/a:path=/b", "both positionally"),
    ],
)
def test_badClientDescriptionsSayWhatIsWrong(description: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        clientFromString(MemoryReactor(), description)


def test_endpointsProvideTheirInterfaces() -> None:
    memory = MemoryReactor()
    assert verifyObject(IStreamServerEndpoint, serverFromString(memory, "unix:/a"))
    assert verifyObject(IStreamClientEndpoint, clientFromString(memory, "unix:path=/a"))


def test_endpointsListenAndConnectForReal(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = sockDir / "s"
    factory = CollectingFactory(Echo)
    port = runUntil(r, serverFromString(r, f"unix:{path}:mode=600").listen(factory))
    lockTarget = (sockDir / "s.lock").readlink()
    client = Recorder()

    class One(CollectingFactory):
        def buildProtocol(self, addr: Any) -> Any:
            return client

    connected: Deferred[Any] = clientFromString(r, f"unix:path={path}:checkPID=1").connect(
        One(Recorder)
    )
    protocol = runUntil(r, connected)

    def send(_: object) -> Deferred[bytes]:
        client.transport.write(b"via endpoints")
        return client.receivedAtLeast(13)

    received = runUntil(r, client.made.addCallback(send))
    closeAll(r, port, factory, client)
    assert protocol is client
    assert received == b"via endpoints"
    assert str(lockTarget).isdigit()
    assert not path.exists() and not (sockDir / "s.lock").is_symlink()


def test_listeningOnALiveServersAddressFailsTheDeferred(
    realReactor: Reactor, sockDir: Path
) -> None:
    r = realReactor
    path = sockDir / "s"
    port = r.listenUNIX(str(path), CollectingFactory(Echo))  # type: ignore[attr-defined]
    try:
        with pytest.raises(CannotListenError):
            runUntil(
                r, serverFromString(r, f"unix:{path}:lockfile=0").listen(CollectingFactory(Echo))
            )
    finally:
        port.stopListening()


def test_connectingToNothingFailsTheDeferred(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    connected = clientFromString(r, f"unix:path={sockDir / 'none'}").connect(
        CollectingFactory(Recorder)
    )
    with pytest.raises(ConnectError):
        runUntil(r, connected)


def test_cancellingAConnectAbandonsIt(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    connected = clientFromString(r, f"unix:path={sockDir / 'none'}").connect(
        CollectingFactory(Recorder)
    )
    connected.cancel()
    with pytest.raises(ConnectingCancelledError):
        runUntil(r, connected)
