"""Cooperative multitasking over iterators: ``Cooperator``, ``cooperate``, ``coiterate``.

This module owns the round-robin scheduler that runs many iterators in small steps on the
reactor thread, so that long jobs (producing a big file, walking a large result set) share the
loop with I/O instead of blocking it. Each *tick* it calls ``next()`` on the runnable tasks in
turn until the time slice (10 ms by default) is used up, then yields to the reactor and asks for
another tick. It does not run anything in threads.

A task whose iterator yields a Deferred is paused until that Deferred fires (its result is
discarded); if it fails, the task fails with that failure.

Fixes over Twisted: ``Cooperator.stop()`` also ends paused tasks (Twisted leaves their
``whenDone`` Deferreds waiting forever), and a task that fails while nobody waits on
``whenDone()`` reports its error as an unhandled Deferred failure instead of losing it.
The tick is scheduled with ``callLater(0, ...)``: the reactor already defers such a call to its
next pass, after I/O, so Twisted's tiny positive delay (which costs a 1 ms poll timeout per
tick) is not needed. On a ``Clock`` that means one ``advance()`` keeps ticking until every task
is finished or paused; pass a ``scheduler`` with a positive delay to step tick by tick.

Not thread-safe: a Cooperator and its tasks belong to the reactor thread.
"""

from __future__ import annotations

import enum
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

from deferred import Deferred, Failure, fail, succeed
from reactor.interfaces import ReactorTime
from reactor.task._global import defaultReactor

__all__ = [
    "CooperativeTask",
    "Cooperator",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
]

#: How long one tick may keep calling iterators, in seconds (Twisted's value).
TIME_SLICE = 0.01


class SchedulerError(Exception):
    """Base class for the errors of the cooperative scheduler."""


class SchedulerStopped(SchedulerError):
    """The Cooperator was stopped: its tasks ended unfinished, and it takes no new ones."""


class TaskFinished(SchedulerError):
    """The task has already finished, so it cannot be paused or stopped."""


class TaskDone(TaskFinished):
    """The task finished because its iterator was exhausted."""


class TaskStopped(TaskFinished):
    """The task was stopped with ``CooperativeTask.stop()``."""


class TaskFailed(TaskFinished):
    """The task failed: its iterator raised, or a Deferred it yielded failed."""


class NotPaused(SchedulerError):
    """``resume()`` was called on a task that is not paused."""


class _Cancellable(Protocol):
    def cancel(self) -> None: ...


#: What a scheduler does: arrange for the callable to run soon; return something cancellable.
Scheduler = Callable[[Callable[[], None]], _Cancellable]


class _TaskState(enum.Enum):
    UNFINISHED = "unfinished"
    DONE = "done"  # iterator exhausted
    STOPPED = "stopped"  # CooperativeTask.stop()
    FAILED = "failed"  # iterator raised, or a yielded Deferred failed
    SCHEDULER_STOPPED = "scheduler stopped"


_FINISHED_ERRORS: dict[_TaskState, type[SchedulerError]] = {
    _TaskState.DONE: TaskDone,
    _TaskState.STOPPED: TaskStopped,
    _TaskState.FAILED: TaskFailed,
    _TaskState.SCHEDULER_STOPPED: SchedulerStopped,
}


def _timeSlice() -> Callable[[], bool]:
    """Twisted's default termination predicate factory: true once TIME_SLICE has passed."""
    end = time.monotonic() + TIME_SLICE
    return lambda: time.monotonic() >= end


class CooperativeTask:
    """One iterator run by a :class:`Cooperator`; made by ``Cooperator.cooperate``.

    ``pause()``/``resume()`` nest (two pauses need two resumes); ``stop()`` ends it;
    ``whenDone()`` gives a Deferred for the end: the iterator when it is exhausted, else a
    failure (``TaskStopped``, ``SchedulerStopped``, or the iterator's own error).
    """

    def __init__(self, iterator: Iterator[object], cooperator: Cooperator) -> None:
        self._iterator = iterator
        self._cooperator = cooperator
        self._state = _TaskState.UNFINISHED
        self._pauseCount = 0
        # The iterator (done) or the Failure that ended the task; set when it finishes.
        self._result: object = None
        self._waiting: list[Deferred[Iterator[object]]] = []
        # Whether the task is in the Cooperator's run queue (Cooperator-owned bookkeeping).
        self._queued = False
        cooperator._adopt(self)

    def whenDone(self) -> Deferred[Iterator[object]]:
        """A Deferred fired with the iterator once exhausted, or failed with why the task ended."""
        if self._state is _TaskState.UNFINISHED:
            d: Deferred[Iterator[object]] = Deferred()
            self._waiting.append(d)
            return d
        if isinstance(self._result, Failure):
            return fail(self._result)
        return succeed(self._iterator)

    def pause(self) -> None:
        """Stop running this task until a matching :meth:`resume`.

        :raises TaskFinished: (or ``SchedulerStopped``) if the task has finished.
        """
        self._checkUnfinished("pause")
        self._pauseCount += 1
        if self._pauseCount == 1:
            self._cooperator._dequeue(self)

    def resume(self) -> None:
        """Undo one :meth:`pause`; the task runs again when every pause has been undone.

        :raises NotPaused: if the task is not paused.
        """
        if self._pauseCount == 0:
            raise NotPaused(f"cannot resume {self!r}: it is not paused")
        self._pauseCount -= 1
        if self._pauseCount == 0 and self._state is _TaskState.UNFINISHED:
            self._cooperator._enqueue(self)

    def stop(self) -> None:
        """End this task now; ``whenDone()`` Deferreds fail with ``TaskStopped``.

        :raises TaskFinished: (or ``SchedulerStopped``) if the task has already finished.
        """
        self._checkUnfinished("stop")
        self._finish(_TaskState.STOPPED, Failure(TaskStopped(f"{self!r} was stopped")))

    def _checkUnfinished(self, verb: str) -> None:
        if self._state is not _TaskState.UNFINISHED:
            error = _FINISHED_ERRORS[self._state]
            raise error(f"cannot {verb} {self!r}: it has already finished ({self._state.value})")

    def _step(self) -> None:
        """Do one unit of work: one ``next()`` on the iterator."""
        try:
            value = next(self._iterator)
        except StopIteration:
            self._finish(_TaskState.DONE, self._iterator)
            return
        except BaseException:
            self._finish(_TaskState.FAILED, Failure())
            return
        if isinstance(value, Deferred):
            self.pause()
            value.addCallbacks(self._yieldedFired, self._yieldedFailed)

    def _yieldedFired(self, result: object) -> None:
        self.resume()

    def _yieldedFailed(self, failure: Failure) -> Failure | None:
        if self._state is not _TaskState.UNFINISHED:
            return failure  # stopped meanwhile: leave the error to be reported, not lost
        self._finish(_TaskState.FAILED, failure)
        return None

    def _finish(self, state: _TaskState, result: object) -> None:
        self._state = state
        self._result = result
        self._cooperator._forget(self)
        waiting, self._waiting = self._waiting, []
        if isinstance(result, Failure):
            if not waiting and state is _TaskState.FAILED:
                # Nobody asked: a Deferred that holds the failure and is dropped reports it.
                fail(result)
            for d in waiting:
                d.errback(result)
        else:
            for d in waiting:
                d.callback(self._iterator)

    def __repr__(self) -> str:
        return f"<CooperativeTask {self._state.value} over {self._iterator!r}>"


class Cooperator:
    """Runs :class:`CooperativeTask`\\ s round-robin, a time slice per tick.

    ``terminationPredicateFactory()`` is called at the start of each tick and returns a
    predicate; the tick ends as soon as the predicate returns true (default: after
    ``TIME_SLICE`` seconds of real time). ``scheduler(tick)`` arranges the next tick (default:
    ``clock.callLater(0, tick)``; ``clock`` defaults to the global reactor, looked up on first
    use). With ``started=False`` nothing runs until :meth:`start`.
    """

    def __init__(
        self,
        terminationPredicateFactory: Callable[[], Callable[[], bool]] = _timeSlice,
        scheduler: Scheduler | None = None,
        started: bool = True,
        clock: ReactorTime | None = None,
    ) -> None:
        self._terminationPredicateFactory = terminationPredicateFactory
        self._scheduler = scheduler
        self._clock = clock
        self._started = started
        self._stopped = False
        # Runnable tasks, in round-robin order; the next to run is on the left.
        self._runQueue: deque[CooperativeTask] = deque()
        # Every unfinished task, paused or not (insertion order), so stop() can end them all.
        self._unfinished: dict[CooperativeTask, None] = {}
        self._nextTick: _Cancellable | None = None

    @property
    def running(self) -> bool:
        """Whether the cooperator has been started and not stopped."""
        return self._started and not self._stopped

    def cooperate(self, iterator: Iterator[object]) -> CooperativeTask:
        """Start running ``iterator`` as a task; return the task."""
        return CooperativeTask(iterator, self)

    def coiterate(
        self,
        iterator: Iterator[object],
        doneDeferred: Deferred[Iterator[object]] | None = None,
    ) -> Deferred[Iterator[object]]:
        """Run ``iterator`` as a task; return a Deferred fired with it once exhausted.

        If ``doneDeferred`` is given, it is fired instead of a new Deferred, and returned.
        """
        if doneDeferred is None:
            doneDeferred = Deferred()
        self.cooperate(iterator).whenDone().chainDeferred(doneDeferred)
        return doneDeferred

    def start(self) -> None:
        """Begin running tasks (only needed after ``started=False`` or :meth:`stop`)."""
        self._stopped = False
        self._started = True
        self._scheduleTick()

    def stop(self) -> None:
        """End every unfinished task (``whenDone`` fails with ``SchedulerStopped``) and stop.

        :raises SchedulerStopped: if it is already stopped.
        """
        if self._stopped:
            raise SchedulerStopped(f"{self!r} is already stopped")
        self._stopped = True
        for task in list(self._unfinished):
            # A whenDone() callback of an earlier task may have stopped this one meanwhile.
            if task._state is _TaskState.UNFINISHED:
                task._finish(_TaskState.SCHEDULER_STOPPED, Failure(SchedulerStopped()))
        self._cancelTick()

    # -- bookkeeping called by CooperativeTask --------------------------------------------------

    def _adopt(self, task: CooperativeTask) -> None:
        if self._stopped:
            failure = Failure(SchedulerStopped(f"{self!r} is stopped and takes no new tasks"))
            task._finish(_TaskState.SCHEDULER_STOPPED, failure)
            return
        self._unfinished[task] = None
        self._enqueue(task)

    def _enqueue(self, task: CooperativeTask) -> None:
        if not task._queued:
            task._queued = True
            self._runQueue.append(task)
            self._scheduleTick()

    def _dequeue(self, task: CooperativeTask) -> None:
        if task._queued:
            task._queued = False
            self._runQueue.remove(task)
            if not self._runQueue:
                self._cancelTick()

    def _forget(self, task: CooperativeTask) -> None:
        self._dequeue(task)
        self._unfinished.pop(task, None)

    # -- ticking --------------------------------------------------------------------------------

    def _tick(self) -> None:
        self._nextTick = None
        runQueue = self._runQueue
        timeUp = self._terminationPredicateFactory()
        while runQueue:
            task = runQueue.popleft()
            task._queued = False
            task._step()
            if (
                not task._queued
                and task._pauseCount == 0
                and task._state is _TaskState.UNFINISHED
                and not self._stopped
            ):
                task._queued = True
                runQueue.append(task)
            if timeUp():
                break
        self._scheduleTick()

    def _scheduleTick(self) -> None:
        if self._nextTick is None and self._runQueue and self.running:
            if self._scheduler is not None:
                self._nextTick = self._scheduler(self._tick)
            else:
                if self._clock is None:
                    self._clock = defaultReactor()
                self._nextTick = self._clock.callLater(0, self._tick)

    def _cancelTick(self) -> None:
        if self._nextTick is not None:
            self._nextTick.cancel()
            self._nextTick = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped" if self._stopped else "not started"
        return f"<Cooperator {state}, {len(self._unfinished)} unfinished tasks>"


# The process-wide Cooperator behind cooperate()/coiterate(), made on first use (reactor
# thread only, like everything here).
_defaultCooperator: Cooperator | None = None


def _getDefaultCooperator() -> Cooperator:
    global _defaultCooperator
    if _defaultCooperator is None:
        _defaultCooperator = Cooperator()
    return _defaultCooperator


def cooperate(iterator: Iterator[object]) -> CooperativeTask:
    """Run ``iterator`` as a task of the default Cooperator (on the global reactor)."""
    return _getDefaultCooperator().cooperate(iterator)


def coiterate(iterator: Iterator[object]) -> Deferred[Iterator[object]]:
    """Run ``iterator`` on the default Cooperator; a Deferred fires with it once exhausted."""
    return _getDefaultCooperator().coiterate(iterator)
