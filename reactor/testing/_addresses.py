"""Address classes for the test doubles: the real ones, from :mod:`reactor.address`.

``StringTransport`` and ``MemoryReactor`` return these from ``getPeer``/``getHost``. This module
once held provisional copies; it now only re-exports :mod:`reactor.address`, so that tests and
the networking code compare equal addresses of one class.
"""

from __future__ import annotations

from reactor.address import IPv4Address, IPv6Address, UNIXAddress

__all__ = ["IPv4Address", "IPv6Address", "UNIXAddress"]
