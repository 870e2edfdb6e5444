"""Address value classes for the test doubles: ``IPv4Address``, ``IPv6Address``, ``UNIXAddress``.

Provisional: the networking code will own the real address classes (DESIGN.md: frozen attrs
classes with Twisted's names and fields). Until it lands, ``StringTransport`` and
``MemoryReactor`` need something to return from ``getPeer``/``getHost``, so this module defines
the minimum, with the same names and fields, so that switching ``reactor.testing`` over to the
real ones changes no test. It owns no behaviour beyond equality, hashing and repr.
"""

from __future__ import annotations

import attrs

__all__ = ["IPv4Address", "IPv6Address", "UNIXAddress"]


@attrs.frozen
class IPv4Address:
    """An IPv4 socket address; ``type`` is ``"TCP"`` or ``"UDP"``."""

    type: str
    host: str
    port: int


@attrs.frozen
class IPv6Address:
    """An IPv6 socket address; ``type`` is ``"TCP"`` or ``"UDP"``."""

    type: str
    host: str
    port: int
    flowInfo: int = 0
    scopeID: int | str = 0


@attrs.frozen
class UNIXAddress:
    """A UNIX socket address: a path (``None`` for an unnamed socket)."""

    name: str | bytes | None
