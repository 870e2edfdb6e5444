"""HandoffQueue: the wake-up protocol step by step, deterministically (no reactor, no threads)."""

from __future__ import annotations

import threading

import pytest

from reactor._handoff import HandoffQueue


class Recorder:
    """Counts wake-ups and records consumed items."""

    def __init__(self) -> None:
        self.wakes = 0
        self.consumed: list[object] = []

    def wake(self) -> None:
        self.wakes += 1

    def consume(self, item: object) -> None:
        self.consumed.append(item)


def test_first_put_wakes_and_later_puts_piggyback() -> None:
    r = Recorder()
    q: HandoffQueue[int] = HandoffQueue(r.wake, r.consume)
    for i in range(100):
        q.put(i)
    assert r.wakes == 1
    assert len(q) == 100


def test_drain_runs_everything_queued_in_order() -> None:
    r = Recorder()
    q: HandoffQueue[int] = HandoffQueue(r.wake, r.consume)
    for i in range(5):
        q.put(i)
    assert q.drain() == 5
    assert r.consumed == [0, 1, 2, 3, 4]
    assert len(q) == 0


def test_put_after_drain_wakes_again() -> None:
    r = Recorder()
    q: HandoffQueue[int] = HandoffQueue(r.wake, r.consume)
    q.put(1)
    q.drain()
    q.put(2)
    assert r.wakes == 2


def test_item_put_while_draining_waits_for_next_drain_and_wakes() -> None:
    r = Recorder()
    q: HandoffQueue[str] = HandoffQueue(r.wake, lambda item: (r.consume(item), q.put("child")))
    q.put("parent")
    assert q.drain() == 1
    # The child was put after the flag was cleared: it must have woken the loop again, and it
    # did not run in the same drain (a producer cannot starve the loop).
    assert r.consumed == ["parent"]
    assert r.wakes == 2
    assert len(q) == 1


def test_drain_without_pending_wake_is_harmless() -> None:
    r = Recorder()
    q: HandoffQueue[int] = HandoffQueue(r.wake, r.consume)
    assert q.drain() == 0
    q.put(1)
    assert r.wakes == 1


def test_consume_raising_keeps_the_rest_and_rearms_the_wake() -> None:
    r = Recorder()

    def consume(item: int) -> None:
        if item == 1:
            raise ValueError("consumer bug")
        r.consume(item)

    q: HandoffQueue[int] = HandoffQueue(r.wake, consume)
    for i in range(4):
        q.put(i)
    with pytest.raises(ValueError):
        q.drain()
    assert r.consumed == [0]
    assert len(q) == 2
    assert r.wakes == 2  # re-armed: the remaining items will not be stranded
    q.drain()
    assert r.consumed == [0, 2, 3]


def test_concurrent_producers_lose_nothing() -> None:
    r = Recorder()
    q: HandoffQueue[tuple[int, int]] = HandoffQueue(r.wake, r.consume)
    wakeRequests = threading.Semaphore(0)
    q._wake = wakeRequests.release  # count wake-ups as a semaphore the "loop" waits on
    stop = threading.Event()

    def loop() -> None:
        # The consumer side: wait for a wake-up, then drain (the waker "clear" is the acquire).
        while not stop.is_set() or len(q):
            if wakeRequests.acquire(timeout=0.01):
                q.drain()

    def produce(n: int) -> None:
        for i in range(5000):
            q.put((n, i))

    consumer = threading.Thread(target=loop)
    consumer.start()
    producers = [threading.Thread(target=produce, args=(n,)) for n in range(4)]
    for p in producers:
        p.start()
    for p in producers:
        p.join(10)
    stop.set()
    consumer.join(10)
    assert not consumer.is_alive()
    for n in range(4):
        assert [i for m, i in r.consumed if m == n] == list(range(5000))  # type: ignore[misc]
