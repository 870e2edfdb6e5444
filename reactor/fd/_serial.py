"""Serial ports: a tty device put in raw mode with a line's settings, as a Protocol's transport.

This module owns :class:`SerialPort` (Twisted's ``twisted.internet.serialport.SerialPort``,
without pyserial: the stdlib ``termios`` module does the work), :class:`SerialSettings` (the
line settings as a value), :func:`serialAttributes`, which computes the terminal attributes
for them, and :func:`configureSerial`, which applies them to any terminal descriptor. Moving
the bytes is :class:`reactor.fd.FileDescriptorTransport`'s job; this module only opens the
device and sets its terminal attributes.

What "raw" means here (``cfmakeraw``'s settings): no echo, no line editing, no signals from
characters, no CR/LF translation in either direction, no stripping of the eighth bit -- the
bytes written at one end of the line arrive unchanged at the other. Then the line settings:
speed, character size, parity (``N``/``E``/``O``, and ``M``/``S`` where the platform has
``CMSPAR``), one or two stop bits, software (XON/XOFF) and hardware (RTS/CTS) flow control.
``CLOCAL`` is set, so a line without modem control (a USB adapter, a pty) does not hang up;
``VMIN`` 1, ``VTIME`` 0: a read returns what has arrived.

Not here: the modem control lines (DTR, RTS, CTS, DSR, CD, RI, through ``TIOCMGET``/
``TIOCMSET``): Twisted reaches them through pyserial; a pty has none, so they could not be
tested here, and they are left out rather than shipped untested.
"""

from __future__ import annotations

import os
import sys
import termios
from typing import Any

import attrs

from reactor.fd._transport import FileDescriptorTransport

__all__ = ["SerialPort", "SerialSettings", "configureSerial", "serialAttributes"]

_SIZES = {5: termios.CS5, 6: termios.CS6, 7: termios.CS7, 8: termios.CS8}
#: "Stick" parity (mark or space) exists only where termios has CMSPAR: Linux, whose value
#: Python's termios module does not export (0o10000000000 in <asm-generic/termbits.h>).
_CMSPAR: int = getattr(termios, "CMSPAR", 0o10000000000 if sys.platform == "linux" else 0)
_PARITIES = ("N", "E", "O", "M", "S") if _CMSPAR else ("N", "E", "O")
_CRTSCTS: int = getattr(termios, "CRTSCTS", 0)

# Index of each field in a termios.tcgetattr() list.
_IFLAG, _OFLAG, _CFLAG, _LFLAG, _ISPEED, _OSPEED, _CC = range(7)


def _speedConstant(baudrate: int) -> int:
    speed = getattr(termios, f"B{baudrate}", None)
    if not isinstance(speed, int) or baudrate <= 0:
        raise ValueError(f"unsupported baud rate {baudrate!r} (termios has no B{baudrate})")
    return speed


def _checkSize(instance: object, attribute: Any, value: int) -> None:
    if value not in _SIZES:
        raise ValueError(f"bytesize must be 5, 6, 7 or 8, not {value!r}")


def _checkParity(instance: object, attribute: Any, value: str) -> None:
    if value not in _PARITIES:
        raise ValueError(f"parity must be one of {', '.join(_PARITIES)}, not {value!r}")


def _checkStopBits(instance: object, attribute: Any, value: int) -> None:
    if value not in (1, 2):
        raise ValueError(f"stopbits must be 1 or 2 (termios has no 1.5), not {value!r}")


def _checkBaud(instance: object, attribute: Any, value: int) -> None:
    _speedConstant(value)


@attrs.frozen
class SerialSettings:
    """A serial line's settings (Twisted's ``SerialPort`` argument names).

    :raises ValueError: for a setting the platform's termios cannot express.
    """

    baudrate: int = attrs.field(default=9600, validator=_checkBaud)
    bytesize: int = attrs.field(default=8, validator=_checkSize)
    #: ``"N"`` none, ``"E"`` even, ``"O"`` odd; ``"M"`` mark, ``"S"`` space (Linux).
    parity: str = attrs.field(default="N", validator=_checkParity)
    stopbits: int = attrs.field(default=1, validator=_checkStopBits)
    #: Software flow control (XON/XOFF characters).
    xonxoff: bool = False
    #: Hardware flow control (RTS/CTS lines).
    rtscts: bool = False

    @classmethod
    def fromTerminal(cls, fd: int) -> SerialSettings:
        """Read the settings a terminal descriptor has now (raises ValueError if unusual)."""
        return cls.fromAttributes(termios.tcgetattr(fd))

    @classmethod
    def fromAttributes(cls, attributes: list[Any]) -> SerialSettings:
        """Read the settings out of a ``termios.tcgetattr()`` list."""
        iflag, _, cflag, _, ispeed, _, _ = attributes
        speeds = {
            getattr(termios, name): int(name[1:])
            for name in dir(termios)
            if name[:1] == "B" and name[1:].isdigit()
        }
        size = next(n for n, flag in _SIZES.items() if cflag & termios.CSIZE == flag)
        if not cflag & termios.PARENB:
            parity = "N"
        elif _CMSPAR and cflag & _CMSPAR:
            parity = "M" if cflag & termios.PARODD else "S"
        else:
            parity = "O" if cflag & termios.PARODD else "E"
        return cls(
            baudrate=speeds[ispeed],
            bytesize=size,
            parity=parity,
            stopbits=2 if cflag & termios.CSTOPB else 1,
            xonxoff=bool(iflag & termios.IXON),
            rtscts=bool(_CRTSCTS and cflag & _CRTSCTS),
        )


def configureSerial(fd: int, settings: SerialSettings) -> None:
    """Put the terminal ``fd`` in raw mode with ``settings`` (see the module docstring).

    A pty's kernel driver forces 8 bits and no parity whatever is asked; a real line keeps
    what :func:`serialAttributes` computes.

    :raises termios.error: if ``fd`` is not a terminal.
    """
    attributes = serialAttributes(termios.tcgetattr(fd), settings)
    termios.tcsetattr(fd, termios.TCSANOW, attributes)


def serialAttributes(attributes: list[Any], settings: SerialSettings) -> list[Any]:
    """Return a copy of the ``termios.tcgetattr()`` list ``attributes`` made raw with
    ``settings`` (no system call: :func:`configureSerial` applies it)."""
    attributes = [*attributes[:6], list(attributes[_CC])]
    iflag, oflag, cflag, lflag = attributes[:4]
    # Raw mode: cfmakeraw()'s flags.
    iflag &= ~(
        termios.IGNBRK
        | termios.BRKINT
        | termios.PARMRK
        | termios.ISTRIP
        | termios.INLCR
        | termios.IGNCR
        | termios.ICRNL
        | termios.IXON
        | termios.IXOFF
        | termios.IXANY
        | termios.INPCK
    )
    oflag &= ~termios.OPOST
    lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    cflag &= ~(termios.CSIZE | termios.PARENB | termios.PARODD | termios.CSTOPB)
    cflag &= ~(_CMSPAR | _CRTSCTS)
    # The line's settings.
    cflag |= _SIZES[settings.bytesize] | termios.CREAD | termios.CLOCAL
    if settings.parity != "N":
        cflag |= termios.PARENB
        iflag |= termios.INPCK
        if settings.parity in ("O", "M"):
            cflag |= termios.PARODD
        if settings.parity in ("M", "S"):
            cflag |= _CMSPAR
    if settings.stopbits == 2:
        cflag |= termios.CSTOPB
    if settings.xonxoff:
        iflag |= termios.IXON | termios.IXOFF
    if settings.rtscts:
        cflag |= _CRTSCTS
    speed = _speedConstant(settings.baudrate)
    cc = attributes[_CC]
    cc[termios.VMIN] = 1
    cc[termios.VTIME] = 0
    attributes[:6] = [iflag, oflag, cflag, lflag, speed, speed]
    return attributes


class SerialPort(FileDescriptorTransport):
    """A serial line (a tty device) as the transport of ``protocol``.

    ``device`` is a path (``"/dev/ttyUSB0"``), opened read-write without becoming our
    controlling terminal, or an open terminal descriptor, which the port then owns. The other
    arguments are Twisted's (``timeout`` is not: reads never block here). The protocol's
    ``makeConnection`` runs before the constructor returns; the rest is
    :class:`~reactor.fd.FileDescriptorTransport`'s behaviour.

    :raises ValueError: for settings termios cannot express (nothing is opened).
    :raises OSError: if the device cannot be opened or is not a terminal.
    """

    def __init__(
        self,
        protocol: Any,
        device: str | int,
        reactor: Any = None,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        xonxoff: bool = False,
        rtscts: bool = False,
    ) -> None:
        settings = SerialSettings(baudrate, bytesize, parity, stopbits, bool(xonxoff), rtscts)
        if reactor is None:
            from reactor._default import getDefault

            reactor = getDefault()
        opened = isinstance(device, str)
        if isinstance(device, str):
            fd = os.open(device, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        else:
            fd = device
        try:
            configureSerial(fd, settings)
        except termios.error as e:
            if opened:
                os.close(fd)
            raise OSError(f"{device!r} is not a terminal that can be configured: {e}") from e
        self._device = device
        super().__init__(reactor, fd, protocol)

    def getSettings(self) -> SerialSettings:
        """The line's settings, as the terminal reports them now."""
        return SerialSettings.fromTerminal(self.getHandle())

    def setBaudRate(self, baudrate: int) -> None:
        """Change the line's speed."""
        fd = self.getHandle()
        speed = _speedConstant(baudrate)
        attributes = termios.tcgetattr(fd)
        attributes[_ISPEED] = attributes[_OSPEED] = speed
        termios.tcsetattr(fd, termios.TCSANOW, attributes)

    def flushInput(self) -> None:
        """Discard what the line received and nobody read yet (the kernel's input queue)."""
        termios.tcflush(self.getHandle(), termios.TCIFLUSH)

    def flushOutput(self) -> None:
        """Discard what the kernel has not sent yet (not this transport's own buffer)."""
        termios.tcflush(self.getHandle(), termios.TCOFLUSH)

    def sendBreak(self) -> None:
        """Send a break: the line held at zero for 0.25-0.5 s, after the output drained.

        The kernel blocks the calling thread for that long (as pyserial does under Twisted):
        call it through ``deferToThread`` if the reactor must not pause.
        """
        termios.tcsendbreak(self.getHandle(), 0)

    def __repr__(self) -> str:
        state = "closed" if self.disconnected else "closing" if self.disconnecting else "open"
        return f"<SerialPort {self.logPrefix()} {self._device!r} {state}>"
