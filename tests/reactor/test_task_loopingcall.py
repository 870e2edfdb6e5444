"""Tests for reactor.task.LoopingCall, driven by a Clock."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import pytest

from deferred import Deferred, Failure
from reactor.task import Clock, LoopingCall


def makeLoop(clock: Clock, calls: list[float]) -> LoopingCall:
    loop = LoopingCall(lambda: calls.append(clock.seconds()))
    loop.clock = clock
    return loop


def test_start_calls_at_once_by_default() -> None:
    clock = Clock()
    calls: list[float] = []
    makeLoop(clock, calls).start(1)
    assert calls == [0]


def test_start_now_false_waits_one_interval() -> None:
    clock = Clock()
    calls: list[float] = []
    makeLoop(clock, calls).start(1, now=False)
    assert calls == []
    clock.advance(1)
    assert calls == [1]


def test_calls_repeat_every_interval() -> None:
    clock = Clock()
    calls: list[float] = []
    makeLoop(clock, calls).start(2)
    clock.pump([1] * 6)
    assert calls == [0, 2, 4, 6]


def test_fractional_interval_steps_land_exactly() -> None:
    clock = Clock()
    calls: list[float] = []
    loop = makeLoop(clock, calls)
    loop.start(0.1)
    clock.pump([0.1] * 10)
    assert len(calls) == 11
    assert loop.missedIntervals == 0


def test_passes_arguments() -> None:
    clock = Clock()
    seen: list[tuple[object, ...]] = []
    loop = LoopingCall(lambda *a, **kw: seen.append((a, kw)), 1, x=2)
    loop.clock = clock
    loop.start(1)
    assert seen == [((1,), {"x": 2})]
    loop.stop()


def test_running_is_true_between_start_and_stop() -> None:
    clock = Clock()
    loop = makeLoop(clock, [])
    assert not loop.running
    loop.start(1)
    assert loop.running
    loop.stop()
    assert not loop.running


def test_stop_fires_start_deferred_with_the_loop() -> None:
    clock = Clock()
    loop = makeLoop(clock, [])
    results: list[object] = []
    loop.start(1).addCallback(results.append)
    assert results == []
    loop.stop()
    assert results == [loop]


def test_stop_cancels_the_pending_call() -> None:
    clock = Clock()
    calls: list[float] = []
    loop = makeLoop(clock, calls)
    loop.start(1)
    loop.stop()
    assert clock.getDelayedCalls() == []
    clock.advance(5)
    assert calls == [0]


def test_function_may_stop_the_loop() -> None:
    clock = Clock()
    calls: list[int] = []

    def f() -> None:
        calls.append(1)
        if len(calls) == 3:
            loop.stop()

    loop = LoopingCall(f)
    loop.clock = clock
    done: list[object] = []
    loop.start(1).addCallback(done.append)
    clock.pump([1] * 5)
    assert len(calls) == 3
    assert done == [loop]
    assert clock.getDelayedCalls() == []


def test_start_while_running_is_an_error() -> None:
    clock = Clock()
    loop = makeLoop(clock, [])
    loop.start(1)
    with pytest.raises(RuntimeError, match="already running"):
        loop.start(1)
    loop.stop()


def test_stop_when_not_running_is_an_error() -> None:
    loop = makeLoop(Clock(), [])
    with pytest.raises(RuntimeError, match="not running"):
        loop.stop()


def test_reset_when_not_running_is_an_error() -> None:
    loop = makeLoop(Clock(), [])
    with pytest.raises(RuntimeError, match="not running"):
        loop.reset()


def test_negative_interval_is_rejected() -> None:
    loop = makeLoop(Clock(), [])
    with pytest.raises(ValueError, match="interval"):
        loop.start(-1)
    assert not loop.running


def test_loop_can_be_restarted_after_stop() -> None:
    clock = Clock()
    calls: list[float] = []
    loop = makeLoop(clock, calls)
    loop.start(1)
    loop.stop()
    clock.advance(10)
    loop.start(2)
    clock.advance(2)
    assert calls == [0, 10, 12]
    loop.stop()


def test_exception_stops_loop_and_fails_its_deferred() -> None:
    clock = Clock()

    def f() -> None:
        raise ZeroDivisionError("boom")

    loop = LoopingCall(f)
    loop.clock = clock
    failures: list[Failure] = []
    loop.start(1).addErrback(failures.append)
    assert not loop.running
    assert failures[0].check(ZeroDivisionError)
    assert clock.getDelayedCalls() == []


def test_exception_on_a_later_call_stops_the_loop() -> None:
    clock = Clock()
    count: list[int] = []

    def f() -> None:
        count.append(1)
        if len(count) == 2:
            raise KeyError("second")

    loop = LoopingCall(f)
    loop.clock = clock
    failures: list[Failure] = []
    loop.start(1).addErrback(failures.append)
    clock.pump([1, 1, 1])
    assert len(count) == 2
    assert failures[0].check(KeyError)


def test_next_call_waits_for_returned_deferred() -> None:
    clock = Clock()
    pending: list[Deferred[None]] = []
    calls: list[float] = []

    def f() -> Deferred[None]:
        calls.append(clock.seconds())
        d: Deferred[None] = Deferred()
        pending.append(d)
        return d

    loop = LoopingCall(f)
    loop.clock = clock
    loop.start(1)
    clock.pump([1, 1, 1])
    assert calls == [0]
    pending[0].callback(None)  # at t=3, two and a bit grid points late
    assert calls == [0]
    clock.advance(1)
    assert calls == [0, 4]
    loop.stop()


def test_failing_returned_deferred_fails_the_loop() -> None:
    clock = Clock()
    inner: Deferred[None] = Deferred()
    loop = LoopingCall(lambda: inner)
    loop.clock = clock
    failures: list[Failure] = []
    loop.start(1).addErrback(failures.append)
    inner.errback(ValueError("inner"))
    assert failures[0].check(ValueError)
    assert not loop.running


def test_coroutine_function_is_awaited() -> None:
    clock = Clock()
    gate: Deferred[None] = Deferred()
    calls: list[float] = []

    async def f() -> None:
        calls.append(clock.seconds())
        await gate

    loop = LoopingCall(f)
    loop.clock = clock
    loop.start(1)
    clock.advance(3)
    assert calls == [0]
    gate.callback(None)
    clock.advance(1)
    assert calls == [0, 4]
    loop.stop()


def test_stop_while_returned_deferred_pending_fires_at_once() -> None:
    clock = Clock()
    inner: Deferred[None] = Deferred()
    loop = LoopingCall(lambda: inner)
    loop.clock = clock
    done: list[object] = []
    loop.start(1).addCallback(done.append)
    loop.stop()
    assert done == [loop]
    inner.callback(None)
    assert clock.getDelayedCalls() == []


def test_failure_after_stop_is_reported_not_lost(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    holder: list[Deferred[None]] = [Deferred()]
    loop = LoopingCall(lambda: holder[0])
    loop.clock = clock
    loop.start(1)
    loop.stop()
    holder.pop().errback(ValueError("too late"))
    gc.collect()
    reports = [r for r in caplog.records if r.name == "deferred"]
    assert len(reports) == 1
    assert "too late" in reports[0].getMessage()
    reports[0]._treadleReportClaimed = True  # type: ignore[attr-defined]


def test_reset_restarts_the_interval_from_now() -> None:
    clock = Clock()
    calls: list[float] = []
    loop = makeLoop(clock, calls)
    loop.start(2)
    clock.advance(1.5)
    loop.reset()
    clock.advance(1.5)
    assert calls == [0]
    clock.advance(0.5)
    assert calls == [0, 3.5]
    loop.stop()


def test_late_call_keeps_the_grid_and_counts_missed_intervals() -> None:
    clock = Clock()
    calls: list[float] = []
    loop = makeLoop(clock, calls)
    loop.start(1)
    clock.advance(3.5)  # the calls due at 1, 2 and 3 collapse into one call at 3.5
    clock.advance(0.5)
    assert calls == [0, 3.5, 4]
    assert loop.callCount == 3
    assert loop.missedIntervals == 2
    loop.stop()


def test_withCount_passes_intervals_elapsed() -> None:
    clock = Clock()
    counts: list[int] = []
    loop = LoopingCall.withCount(counts.append)
    loop.clock = clock
    loop.start(1)
    clock.advance(1)
    clock.advance(3)
    clock.advance(1)
    assert counts == [1, 1, 3, 1]
    loop.stop()


def test_withCount_first_call_after_interval_counts_one() -> None:
    clock = Clock()
    counts: list[int] = []
    loop = LoopingCall.withCount(counts.append)
    loop.clock = clock
    loop.start(1, now=False)
    clock.advance(1)
    assert counts == [1]
    loop.stop()


def test_withCount_after_slow_deferred_counts_skipped_intervals() -> None:
    clock = Clock()
    counts: list[int] = []
    pending: list[Deferred[None]] = []

    def f(count: int) -> Deferred[None] | None:
        counts.append(count)
        if len(counts) == 1:
            d: Deferred[None] = Deferred()
            pending.append(d)
            return d
        return None

    loop = LoopingCall.withCount(f)
    loop.clock = clock
    loop.start(1)
    clock.advance(2.5)
    pending[0].callback(None)
    clock.advance(0.5)
    assert counts == [1, 3]
    loop.stop()


def test_zero_interval_calls_once_per_clock_pass() -> None:
    clock = Clock()
    counts: list[int] = []

    def f(count: int) -> None:
        counts.append(count)
        if len(counts) == 5:
            loop.stop()

    loop = LoopingCall.withCount(f)
    loop.clock = clock
    done: list[object] = []
    loop.start(0, now=False).addCallback(done.append)
    clock.advance(0)
    assert counts == [1, 1, 1, 1, 1]
    assert done == [loop]


def test_clock_defaults_to_the_global_reactor_only_when_needed() -> None:
    # In a fresh interpreter: importing reactor.task and making helpers must not create the
    # global reactor; asking a LoopingCall for its clock then gives exactly that reactor.
    script = textwrap.dedent(
        """
        import reactor._default as default
        from reactor.task import Cooperator, LoopingCall
        loop = LoopingCall(print)
        Cooperator()
        assert default._default is None, "created at import or construction"
        import reactor
        assert loop.clock is reactor.reactor
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_repr_names_function_and_interval() -> None:
    def tick() -> None:
        pass

    loop = LoopingCall(tick)
    loop.clock = Clock()
    loop.start(2)
    assert "tick" in repr(loop)
    assert "2" in repr(loop)
    loop.stop()
