"""The ``stdio:`` and ``fd:`` endpoints: one protocol on this process's stdio, or on any fd.

This module owns :class:`StandardIOEndpoint` (Twisted's) and :class:`FileDescriptorEndpoint`,
and registers their string descriptions with :mod:`reactor.endpoints` when imported (which
``serverFromString``/``clientFromString`` do on first use of either prefix)::

    stdio:                 a server endpoint: listen(factory) puts one protocol on stdin/stdout
    fd:3                   descriptor 3, read and written (a pty, a socket, a tty...)
    fd:in=0:out=1          read descriptor 0, write descriptor 1
    fd:in=3                read only (or fd:out=4, write only)

``fd:`` is both a server description (``listen`` fires with the transport, like ``stdio:``)
and a client one (``connect`` fires with the protocol, once ``connectionMade`` has run). The
endpoints do no I/O of their own: they build a :class:`~reactor.stdio.StandardIO` or a
:class:`~reactor.fd.FileDescriptorTransport`. A descriptor can carry one connection only, so
each endpoint can be used once; a second ``listen``/``connect`` fails with ``RuntimeError``.
"""

from __future__ import annotations

from typing import Any

from zope.interface import classImplements  # type: ignore[import-untyped]

from deferred import Deferred, fail, maybeDeferred, succeed
from reactor.endpoints import _int, registerClientParser, registerServerParser
from reactor.fd._transport import FileDescriptorAddress, FileDescriptorTransport
from reactor.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from reactor.stdio import StandardIO

__all__ = ["FileDescriptorEndpoint", "StandardIOEndpoint"]


class _OneShot:
    """An endpoint whose descriptors can be handed to one transport only."""

    _used = False

    def _claim(self) -> None:
        if self._used:
            raise RuntimeError(f"{self!r} was used already: its descriptors belong to a transport")
        self._used = True


def _build(factory: Any, address: FileDescriptorAddress) -> Any:
    protocol = factory.buildProtocol(address)
    if protocol is None:
        raise RuntimeError(f"{factory!r}.buildProtocol() returned None: nothing to connect")
    return protocol


class StandardIOEndpoint(_OneShot):
    """A server endpoint whose ``listen`` puts one protocol on stdin/stdout (``stdio:``)."""

    def __init__(self, reactor: Any, stdin: int = 0, stdout: int = 1) -> None:
        self._reactor = reactor
        self._stdin = stdin
        self._stdout = stdout

    def listen(self, protocolFactory: Any) -> Deferred[StandardIO]:
        """Build the protocol and connect it; fire with the :class:`StandardIO` transport."""
        return maybeDeferred(self._listen, protocolFactory)

    def _listen(self, protocolFactory: Any) -> StandardIO:
        self._claim()
        protocol = _build(protocolFactory, FileDescriptorAddress(self._stdin, self._stdout))
        return StandardIO(protocol, self._stdin, self._stdout, reactor=self._reactor)

    def __repr__(self) -> str:
        return f"<StandardIOEndpoint in={self._stdin} out={self._stdout}>"


class FileDescriptorEndpoint(_OneShot):
    """An endpoint over open descriptors: ``fd`` both ways, or ``readFd``/``writeFd``.

    The transport built by ``listen``/``connect`` owns the descriptors from then on.
    """

    def __init__(
        self,
        reactor: Any,
        fd: int | None = None,
        *,
        readFd: int | None = None,
        writeFd: int | None = None,
    ) -> None:
        if fd is not None and (readFd is not None or writeFd is not None):
            raise ValueError("give either fd or readFd/writeFd, not both")
        if fd is None and readFd is None and writeFd is None:
            raise ValueError("an fd endpoint needs a descriptor (fd, readFd or writeFd)")
        self._reactor = reactor
        self._fd = fd
        self._readFd = readFd if fd is None else fd
        self._writeFd = writeFd if fd is None else fd

    def _transport(self, protocolFactory: Any) -> FileDescriptorTransport:
        self._claim()
        protocol = _build(protocolFactory, FileDescriptorAddress(self._readFd, self._writeFd))
        if self._fd is not None:
            return FileDescriptorTransport(self._reactor, self._fd, protocol)
        return FileDescriptorTransport(
            self._reactor, None, protocol, readFd=self._readFd, writeFd=self._writeFd
        )

    def listen(self, protocolFactory: Any) -> Deferred[FileDescriptorTransport]:
        """Build the protocol and connect it; fire with the transport (as ``stdio:`` does)."""
        return maybeDeferred(self._transport, protocolFactory)

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Build the protocol and connect it; fire with the protocol."""
        try:
            transport = self._transport(protocolFactory)
        except Exception as e:
            return fail(e)
        return succeed(transport.protocol)

    def __repr__(self) -> str:
        if self._fd is not None:
            return f"<FileDescriptorEndpoint fd={self._fd}>"
        return f"<FileDescriptorEndpoint in={self._readFd} out={self._writeFd}>"


classImplements(StandardIOEndpoint, IStreamServerEndpoint)
classImplements(FileDescriptorEndpoint, IStreamServerEndpoint, IStreamClientEndpoint)


def _descriptor(name: str, value: str, endpoint: str) -> int:
    number = _int(name, value, endpoint)
    if number < 0:
        raise ValueError(f"{endpoint}: {name} must be a descriptor number (>= 0), not {number}")
    return number


def _parseStdio(reactor: Any, *args: str, **kwargs: str) -> StandardIOEndpoint:
    if args == ("",):
        args = ()  # "stdio:" -- the colon ends an empty segment.
    if args or kwargs:
        raise ValueError(f"stdio: takes no parameters, got {list(args) + sorted(kwargs)!r}")
    return StandardIOEndpoint(reactor)


def _parseFd(reactor: Any, *args: str, **kwargs: str) -> FileDescriptorEndpoint:
    if args == ("",):
        args = ()  # "fd:" -- the colon ends an empty segment.
    readFd = kwargs.pop("in", None)
    writeFd = kwargs.pop("out", None)
    if kwargs:
        raise ValueError(f"fd: unknown parameters {sorted(kwargs)!r}")
    if len(args) > 1:
        raise ValueError(f"fd: one descriptor at most is positional, not {list(args)!r}")
    if args:
        if readFd is not None or writeFd is not None:
            raise ValueError("fd: give a descriptor (fd:3) or in=/out= (fd:in=0:out=1), not both")
        return FileDescriptorEndpoint(reactor, _descriptor("fd", args[0], "fd"))
    if readFd is None and writeFd is None:
        raise ValueError("fd: a descriptor is needed (fd:3 or fd:in=0:out=1)")
    return FileDescriptorEndpoint(
        reactor,
        readFd=None if readFd is None else _descriptor("in", readFd, "fd"),
        writeFd=None if writeFd is None else _descriptor("out", writeFd, "fd"),
    )


registerServerParser("stdio", _parseStdio)
registerServerParser("fd", _parseFd)
registerClientParser("fd", _parseFd)
