"""Tests for reactor._timers when many calls are due at once.

Past a few popped calls (an eighth of the heap plus 16), ``TimerQueue.runDue`` stops popping
due calls one by one and sorts them out of the heap instead. These tests schedule enough calls
to take that path and check that it keeps every promise of the one-by-one path: (deadline,
scheduling) order, calls made during the run wait, cancels and resets made during the run are
honoured, an ``onError`` that raises leaves the rest queued, and a nested run (a call that
advances its own clock) sees the calls not yet run first.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reactor import EPollReactor, PollingReactor, PollReactor, Reactor, SelectReactor
from reactor._timers import DelayedCall, TimerQueue

# Enough calls due at once that runDue sorts them (the threshold is 16 + an eighth of the heap).
MANY = 400


class FakeTime:
    """A settable clock for driving a TimerQueue by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def reraise(call: DelayedCall, exc: BaseException) -> None:
    raise exc


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def queue(time: FakeTime) -> TimerQueue:
    return TimerQueue(time)


def scheduleShuffled(queue: TimerQueue, ran: list[int], count: int, seed: int = 1) -> list[int]:
    """Schedule ``count`` calls appending their index, with few distinct deadlines in random
    order (so ties are common); return the indices in the order they must run."""
    rng = random.Random(seed)
    deadlines = [rng.choice([1.0, 2.0, 2.5, 3.0]) for _ in range(count)]
    for index, deadline in enumerate(deadlines):
        queue.callLater(deadline, ran.append, index)
    return sorted(range(count), key=lambda i: (deadlines[i], i))


def test_many_due_calls_run_in_deadline_then_scheduling_order(
    queue: TimerQueue, time: FakeTime
) -> None:
    ran: list[int] = []
    expected = scheduleShuffled(queue, ran, MANY)
    time.now = 10
    assert queue.runDue(reraise) == MANY
    assert ran == expected
    assert len(queue) == 0
    assert queue.storedEntries() == 0
    assert queue.nextDeadline() is None


def test_calls_not_yet_due_stay_queued_after_a_bulk_run(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    expected = scheduleShuffled(queue, ran, MANY)
    later = [queue.callLater(20 + i, ran.append, 1000 + i) for i in range(50)]
    time.now = 10
    queue.runDue(reraise)
    assert ran == expected
    assert len(queue) == 50
    assert queue.getDelayedCalls() == later
    assert queue.nextDeadline() == 20
    ran.clear()
    time.now = 100
    assert queue.runDue(reraise) == 50
    assert ran == [1000 + i for i in range(50)]


def test_cancelled_calls_are_skipped_by_a_bulk_run(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    calls = [queue.callLater(1 + i % 7, ran.append, i) for i in range(MANY)]
    queue.nextDeadline()  # give them heap entries first, so the cancels leave dead ones
    for call in calls[::3]:
        call.cancel()
    time.now = 10
    assert queue.runDue(reraise) == MANY - len(calls[::3])
    live = [i for i in range(MANY) if i % 3]
    assert ran == sorted(live, key=lambda i: (1 + i % 7, i))


def test_calls_scheduled_during_a_bulk_run_wait_for_the_next_run(
    queue: TimerQueue, time: FakeTime
) -> None:
    ran: list[object] = []

    def scheduleMore(index: int) -> None:
        ran.append(index)
        queue.callLater(0, ran.append, f"child {index}")

    for index in range(MANY):
        queue.callLater(1, scheduleMore, index)
    time.now = 1
    assert queue.runDue(reraise) == MANY
    assert ran == list(range(MANY))
    ran.clear()
    assert queue.runDue(reraise) == MANY
    assert ran == [f"child {index}" for index in range(MANY)]


def test_calls_cancelled_or_reset_during_a_bulk_run_do_not_run_in_it(
    queue: TimerQueue, time: FakeTime
) -> None:
    ran: list[int] = []
    calls = [queue.callLater(1 + i / MANY, ran.append, i) for i in range(MANY)]
    last, beforeLast = calls[-1], calls[-2]

    def meddle() -> None:
        last.cancel()
        beforeLast.reset(0)

    # Runs after most calls were taken out of the heap, before the last two.
    queue.callLater(1 + (MANY - 2.5) / MANY, meddle)
    time.now = 5
    assert queue.runDue(reraise) == MANY - 1  # meddle ran; the last two did not
    assert ran == list(range(MANY - 2))
    assert not last.active()
    assert queue.getDelayedCalls() == [beforeLast]
    assert queue.runDue(reraise) == 1
    assert ran[-1] == MANY - 2


def test_onError_raising_during_a_bulk_run_leaves_the_rest_queued_in_order(
    queue: TimerQueue, time: FakeTime
) -> None:
    ran: list[int] = []

    def boom() -> None:
        raise KeyError("boom")

    expected = scheduleShuffled(queue, ran, MANY)
    queue.callLater(2.5, boom)  # after every 2.5 scheduled above, before the 3.0 ones
    time.now = 10
    with pytest.raises(KeyError):
        queue.runDue(reraise)
    done = len(ran)
    assert ran == expected[:done]
    assert 0 < done < MANY
    assert len(queue) == MANY - done
    assert queue.getDelayedCalls()[0].args == (expected[done],)
    assert queue.runDue(reraise) == MANY - done
    assert ran == expected


def test_the_rest_of_a_bulk_run_is_visible_while_it_runs(queue: TimerQueue, time: FakeTime) -> None:
    seen: list[tuple[int, float | None]] = []
    calls: list[DelayedCall] = []

    def look(index: int) -> None:
        seen.append((len(queue.getDelayedCalls()), queue.nextDeadline()))

    calls.extend(queue.callLater(1 + i, look, i) for i in range(MANY))
    time.now = 10 * MANY
    queue.runDue(reraise)
    assert seen == [(MANY - 1 - i, 2 + i if i < MANY - 1 else None) for i in range(MANY)]


def test_a_nested_run_continues_the_bulk_run_in_order(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[object] = []
    expected = scheduleShuffled(queue, ran, MANY)
    later = [queue.callLater(15, ran.append, f"later {i}") for i in range(3)]

    def advanceClock() -> None:
        # A call that runs its own clock further, as Clock.advance() inside a timed call does.
        ran.append("nested")
        time.now = 20
        queue.runDue(reraise)

    queue.callLater(2.5, advanceClock)
    time.now = 10
    queue.runDue(reraise)
    split = ran.index("nested")
    assert ran[:split] + ran[split + 1 : split + 1 + MANY - split] == expected
    assert ran[-3:] == [c.args[0] for c in later]
    assert len(queue) == 0


def test_a_real_reactor_runs_many_due_timers_in_order(realReactor: Reactor) -> None:
    ran: list[int] = []
    # Equal delays scheduled back to back get equal or increasing deadlines: scheduling order.
    for index in range(MANY):
        realReactor.callLater(0, ran.append, index)
    realReactor.iterate(0)
    assert ran == list(range(MANY))


@pytest.mark.parametrize("kind", [SelectReactor, PollReactor, EPollReactor])
def test_iterate_inside_a_timed_call_runs_the_rest_of_a_bulk_run_first(
    kind: type[PollingReactor],
) -> None:
    # Only the polling reactors: on a hosted (asyncio) reactor iterate() cannot nest.
    r = kind()
    try:
        ran: list[object] = []

        def nested() -> None:
            ran.append("nested")
            r.iterate(0)
            ran.append("nested done")

        for index in range(MANY):
            r.callLater(0, ran.append, index)
        r.callLater(0, nested)
        later = [r.callLater(0, ran.append, f"after {i}") for i in range(3)]
        r.iterate(0)
        assert ran == [*range(MANY), "nested", *(c.args[0] for c in later), "nested done"]
    finally:
        r.close()


def test_iterate_inside_a_timed_call_after_mass_cancelling_still_runs_the_bulk_run_first() -> None:
    r = EPollReactor()
    try:
        ran: list[object] = []
        # Sized so that the last cancel below makes dead entries outnumber live ones for the
        # first time, while `later` still waits in the bulk run: the queue would compact the
        # heap down to nothing then.
        laterCount = 100
        far = [r.callLater(3600, ran.append, "never") for _ in range(2 * laterCount + 1)]

        def cancelFarThenIterate() -> None:
            for call in far:
                call.cancel()
            ran.append("nested")
            r.iterate(0)
            ran.append("nested done")

        for index in range(MANY):
            r.callLater(0, ran.append, index)
        r.callLater(0, cancelFarThenIterate)
        later = [r.callLater(0, ran.append, f"after {i}") for i in range(laterCount)]
        r.iterate(0)
        assert ran == [*range(MANY), "nested", *(c.args[0] for c in later), "nested done"]
        assert r.getDelayedCalls() == []
    finally:
        r.close()


# --- model-based: bursts of calls against a naive sorted list -------------------------------


class NaiveQueue:
    """The obviously-correct model: live calls scanned in (deadline, seq) order."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.seq = 0
        self.entries: dict[int, tuple[float, int]] = {}  # ident -> (deadline, seq), live only

    def schedule(self, ident: int, delay: float) -> None:
        self.seq += 1
        self.entries[ident] = (self.time.now + max(delay, 0), self.seq)

    def runDue(self) -> list[int]:
        now, snapshot = self.time.now, self.seq
        due = sorted((d, s, i) for i, (d, s) in self.entries.items() if d <= now and s <= snapshot)
        for _, _, ident in due:
            del self.entries[ident]
        return [ident for _, _, ident in due]


delays = st.integers(min_value=-2, max_value=40).map(lambda x: x / 4)
burst = st.lists(delays, min_size=1, max_size=120)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("burst"), burst),
        st.tuples(st.just("cancel"), st.integers(0, 10_000), st.integers(1, 7)),
        st.tuples(st.just("advance"), st.sampled_from([0, 0.25, 1, 3, 10])),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(operations)
def test_bursts_match_the_naive_model(ops: list[tuple[object, ...]]) -> None:
    time = FakeTime()
    queue = TimerQueue(time)
    model = NaiveQueue(time)
    calls: dict[int, DelayedCall] = {}
    log: list[int] = []
    for op in ops:
        if op[0] == "burst":
            for delay in op[1]:  # type: ignore[attr-defined]
                ident = len(calls)
                calls[ident] = queue.callLater(delay, log.append, ident)
                model.schedule(ident, delay)
        elif op[0] == "cancel":
            # Cancel every step-th live call from some offset: many dead entries at once.
            live = sorted(model.entries)
            for ident in live[op[1] % max(len(live), 1) :: op[2]]:  # type: ignore[operator,misc]
                calls[ident].cancel()
                del model.entries[ident]
        else:
            time.now += op[1]  # type: ignore[operator]
            log.clear()
            queue.runDue(reraise)
            assert log == model.runDue()
        assert len(queue) == len(model.entries)
        expected = min((d for d, _ in model.entries.values()), default=None)
        assert queue.nextDeadline() == expected
