"""CallQueue: the handoff queue of calls that callFromThread uses, run inline by drain().

Deterministic (no reactor, no threads): the wake-up protocol itself is HandoffQueue's and is
tested in test_handoff.py; these tests check that running calls inline keeps its promises.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

from reactor._handoff import Call, CallQueue


class Recorder:
    """Counts wake-ups, records what ran and which calls failed."""

    def __init__(self) -> None:
        self.wakes = 0
        self.ran: list[object] = []
        self.failed: list[tuple[Callable[..., object], BaseException | None]] = []
        self.consumed: list[Call] = []

    def wake(self) -> None:
        self.wakes += 1

    def runCall(self, call: Call) -> None:
        # The slow path: what the queue's consume does one item at a time.
        self.consumed.append(call)
        f, args, kw = call
        f(*args, **kw)

    def onError(self, f: Callable[..., object]) -> None:
        self.failed.append((f, sys.exc_info()[1]))


def makeQueue(r: Recorder) -> CallQueue:
    return CallQueue(r.wake, r.runCall, r.onError)


def put(q: CallQueue, f: Callable[..., object], *args: Any, **kw: Any) -> None:
    q.put((f, args, kw))


def test_drain_runs_the_calls_in_order_with_their_arguments() -> None:
    r = Recorder()
    q = makeQueue(r)
    put(q, r.ran.append, 1)
    put(q, lambda *a, **k: r.ran.append((a, k)), 2, 3, x=4)
    assert q.drain() == 2
    assert r.ran == [1, ((2, 3), {"x": 4})]
    assert r.consumed == []  # run inline, not through consume
    assert len(q) == 0


def test_a_failing_call_goes_to_onError_inside_its_except_block_and_the_rest_run() -> None:
    r = Recorder()
    q = makeQueue(r)

    def boom() -> None:
        raise ZeroDivisionError("boom")

    put(q, boom)
    put(q, r.ran.append, "after")
    assert q.drain() == 2
    assert r.ran == ["after"]
    [(f, error)] = r.failed
    assert f is boom
    assert isinstance(error, ZeroDivisionError)


def test_a_call_queued_while_draining_waits_for_the_next_drain_and_wakes() -> None:
    r = Recorder()
    q = makeQueue(r)
    put(q, lambda: (r.ran.append("parent"), put(q, r.ran.append, "child")))
    assert r.wakes == 1
    assert q.drain() == 1
    assert r.ran == ["parent"]
    assert r.wakes == 2
    assert q.drain() == 1
    assert r.ran == ["parent", "child"]


def test_a_BaseException_propagates_and_leaves_the_rest_queued_with_a_wake_up() -> None:
    r = Recorder()
    q = makeQueue(r)

    def interrupt() -> None:
        raise KeyboardInterrupt

    put(q, interrupt)
    put(q, r.ran.append, "rest")
    with pytest.raises(KeyboardInterrupt):
        q.drain()
    assert r.failed == []
    assert r.ran == []
    assert len(q) == 1
    assert r.wakes == 2  # re-armed: nobody else would wake the loop for "rest"
    assert q.drain() == 1
    assert r.ran == ["rest"]


def test_a_replaced_consume_gets_every_call() -> None:
    # What tracing does: it swaps in its own consume, which must then see each call.
    r = Recorder()
    q = makeQueue(r)
    seen: list[Call] = []
    q._consume = seen.append
    put(q, r.ran.append, 1)
    assert q.drain() == 1
    assert [c[1] for c in seen] == [(1,)]
    assert r.ran == []


def test_putting_the_original_consume_back_restores_running_calls_inline() -> None:
    r = Recorder()
    q = makeQueue(r)
    q._consume = lambda call: None
    q._consume = r.runCall  # an equal bound method, not the same object
    put(q, r.ran.append, 1)
    assert q.drain() == 1
    assert r.ran == [1]
    assert r.consumed == []
