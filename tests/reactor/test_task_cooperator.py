"""Tests for reactor.task's cooperative scheduler, driven by a Clock.

The time slice is replaced by a step-counting predicate so every tick's work is exact.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest

from deferred import Deferred, Failure
from reactor.task import (
    Clock,
    Cooperator,
    NotPaused,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskStopped,
)
from reactor.task import _cooperator as cooperatorModule


def stepsPerTick(n: int) -> Callable[[], Callable[[], bool]]:
    """A termination predicate factory: each tick ends after ``n`` steps."""

    def factory() -> Callable[[], bool]:
        taken = [0]

        def timeUp() -> bool:
            taken[0] += 1
            return taken[0] >= n

        return timeUp

    return factory


def counting(name: str, log: list[str], n: int) -> Iterator[None]:
    for i in range(n):
        log.append(f"{name}{i}")
        yield None


def tickingCooperator(steps: int = 100) -> tuple[Clock, Cooperator]:
    """A Cooperator whose ticks are 1 s apart on a Clock, so each advance(1) is one tick."""
    clock = Clock()
    coop = Cooperator(stepsPerTick(steps), scheduler=lambda f: clock.callLater(1, f))
    return clock, coop


def test_tasks_run_round_robin() -> None:
    clock, coop = tickingCooperator()
    log: list[str] = []
    coop.cooperate(counting("a", log, 3))
    coop.cooperate(counting("b", log, 2))
    clock.advance(1)
    assert log == ["a0", "b0", "a1", "b1", "a2"]


def test_tick_stops_when_time_slice_is_used_up() -> None:
    clock, coop = tickingCooperator(steps=3)
    log: list[str] = []
    coop.cooperate(counting("a", log, 10))
    coop.cooperate(counting("b", log, 10))
    clock.advance(1)
    assert log == ["a0", "b0", "a1"]
    clock.advance(1)
    assert log[3:] == ["b1", "a2", "b2"]


def test_round_robin_position_carries_over_between_ticks() -> None:
    clock, coop = tickingCooperator(steps=1)
    log: list[str] = []
    for name in "abc":
        coop.cooperate(counting(name, log, 5))
    clock.pump([1] * 4)
    assert log == ["a0", "b0", "c0", "a1"]


def test_whenDone_fires_with_the_iterator_when_exhausted() -> None:
    clock, coop = tickingCooperator()
    iterator = counting("a", [], 2)
    done: list[object] = []
    coop.cooperate(iterator).whenDone().addCallback(done.append)
    clock.advance(1)
    assert done == [iterator]


def test_whenDone_after_completion_fires_at_once() -> None:
    clock, coop = tickingCooperator()
    iterator = counting("a", [], 1)
    task = coop.cooperate(iterator)
    clock.advance(1)
    done: list[object] = []
    task.whenDone().addCallback(done.append)
    assert done == [iterator]


def test_coiterate_returns_deferred_for_completion() -> None:
    clock, coop = tickingCooperator()
    iterator = counting("a", [], 3)
    done: list[object] = []
    coop.coiterate(iterator).addCallback(done.append)
    clock.advance(1)
    assert done == [iterator]


def test_coiterate_fires_the_given_deferred() -> None:
    clock, coop = tickingCooperator()
    mine: Deferred[Iterator[object]] = Deferred()
    assert coop.coiterate(counting("a", [], 1), mine) is mine
    clock.advance(1)
    assert mine.called


def test_iterator_exception_fails_the_task() -> None:
    clock, coop = tickingCooperator()

    def broken() -> Iterator[None]:
        yield None
        raise OSError("disk on fire")

    task = coop.cooperate(broken())
    failures: list[Failure] = []
    task.whenDone().addErrback(failures.append)
    clock.advance(1)
    assert failures[0].check(OSError)
    with pytest.raises(TaskFailed):
        task.pause()


def test_failure_nobody_waits_for_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    clock, coop = tickingCooperator()

    def broken() -> Iterator[None]:
        raise OSError("unobserved failure")
        yield None

    coop.cooperate(broken())
    clock.advance(1)
    gc.collect()
    reports = [r for r in caplog.records if r.name == "deferred"]
    assert len(reports) == 1
    assert "unobserved failure" in reports[0].getMessage()
    reports[0]._treadleReportClaimed = True  # type: ignore[attr-defined]


def test_pause_skips_task_until_resume() -> None:
    clock, coop = tickingCooperator(steps=2)
    log: list[str] = []
    task = coop.cooperate(counting("a", log, 5))
    coop.cooperate(counting("b", log, 5))
    task.pause()
    clock.advance(1)
    assert log == ["b0", "b1"]
    task.resume()
    clock.advance(1)
    assert log[2:] == ["b2", "a0"]


def test_pauses_nest() -> None:
    clock, coop = tickingCooperator()
    log: list[str] = []
    task = coop.cooperate(counting("a", log, 3))
    task.pause()
    task.pause()
    task.resume()
    clock.advance(1)
    assert log == []
    task.resume()
    clock.advance(1)
    assert log == ["a0", "a1", "a2"]


def test_resume_unpaused_task_is_an_error() -> None:
    _, coop = tickingCooperator()
    task = coop.cooperate(counting("a", [], 1))
    with pytest.raises(NotPaused):
        task.resume()


def test_no_tick_is_scheduled_while_every_task_is_paused() -> None:
    clock, coop = tickingCooperator()
    task = coop.cooperate(counting("a", [], 3))
    assert len(clock.getDelayedCalls()) == 1
    task.pause()
    assert clock.getDelayedCalls() == []
    task.resume()
    assert len(clock.getDelayedCalls()) == 1


def test_stop_ends_task_with_TaskStopped() -> None:
    clock, coop = tickingCooperator()
    log: list[str] = []
    task = coop.cooperate(counting("a", log, 3))
    failures: list[Failure] = []
    task.whenDone().addErrback(failures.append)
    task.stop()
    clock.advance(1)
    assert log == []
    assert failures[0].check(TaskStopped)
    assert clock.getDelayedCalls() == []


def test_stop_or_pause_after_done_raises_TaskDone() -> None:
    clock, coop = tickingCooperator()
    task = coop.cooperate(counting("a", [], 1))
    clock.advance(1)
    with pytest.raises(TaskDone):
        task.stop()
    with pytest.raises(TaskDone):
        task.pause()


def test_stop_twice_raises_TaskStopped() -> None:
    _, coop = tickingCooperator()
    task = coop.cooperate(counting("a", [], 1))
    task.whenDone().addErrback(lambda f: None)
    task.stop()
    with pytest.raises(TaskStopped):
        task.stop()


def test_yielded_deferred_pauses_task_until_it_fires() -> None:
    clock, coop = tickingCooperator()
    gate: Deferred[str] = Deferred()
    log: list[str] = []

    def waiting() -> Iterator[object]:
        log.append("before")
        yield gate
        log.append("after")

    coop.cooperate(waiting())
    coop.cooperate(counting("b", log, 2))
    clock.advance(1)
    assert log == ["before", "b0", "b1"]
    clock.advance(1)
    assert log == ["before", "b0", "b1"]
    gate.callback("ignored")
    clock.advance(1)
    assert log[-1] == "after"


def test_yielded_deferred_failure_fails_the_task() -> None:
    clock, coop = tickingCooperator()
    gate: Deferred[None] = Deferred()

    def waiting() -> Iterator[object]:
        yield gate

    failures: list[Failure] = []
    coop.cooperate(waiting()).whenDone().addErrback(failures.append)
    clock.advance(1)
    gate.errback(ValueError("gate failed"))
    assert failures[0].check(ValueError)


def test_already_fired_yielded_deferred_does_not_stall() -> None:
    clock, coop = tickingCooperator()
    log: list[str] = []

    def quick() -> Iterator[object]:
        for i in range(3):
            d: Deferred[None] = Deferred()
            d.callback(None)
            log.append(str(i))
            yield d

    coop.cooperate(quick())
    clock.advance(1)
    assert log == ["0", "1", "2"]


def test_cooperator_stop_ends_running_and_paused_tasks() -> None:
    clock, coop = tickingCooperator()
    running = coop.cooperate(counting("a", [], 5))
    paused = coop.cooperate(counting("b", [], 5))
    paused.pause()
    failures: list[Failure] = []
    running.whenDone().addErrback(failures.append)
    paused.whenDone().addErrback(failures.append)
    coop.stop()
    assert [f.check(SchedulerStopped) for f in failures] == [SchedulerStopped] * 2
    assert not coop.running
    assert clock.getDelayedCalls() == []


def test_task_stopped_by_a_whenDone_callback_during_cooperator_stop_ends_once() -> None:
    _, coop = tickingCooperator()
    first = coop.cooperate(counting("a", [], 5))
    second = coop.cooperate(counting("b", [], 5))
    outcomes: list[type[BaseException] | None] = []
    first.whenDone().addErrback(lambda f: second.stop())
    second.whenDone().addErrback(lambda f: outcomes.append(f.check(TaskStopped)))
    coop.stop()
    assert outcomes == [TaskStopped]
    with pytest.raises(TaskStopped):
        second.pause()


def test_stopped_cooperator_rejects_new_tasks() -> None:
    _, coop = tickingCooperator()
    coop.stop()
    failures: list[Failure] = []
    coop.cooperate(counting("a", [], 1)).whenDone().addErrback(failures.append)
    assert failures[0].check(SchedulerStopped)


def test_stop_twice_is_an_error() -> None:
    _, coop = tickingCooperator()
    coop.stop()
    with pytest.raises(SchedulerStopped):
        coop.stop()


def test_not_started_cooperator_waits_for_start() -> None:
    clock = Clock()
    coop = Cooperator(stepsPerTick(10), started=False, clock=clock)
    log: list[str] = []
    coop.cooperate(counting("a", log, 2))
    clock.advance(1)
    assert log == []
    assert not coop.running
    coop.start()
    clock.advance(0)
    assert log == ["a0", "a1"]


def test_default_scheduler_ticks_on_the_given_clock() -> None:
    clock = Clock()
    coop = Cooperator(stepsPerTick(1), clock=clock)
    log: list[str] = []
    coop.cooperate(counting("a", log, 3))
    [call] = clock.getDelayedCalls()
    assert call.getTime() == 0
    clock.advance(0)
    assert log == ["a0", "a1", "a2"]


def test_default_time_slice_ends_a_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(cooperatorModule.time, "monotonic", lambda: now[0])
    timeUp = cooperatorModule._timeSlice()
    assert not timeUp()
    now[0] += cooperatorModule.TIME_SLICE
    assert timeUp()


def test_module_cooperate_uses_the_default_cooperator(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    monkeypatch.setattr(cooperatorModule, "_defaultCooperator", Cooperator(clock=clock))
    log: list[str] = []
    done: list[object] = []
    cooperatorModule.coiterate(counting("a", log, 2)).addCallback(done.append)
    task = cooperatorModule.cooperate(counting("b", log, 1))
    clock.advance(0)
    assert sorted(log) == ["a0", "a1", "b0"]
    assert len(done) == 1
    with pytest.raises(TaskDone):
        task.stop()
