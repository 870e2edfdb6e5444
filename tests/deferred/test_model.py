"""Property tests: random callback chains compared against a tiny reference model.

A chain is a list of steps. Each step is added with ``addCallback``, ``addErrback`` or
``addBoth``; its function returns a value, raises, or passes its input on — directly, as an
already-fired Deferred, or as an unfired Deferred that the test fires later. The Deferred is
fired with a success or a failure, with some steps added before firing and the rest after
(interleaved with firing the waiting inner Deferreds).

``model`` computes, as a pure function, which steps must run with what input and what the
final result is. The real chain must agree, every inner Deferred must keep the result it was
fired with (the documented hand-off behaviour), and once the test consumes the final result no
"Unhandled error in Deferred" may be logged (each failure is reported once, by one chain).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from hypothesis import given, settings
from hypothesis import strategies as st

from deferred import Deferred, Failure, fail, succeed

# An outcome in the model: (True, int) for a success, (False, str) for a failure with that
# message.
Outcome = tuple[bool, Any]
Side = Literal["callback", "errback", "both"]
# ("value", k): success with input + k (a failure input recovers to k);
# ("raise", message): fail with that message; ("pass", None): hand the input on unchanged.
Action = tuple[str, Any]
Delivery = Literal["direct", "fired", "later"]
Step = tuple[Side, Action, Delivery]


class Boom(Exception):
    """The failures of the generated chains."""


# -- the reference model ----------------------------------------------------------------------


def runsOn(side: Side, state: Outcome) -> bool:
    return side == "both" or (side == "callback") == state[0]


def apply(action: Action, state: Outcome) -> Outcome:
    kind, argument = action
    if kind == "value":
        return (True, state[1] + argument if state[0] else argument)
    if kind == "raise":
        return (False, argument)
    return state


def model(initial: Outcome, steps: list[Step]) -> tuple[list[tuple[int, Outcome]], Outcome]:
    """Which steps run, with what input, and the final outcome: delivery changes nothing."""
    calls: list[tuple[int, Outcome]] = []
    state = initial
    for index, (side, action, _delivery) in enumerate(steps):
        if runsOn(side, state):
            calls.append((index, state))
            state = apply(action, state)
    return calls, state


# -- the real chain ---------------------------------------------------------------------------


def asOutcome(result: object) -> Outcome:
    if isinstance(result, Failure):
        assert isinstance(result.value, Boom), result.getTraceback()
        return (False, result.value.args[0])
    return (True, result)


class Chain:
    """Builds the callbacks for ``steps`` and records what happens when they run."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, Outcome]] = []
        self.waiting: list[tuple[Deferred[Any], Outcome]] = []  # unfired inner Deferreds
        self.inner: list[tuple[Deferred[Any], Outcome]] = []  # every inner Deferred

    def function(self, index: int, action: Action, delivery: Delivery) -> Callable[[Any], Any]:
        def step(result: object) -> object:
            state = asOutcome(result)
            self.calls.append((index, state))
            ok, value = planned = apply(action, state)
            passOn = action[0] == "pass"
            if delivery == "direct":
                if passOn:
                    return result  # a callback may return a Failure as its result
                if not ok:
                    raise Boom(value)
                return value
            if delivery == "fired":
                innerFired = succeed(value) if ok else fail(Boom(value))
                self.inner.append((innerFired, planned))
                return innerFired
            inner: Deferred[Any] = Deferred()
            self.waiting.append((inner, planned))
            self.inner.append((inner, planned))
            return inner

        return step

    def add(self, d: Deferred[Any], index: int, step: Step) -> None:
        side, action, delivery = step
        function = self.function(index, action, delivery)
        if side == "callback":
            d.addCallback(function)
        elif side == "errback":
            d.addErrback(function)
        else:
            d.addBoth(function)

    def fireOneWaiting(self) -> None:
        inner, (ok, value) = self.waiting.pop(0)
        if ok:
            inner.callback(value)
        else:
            inner.errback(Boom(value))


@contextmanager
def capturedReports() -> Iterator[list[str]]:
    """Collect what the ``deferred`` logger reports while the block runs (and a gc after)."""
    reports: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            reports.append(record.getMessage())

    handler = Collect()
    logger = logging.getLogger("deferred")
    logger.addHandler(handler)
    logger.propagate = False  # these reports are the test's, not strays for conftest's check
    try:
        yield reports
        gc.collect()
    finally:
        logger.propagate = True
        logger.removeHandler(handler)


# -- strategies -------------------------------------------------------------------------------

actions = st.one_of(
    st.tuples(st.just("value"), st.integers(-5, 5)),
    st.tuples(st.just("raise"), st.sampled_from(["a", "b", "c"])),
    st.just(("pass", None)),
)
steps = st.lists(
    st.tuples(
        st.sampled_from(["callback", "errback", "both"]),
        actions,
        st.sampled_from(["direct", "fired", "later"]),
    ),
    max_size=10,
)
initials = st.one_of(
    st.tuples(st.just(True), st.integers(-5, 5)),
    st.tuples(st.just(False), st.sampled_from(["x", "y"])),
)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Outcome, list[Step], int, list[bool]]:
    chain = draw(steps)
    split = draw(st.integers(0, len(chain)))
    # After each step added late: whether to fire one waiting inner Deferred first.
    interleave = draw(st.lists(st.booleans(), min_size=len(chain), max_size=len(chain)))
    return draw(initials), chain, split, interleave


def runChain(
    initial: Outcome, chainSteps: list[Step], split: int, interleave: list[bool]
) -> tuple[Chain, Deferred[Any]]:
    """Build and fire the chain as the scenario says; every inner Deferred has fired after."""
    chain = Chain()
    d: Deferred[Any] = Deferred()
    for index in range(split):
        chain.add(d, index, chainSteps[index])
    ok, value = initial
    if ok:
        d.callback(value)
    else:
        d.errback(Boom(value))
    for index in range(split, len(chainSteps)):
        if interleave[index] and chain.waiting:
            chain.fireOneWaiting()
        chain.add(d, index, chainSteps[index])
    while chain.waiting:
        chain.fireOneWaiting()
    return chain, d


def consume(d: Deferred[Any]) -> Outcome:
    """The final outcome of ``d`` (a failure is consumed: the errback handles it)."""
    box: list[Any] = []
    d.addBoth(box.append)
    assert box, "the chain did not finish after every inner Deferred fired"
    return asOutcome(box[0])


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_chainRunsTheStepsTheModelPredicts(
    scenario: tuple[Outcome, list[Step], int, list[bool]],
) -> None:
    initial, chainSteps, split, interleave = scenario
    chain, d = runChain(initial, chainSteps, split, interleave)
    expectedCalls, expectedFinal = model(initial, chainSteps)
    assert consume(d) == expectedFinal
    assert chain.calls == expectedCalls


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_everyInnerDeferredKeepsItsOwnResult(
    scenario: tuple[Outcome, list[Step], int, list[bool]],
) -> None:
    chain, d = runChain(*scenario)
    consume(d)
    for inner, planned in chain.inner:
        assert inner.called
        box: list[Any] = []
        inner.addBoth(box.append)
        assert asOutcome(box[0]) == planned


# Fewer examples: each one ends with a full gc.collect().
@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_nothingIsReportedOnceTheFinalResultIsConsumed(
    scenario: tuple[Outcome, list[Step], int, list[bool]],
) -> None:
    with capturedReports() as reports:
        _, d = runChain(*scenario)
        consume(d)
        del d
    assert reports == []


# Fewer examples: each one ends with a full gc.collect().
@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_anUnconsumedFinalFailureIsReportedExactlyOnce(
    scenario: tuple[Outcome, list[Step], int, list[bool]],
) -> None:
    _, expectedFinal = model(scenario[0], scenario[1])
    with capturedReports() as reports:
        chain, d = runChain(*scenario)
        del chain, d
    if expectedFinal[0]:
        assert reports == []
    else:
        assert len(reports) == 1
        assert f"Boom: {expectedFinal[1]}" in reports[0]
