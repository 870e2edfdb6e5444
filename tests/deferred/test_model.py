"""Property tests: random callback chains compared against a tiny reference model.

A chain is a list of steps. A step is added with ``addCallback``, ``addErrback`` or ``addBoth``
— its function returns a value, raises, or passes its input on, either directly, as an
already-fired Deferred, or as an unfired Deferred that the test fires later — or it is a
``chainDeferred`` to a fresh target. The Deferred is fired with a success or a failure; some
steps are added before firing and the rest after, interleaved with operations: fire the oldest
waiting inner Deferred, ``pause``, ``unpause``.

``model`` computes, as a pure function, which steps run with what input and the final outcome
(delivery, timing and pausing change nothing), and whether that outcome must be reported as an
unhandled error. The real chain must agree; every inner Deferred must keep the result it was
fired with (the documented hand-off behaviour); and each failure is reported at most once, by
the one chain responsible for it.
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

# An outcome: (True, int) for a success, (False, str) for a failure with that message.
Outcome = tuple[bool, Any]
Side = Literal["callback", "errback", "both", "chain"]
# ("value", k): success with input + k (a failure input recovers to k);
# ("raise", message): a new failure with that message; ("pass", None): the input unchanged.
Action = tuple[str, Any]
Delivery = Literal["direct", "fired", "later"]
Step = tuple[Side, Action, Delivery]
Operation = Literal["none", "fire", "pause", "unpause"]


class Boom(Exception):
    """The failures of the generated chains."""


# -- the reference model ----------------------------------------------------------------------


def runsOn(side: Side, state: Outcome) -> bool:
    return side in ("both", "chain") or (side == "callback") == state[0]


def apply(action: Action, state: Outcome) -> Outcome:
    kind, argument = action
    if kind == "value":
        return (True, state[1] + argument if state[0] else argument)
    if kind == "raise":
        return (False, argument)
    return state


class Expected:
    """What the model predicts for one chain."""

    def __init__(self, calls: list[tuple[int, Outcome]], final: Outcome, reported: bool) -> None:
        self.calls = calls  # (step index, input) of every step that runs, in order
        self.final = final
        self.reported = reported  # an unconsumed final failure must be reported once


def model(initial: Outcome, steps: list[Step]) -> Expected:
    """The pure reference: which steps run, with what, and the final outcome.

    A failure is one object from the ``raise`` (or initial errback) that made it until the next
    ``raise``; handing it to a ``chainDeferred`` target makes the target responsible for it.
    """
    calls: list[tuple[int, Outcome]] = []
    state = initial
    failureId = 0  # which failure object the state holds, if it is a failure
    handedOff: set[int] = set()
    for index, (side, action, _delivery) in enumerate(steps):
        if not runsOn(side, state):
            continue
        calls.append((index, state))
        if side == "chain":
            if not state[0]:
                handedOff.add(failureId)
            continue
        if action[0] == "raise":
            failureId = index + 1
        state = apply(action, state)
    return Expected(calls, state, reported=not state[0] and failureId not in handedOff)


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
        # Unfired inner Deferreds, with what to fire them with (an outcome or the Failure).
        self.waiting: list[tuple[Deferred[Any], object]] = []
        self.inner: list[tuple[Deferred[Any], Outcome]] = []  # every inner Deferred

    def function(self, index: int, action: Action, delivery: Delivery) -> Callable[[Any], Any]:
        def step(result: object) -> object:
            state = asOutcome(result)
            self.calls.append((index, state))
            planned = apply(action, state)
            # The object to hand on: the same Failure for "pass" (so its identity, which
            # decides who reports it, is kept), else a new exception or the value.
            carried: object
            if action[0] == "pass":
                carried = result
            elif planned[0]:
                carried = planned[1]
            else:
                carried = Boom(planned[1])
            if delivery == "direct":
                if isinstance(carried, Boom):
                    raise carried
                return carried  # a callback may return a Failure as its result
            if delivery == "fired":
                innerFired = (
                    fail(carried) if isinstance(carried, Boom | Failure) else succeed(carried)
                )
                self.inner.append((innerFired, planned))
                return innerFired
            inner: Deferred[Any] = Deferred()
            self.waiting.append((inner, carried))
            self.inner.append((inner, planned))
            return inner

        return step

    def target(self, index: int) -> Deferred[Any]:
        """A chainDeferred target that records (and so handles) what it receives."""
        target: Deferred[Any] = Deferred()
        target.addBoth(lambda result: self.calls.append((index, asOutcome(result))))
        return target

    def add(self, d: Deferred[Any], index: int, step: Step) -> None:
        side, action, delivery = step
        if side == "chain":
            d.chainDeferred(self.target(index))
            return
        function = self.function(index, action, delivery)
        if side == "callback":
            d.addCallback(function)
        elif side == "errback":
            d.addErrback(function)
        else:
            d.addBoth(function)

    def fireOneWaiting(self) -> None:
        inner, carried = self.waiting.pop(0)
        if isinstance(carried, Boom | Failure):
            inner.errback(carried)
        else:
            inner.callback(carried)


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
        st.sampled_from(["callback", "errback", "both", "both", "chain"]),
        actions,
        st.sampled_from(["direct", "fired", "later"]),
    ),
    max_size=10,
)
initials = st.one_of(
    st.tuples(st.just(True), st.integers(-5, 5)),
    st.tuples(st.just(False), st.sampled_from(["x", "y"])),
)

Scenario = tuple[Outcome, list[Step], int, bool, list[Operation]]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    chain = draw(steps)
    split = draw(st.integers(0, len(chain)))
    pauseBeforeFiring = draw(st.booleans())
    # One operation before each step added after firing, and one at the end.
    operations = draw(
        st.lists(
            st.sampled_from(["none", "fire", "pause", "unpause"]),
            min_size=len(chain) - split + 1,
            max_size=len(chain) - split + 1,
        )
    )
    return draw(initials), chain, split, pauseBeforeFiring, operations


def runChain(
    initial: Outcome,
    chainSteps: list[Step],
    split: int,
    pauseBeforeFiring: bool,
    operations: list[Operation],
) -> tuple[Chain, Deferred[Any]]:
    """Build and fire the chain as the scenario says; at the end every inner Deferred has
    fired and every pause is undone."""
    chain = Chain()
    d: Deferred[Any] = Deferred()
    pauses = 0

    def perform(operation: Operation) -> None:
        nonlocal pauses
        if operation == "fire" and chain.waiting:
            chain.fireOneWaiting()
        elif operation == "pause":
            d.pause()
            pauses += 1
        elif operation == "unpause" and pauses:
            d.unpause()
            pauses -= 1

    for index in range(split):
        chain.add(d, index, chainSteps[index])
    if pauseBeforeFiring:
        perform("pause")
    ok, value = initial
    if ok:
        d.callback(value)
    else:
        d.errback(Boom(value))
    for operation, index in zip(operations, range(split, len(chainSteps)), strict=False):
        perform(operation)
        chain.add(d, index, chainSteps[index])
    perform(operations[-1])
    while pauses:
        perform("unpause")
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


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_chainRunsTheStepsTheModelPredicts(scenario: Scenario) -> None:
    chain, d = runChain(*scenario)
    expected = model(scenario[0], scenario[1])
    assert consume(d) == expected.final
    assert chain.calls == expected.calls


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_everyInnerDeferredKeepsItsOwnResult(scenario: Scenario) -> None:
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
def test_nothingIsReportedOnceTheFinalResultIsConsumed(scenario: Scenario) -> None:
    with capturedReports() as reports:
        _, d = runChain(*scenario)
        consume(d)
        del d
    assert reports == []


# Fewer examples: each one ends with a full gc.collect().
@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_anUnconsumedFinalFailureIsReportedOnceUnlessHandedToATarget(scenario: Scenario) -> None:
    expected = model(scenario[0], scenario[1])
    with capturedReports() as reports:
        chain, d = runChain(*scenario)
        del chain, d
    if expected.reported:
        assert len(reports) == 1
        assert f"Boom: {expected.final[1]}" in reports[0]
    else:
        assert reports == []
