"""Fixtures for the reactor-core tests: a fresh real reactor per backend, bounded runs.

``realReactor`` is parametrised over every reactor this machine offers (select, poll, epoll,
asyncio, uvloop when importable; kqueue where the OS has it), so each test using it runs once per
backend. It is the ``reactor`` fixture of the project's pytest plugin (reactor.testing.plugin)
under a name that says "one per backend".

``runReactor(r, timeout)`` runs a reactor until the test stops it, failing the test (and
stopping the reactor) if it has not stopped after ``timeout`` seconds, so no test can hang.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests using ``realReactor`` run once per backend, on the plugin's ``reactor`` fixture."""
    if "realReactor" in metafunc.fixturenames:
        metafunc.parametrize("reactor", BACKENDS, indirect=True, ids=BACKENDS)


@pytest.fixture
def realReactor(reactor: Reactor) -> Reactor:
    """A fresh reactor of each available kind, from the project's pytest plugin.

    The plugin closes it afterwards and fails the test if it left timed calls, readers or
    writers, or an unhandled Deferred error behind.
    """
    return reactor


@pytest.fixture
def run() -> Callable[..., None]:
    """``run(reactor, timeout=5.0)``: see :func:`runReactor`."""
    return runReactor


@pytest.fixture
def reactorLog(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture the ``reactor`` logger at DEBUG and above."""
    caplog.set_level(logging.DEBUG, logger="reactor")
    return caplog
