"""Unix stream and datagram sockets (work in progress: the implementation lands with issue 6)."""

from __future__ import annotations

from typing import Any

__all__ = ["connectUNIX", "connectUNIXDatagram", "listenUNIX", "listenUNIXDatagram"]


def listenUNIX(
    reactor: Any, address: str, factory: Any, backlog: int, mode: int, wantPID: bool
) -> Any:
    """Listen on a Unix stream socket."""
    raise NotImplementedError("listenUNIX is being built (issue 6)")


def connectUNIX(reactor: Any, address: str, factory: Any, timeout: float, checkPID: bool) -> Any:
    """Connect to a Unix stream socket."""
    raise NotImplementedError("connectUNIX is being built (issue 6)")


def listenUNIXDatagram(
    reactor: Any, address: str, protocol: Any, maxPacketSize: int, mode: int
) -> Any:
    """Bind a Unix datagram socket."""
    raise NotImplementedError("listenUNIXDatagram is being built (issue 6)")


def connectUNIXDatagram(
    reactor: Any,
    address: str,
    protocol: Any,
    maxPacketSize: int,
    mode: int,
    bindAddress: str | None,
) -> Any:
    """Connect a Unix datagram socket."""
    raise NotImplementedError("connectUNIXDatagram is being built (issue 6)")
