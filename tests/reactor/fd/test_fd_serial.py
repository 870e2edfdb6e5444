"""SerialPort over a pty pair (the slave is the "serial line", the master the far end): raw
bytes both ways on every backend, flow control, line settings, errors."""

from __future__ import annotations

import os
import termios
from collections.abc import Iterator

import pytest
from _fdhelpers import Recorder, closeQuietly, passes, runUntil, sha256
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor import Reactor
from reactor.error import ConnectionDone
from reactor.fd import FileDescriptorTransport, SerialPort, SerialSettings, serialAttributes
from reactor.interfaces import ITransport


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    """A pty pair: (master fd, slave device path). The slave fd is closed at once."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    os.close(slave)
    yield master, path
    closeQuietly(master)


def _farEnd(r: Reactor, master: int) -> tuple[Recorder, FileDescriptorTransport]:
    protocol = Recorder()
    return protocol, FileDescriptorTransport(r, master, protocol)


def test_everyByteValueCrossesTheLineBothWaysUnchanged(
    realReactor: Reactor, pty: tuple[int, str]
) -> None:
    r = realReactor
    master, path = pty
    near = Recorder()
    port = SerialPort(near, path, r, baudrate=115200)
    far, farTransport = _farEnd(r, master)
    # Every byte value, CR, LF, ^C, ^D, XON/XOFF included: raw mode must pass them all.
    toFar = bytes(range(256)) * 800 + os.urandom(100_000)
    toNear = os.urandom(150_000) + bytes(range(256)) * 400
    port.write(toFar)
    farTransport.write(toNear)
    runUntil(r, far.want(len(toFar)))
    runUntil(r, near.want(len(toNear)))
    assert sha256(far.received) == sha256(toFar)
    assert sha256(near.received) == sha256(toNear)
    port.loseConnection()
    runUntil(r, near.lost)
    runUntil(r, far.lost)  # The slave closed: the master reads EIO, its end of file.
    assert near.reason is not None and near.reason.check(ConnectionDone)
    assert far.reason is not None and far.reason.check(ConnectionDone)


def test_theFarEndClosingEndsThePortCleanly(realReactor: Reactor, pty: tuple[int, str]) -> None:
    r = realReactor
    master, path = pty
    near = Recorder()
    SerialPort(near, path, r)
    far, farTransport = _farEnd(r, master)
    farTransport.write(b"bye")
    runUntil(r, near.want(3))
    farTransport.loseConnection()
    runUntil(r, far.lost)
    runUntil(r, near.lost)
    assert near.reason is not None and near.reason.check(ConnectionDone)


class _Producer:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.resumed: Deferred[None] = Deferred()

    def pauseProducing(self) -> None:
        self.events.append("pause")

    def resumeProducing(self) -> None:
        self.events.append("resume")
        self.resumed.callback(None)

    def stopProducing(self) -> None:
        self.events.append("stop")


def test_aProducerIsPausedWhileTheFarEndDoesNotRead(
    realReactor: Reactor, pty: tuple[int, str]
) -> None:
    r = realReactor
    master, path = pty
    near = Recorder()
    port = SerialPort(near, path, r)
    far, farTransport = _farEnd(r, master)
    farTransport.pauseProducing()
    producer = _Producer()
    port.registerProducer(producer, True)
    port.write(b"z" * 300_000)
    runUntil(r, passes(r, 5))
    assert producer.events == ["pause"]
    farTransport.resumeProducing()
    runUntil(r, producer.resumed)
    port.unregisterProducer()
    runUntil(r, far.want(300_000))
    assert bytes(far.received) == b"z" * 300_000
    port.loseConnection()
    runUntil(r, near.lost)
    runUntil(r, far.lost)


def test_settingsAreAppliedToTheTerminal(realReactor: Reactor, pty: tuple[int, str]) -> None:
    # (A pty forces 8 bits and no parity: those are checked on the computed attributes below.)
    r = realReactor
    _, path = pty
    near = Recorder()
    port = SerialPort(near, path, r, baudrate=19200, stopbits=2, xonxoff=True, rtscts=True)
    assert port.getSettings() == SerialSettings(19200, 8, "N", 2, True, True)
    iflag, oflag, _, lflag, _, _, cc = termios.tcgetattr(port.getHandle())
    assert not lflag & (termios.ECHO | termios.ICANON | termios.ISIG | termios.IEXTEN)
    assert not oflag & termios.OPOST
    assert not iflag & (termios.ICRNL | termios.ISTRIP | termios.INLCR)
    assert cc[termios.VMIN] == 1
    port.setBaudRate(57600)
    assert port.getSettings().baudrate == 57600
    with pytest.raises(ValueError):
        port.setBaudRate(12345)
    port.loseConnection()
    runUntil(r, near.lost)


@pytest.mark.parametrize(
    "settings",
    [
        SerialSettings(),
        SerialSettings(9600, 7, "E", 1),
        SerialSettings(300, 5, "O", 2),
        SerialSettings(115200, 6, "M", 1, xonxoff=True),
        SerialSettings(4800, 8, "S", 2, rtscts=True),
    ],
)
def test_attributesComputedForSettingsReadBackAsThoseSettings(settings: SerialSettings) -> None:
    master, slave = os.openpty()
    try:
        attributes = serialAttributes(termios.tcgetattr(slave), settings)
    finally:
        closeQuietly(master, slave)
    assert SerialSettings.fromAttributes(attributes) == settings
    iflag, _, cflag, _, _, _, _ = attributes
    assert bool(iflag & termios.INPCK) == (settings.parity != "N")
    assert cflag & termios.CLOCAL and cflag & termios.CREAD


@pytest.mark.parametrize(
    "bad",
    [
        {"baudrate": 12345},
        {"bytesize": 9},
        {"parity": "X"},
        {"stopbits": 3},
    ],
)
def test_settingsTermiosCannotExpressAreRefusedBeforeOpening(
    realReactor: Reactor, bad: dict[str, object]
) -> None:
    with pytest.raises(ValueError):
        SerialPort(Recorder(), "/nonexistent/tty", realReactor, **bad)  # type: ignore[arg-type]


def test_aDeviceThatIsNotATerminalIsRefused(realReactor: Reactor) -> None:
    with pytest.raises(OSError, match="not a terminal"):
        SerialPort(Recorder(), os.devnull, realReactor)


def test_anOpenTerminalDescriptorCanBeGiven(realReactor: Reactor) -> None:
    r = realReactor
    master, slave = os.openpty()
    near = Recorder()
    port = SerialPort(near, slave, r)
    assert port.getHandle() == slave
    assert verifyObject(ITransport, port)
    assert repr(port).startswith("<SerialPort Recorder")
    os.write(master, b"\x03\x04\r\n")
    assert runUntil(r, near.want(4)) == b"\x03\x04\r\n"
    port.loseConnection()
    runUntil(r, near.lost)
    closeQuietly(master)


def test_flushInputDropsWhatNobodyReadYet(realReactor: Reactor) -> None:
    r = realReactor
    master, slave = os.openpty()
    near = Recorder()
    port = SerialPort(near, slave, r)
    os.write(master, b"stale")
    port.flushInput()
    os.write(master, b"fresh")
    assert runUntil(r, near.want(5)) == b"fresh"
    port.flushOutput()
    port.sendBreak()
    port.loseConnection()
    runUntil(r, near.lost)
    closeQuietly(master)
