"""UDP and multicast (work in progress: the implementation lands with issue 6)."""

from __future__ import annotations

from typing import Any

__all__ = ["listenMulticast", "listenUDP"]


def listenUDP(reactor: Any, port: int, protocol: Any, interface: str, maxPacketSize: int) -> Any:
    """Bind a UDP socket for ``protocol``."""
    raise NotImplementedError("listenUDP is being built (issue 6)")


def listenMulticast(
    reactor: Any,
    port: int,
    protocol: Any,
    interface: str,
    maxPacketSize: int,
    listenMultiple: bool,
) -> Any:
    """Bind a multicast UDP socket for ``protocol``."""
    raise NotImplementedError("listenMulticast is being built (issue 6)")
