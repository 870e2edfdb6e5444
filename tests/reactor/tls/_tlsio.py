"""Helpers for the TLS tests over real sockets: listen and connect with TLS on loopback.

Built on the TCP tests' helpers (``_tcphelpers``: ``runUntil``, ``Recorder``, ``ClientFor``...).
"""

from __future__ import annotations

import ssl
from typing import Any

from _tcphelpers import ClientFor, Recorder

from deferred import Deferred, Failure
from reactor import Reactor
from reactor.protocol import Factory
from reactor.tls import connectSSL


def listenSSLOn(r: Reactor, factory: Factory, context: Any, **kwargs: Any) -> Any:
    """``listenSSL`` on a free port of 127.0.0.1."""
    return r.listenSSL(0, factory, context, interface="127.0.0.1", **kwargs)  # type: ignore[attr-defined]


def connectSSLTo(
    r: Reactor,
    port: int,
    protocol: Recorder,
    context: ssl.SSLContext,
    hostname: str | None = None,
    **kwargs: Any,
) -> ClientFor:
    """``connectSSL`` to 127.0.0.1:``port`` for ``protocol``.

    The returned factory's ``failed`` Deferred fails with the reason of a failed connection;
    a test expecting a failure waits on it (see :func:`failureOf`).
    """
    factory = ClientFor(protocol)
    connectSSL(r, "127.0.0.1", port, factory, context, 10, None, hostname=hostname, **kwargs)
    return factory


def failureOf(d: Deferred[Any]) -> Deferred[list[Failure]]:
    """A Deferred firing with ``[failure]`` once ``d`` fails (failing if ``d`` succeeds).

    (In a list: a Failure returned from an errback would carry on down the error path.)
    """

    def succeeded(result: object) -> None:
        raise AssertionError(f"expected a failure, got {result!r}")

    return d.addCallbacks(succeeded, lambda reason: [reason])
