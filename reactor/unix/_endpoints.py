"""Unix stream endpoints and their ``unix:`` descriptions.

This module owns :class:`UNIXServerEndpoint` and :class:`UNIXClientEndpoint` (Twisted's) and
registers the ``unix`` parsers with :mod:`reactor.endpoints`, which imports this module the
first time a ``unix:`` description is parsed. Twisted's syntax::

    unix:/run/app.sock                      unix:address=/run/app.sock:mode=660:backlog=50
    unix:/run/app.sock:lockfile=0           (server; mode is octal, lockfile defaults to 1)
    unix:path=/run/app.sock:timeout=5       unix:/run/app.sock:checkPID=1   (client)

A server's ``lockfile`` (``wantPID``) defaults to on for a path, as in Twisted, and to off for an
abstract name (``unix:\\0name`` in Python source), which has no file to lock. A client's
``checkPID`` may also be spelt ``lockfile``, as Twisted accepts. It does no I/O itself:
endpoints call ``listenUNIX``/``connectUNIX`` on the reactor they were given.
"""

from __future__ import annotations

from typing import Any

from zope.interface import (  # type: ignore[import-untyped]
    alsoProvides,
    classImplements,
)

from deferred import Deferred, Failure, fail, maybeDeferred
from reactor._unixinterfaces import IFileDescriptorReceiver
from reactor.address import UNIXAddress
from reactor.endpoints import (
    _Attempt,
    _float,
    _int,
    _WrappingProtocol,
    registerClientParser,
    registerServerParser,
)
from reactor.error import ConnectingCancelledError
from reactor.interfaces import IStreamClientEndpoint, IStreamServerEndpoint
from reactor.unix._paths import isAbstract

__all__ = ["UNIXClientEndpoint", "UNIXServerEndpoint"]


class UNIXServerEndpoint:
    """Listen on the Unix socket ``address`` (``mode``: the file's permission bits; ``wantPID``:
    hold the lock file ``address + ".lock"``)."""

    def __init__(
        self,
        reactor: Any,
        address: str,
        backlog: int = 50,
        mode: int = 0o666,
        wantPID: bool = False,
    ) -> None:
        self._reactor = reactor
        self._address = address
        self._backlog = backlog
        self._mode = mode
        self._wantPID = wantPID

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Listen with ``protocolFactory``; fire with the port (``CannotListenError`` fails)."""
        return maybeDeferred(
            self._reactor.listenUNIX,
            self._address,
            protocolFactory,
            backlog=self._backlog,
            mode=self._mode,
            wantPID=self._wantPID,
        )

    def __repr__(self) -> str:
        return f"<UNIXServerEndpoint {self._address!r}>"


classImplements(UNIXServerEndpoint, IStreamServerEndpoint)


class _ReceivingWrapper(_WrappingProtocol):
    """The endpoints' wrapping protocol, passing received descriptors on as well."""

    def __init__(self, connected: Any, wrapped: Any) -> None:
        super().__init__(connected, wrapped)
        alsoProvides(self, IFileDescriptorReceiver)

    def fileDescriptorReceived(self, descriptor: int) -> None:
        self._wrapped.fileDescriptorReceived(descriptor)


class _UNIXAttempt(_Attempt):
    """An endpoint's connect attempt whose wrapper lets descriptors through to the protocol."""

    def buildProtocol(self, addr: Any) -> Any:
        wrapper = super().buildProtocol(addr)
        if wrapper is None or not IFileDescriptorReceiver.providedBy(wrapper._wrapped):
            return wrapper
        return _ReceivingWrapper(wrapper._connected, wrapper._wrapped)


class UNIXClientEndpoint:
    """Connect to the Unix socket ``path``; ``timeout`` bounds the attempt, ``checkPID`` first
    checks that the server's lock file names a live process."""

    def __init__(
        self, reactor: Any, path: str, timeout: float = 30, checkPID: bool = False
    ) -> None:
        self._reactor = reactor
        self._path = path
        self._timeout = timeout
        self._checkPID = checkPID

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Connect; fire with the protocol ``protocolFactory`` built, once it is connected."""
        attempt: _UNIXAttempt | None = None

        def cancel(d: Deferred[Any]) -> None:
            if attempt is not None and not attempt.finished:
                attempt.abandon()
                d.errback(Failure(ConnectingCancelledError(UNIXAddress(self._path))))

        d: Deferred[Any] = Deferred(cancel)
        attempt = _UNIXAttempt(
            protocolFactory,
            lambda _, protocol: d.callback(protocol),
            lambda _, reason: d.errback(reason),
        )
        try:
            attempt.connector = self._reactor.connectUNIX(
                self._path, attempt, timeout=self._timeout, checkPID=self._checkPID
            )
        except Exception:
            return fail()
        return d

    def __repr__(self) -> str:
        return f"<UNIXClientEndpoint {self._path!r}>"


classImplements(UNIXClientEndpoint, IStreamClientEndpoint)


def _flag(name: str, value: str, endpoint: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError(f"{endpoint}: {name} must be 0 or 1, not {value!r}")
    return value == "1"


def _mode(value: str) -> int:
    try:
        mode = int(value, 8)
    except ValueError:
        raise ValueError(f"unix: mode must be octal digits (660), not {value!r}") from None
    if not 0 <= mode <= 0o7777:
        raise ValueError(f"unix: mode {value!r} is out of range")
    return mode


def _parseServer(reactor: Any, *args: str, **kwargs: str) -> UNIXServerEndpoint:
    if len(args) > 1:
        raise ValueError(f"unix: unexpected positional arguments {list(args[1:])!r}")
    if args:
        if "address" in kwargs:
            raise ValueError("unix: the address is given both positionally and as address=")
        kwargs["address"] = args[0]
    address = kwargs.pop("address", "")
    mode = _mode(kwargs.pop("mode", "666"))
    backlog = _int("backlog", kwargs.pop("backlog", "50"), "unix")
    lockfile = kwargs.pop("lockfile", None)
    if kwargs:
        raise ValueError(f"unix: unknown parameters {sorted(kwargs)!r}")
    if not address:
        raise ValueError("unix: an address is needed (unix:/run/app.sock)")
    # Twisted's default is a lock file; an abstract name cannot have one.
    default = not isAbstract(address)
    wantPID = default if lockfile is None else _flag("lockfile", lockfile, "unix")
    return UNIXServerEndpoint(reactor, address, backlog, mode, wantPID)


def _parseClient(reactor: Any, *args: str, **kwargs: str) -> UNIXClientEndpoint:
    if len(args) > 1:
        raise ValueError(f"unix: unexpected positional arguments {list(args[1:])!r}")
    if args:
        if "path" in kwargs:
            raise ValueError("unix: the path is given both positionally and as path=")
        kwargs["path"] = args[0]
    path = kwargs.pop("path", "")
    timeout = _float("timeout", kwargs.pop("timeout", "30"), "unix")
    checkPID = kwargs.pop("checkPID", None)
    lockfile = kwargs.pop("lockfile", None)
    if kwargs:
        raise ValueError(f"unix: unknown parameters {sorted(kwargs)!r}")
    if not path:
        raise ValueError("unix: a path is needed (unix:path=/run/app.sock)")
    if checkPID is not None and lockfile is not None:
        raise ValueError("unix: give checkPID or lockfile, not both")
    check = checkPID if checkPID is not None else lockfile
    wanted = False if check is None else _flag("checkPID", check, "unix")
    return UNIXClientEndpoint(reactor, path, timeout, wanted)


registerServerParser("unix", _parseServer)
registerClientParser("unix", _parseClient)
