"""The reactor's life cycle as one explicit state machine.

This module owns the states, the events that move between them and the single transition
function; it runs nothing itself. The core (:mod:`reactor._core`) asks :func:`transition` for
the next state and then does the work that goes with it (firing triggers, leaving the loop).

::

    IDLE --RUN--> STARTING --STARTED--> RUNNING --STOP--> STOP_REQUESTED
                     |                                       |
                   STOP                                 SHUTDOWN_BEGUN
                     v                                       v
         STARTING_STOP_REQUESTED --STARTED--> STOP_REQUESTED   STOPPING --SHUTDOWN_DONE--> IDLE

    any state but IDLE/CLOSED --CRASH--> IDLE        IDLE --CLOSE--> CLOSED (final)

``STOP_REQUESTED`` exists so that ``stop()`` returns at once: the shutdown triggers run from the
loop, after the callback that called ``stop()`` has finished (Twisted's order). A stop asked
during startup waits for the startup triggers to finish (``STARTING_STOP_REQUESTED``), so
``callWhenRunning`` callbacks always see a started reactor.

Rejected: Twisted's booleans (``_started``, ``_stopped``, ``_justStopped``, ``running``...),
whose legal combinations nobody can list; here an illegal step is a lookup miss.
"""

from __future__ import annotations

import enum

from reactor.error import ReactorAlreadyRunning, ReactorNotRunning

__all__ = ["Event", "State", "transition"]


class State(enum.Enum):
    """Where a reactor is in its life cycle."""

    IDLE = "idle"  # not running; run() may be called
    STARTING = "starting"  # firing the "startup" triggers
    STARTING_STOP_REQUESTED = "starting, stop requested"
    RUNNING = "running"
    STOP_REQUESTED = "stop requested"  # the loop begins shutdown at the end of this pass
    STOPPING = "stopping"  # firing the "shutdown" triggers
    CLOSED = "closed"  # resources released; final


class Event(enum.Enum):
    """What can happen to a reactor."""

    RUN = "run"
    STARTED = "startup triggers done"
    STOP = "stop"
    SHUTDOWN_BEGUN = "shutdown begun"
    SHUTDOWN_DONE = "shutdown triggers done"
    CRASH = "crash"
    CLOSE = "close"


_TRANSITIONS: dict[tuple[State, Event], State] = {
    (State.IDLE, Event.RUN): State.STARTING,
    (State.STARTING, Event.STARTED): State.RUNNING,
    (State.STARTING, Event.STOP): State.STARTING_STOP_REQUESTED,
    (State.STARTING_STOP_REQUESTED, Event.STARTED): State.STOP_REQUESTED,
    (State.RUNNING, Event.STOP): State.STOP_REQUESTED,
    (State.STOP_REQUESTED, Event.SHUTDOWN_BEGUN): State.STOPPING,
    (State.STOPPING, Event.SHUTDOWN_DONE): State.IDLE,
    (State.IDLE, Event.CRASH): State.IDLE,
    (State.STARTING, Event.CRASH): State.IDLE,
    (State.STARTING_STOP_REQUESTED, Event.CRASH): State.IDLE,
    (State.RUNNING, Event.CRASH): State.IDLE,
    (State.STOP_REQUESTED, Event.CRASH): State.IDLE,
    (State.STOPPING, Event.CRASH): State.IDLE,
    (State.CLOSED, Event.CRASH): State.CLOSED,
    (State.IDLE, Event.CLOSE): State.CLOSED,
    (State.CLOSED, Event.CLOSE): State.CLOSED,
}

_STOPPING_ALREADY = {State.STARTING_STOP_REQUESTED, State.STOP_REQUESTED, State.STOPPING}


def transition(state: State, event: Event) -> State:
    """Return the state that ``event`` leads to from ``state``.

    :raises ReactorAlreadyRunning: ``RUN`` while not idle.
    :raises ReactorNotRunning: ``STOP`` while idle or already stopping.
    :raises RuntimeError: ``RUN`` after ``CLOSE``, ``CLOSE`` while running, or any other step
        the machine does not have (a bug in the caller).
    """
    try:
        return _TRANSITIONS[state, event]
    except KeyError:
        pass
    if event is Event.RUN:
        if state is State.CLOSED:
            raise RuntimeError("this reactor was closed; create a new one")
        raise ReactorAlreadyRunning(f"the reactor is already running (state: {state.value})")
    if event is Event.STOP:
        if state in _STOPPING_ALREADY:
            raise ReactorNotRunning(f"the reactor is already stopping (state: {state.value})")
        raise ReactorNotRunning(f"can't stop a reactor that isn't running (state: {state.value})")
    if event is Event.CLOSE:
        raise RuntimeError(f"can't close a running reactor; stop it first (state: {state.value})")
    raise RuntimeError(f"invalid reactor transition: {event.value!r} in state {state.value!r}")
