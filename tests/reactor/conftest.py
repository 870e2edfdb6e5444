"""Fixtures for the reactor-core tests: a fresh real reactor per backend, bounded runs.

``realReactor`` is parametrised over every reactor this machine offers (select, poll, epoll,
asyncio, uvloop when importable; kqueue where the OS has it), so each test using it runs once per
backend. It is named so as not to shadow the ``reactor`` fixture of the project's pytest plugin;
the integrator may switch these tests over to that plugin.

``runReactor(r, timeout)`` runs a reactor until the test stops it, failing the test (and
stopping the reactor) if it has not stopped after ``timeout`` seconds, so no test can hang.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest

import reactor as reactorPackage
from reactor import Reactor

BACKENDS = list(reactorPackage.availableReactors())


class RunTimedOut(AssertionError):
    """A reactor under test did not stop within its time bound."""


def runReactor(r: Reactor, timeout: float = 5.0) -> None:
    """Run ``r`` (no signal handlers) until stopped; fail if it runs longer than ``timeout``."""
    timedOut: list[bool] = []

    def bail() -> None:
        timedOut.append(True)
        r.crash()

    guard = r.callLater(timeout, bail)
    try:
        r.run(installSignalHandlers=False)
    finally:
        if guard.active():
            guard.cancel()
    if timedOut:
        raise RunTimedOut(f"{r!r} did not stop within {timeout} s")


@pytest.fixture(params=BACKENDS)
def realReactor(request: pytest.FixtureRequest) -> Iterator[Reactor]:
    """A fresh reactor of each available kind; closed (and checked for leftovers) afterwards."""
    r = reactorPackage.availableReactors()[request.param]()
    try:
        yield r
    finally:
        if r.running:
            r.crash()
        leftovers = r.removeAll()
        r.close()
    assert not leftovers, f"test left readers/writers registered: {leftovers!r}"


@pytest.fixture
def run() -> Callable[..., None]:
    """``run(reactor, timeout=5.0)``: see :func:`runReactor`."""
    return runReactor


@pytest.fixture
def reactorLog(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the ``reactor`` logger at DEBUG and above."""
    caplog.set_level(logging.DEBUG, logger="reactor")
    return caplog
