"""Test support: in-memory doubles and the pytest plugin.

* :class:`StringTransport` (and :class:`StringTransportWithDisconnection`): a transport that
  records what a protocol writes;
* :class:`MemoryReactor` / :class:`MemoryReactorClock`: reactors that record listen/connect
  calls, readers and writers, and run no I/O (the latter with a fake clock);
* ``IPv4Address``, ``IPv6Address``, ``UNIXAddress``: provisional address classes until the
  networking code provides the real ones (see :mod:`reactor.testing._addresses`);
* :mod:`reactor.testing.plugin`: the pytest plugin (fresh ``reactor`` per test, ``clock``,
  Deferred-returning and ``async def`` tests, leftover checks). Registered through the
  ``pytest11`` entry point; this package does not import pytest itself.

For deterministic time alone, use :class:`reactor.task.Clock`.
"""

from reactor.testing._addresses import IPv4Address, IPv6Address, UNIXAddress
from reactor.testing._memory import FakeConnector, FakePort, MemoryReactor, MemoryReactorClock
from reactor.testing._transport import StringTransport, StringTransportWithDisconnection

__all__ = [
    "FakeConnector",
    "FakePort",
    "IPv4Address",
    "IPv6Address",
    "MemoryReactor",
    "MemoryReactorClock",
    "StringTransport",
    "StringTransportWithDisconnection",
    "UNIXAddress",
]
