"""deferred.setTracing: fired, callback, errback, paused, unpaused steps; nothing left when off."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator

import pytest

import deferred
from deferred import (
    AlreadyCalledError,
    Deferred,
    Failure,
    TraceStep,
    fail,
    gatherResults,
    setTracing,
    succeed,
)
from deferred._trace import _SWAPPED

ORIGINALS = {name: Deferred.__dict__[name] for name in _SWAPPED}


@pytest.fixture
def steps() -> Iterator[list[str]]:
    """Tracing on for one test, recording each step's text; always turned off afterwards."""
    recorded: list[str] = []

    def hook(event: str, step: TraceStep) -> None:
        assert event == step.event
        recorded.append(str(step))

    setTracing(hook)
    try:
        yield recorded
    finally:
        setTracing(None)


def double(x: int) -> int:
    return x * 2


def test_firing_then_callbacks_are_reported_in_order(steps: list[str]) -> None:
    d: Deferred[int] = Deferred()
    d.addCallback(double).addCallback(double)
    d.callback(3)
    assert steps == [
        "Deferred#1 fired with 3",
        "Deferred#1 runs callback double(3)",
        "Deferred#1 runs callback double(6)",
    ]
    assert d.result == 12


def test_a_late_callback_is_reported_when_it_runs_at_once(steps: list[str]) -> None:
    d: Deferred[int] = Deferred()
    d.callback(1)
    d.addCallback(double)
    assert steps == ["Deferred#1 fired with 1", "Deferred#1 runs callback double(1)"]


def test_errback_reports_the_failure(steps: list[str]) -> None:
    def recover(f: Failure) -> str:
        return "fine"

    d: Deferred[int] = Deferred()
    d.addCallback(double).addErrback(recover)
    d.errback(ValueError("bad"))
    assert steps == [
        "Deferred#1 fired with Failure(ValueError: bad)",
        "Deferred#1 runs errback recover(Failure(ValueError: bad))",
    ]
    assert d.result == "fine"


def test_waiting_on_an_inner_deferred_reports_paused_then_unpaused(steps: list[str]) -> None:
    inner: Deferred[int] = Deferred()
    outer: Deferred[int] = Deferred()
    outer.addCallback(lambda _: inner).addCallback(double)
    outer.callback(0)
    inner.callback(21)
    assert steps == [
        "Deferred#1 fired with 0",
        "Deferred#1 runs callback <lambda>(0)",
        "Deferred#1 paused: waiting on Deferred#2",
        "Deferred#2 fired with 21",
        "Deferred#1 unpaused with 21",
        "Deferred#1 runs callback double(21)",
    ]
    assert outer.result == 42


def test_an_already_fired_inner_deferred_does_not_pause(steps: list[str]) -> None:
    outer: Deferred[int] = Deferred()
    outer.addCallback(lambda _: succeed(5)).addCallback(double)
    outer.callback(0)
    assert not any("paused" in s for s in steps)
    assert outer.result == 10


def test_tracing_changes_no_result_of_nested_chains(steps: list[str]) -> None:
    # 10,000 Deferreds each waiting on the next: still no recursion, same result.
    chain = [Deferred[int]() for _ in range(10_000)]
    for outer, inner in itertools.pairwise(chain):
        outer.addCallback(lambda _, i=inner: i)
    for d in chain[:-1]:
        d.callback(0)
    chain[-1].callback(7)
    assert chain[0].result == 7
    assert sum("unpaused" in s for s in steps) == 9_999


def test_tracing_keeps_gather_results_failing_fast(steps: list[str]) -> None:
    first: Deferred[int] = Deferred()
    second: Deferred[int] = Deferred()
    gathered = gatherResults([first, second], consumeErrors=True)
    first.errback(ValueError("first"))
    assert gathered.called
    gathered.addErrback(lambda f: None)
    second.callback(1)


def test_double_fire_still_raises_and_reports_one_firing(steps: list[str]) -> None:
    d: Deferred[int] = Deferred()
    d.callback(1)
    with pytest.raises(AlreadyCalledError):
        d.callback(2)
    assert steps == ["Deferred#1 fired with 1"]


def test_errback_with_a_non_failure_still_raises_type_error(steps: list[str]) -> None:
    d: Deferred[int] = Deferred()
    with pytest.raises(TypeError):
        d.errback("not an exception")  # type: ignore[arg-type]
    assert steps == []


def test_unhandled_failure_is_still_reported(
    steps: list[str], unhandledReports: Callable[[], list[str]]
) -> None:
    d = fail(ValueError("nobody handles me"))
    del d
    [report] = unhandledReports()
    assert "nobody handles me" in report


def test_turning_tracing_off_restores_the_original_methods() -> None:
    setTracing(lambda event, step: None)
    assert Deferred.__dict__["addCallback"] is not ORIGINALS["addCallback"]
    setTracing(None)
    assert {name: Deferred.__dict__[name] for name in _SWAPPED} == ORIGINALS
    assert deferred.getTracing() is None


def test_callbacks_added_while_tracing_keep_working_after_it_stops() -> None:
    recorded: list[str] = []
    setTracing(lambda event, step: recorded.append(event))
    d: Deferred[int] = Deferred()
    d.addCallback(double)
    setTracing(None)
    d.callback(4)
    assert d.result == 8
    assert recorded == []


def test_a_raising_hook_is_logged_and_the_chain_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def badHook(event: str, step: TraceStep) -> None:
        raise RuntimeError("hook broke")

    caplog.set_level(logging.ERROR, logger="deferred")
    setTracing(badHook)
    try:
        d: Deferred[int] = Deferred()
        d.addCallback(double)
        d.callback(5)
    finally:
        setTracing(None)
    assert d.result == 10
    hookErrors = [r for r in caplog.records if "trace hook" in r.getMessage()]
    assert hookErrors
    for record in hookErrors:
        record._treadleReportClaimed = True  # expected: not a stray for the plugin


def test_labels_number_deferreds_in_the_order_tracing_sees_them(steps: list[str]) -> None:
    a: Deferred[int] = Deferred()
    b: Deferred[int] = Deferred()
    b.callback(1)
    a.callback(2)
    assert steps == ["Deferred#1 fired with 1", "Deferred#2 fired with 2"]


def test_values_with_addresses_in_their_repr_are_shown_by_type(steps: list[str]) -> None:
    class Thing:
        pass

    d: Deferred[Thing] = Deferred()
    d.callback(Thing())
    assert steps == ["Deferred#1 fired with <Thing>"]
