"""Helpers for the Unix socket tests: connect a recording protocol, pair a server and client.

They build on the TCP tests' helpers (``_tcphelpers``: ``Recorder``, ``runUntil``...), which
are protocol-level and so serve any stream transport.
"""

from __future__ import annotations

from typing import Any

from _tcphelpers import ClientFor, CollectingFactory, Recorder

from deferred import Failure
from reactor import Reactor


def connectUnixTo(r: Reactor, path: str, protocol: Recorder, **kwargs: Any) -> ClientFor:
    """``connectUNIX`` to ``path`` with ``protocol``; a failure fails ``protocol.made``."""
    factory = ClientFor(protocol)

    def failed(reason: Failure) -> None:
        protocol.settled.callback(None)
        protocol.made.errback(reason)

    factory.failed.addErrback(failed)
    kwargs.setdefault("timeout", 10)
    r.connectUNIX(path, factory, **kwargs)  # type: ignore[attr-defined]
    return factory


def unixPair(
    r: Reactor,
    path: str,
    serverClass: type[Recorder] = Recorder,
    client: Recorder | None = None,
) -> tuple[Any, CollectingFactory, Recorder]:
    """Listen at ``path`` with ``serverClass``, connect ``client``; (port, factory, client)."""
    factory = CollectingFactory(serverClass)
    port = r.listenUNIX(path, factory)  # type: ignore[attr-defined]
    client = client if client is not None else Recorder()
    connectUnixTo(r, path, client)
    return port, factory, client
