"""Fixtures for the ThreadPool and bridge tests: real reactors, real threads, bounded waits.

* ``threadReactor``: a fresh EPollReactor, closed afterwards.
* ``runUntil(reactor, f, timeout)`` (a fixture returning the function): run the reactor, call
  ``f()`` once it runs, stop it when the Deferred ``f`` returns fires, and return its result (or
  raise its exception). A run that outlives ``timeout`` crashes the reactor and fails the test,
  so nothing can hang.
* ``newPool(**kw)``: a started ThreadPool, stopped at teardown (the test fails if it could not).
* ``noThreadLeaks``: fails a test that leaves threads behind; the modules of this package that
  start threads use it through ``pytestmark`` (it is not autouse, so other test modules in
  this directory keep their own checks).
* ``waitUntil(predicate, timeout)`` (likewise): wait for a condition on other threads' state,
  polling, with a deadline — a condition wait, not a timing assertion.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from deferred import Deferred, Failure, maybeDeferred
from reactor import EPollReactor
from threads import ThreadPool

#: Every wait in these tests is bounded by this (seconds); none should come close.
DEADLINE = 10.0


class RunTimedOut(AssertionError):
    """The reactor under test did not finish the test body in time."""


def _waitUntil(predicate: Callable[[], bool], timeout: float = DEADLINE) -> None:
    """Return once ``predicate()`` is true; fail the test if it is not within ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition {predicate!r} still false after {timeout} s")
        time.sleep(0.001)


def _runUntil(
    r: EPollReactor, f: Callable[[], Deferred[Any] | object], timeout: float = DEADLINE
) -> Any:
    """Run ``r`` until the Deferred returned by ``f()`` (called once running) fires."""
    outcome: list[object] = []
    timedOut: list[bool] = []

    def start() -> None:
        def finish(result: object) -> None:
            outcome.append(result)
            if r.running:
                r.stop()

        maybeDeferred(f).addBoth(finish)

    def bail() -> None:
        timedOut.append(True)
        r.crash()

    r.callWhenRunning(start)
    guard = r.callLater(timeout, bail)
    r.run(installSignalHandlers=False)
    if guard.active():
        guard.cancel()
    if timedOut:
        raise RunTimedOut(f"the test body did not finish within {timeout} s")
    [result] = outcome
    if isinstance(result, Failure):
        result.raiseException()
    return result


@pytest.fixture
def threadReactor() -> Iterator[EPollReactor]:
    """A fresh reactor for one test, closed afterwards."""
    r = EPollReactor()
    try:
        yield r
    finally:
        if r.running:
            r.crash()
        r.close()


@pytest.fixture
def newPool() -> Iterator[Callable[..., ThreadPool]]:
    """``newPool(**kw)``: a started ThreadPool; every one made is stopped at teardown."""
    pools: list[ThreadPool] = []

    def make(**kw: Any) -> ThreadPool:
        pool = ThreadPool(**kw)
        pool.start()
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        assert pool.stop(timeout=DEADLINE), f"{pool!r} did not stop"


@pytest.fixture
def noThreadLeaks() -> Iterator[None]:
    """Fail the test if it leaves threads running (after a bounded wait for them to end)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + DEADLINE
    for thread in set(threading.enumerate()) - before:
        thread.join(max(0.0, deadline - time.monotonic()))
    leaked = [t.name for t in set(threading.enumerate()) - before]
    assert not leaked, f"threads left running: {leaked}"
    assert threading.active_count() == len(before)


@pytest.fixture
def runUntil() -> Callable[..., Any]:
    """``runUntil(reactor, f, timeout=DEADLINE)``: see ``_runUntil``."""
    return _runUntil


@pytest.fixture
def waitUntil() -> Callable[..., None]:
    """``waitUntil(predicate, timeout=DEADLINE)``: see ``_waitUntil``."""
    return _waitUntil
