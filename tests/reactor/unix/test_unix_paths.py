"""Unix socket names: file modes, stale files, live servers, file removal, abstract names, lock
files (wantPID/checkPID). Real sockets, every backend where a reactor is involved."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from _tcphelpers import CollectingFactory, Echo, Recorder, closeAll, runUntil, waitAll
from _unixhelpers import connectUnixTo, unixPair

from deferred import Deferred
from reactor import Reactor
from reactor.address import UNIXAddress
from reactor.error import BadFileError, CannotListenError
from reactor.unix._paths import isLocked, servedAt

needsLinux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="abstract names are a Linux feature"
)


def _staleFile(path: str) -> None:
    """Leave a socket file behind, as a server that died without cleaning up does."""
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(path)
    dead.listen(1)
    dead.close()


def _deadPid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _echoOnce(r: Reactor, path: str, factory: CollectingFactory) -> bytes:
    """One echoed message through a new connection; returns once both ends have closed."""
    client = Recorder()
    connectUnixTo(r, path, client)

    def send(_: object) -> Deferred[bytes]:
        client.transport.write(b"ping")
        return client.receivedAtLeast(4)

    received: bytes = runUntil(r, client.made.addCallback(send))
    client.transport.loseConnection()
    runUntil(r, waitAll(client.lost, *(p.lost for p in factory.built)))
    return received


# --- modes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o660, 0o666])
def test_theSocketFileGetsTheModeAskedFor(reactor: Reactor, sockDir: Path, mode: int) -> None:
    path = sockDir / "s"
    port = reactor.listenUNIX(str(path), CollectingFactory(Echo), mode=mode)  # type: ignore[attr-defined]
    status = path.lstat()
    port.stopListening()
    assert stat.S_ISSOCK(status.st_mode)
    assert stat.S_IMODE(status.st_mode) == mode


def test_theModeIsNotNarrowedByTheUmask(reactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "s"
    previous = os.umask(0o077)
    try:
        port = reactor.listenUNIX(str(path), CollectingFactory(Echo), mode=0o666)  # type: ignore[attr-defined]
    finally:
        os.umask(previous)
    mode = stat.S_IMODE(path.lstat().st_mode)
    port.stopListening()
    assert mode == 0o666


# --- the socket file's life -------------------------------------------------------------------


def test_stopListeningRemovesTheSocketFile(realReactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "s"
    port = realReactor.listenUNIX(str(path), CollectingFactory(Echo))  # type: ignore[attr-defined]
    existed = path.exists()
    port.stopListening()
    assert existed and not path.exists()


def test_stopListeningLeavesAFileThatReplacedOurs(reactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "s"
    port = reactor.listenUNIX(str(path), CollectingFactory(Echo))  # type: ignore[attr-defined]
    path.unlink()  # Someone removed ours and put their own file there.
    path.write_text("not yours")
    port.stopListening()
    assert path.read_text() == "not yours"


def test_aDeadServersFileIsReplaced(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    _staleFile(path)
    factory = CollectingFactory(Echo)
    port = r.listenUNIX(path, factory)  # type: ignore[attr-defined]
    try:
        assert _echoOnce(r, path, factory) == b"ping"
    finally:
        port.stopListening()


def test_aLiveServerIsNotStolen(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    factory = CollectingFactory(Echo)
    port = r.listenUNIX(path, factory)  # type: ignore[attr-defined]
    try:
        with pytest.raises(CannotListenError, match="another process is listening there"):
            r.listenUNIX(path, CollectingFactory(Echo))  # type: ignore[attr-defined]
        assert _echoOnce(r, path, factory) == b"ping"  # The first server still has its socket.
    finally:
        port.stopListening()


def test_aLiveServerInAnotherProcessIsNotStolen(reactor: Reactor, sockDir: Path) -> None:
    path = str(sockDir / "s")
    code = (
        "import socket,sys\n"
        "s=socket.socket(socket.AF_UNIX);s.bind(sys.argv[1]);s.listen(8)\n"
        "print('up',flush=True);sys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == b"up\n"
        with pytest.raises(CannotListenError, match="another process is listening there"):
            reactor.listenUNIX(path, CollectingFactory(Echo))  # type: ignore[attr-defined]
        assert servedAt(path)
    finally:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.close()
        child.wait(10)
        child.stdout.close()


def test_aFileThatIsNotASocketIsNeverRemoved(reactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "precious.txt"
    path.write_text("data")
    with pytest.raises(CannotListenError, match="not a socket"):
        reactor.listenUNIX(str(path), CollectingFactory(Echo))  # type: ignore[attr-defined]
    assert path.read_text() == "data"


def test_aMissingDirectoryIsACannotListenError(reactor: Reactor, sockDir: Path) -> None:
    with pytest.raises(CannotListenError):
        reactor.listenUNIX(str(sockDir / "no" / "s"), CollectingFactory(Echo))  # type: ignore[attr-defined]


def test_aDatagramSocketBoundThereCountsAsServed(reactor: Reactor, sockDir: Path) -> None:
    path = str(sockDir / "d")
    bound = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    bound.bind(path)
    try:
        with pytest.raises(CannotListenError, match="another process"):
            reactor.listenUNIX(path, CollectingFactory(Echo))  # type: ignore[attr-defined]
    finally:
        bound.close()


# --- abstract names ------------------------------------------------------------------------------


@needsLinux
def test_abstractNamesEchoAndLeaveNoFile(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    name = f"\0treadle-test-{os.getpid()}-{id(r)}"
    port, factory, client = unixPair(r, name, Echo)

    def send(_: object) -> Deferred[bytes]:
        client.transport.write(b"abstract")
        return client.receivedAtLeast(8)

    received = runUntil(r, client.made.addCallback(send))
    host = port.getHost()
    closeAll(r, port, factory, client)
    assert received == b"abstract"
    assert host == UNIXAddress(name)
    assert list(sockDir.iterdir()) == []


@needsLinux
def test_aTakenAbstractNameIsACannotListenError(reactor: Reactor) -> None:
    name = f"\0treadle-taken-{os.getpid()}"
    port = reactor.listenUNIX(name, CollectingFactory(Echo))  # type: ignore[attr-defined]
    try:
        with pytest.raises(CannotListenError, match="abstract name"):
            reactor.listenUNIX(name, CollectingFactory(Echo))  # type: ignore[attr-defined]
    finally:
        port.stopListening()


@needsLinux
def test_abstractNamesRefuseLockFiles(reactor: Reactor) -> None:
    with pytest.raises(ValueError, match="abstract"):
        reactor.listenUNIX("\0x", CollectingFactory(Echo), wantPID=True)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="abstract"):
        reactor.connectUNIX("\0x", CollectingFactory(Echo), checkPID=True)  # type: ignore[attr-defined]


# --- lock files -----------------------------------------------------------------------------------


def test_wantPIDHoldsALockFileNamingThisProcess(reactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "s"
    lock = sockDir / "s.lock"
    port = reactor.listenUNIX(str(path), CollectingFactory(Echo), wantPID=True)  # type: ignore[attr-defined]
    target = os.readlink(lock)
    port.stopListening()
    assert target == str(os.getpid())
    assert not lock.exists() and not lock.is_symlink()


def test_aLiveProcessesLockFileRefusesTheListen(reactor: Reactor, sockDir: Path) -> None:
    path = sockDir / "s"
    port = reactor.listenUNIX(str(path), CollectingFactory(Echo), wantPID=True)  # type: ignore[attr-defined]
    try:
        with pytest.raises(CannotListenError, match=f"held by process {os.getpid()}"):
            reactor.listenUNIX(str(path), CollectingFactory(Echo), wantPID=True)  # type: ignore[attr-defined]
    finally:
        port.stopListening()


def test_aDeadProcessesLockAndSocketAreReplaced(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    _staleFile(path)
    os.symlink(str(_deadPid()), path + ".lock")
    factory = CollectingFactory(Echo)
    port = r.listenUNIX(path, factory, wantPID=True)  # type: ignore[attr-defined]
    try:
        assert os.readlink(path + ".lock") == str(os.getpid())
        assert _echoOnce(r, path, factory) == b"ping"
    finally:
        port.stopListening()


def test_checkPIDConnectsWhenTheServerHoldsItsLock(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    factory = CollectingFactory(Echo)
    port = r.listenUNIX(path, factory, wantPID=True)  # type: ignore[attr-defined]
    client = Recorder()
    connectUnixTo(r, path, client, checkPID=True)
    try:
        runUntil(r, client.made)
        runUntil(r, factory.builtAtLeast(1))
        client.transport.loseConnection()
        runUntil(r, waitAll(client.lost, factory.built[0].lost))
    finally:
        port.stopListening()
    assert client.events == ["made", "lost"]


def test_checkPIDFailsWithoutALockFile(realReactor: Reactor, sockDir: Path) -> None:
    r = realReactor
    path = str(sockDir / "s")
    port = r.listenUNIX(path, CollectingFactory(Echo))  # type: ignore[attr-defined]
    client = Recorder()
    connectUnixTo(r, path, client, checkPID=True)
    try:
        with pytest.raises(BadFileError):
            runUntil(r, client.made)
    finally:
        port.stopListening()


def test_checkPIDFailsWhenTheLockNamesADeadProcess(reactor: Reactor, sockDir: Path) -> None:
    path = str(sockDir / "s")
    os.symlink(str(_deadPid()), path + ".lock")
    assert not isLocked(path + ".lock")
    client = Recorder()
    connectUnixTo(reactor, path, client, checkPID=True)
    with pytest.raises(BadFileError):
        runUntil(reactor, client.made)


_CONTENDER = """
import sys
import reactor
from reactor.error import CannotListenError
from reactor.protocol import Factory, Protocol

r = reactor.PollReactor()
sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.readline()
try:
    port = r.listenUNIX(sys.argv[1], Factory.forProtocol(Protocol))
except CannotListenError:
    sys.stdout.write("refused\\n")
else:
    sys.stdout.write("listening\\n")
sys.stdout.flush()
sys.stdin.readline()
"""


def test_serversStartingTogetherOnAStaleFileLeaveExactlyOneListening(sockDir: Path) -> None:
    path = str(sockDir / "s")
    _staleFile(path)
    repository = Path(__file__).resolve().parents[3]
    env = dict(os.environ, PYTHONPATH=str(repository))
    contenders = [
        subprocess.Popen(
            [sys.executable, "-c", _CONTENDER, path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        for _ in range(3)
    ]
    try:
        for child in contenders:
            assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        for child in contenders:  # As close together as we can make it.
            assert child.stdin is not None
            child.stdin.write(b"go\n")
            child.stdin.flush()
        outcomes = sorted(
            child.stdout.readline().decode().strip()
            for child in contenders
            if child.stdout is not None
        )
        served = servedAt(path)
    finally:
        for child in contenders:
            assert child.stdin is not None and child.stdout is not None
            child.stdin.close()
            child.wait(10)
            child.stdout.close()
    assert outcomes == ["listening", "refused", "refused"]
    assert served
