"""Helpers for the UDP tests: recording datagram protocols, bounded runs, plain-socket peers.

Protocols here record what happened to them and hand out Deferreds (``receivedAtLeast``,
``refused``) so a test waits for exactly the event it is about; ``runUntil`` runs a reactor until
such a Deferred fires and fails the test after a time bound. Everything uses loopback addresses
and port 0; multicast is only ever sent through the loopback interface. Every test closes what
it opened (the plugin fails tests that leave sockets behind).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from _tcphelpers import runUntil as runUntilFired

from deferred import Deferred
from reactor import Reactor
from reactor.protocol import DatagramProtocol

#: Seconds any one scenario may take before the test fails.
SCENARIO_TIMEOUT = 10.0

#: A group in the organisation-local scope (239/8), never routed beyond a site; tests send it
#: only through the loopback interface.
GROUP = "239.255.77.77"


def runUntil(r: Reactor, d: Deferred[Any], timeout: float = SCENARIO_TIMEOUT) -> Any:
    """Run ``r`` until ``d`` fires; return its result or raise its failure (bounded in time)."""
    return runUntilFired(r, d, timeout)


class Recorder(DatagramProtocol):
    """Records datagrams, refusals and start/stop; Deferreds fire when things happened."""

    noisy = False

    def __init__(self) -> None:
        self.datagrams: list[tuple[bytes, Any]] = []
        self.events: list[str] = []
        self.refusals = 0
        self._waiting: list[tuple[int, Deferred[list[tuple[bytes, Any]]]]] = []
        self._refusedWaiting: list[Deferred[None]] = []

    def startProtocol(self) -> None:
        self.events.append("start")

    def stopProtocol(self) -> None:
        self.events.append("stop")

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.datagrams.append((datagram, addr))
        self._check()

    def connectionRefused(self) -> None:
        self.refusals += 1
        waiting, self._refusedWaiting = self._refusedWaiting, []
        for d in waiting:
            d.callback(None)

    def receivedAtLeast(self, count: int) -> Deferred[list[tuple[bytes, Any]]]:
        """A Deferred firing with the datagrams once at least ``count`` arrived."""
        d: Deferred[list[tuple[bytes, Any]]] = Deferred()
        self._waiting.append((count, d))
        self._check()
        return d

    def refused(self) -> Deferred[None]:
        """A Deferred firing at the next ``connectionRefused()``."""
        d: Deferred[None] = Deferred()
        self._refusedWaiting.append(d)
        return d

    def payloads(self) -> list[bytes]:
        """The datagrams received, without their senders."""
        return [data for data, _ in self.datagrams]

    def _check(self) -> None:
        have = len(self.datagrams)
        ready = [(count, d) for count, d in self._waiting if have >= count]
        if ready:
            self._waiting = [w for w in self._waiting if w not in ready]
            for _, d in ready:
                d.callback(list(self.datagrams))


class Echo(Recorder):
    """Sends every datagram back to where it came from."""

    def datagramReceived(self, datagram: bytes, addr: Any) -> None:
        self.transport.write(datagram, addr)
        super().datagramReceived(datagram, addr)


def listen(r: Reactor, protocol: DatagramProtocol, interface: str = "127.0.0.1", **kw: Any) -> Any:
    """``listenUDP`` on a free port of ``interface``."""
    return r.listenUDP(0, protocol, interface=interface, **kw)  # type: ignore[attr-defined]


@contextmanager
def plainSocket(family: int = socket.AF_INET, host: str = "127.0.0.1") -> Iterator[socket.socket]:
    """A plain blocking UDP socket bound to a free port of ``host`` (closed afterwards)."""
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.bind((host, 0))
        sock.settimeout(SCENARIO_TIMEOUT)
        yield sock
    finally:
        sock.close()


def closedPort(host: str = "127.0.0.1") -> int:
    """A UDP port on ``host`` that nothing listens on (bound and closed at once)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return port


def skipOrFailMulticast(reason: str) -> None:
    """Skip a test this system cannot run for lack of loopback multicast -- but not on CI.

    CI (``CI=true``) runs on machines where joining a group on 127.0.0.1 works, so there the
    same condition is a failure: a multicast regression must not hide behind a skip.
    """
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"multicast on loopback failed under CI: {reason}")
    pytest.skip(f"this system does not allow multicast on loopback: {reason}")
