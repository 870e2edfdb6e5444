"""Tests for reactor._timers: the time heap shared by the reactors and task.Clock."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reactor._timers import DelayedCall, TimerQueue
from reactor.error import AlreadyCalled, AlreadyCancelled


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


def advance(queue: TimerQueue, time: FakeTime, amount: float) -> int:
    time.now += amount
    return queue.runDue(reraise)


# --- scheduling -------------------------------------------------------------------------------


def test_callLater_sets_deadline_relative_to_clock(queue: TimerQueue, time: FakeTime) -> None:
    time.now = 10.0
    call = queue.callLater(2.5, lambda: None)
    assert call.getTime() == 12.5
    assert call.time == 12.5


def test_callLater_keeps_function_and_arguments(queue: TimerQueue) -> None:
    def f(*a: object, **kw: object) -> None:
        pass

    call = queue.callLater(1, f, 1, 2, key="v")
    assert (call.func, call.args, call.kw) == (f, (1, 2), {"key": "v"})


def test_new_call_is_active(queue: TimerQueue) -> None:
    call = queue.callLater(1, lambda: None)
    assert call.active()
    assert not call.called
    assert not call.cancelled


def test_negative_delay_is_clamped_to_now(queue: TimerQueue, time: FakeTime) -> None:
    time.now = 5.0
    call = queue.callLater(-3, lambda: None)
    assert call.getTime() == 5.0


def test_nan_delay_is_rejected(queue: TimerQueue) -> None:
    with pytest.raises(ValueError, match="NaN"):
        queue.callLater(float("nan"), lambda: None)


def test_len_and_getDelayedCalls_count_live_calls(queue: TimerQueue) -> None:
    calls = [queue.callLater(i, lambda: None) for i in range(5)]
    calls[1].cancel()
    calls[3].reset(100)
    assert len(queue) == 4
    assert queue.getDelayedCalls() == [calls[0], calls[2], calls[4], calls[3]]


def test_getDelayedCalls_lists_equal_deadlines_in_scheduling_order(queue: TimerQueue) -> None:
    calls = [queue.callLater(1, lambda: None) for _ in range(10)]
    queue.nextDeadline()  # merge some into the heap, then stage more
    calls += [queue.callLater(1, lambda: None) for _ in range(10)]
    assert queue.getDelayedCalls() == calls


# --- running ----------------------------------------------------------------------------------


def test_runDue_runs_only_due_calls(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[str] = []
    queue.callLater(1, ran.append, "early")
    queue.callLater(2, ran.append, "late")
    assert advance(queue, time, 1) == 1
    assert ran == ["early"]
    assert advance(queue, time, 1) == 1
    assert ran == ["early", "late"]


def test_runDue_runs_a_call_due_exactly_now(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    queue.callLater(0, ran.append, 1)
    assert queue.runDue(reraise) == 1
    assert ran == [1]


def test_runDue_on_empty_queue_returns_zero(queue: TimerQueue) -> None:
    assert queue.runDue(reraise) == 0


def test_calls_run_in_deadline_order(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[float] = []
    for delay in [5, 1, 4, 2, 3]:
        queue.callLater(delay, ran.append, delay)
    advance(queue, time, 10)
    assert ran == [1, 2, 3, 4, 5]


def test_equal_deadlines_run_in_scheduling_order(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    for i in range(1000):
        queue.callLater(1, ran.append, i)
    advance(queue, time, 1)
    assert ran == list(range(1000))


def test_call_is_marked_called_before_it_runs(queue: TimerQueue) -> None:
    seen: list[tuple[bool, bool]] = []
    call: DelayedCall = queue.callLater(0, lambda: seen.append((call.called, call.active())))
    queue.runDue(reraise)
    assert seen == [(True, False)]


def test_run_call_is_no_longer_live(queue: TimerQueue) -> None:
    call = queue.callLater(0, lambda: None)
    queue.runDue(reraise)
    assert not call.active()
    assert len(queue) == 0
    assert queue.getDelayedCalls() == []
    assert queue.nextDeadline() is None


def test_call_scheduled_during_runDue_waits_for_next_run(queue: TimerQueue) -> None:
    ran: list[str] = []
    queue.callLater(0, lambda: queue.callLater(0, ran.append, "child"))
    assert queue.runDue(reraise) == 1
    assert ran == []
    assert queue.runDue(reraise) == 1
    assert ran == ["child"]


def test_call_scheduled_during_runDue_waits_even_if_host_peeks(queue: TimerQueue) -> None:
    ran: list[str] = []

    def scheduleAndPeek() -> None:
        queue.callLater(0, ran.append, "child")
        assert queue.nextDeadline() == 0

    queue.callLater(0, scheduleAndPeek)
    queue.callLater(0, ran.append, "sibling")
    assert queue.runDue(reraise) == 2
    assert ran == ["sibling"]
    assert queue.runDue(reraise) == 1
    assert ran == ["sibling", "child"]


def test_call_rescheduling_itself_runs_once_per_runDue(queue: TimerQueue) -> None:
    ran: list[int] = []

    def again() -> None:
        ran.append(1)
        queue.callLater(0, again)

    queue.callLater(0, again)
    for _ in range(3):
        assert queue.runDue(reraise) == 1
    assert len(ran) == 3


def test_call_reset_during_runDue_waits_for_next_run(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[str] = []
    queue.callLater(1, lambda: later.reset(0))
    later = queue.callLater(1, ran.append, "later")
    queue.callLater(1, ran.append, "third")
    advance(queue, time, 1)
    assert ran == ["third"]
    assert later.active()
    queue.runDue(reraise)
    assert ran == ["third", "later"]


def test_call_cancelled_by_an_earlier_call_does_not_run(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[str] = []
    victim = queue.callLater(2, ran.append, "victim")
    queue.callLater(1, victim.cancel)
    advance(queue, time, 5)
    assert ran == []


def test_exception_goes_to_onError_and_the_run_continues(queue: TimerQueue) -> None:
    errors: list[tuple[DelayedCall, BaseException]] = []
    ran: list[str] = []

    def boom() -> None:
        raise ZeroDivisionError("boom")

    bad = queue.callLater(0, boom)
    queue.callLater(0, ran.append, "after")
    assert queue.runDue(lambda call, exc: errors.append((call, exc))) == 2
    assert ran == ["after"]
    assert [c for c, _ in errors] == [bad]
    assert isinstance(errors[0][1], ZeroDivisionError)


def test_onError_raising_leaves_remaining_calls_queued(queue: TimerQueue) -> None:
    ran: list[str] = []

    def boom() -> None:
        raise KeyError("boom")

    queue.callLater(0, boom)
    rest = queue.callLater(0, ran.append, "rest")
    with pytest.raises(KeyError):
        queue.runDue(reraise)
    assert ran == []
    assert rest.active()
    assert len(queue) == 1
    assert queue.runDue(reraise) == 1
    assert ran == ["rest"]


# --- cancel, reset, delay ---------------------------------------------------------------------


def test_cancelled_call_does_not_run(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    call = queue.callLater(1, ran.append, 1)
    call.cancel()
    assert advance(queue, time, 2) == 0
    assert ran == []
    assert call.cancelled
    assert not call.active()
    assert len(queue) == 0


def test_cancel_twice_raises_AlreadyCancelled(queue: TimerQueue) -> None:
    call = queue.callLater(1, lambda: None)
    call.cancel()
    with pytest.raises(AlreadyCancelled, match="already cancelled"):
        call.cancel()


def test_cancel_after_run_raises_AlreadyCalled(queue: TimerQueue) -> None:
    call = queue.callLater(0, lambda: None)
    queue.runDue(reraise)
    with pytest.raises(AlreadyCalled, match="already been called"):
        call.cancel()


@pytest.mark.parametrize("method", ["reset", "delay"])
def test_moving_a_cancelled_call_raises_AlreadyCancelled(queue: TimerQueue, method: str) -> None:
    call = queue.callLater(1, lambda: None)
    call.cancel()
    with pytest.raises(AlreadyCancelled):
        getattr(call, method)(1)


@pytest.mark.parametrize("method", ["reset", "delay"])
def test_moving_a_run_call_raises_AlreadyCalled(queue: TimerQueue, method: str) -> None:
    call = queue.callLater(0, lambda: None)
    queue.runDue(reraise)
    with pytest.raises(AlreadyCalled):
        getattr(call, method)(1)


def test_timer_errors_are_ValueErrors() -> None:
    assert issubclass(AlreadyCalled, ValueError)
    assert issubclass(AlreadyCancelled, ValueError)


def test_reset_later_postpones_the_call(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    call = queue.callLater(1, ran.append, 1)
    call.reset(5)
    assert call.getTime() == 5
    assert advance(queue, time, 4) == 0
    assert advance(queue, time, 1) == 1
    assert ran == [1]


def test_reset_earlier_brings_the_call_forward(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    call = queue.callLater(100, ran.append, 1)
    time.now = 3
    call.reset(1)
    assert call.getTime() == 4
    assert advance(queue, time, 1) == 1
    assert ran == [1]
    assert len(queue) == 0


def test_reset_is_relative_to_the_current_time(queue: TimerQueue, time: FakeTime) -> None:
    call = queue.callLater(10, lambda: None)
    time.now = 7
    call.reset(10)
    assert call.getTime() == 17


def test_reset_negative_is_clamped_to_now(queue: TimerQueue, time: FakeTime) -> None:
    call = queue.callLater(10, lambda: None)
    time.now = 2
    call.reset(-5)
    assert call.getTime() == 2


def test_reset_moves_call_behind_others_with_the_same_deadline(
    queue: TimerQueue, time: FakeTime
) -> None:
    ran: list[str] = []
    first = queue.callLater(1, ran.append, "first")
    queue.callLater(1, ran.append, "second")
    first.reset(1)
    advance(queue, time, 1)
    assert ran == ["second", "first"]


def test_delay_moves_deadline_relative_to_old_deadline(queue: TimerQueue, time: FakeTime) -> None:
    call = queue.callLater(10, lambda: None)
    time.now = 5
    call.delay(3)
    assert call.getTime() == 13


def test_negative_delay_moves_the_call_earlier(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    call = queue.callLater(10, ran.append, 1)
    call.delay(-8)
    assert advance(queue, time, 2) == 1
    assert ran == [1]


def test_repeated_resets_leave_one_live_call(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    call = queue.callLater(1, ran.append, 1)
    for i in range(1000):
        call.reset(1 + i % 7)
    assert len(queue) == 1
    assert queue.storedEntries() <= 64 + 2
    advance(queue, time, 100)
    assert ran == [1]


# --- nextDeadline and the earlier-deadline hook -------------------------------------------------


def test_nextDeadline_is_none_when_empty(queue: TimerQueue) -> None:
    assert queue.nextDeadline() is None


def test_nextDeadline_is_earliest_live_deadline(queue: TimerQueue) -> None:
    queue.callLater(3, lambda: None)
    early = queue.callLater(1, lambda: None)
    queue.callLater(2, lambda: None)
    assert queue.nextDeadline() == 1
    early.cancel()
    assert queue.nextDeadline() == 2


def test_nextDeadline_sees_calls_scheduled_since_last_look(queue: TimerQueue) -> None:
    queue.callLater(5, lambda: None)
    assert queue.nextDeadline() == 5
    queue.callLater(2, lambda: None)
    assert queue.nextDeadline() == 2


def test_nextDeadline_follows_reset(queue: TimerQueue) -> None:
    call = queue.callLater(1, lambda: None)
    queue.callLater(5, lambda: None)
    call.reset(9)
    assert queue.nextDeadline() == 5


def test_onEarlierDeadline_called_for_new_earliest_call(time: FakeTime) -> None:
    seen: list[float] = []
    queue = TimerQueue(time, onEarlierDeadline=seen.append)
    queue.callLater(5, lambda: None)
    queue.callLater(2, lambda: None)
    queue.callLater(3, lambda: None)
    assert seen == [5, 2]


def test_onEarlierDeadline_called_when_reset_makes_call_earliest(time: FakeTime) -> None:
    seen: list[float] = []
    queue = TimerQueue(time, onEarlierDeadline=seen.append)
    queue.callLater(5, lambda: None)
    call = queue.callLater(9, lambda: None)
    call.reset(1)
    call.delay(100)
    assert seen == [5, 1]


def test_onEarlierDeadline_called_for_earliest_call_after_a_run(time: FakeTime) -> None:
    seen: list[float] = []
    queue = TimerQueue(time, onEarlierDeadline=seen.append)
    queue.callLater(1, lambda: None)
    queue.callLater(10, lambda: None)
    advance(queue, time, 1)
    queue.callLater(2, lambda: None)
    assert seen == [1, 3]


def test_onEarlierDeadline_can_be_set_after_construction(queue: TimerQueue) -> None:
    seen: list[float] = []
    queue.onEarlierDeadline = seen.append
    queue.callLater(4, lambda: None)
    assert seen == [4]


# --- memory: lazy cancellation with compaction -------------------------------------------------


def test_million_schedule_cancel_cycles_keep_heap_small(queue: TimerQueue) -> None:
    def noop() -> None:
        pass

    callLater = queue.callLater
    biggest = 0
    for i in range(1_000_000):
        callLater(1.0, noop).cancel()
        if i % 997 == 0:
            biggest = max(biggest, queue.storedEntries())
    assert biggest <= 64
    assert queue.storedEntries() <= 64
    assert len(queue) == 0


def test_dead_entries_never_outnumber_live_ones_beyond_slack(
    queue: TimerQueue, time: FakeTime
) -> None:
    keep = [queue.callLater(1000 + i, lambda: None) for i in range(500)]
    for i in range(20_000):
        queue.callLater(i % 50, lambda: None).cancel()
        assert queue.storedEntries() <= 2 * len(queue) or queue.storedEntries() < len(queue) + 64
    assert len(queue) == len(keep)


def test_heap_is_compacted_when_running_calls_leaves_mostly_dead_entries(
    queue: TimerQueue, time: FakeTime
) -> None:
    for _ in range(200):
        queue.callLater(1, lambda: None)
    queue.callLater(50, lambda: None)  # stays live, in front of the dead entries
    far = [queue.callLater(100, lambda: None) for _ in range(100)]
    queue.nextDeadline()  # every call now has its heap entry
    for call in far:
        call.cancel()  # 100 dead entries, still fewer than the 201 live ones
    assert queue.storedEntries() == 301
    advance(queue, time, 1)
    assert len(queue) == 1
    assert queue.storedEntries() == 1


def test_compaction_during_runDue_keeps_order(queue: TimerQueue, time: FakeTime) -> None:
    ran: list[int] = []
    victims = [queue.callLater(50, ran.append, -1) for _ in range(300)]

    def cancelAll() -> None:
        for v in victims:
            v.cancel()

    queue.callLater(1, cancelAll)
    for i in range(10):
        queue.callLater(2 + i, ran.append, i)
    advance(queue, time, 100)
    assert ran == list(range(10))


# --- model-based: compare with a naive sorted list -----------------------------------------------


class NaiveQueue:
    """The obviously-correct model: a list scanned in (deadline, seq) order."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.seq = 0
        self.entries: dict[int, tuple[float, int]] = {}  # id -> (deadline, seq), live only

    def schedule(self, ident: int, delay: float) -> None:
        self.entries[ident] = (self.time.now + max(delay, 0), self._next())

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def runDue(self, children: dict[int, tuple[int, float]]) -> list[int]:
        now = self.time.now
        snapshot = self.seq
        ran: list[int] = []
        while True:
            due = sorted(
                (d, s, i) for i, (d, s) in self.entries.items() if d <= now and s <= snapshot
            )
            if not due:
                return ran
            _, _, ident = due[0]
            del self.entries[ident]
            ran.append(ident)
            if ident in children:
                child, delay = children[ident]
                self.schedule(child, delay)


delays = st.floats(min_value=-1, max_value=20, allow_nan=False).map(lambda x: round(x, 1))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("schedule"), delays, st.one_of(st.none(), delays)),
        st.tuples(st.just("cancel"), st.integers(0, 1000)),
        st.tuples(st.just("reset"), st.integers(0, 1000), delays),
        st.tuples(st.just("delay"), st.integers(0, 1000), delays),
        st.tuples(st.just("advance"), st.sampled_from([0, 0.1, 0.5, 1, 3, 10])),
        st.tuples(st.just("peek")),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(operations)
def test_queue_matches_naive_model(ops: list[tuple[object, ...]]) -> None:
    time = FakeTime()
    queue = TimerQueue(time)
    model = NaiveQueue(time)
    calls: dict[int, DelayedCall] = {}
    children: dict[int, tuple[int, float]] = {}
    log: list[int] = []
    nextId = 0

    def fire(ident: int) -> None:
        log.append(ident)
        if ident in children:
            child, delay = children[ident]
            calls[child] = queue.callLater(delay, fire, child)

    for op in ops:
        kind = op[0]
        if kind == "schedule":
            _, delay, childDelay = op
            ident, nextId = nextId, nextId + 1
            if childDelay is not None:
                children[ident] = (nextId, childDelay)  # type: ignore[assignment]
                nextId += 1
            calls[ident] = queue.callLater(delay, fire, ident)  # type: ignore[arg-type]
            model.schedule(ident, delay)  # type: ignore[arg-type]
        elif kind == "advance":
            time.now += op[1]  # type: ignore[operator]
            log.clear()
            queue.runDue(reraise)
            assert log == model.runDue(children)
        elif kind == "peek":
            expected = min((d for d, _ in model.entries.values()), default=None)
            assert queue.nextDeadline() == expected
        elif calls:
            ident = sorted(calls)[op[1] % len(calls)]  # type: ignore[operator]
            call = calls[ident]
            if ident not in model.entries:
                with pytest.raises((AlreadyCalled, AlreadyCancelled)):
                    call.cancel()
            elif kind == "cancel":
                call.cancel()
                del model.entries[ident]
            elif kind == "reset":
                call.reset(op[2])  # type: ignore[arg-type]
                model.entries[ident] = (time.now + max(op[2], 0), model._next())  # type: ignore[call-overload]
            else:
                deadline = model.entries[ident][0] + op[2]  # type: ignore[operator]
                call.delay(op[2])  # type: ignore[arg-type]
                model.entries[ident] = (deadline, model._next())
        assert len(queue) == len(model.entries)
        live = {ident for ident, call in calls.items() if call.active()}
        assert live == set(model.entries)
