"""The life-cycle state machine's transition table."""

from __future__ import annotations

import pytest

from reactor._state import Event, State, transition
from reactor.error import ReactorAlreadyRunning, ReactorNotRunning


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (State.IDLE, Event.RUN, State.STARTING),
        (State.STARTING, Event.STARTED, State.RUNNING),
        (State.STARTING, Event.STOP, State.STARTING_STOP_REQUESTED),
        (State.STARTING_STOP_REQUESTED, Event.STARTED, State.STOP_REQUESTED),
        (State.RUNNING, Event.STOP, State.STOP_REQUESTED),
        (State.STOP_REQUESTED, Event.SHUTDOWN_BEGUN, State.STOPPING),
        (State.STOPPING, Event.SHUTDOWN_DONE, State.IDLE),
        (State.RUNNING, Event.CRASH, State.IDLE),
        (State.STOPPING, Event.CRASH, State.IDLE),
        (State.IDLE, Event.CRASH, State.IDLE),
        (State.IDLE, Event.CLOSE, State.CLOSED),
    ],
)
def test_legal_transitions(state: State, event: Event, expected: State) -> None:
    assert transition(state, event) is expected


@pytest.mark.parametrize("state", [s for s in State if s not in (State.IDLE, State.CLOSED)])
def test_run_while_not_idle_raises_already_running(state: State) -> None:
    with pytest.raises(ReactorAlreadyRunning):
        transition(state, Event.RUN)


def test_stop_while_idle_raises_not_running() -> None:
    with pytest.raises(ReactorNotRunning, match="isn't running"):
        transition(State.IDLE, Event.STOP)


@pytest.mark.parametrize(
    "state", [State.STARTING_STOP_REQUESTED, State.STOP_REQUESTED, State.STOPPING]
)
def test_stop_while_stopping_raises_already_stopping(state: State) -> None:
    with pytest.raises(ReactorNotRunning, match="already stopping"):
        transition(state, Event.STOP)


def test_run_after_close_raises() -> None:
    with pytest.raises(RuntimeError, match="closed"):
        transition(State.CLOSED, Event.RUN)


def test_close_while_running_raises() -> None:
    with pytest.raises(RuntimeError, match="stop it first"):
        transition(State.RUNNING, Event.CLOSE)


def test_impossible_step_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="invalid reactor transition"):
        transition(State.IDLE, Event.SHUTDOWN_DONE)
