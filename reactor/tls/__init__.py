"""TLS over any stream transport (work in progress: the implementation lands with issue 6)."""

from __future__ import annotations

from typing import Any

__all__ = ["connectSSL", "listenSSL"]


def listenSSL(
    reactor: Any, port: int, factory: Any, contextFactory: Any, backlog: int, interface: str
) -> Any:
    """Listen with TLS."""
    raise NotImplementedError("listenSSL is being built (issue 6)")


def connectSSL(
    reactor: Any,
    host: str,
    port: int,
    factory: Any,
    contextFactory: Any,
    timeout: float,
    bindAddress: tuple[str, int] | None,
) -> Any:
    """Connect with TLS."""
    raise NotImplementedError("connectSSL is being built (issue 6)")
