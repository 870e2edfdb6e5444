"""Endpoints: where to listen or connect, described once, used with any protocol factory.

This module owns the stream endpoints of Twisted's ``twisted.internet.endpoints`` for TCP --
:class:`TCP4ServerEndpoint`, :class:`TCP6ServerEndpoint`, :class:`TCP4ClientEndpoint`,
:class:`TCP6ClientEndpoint`, :class:`HostnameEndpoint` -- the string descriptions
(:func:`serverFromString`, :func:`clientFromString`), :func:`connectProtocol`, and the parser
registry through which other transports (``unix:``, ``tls:``) add their own descriptions with
:func:`registerServerParser`/:func:`registerClientParser`. It does no I/O itself: endpoints
call ``listenTCP``/``connectTCP`` on the reactor they were given (any ``IReactorTCP``, so a
``MemoryReactor`` works in tests).

``listen(factory)`` returns a Deferred firing with the listening port (failing with
``CannotListenError``); ``connect(factory)`` returns a Deferred firing with the connected
protocol once its ``connectionMade`` has run (failing with the reason ``clientConnectionFailed``
got; cancelling it abandons the attempt with ``ConnectingCancelledError``).

Description syntax (Twisted's): segments separated by ``:``, each a positional argument or
``key=value``; a backslash makes the next character literal (``\\:`` for a colon in an IPv6
address, ``\\=``, ``\\\\``). An IPv6 host may also be written in brackets, ``host=[::1]``::

    tcp:8080                          tcp:port=8080:interface=127.0.0.1:backlog=100
    tcp:8080:reusePort=1              (SO_REUSEPORT: several processes share the port)
    tcp6:8080:interface=\\:\\:1         tcp:host=example.org:port=80:timeout=5
    tcp:example.org:80                tcp6:host=[::1]:port=80:bindAddress=[::1]

A malformed description raises ``ValueError`` naming the problem.
"""

from __future__ import annotations

import importlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from zope.interface import (  # type: ignore[import-untyped]
    classImplements,
    directlyProvides,
)

from deferred import CancelledError, Deferred, Failure, fail, maybeDeferred
from reactor.error import ConnectingCancelledError, DNSLookupError, NotConnectingError
from reactor.interfaces import (
    IHalfCloseableProtocol,
    IStreamClientEndpoint,
    IStreamServerEndpoint,
)
from reactor.protocol import ClientFactory, Factory
from reactor.tcp._sockets import SockAddr, addressOf

__all__ = [
    "HostnameEndpoint",
    "TCP4ClientEndpoint",
    "TCP4ServerEndpoint",
    "TCP6ClientEndpoint",
    "TCP6ServerEndpoint",
    "clientFromString",
    "connectProtocol",
    "registerClientParser",
    "registerServerParser",
    "serverFromString",
]

log = logging.getLogger("reactor.endpoints")

#: ``parser(reactor, *args, **kwargs) -> endpoint``: builds an endpoint from the positional and
#: keyword segments of a description (all strings); raises ValueError for bad ones.
EndpointParser = Callable[..., Any]

_serverParsers: dict[str, EndpointParser] = {}
_clientParsers: dict[str, EndpointParser] = {}

#: Endpoint types whose parsers live with their transport: importing the module registers them.
#: Imported on first use, so that ``tcp:`` never pays for TLS, Unix or process machinery.
_parserModules: dict[str, str] = {
    "tls": "reactor.tls._endpoints",
    "ssl": "reactor.tls._endpoints",
    "unix": "reactor.unix._endpoints",
    "stdio": "reactor.fd._endpoints",
    "fd": "reactor.fd._endpoints",
}


# --- server endpoints ------------------------------------------------------------------------


class TCP4ServerEndpoint:
    """Listen for TCP over IPv4 on ``interface`` (default: every interface) and ``port``.

    ``reusePort`` sets ``SO_REUSEPORT``, so several processes can listen on the same port and
    the kernel spreads connections among them (``tcp:8000:reusePort=1``). It needs one of
    treadle's own reactors.
    """

    def __init__(
        self,
        reactor: Any,
        port: int,
        backlog: int = 50,
        interface: str = "",
        reusePort: bool = False,
    ) -> None:
        self._reactor = reactor
        self._port = port
        self._backlog = backlog
        self._interface = interface
        self._reusePort = reusePort

    def listen(self, protocolFactory: Any) -> Deferred[Any]:
        """Listen with ``protocolFactory``; fire with the port (``CannotListenError`` fails)."""
        if self._reusePort:
            return maybeDeferred(
                _listenReusingPort,
                self._reactor,
                self._port,
                protocolFactory,
                self._backlog,
                self._interface,
            )
        return maybeDeferred(
            self._reactor.listenTCP,
            self._port,
            protocolFactory,
            backlog=self._backlog,
            interface=self._interface,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._interface or '*'}:{self._port}>"


class TCP6ServerEndpoint(TCP4ServerEndpoint):
    """Listen for TCP over IPv6 on ``interface`` (default ``::``, every interface)."""

    def __init__(
        self,
        reactor: Any,
        port: int,
        backlog: int = 50,
        interface: str = "::",
        reusePort: bool = False,
    ) -> None:
        super().__init__(reactor, port, backlog, interface, reusePort)


classImplements(TCP4ServerEndpoint, IStreamServerEndpoint)


def _listenReusingPort(reactor: Any, port: int, factory: Any, backlog: int, interface: str) -> Any:
    """``listenTCP`` with ``SO_REUSEPORT`` on one of treadle's reactors.

    ``reactor.listenTCP`` keeps Twisted's signature, which has no such option; the port classes
    of the two reactor kinds take it, so the endpoint builds the port of the reactor's kind.
    """
    from reactor._asyncio import AsyncioReactor
    from reactor._polling import PollingReactor

    if isinstance(reactor, AsyncioReactor) and reactor.usesLoopTransports:
        from reactor._asyncio_tcp import listenTCP as asyncioListenTCP

        return asyncioListenTCP(reactor, port, factory, backlog, interface, reusePort=True)
    if isinstance(reactor, PollingReactor | AsyncioReactor):
        from reactor.tcp import listenTCP

        return listenTCP(reactor, port, factory, backlog, interface, reusePort=True)
    raise ValueError(f"reusePort needs one of treadle's reactors, not {reactor!r}")


# --- client endpoints ------------------------------------------------------------------------


class _WrappingProtocol:
    """Stands between a connection and the user's protocol, to learn when it is made.

    Every event goes straight through. It provides ``IHalfCloseableProtocol`` exactly when the
    wrapped protocol does, so the transport half-closes for it as it would for the protocol.
    A new transport given later (``startTLS`` puts a TLS layer in) reaches the wrapped protocol
    too, and so does the TLS layer's ``handshakeCompleted``.
    """

    def __init__(self, connected: Callable[[Any], None], wrapped: Any) -> None:
        self._connected = connected
        self._wrapped = wrapped
        self._transport: Any = None
        if IHalfCloseableProtocol.providedBy(wrapped):
            directlyProvides(self, IHalfCloseableProtocol)

    @property
    def transport(self) -> Any:
        """The connection's transport, shared with the wrapped protocol."""
        return self._transport

    @transport.setter
    def transport(self, transport: Any) -> None:
        self._transport = transport
        if getattr(self._wrapped, "transport", None) is not None:
            self._wrapped.transport = transport

    def makeConnection(self, transport: Any) -> None:
        self._transport = transport
        self._wrapped.makeConnection(transport)
        self._connected(self._wrapped)

    def dataReceived(self, data: bytes) -> None:
        self._wrapped.dataReceived(data)

    def connectionLost(self, reason: Failure) -> None:
        self._wrapped.connectionLost(reason)

    def readConnectionLost(self) -> None:
        self._wrapped.readConnectionLost()

    def writeConnectionLost(self) -> None:
        self._wrapped.writeConnectionLost()

    def handshakeCompleted(self) -> None:
        listener = getattr(self._wrapped, "handshakeCompleted", None)
        if listener is not None:
            listener()

    def logPrefix(self) -> str:
        return type(self._wrapped).__name__


class _Attempt(ClientFactory):
    """The client factory behind one connect attempt of an endpoint.

    It builds the user's protocol through ``factory`` (only while ``wanted()`` says so, so a
    losing happy-eyeballs attempt never builds one) and reports through ``onConnected(protocol)``
    / ``onFailed(reason)``.
    """

    noisy = False

    def __init__(
        self,
        factory: Any,
        onConnected: Callable[[_Attempt, Any], None],
        onFailed: Callable[[_Attempt, Failure], None],
        wanted: Callable[[], bool] = lambda: True,
    ) -> None:
        self._factory = factory
        self._onConnected = onConnected
        self._onFailed = onFailed
        self._wanted = wanted
        self.connector: Any = None
        self.finished = False

    def buildProtocol(self, addr: Any) -> Any:
        if not self._wanted():
            return None
        protocol = self._factory.buildProtocol(addr)
        if protocol is None:
            return None
        return _WrappingProtocol(self._made, protocol)

    def _made(self, protocol: Any) -> None:
        if not self.finished:
            self.finished = True
            self._onConnected(self, protocol)

    def clientConnectionFailed(self, connector: Any, reason: Failure) -> None:
        if not self.finished:
            self.finished = True
            self._onFailed(self, reason)

    def clientConnectionLost(self, connector: Any, reason: Failure) -> None:
        # Lost before connectionMade completed (it raised): that is a failed attempt.
        self.clientConnectionFailed(connector, reason)

    def abandon(self) -> None:
        """Stop this attempt if it is still connecting; it reports nothing more."""
        self.finished = True
        if self.connector is not None:
            try:
                self.connector.stopConnecting()
            except NotConnectingError:
                pass  # Connected (and refused by buildProtocol) or failed already.


class TCP4ClientEndpoint:
    """Connect over TCP to ``host`` (an IPv4 address or a name) and ``port``.

    ``timeout`` bounds the attempt (name lookup included); ``bindAddress`` is the local
    ``(host, port)`` to connect from.
    """

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Connect; fire with the protocol ``protocolFactory`` built, once it is connected."""
        attempt: _Attempt | None = None

        def cancel(d: Deferred[Any]) -> None:
            if attempt is not None and not attempt.finished:
                attempt.abandon()
                d.errback(Failure(ConnectingCancelledError(self._destination())))

        d: Deferred[Any] = Deferred(cancel)
        attempt = _Attempt(
            protocolFactory,
            lambda _, protocol: d.callback(protocol),
            lambda _, reason: d.errback(reason),
        )
        try:
            attempt.connector = self._reactor.connectTCP(
                self._host,
                self._port,
                attempt,
                timeout=self._timeout,
                bindAddress=self._bindAddress,
            )
        except Exception:
            return fail()
        return d

    def _destination(self) -> Any:
        if ":" in self._host:
            return addressOf((self._host, self._port, 0, 0))
        return addressOf((self._host, self._port))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._host}:{self._port}>"


class TCP6ClientEndpoint(TCP4ClientEndpoint):
    """Connect over TCP to an IPv6 ``host`` (an address; or a name, resolved to IPv6)."""

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Connect; fire with the protocol, once it is connected."""
        from reactor._resolve import getAddresses

        host = self._host
        if ":" in host:
            return super().connect(protocolFactory)

        def connectTo(addresses: list[tuple[int, SockAddr]]) -> Deferred[Any]:
            endpoint = TCP6ClientEndpoint(
                self._reactor, str(addresses[0][1][0]), self._port, self._timeout, self._bindAddress
            )
            return endpoint.connect(protocolFactory)

        lookup = getAddresses(self._reactor, host, self._port, socket.AF_INET6)
        return lookup.addCallback(connectTo)


classImplements(TCP4ClientEndpoint, IStreamClientEndpoint)


class HostnameEndpoint:
    """Connect to a host by name, trying each of its addresses in turn, staggered.

    The name's addresses (IPv6 and IPv4, interleaved starting with the family the resolver
    put first, as RFC 8305 "happy eyeballs" asks) are tried one after the other, a new attempt
    starting every ``attemptDelay`` seconds or as soon as the previous one failed, whichever
    comes first; the first to connect wins and the others are abandoned. If all fail, the
    Deferred fails with the last failure. ``timeout`` bounds each attempt.

    ``resolver(host, port) -> Deferred[[(family, sockaddr), ...]]`` defaults to ``getaddrinfo``
    in the reactor's thread pool (:func:`reactor._resolve.getAddresses`); tests pass their own.
    """

    def __init__(
        self,
        reactor: Any,
        host: str,
        port: int,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
        attemptDelay: float = 0.3,
        resolver: Callable[[str, int], Deferred[list[tuple[int, SockAddr]]]] | None = None,
    ) -> None:
        self._reactor = reactor
        self._host = host
        self._port = port
        self._timeout = timeout
        self._bindAddress = bindAddress
        self._attemptDelay = attemptDelay
        self._resolver = resolver

    def connect(self, protocolFactory: Any) -> Deferred[Any]:
        """Resolve, then race staggered attempts; fire with the winner's protocol."""
        race = _Race(self, protocolFactory)
        return race.start()

    def _resolve(self) -> Deferred[list[tuple[int, SockAddr]]]:
        if self._resolver is not None:
            return self._resolver(self._host, self._port)
        from reactor._resolve import getAddresses

        return getAddresses(self._reactor, self._host, self._port)

    def __repr__(self) -> str:
        return f"<HostnameEndpoint {self._host}:{self._port}>"


classImplements(HostnameEndpoint, IStreamClientEndpoint)


def _interleave(addresses: list[tuple[int, SockAddr]]) -> list[tuple[int, SockAddr]]:
    """Alternate the address families, starting with the first one's (RFC 8305, 4)."""
    if not addresses:
        return []
    first = addresses[0][0]
    same = [a for a in addresses if a[0] == first]
    other = [a for a in addresses if a[0] != first]
    ordered: list[tuple[int, SockAddr]] = []
    for index in range(max(len(same), len(other))):
        ordered.extend(group[index] for group in (same, other) if index < len(group))
    return ordered


class _Race:
    """One ``HostnameEndpoint.connect``: the lookup, the staggered attempts, the outcome."""

    def __init__(self, endpoint: HostnameEndpoint, factory: Any) -> None:
        self.endpoint = endpoint
        self.factory = factory
        self.result: Deferred[Any] = Deferred(self._cancel)
        self.pending: list[tuple[int, SockAddr]] = []
        self.attempts: list[_Attempt] = []
        self.lastFailure: Failure | None = None
        self.nextCall: Any = None
        self.lookup: Deferred[Any] | None = None
        self.done = False

    def start(self) -> Deferred[Any]:
        lookup = self.endpoint._resolve()
        self.lookup = lookup
        lookup.addCallbacks(self._resolved, self._lookupFailed)
        return self.result

    def _resolved(self, addresses: list[tuple[int, SockAddr]]) -> None:
        self.lookup = None
        if self.done:
            return
        self.pending = _interleave(addresses)
        if not self.pending:
            self._finish(Failure(DNSLookupError(f"{self.endpoint._host}: no address")))
            return
        self._attemptNext()

    def _lookupFailed(self, reason: Failure) -> None:
        self.lookup = None
        if not self.done:
            self._finish(reason)

    def _attemptNext(self) -> None:
        self.nextCall = None
        if self.done or not self.pending:
            return
        _, sockaddr = self.pending.pop(0)
        attempt = _Attempt(self.factory, self._connected, self._failed, lambda: not self.done)
        self.attempts.append(attempt)
        endpoint = self.endpoint
        try:
            attempt.connector = endpoint._reactor.connectTCP(
                str(sockaddr[0]),
                int(sockaddr[1]),
                attempt,
                timeout=endpoint._timeout,
                bindAddress=endpoint._bindAddress,
            )
        except Exception:
            self._failed(attempt, Failure())
            return
        if self.pending and not self.done:
            self.nextCall = endpoint._reactor.callLater(endpoint._attemptDelay, self._attemptNext)

    def _connected(self, winner: _Attempt, protocol: Any) -> None:
        self._abandonAllBut(winner)
        self._finish(protocol)

    def _failed(self, attempt: _Attempt, reason: Failure) -> None:
        self.lastFailure = reason
        if self.done:
            return
        if self.nextCall is not None:
            # Do not wait for the stagger: the next address is tried at once.
            self.nextCall.cancel()
            self._attemptNext()
        elif not self.pending and all(a.finished for a in self.attempts):
            self._finish(reason)

    def _abandonAllBut(self, winner: _Attempt | None) -> None:
        if self.nextCall is not None:
            self.nextCall.cancel()
            self.nextCall = None
        self.pending = []
        for attempt in self.attempts:
            if attempt is not winner and not attempt.finished:
                attempt.abandon()

    def _finish(self, outcome: object) -> None:
        if self.done:
            return
        self.done = True
        self._abandonAllBut(None)
        if isinstance(outcome, Failure):
            self.result.errback(outcome)
        else:
            self.result.callback(outcome)

    def _cancel(self, d: Deferred[Any]) -> None:
        if self.done:
            return
        if self.lookup is not None:
            lookup, self.lookup = self.lookup, None
            lookup.addErrback(lambda reason: reason.trap(CancelledError))
            lookup.cancel()
        endpoint = self.endpoint
        self._finish(
            Failure(
                ConnectingCancelledError(
                    _hostAddress(endpoint._host, endpoint._port),
                )
            )
        )


def _hostAddress(host: str, port: int) -> Any:
    from reactor.address import IPv4Address, IPv6Address

    return IPv6Address("TCP", host, port) if ":" in host else IPv4Address("TCP", host, port)


# --- connectProtocol ---------------------------------------------------------------------------


def connectProtocol(endpoint: Any, protocol: Any) -> Deferred[Any]:
    """Connect ``endpoint`` with this one ``protocol`` instance; fire with it once connected."""

    class _OneProtocol(Factory):
        noisy = False

        def buildProtocol(self, addr: Any) -> Any:
            return protocol

    d: Deferred[Any] = endpoint.connect(_OneProtocol())
    return d


# --- descriptions ------------------------------------------------------------------------------


def registerServerParser(prefix: str, parser: EndpointParser) -> None:
    """Make ``serverFromString`` build ``prefix:...`` descriptions with ``parser``.

    ``parser(reactor, *args, **kwargs)`` gets the description's segments as strings.

    :raises ValueError: if ``prefix`` is registered already.
    """
    _register(_serverParsers, prefix, parser)


def registerClientParser(prefix: str, parser: EndpointParser) -> None:
    """Make ``clientFromString`` build ``prefix:...`` descriptions with ``parser``.

    :raises ValueError: if ``prefix`` is registered already.
    """
    _register(_clientParsers, prefix, parser)


def _register(registry: dict[str, EndpointParser], prefix: str, parser: EndpointParser) -> None:
    if prefix in registry:
        raise ValueError(f"an endpoint parser for {prefix!r} is registered already")
    registry[prefix] = parser


def serverFromString(reactor: Any, description: str) -> Any:
    """Return the server endpoint ``description`` names, e.g. ``"tcp:8080:interface=::1"``.

    :raises ValueError: if the description is malformed or names an unknown endpoint type.
    """
    return _build(_serverParsers, "server", reactor, description)


def clientFromString(reactor: Any, description: str) -> Any:
    """Return the client endpoint ``description`` names, e.g. ``"tcp:host=example.org:port=80"``.

    :raises ValueError: if the description is malformed or names an unknown endpoint type.
    """
    return _build(_clientParsers, "client", reactor, description)


def _build(registry: dict[str, EndpointParser], kind: str, reactor: Any, description: str) -> Any:
    args, kwargs = _tokenize(description)
    if not args or not args[0]:
        raise ValueError(f"{kind} endpoint description {description!r} has no type (tcp:...)")
    prefix, *rest = args
    parser = registry.get(prefix)
    if parser is None and prefix in _parserModules:
        importlib.import_module(_parserModules[prefix])
        parser = registry.get(prefix)
    if parser is None:
        hint = ""
        if prefix.isdigit():
            hint = f" (a bare port is not a description; did you mean 'tcp:{description}'?)"
        known = ", ".join(sorted(set(registry) | set(_parserModules)))
        raise ValueError(
            f"unknown {kind} endpoint type {prefix!r} in {description!r}{hint}; known: {known}"
        )
    try:
        return parser(reactor, *rest, **kwargs)
    except TypeError as e:
        raise ValueError(f"bad {kind} endpoint description {description!r}: {e}") from None


def _tokenize(description: str) -> tuple[list[str], dict[str, str]]:
    """Split a description into positional and keyword segments, undoing escapes."""
    if not isinstance(description, str):
        raise ValueError(f"an endpoint description is a str, not {description!r}")
    args: list[str] = []
    kwargs: dict[str, str] = {}
    segment: list[str] = []
    key: str | None = None
    characters = iter(description)

    def endSegment() -> None:
        nonlocal key
        value = "".join(segment)
        segment.clear()
        if key is None:
            if kwargs:
                raise ValueError(
                    f"positional argument {value!r} after a key=value one in {description!r}"
                )
            args.append(value)
            return
        if not key:
            raise ValueError(f"a segment of {description!r} has '=' but no parameter name")
        if key in kwargs:
            raise ValueError(f"parameter {key!r} given twice in {description!r}")
        kwargs[key] = value
        key = None

    bracketed = False  # Inside [...] (an IPv6 address), a colon is part of the value.
    for character in characters:
        if character == "\\":
            escaped = next(characters, None)
            if escaped is None:
                raise ValueError(f"{description!r} ends with an unfinished escape ('\\')")
            segment.append(escaped)
        elif character == ":" and not bracketed:
            endSegment()
        elif character in "[]":
            bracketed = character == "["
            segment.append(character)
        elif character == "=" and key is None:
            key = "".join(segment)
            segment.clear()
        else:
            segment.append(character)
    if bracketed:
        raise ValueError(f"{description!r} has a '[' without its ']'")
    endSegment()
    return args, kwargs


def _int(name: str, value: str, endpoint: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{endpoint}: {name} must be an integer, not {value!r}") from None


def _float(name: str, value: str, endpoint: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{endpoint}: {name} must be a number, not {value!r}") from None


def _bool(name: str, value: str, endpoint: str) -> bool:
    flag = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
    try:
        return flag[value.lower()]
    except KeyError:
        raise ValueError(f"{endpoint}: {name} must be 1 or 0, not {value!r}") from None


def _unbracket(host: str) -> str:
    if host.startswith("[") and host.endswith("]"):
        return host[1:-1]
    return host


def _checkPort(port: int, endpoint: str, allowZero: bool) -> int:
    if not (0 if allowZero else 1) <= port <= 65535:
        raise ValueError(f"{endpoint}: port {port} is out of range")
    return port


def _serverTCP(defaultInterface: str, name: str, cls: type[TCP4ServerEndpoint]) -> EndpointParser:
    def parse(
        reactor: Any,
        port: str | None = None,
        *extra: str,
        interface: str = defaultInterface,
        backlog: str = "50",
        reusePort: str = "0",
        **unknown: str,
    ) -> TCP4ServerEndpoint:
        if extra:
            raise ValueError(f"{name}: unexpected positional arguments {list(extra)!r}")
        if unknown:
            raise ValueError(f"{name}: unknown parameters {sorted(unknown)!r}")
        if port is None:
            raise ValueError(f"{name}: a port is needed ({name}:8080 or {name}:port=8080)")
        number = _checkPort(_int("port", port, name), name, allowZero=True)
        return cls(
            reactor,
            number,
            _int("backlog", backlog, name),
            _unbracket(interface),
            _bool("reusePort", reusePort, name),
        )

    def parseWithKeywordPort(reactor: Any, *args: str, **kwargs: str) -> TCP4ServerEndpoint:
        if "port" in kwargs:
            if args:
                raise ValueError(f"{name}: the port is given both positionally and as port=")
            args = (kwargs.pop("port"),)
        return parse(reactor, *args, **kwargs)

    return parseWithKeywordPort


def _clientTCP(name: str, cls: type[TCP4ClientEndpoint]) -> EndpointParser:
    def parse(reactor: Any, *args: str, **kwargs: str) -> TCP4ClientEndpoint:
        positional = ("host", "port")
        if len(args) > len(positional):
            raise ValueError(f"{name}: unexpected positional arguments {list(args[2:])!r}")
        for field, value in zip(positional, args, strict=False):
            if field in kwargs:
                raise ValueError(f"{name}: {field} is given both positionally and as {field}=")
            kwargs[field] = value
        host = kwargs.pop("host", None)
        port = kwargs.pop("port", None)
        timeout = kwargs.pop("timeout", "30")
        bindAddress = kwargs.pop("bindAddress", None)
        if kwargs:
            raise ValueError(f"{name}: unknown parameters {sorted(kwargs)!r}")
        if not host:
            raise ValueError(f"{name}: a host is needed ({name}:host=example.org:port=80)")
        if port is None:
            raise ValueError(f"{name}: a port is needed ({name}:host=example.org:port=80)")
        number = _checkPort(_int("port", port, name), name, allowZero=False)
        bind = None if bindAddress is None else (_unbracket(bindAddress), 0)
        return cls(reactor, _unbracket(host), number, _float("timeout", timeout, name), bind)

    return parse


registerServerParser("tcp", _serverTCP("", "tcp", TCP4ServerEndpoint))
registerServerParser("tcp6", _serverTCP("::", "tcp6", TCP6ServerEndpoint))
registerClientParser("tcp", _clientTCP("tcp", TCP4ClientEndpoint))
registerClientParser("tcp6", _clientTCP("tcp6", TCP6ClientEndpoint))
