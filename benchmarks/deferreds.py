"""Deferred workloads: callback chains, errback paths, nesting, inlineCallbacks, coroutines, gather.

Each workload is written once as a function of an *API module* — any module exposing
``Deferred``, ``succeed``, ``inlineCallbacks`` and ``gatherResults`` with Twisted's semantics —
and run on ``deferred`` (treadle) and ``twisted.internet.defer``, so both sides do exactly the
same work. Where asyncio has a counterpart it is written separately and labelled as not identical
work. Creating the Deferreds is part of every timed run: a fired Deferred cannot be fired again,
and real code pays for creation too. Every workload here runs entirely in this thread, so samples
are timed in CPU time (see `Workload.clock`).

This module owns the workload bodies only; measuring and reporting live in `benchmarks.runner`.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from benchmarks.workload import Implementation, Run, Setup, Workload, stateless

#: The module providing treadle's Deferred API, and Twisted's (imported lazily, in setup).
TREADLE_API = "deferred"
TWISTED_API = "twisted.internet.defer"


def _loadAPI(moduleName: str, needs: tuple[str, ...]) -> ModuleType:
    """Import ``moduleName`` and check it has the names in ``needs``.

    Raises `ImportError` (which makes the runner skip the implementation) when one is missing,
    so a partly written ``deferred`` package is reported as skipped, not as a crash.
    """
    module = importlib.import_module(moduleName)
    for name in needs:
        if not hasattr(module, name):
            raise ImportError(f"{moduleName} has no {name}")
    return module


def _onAPI(
    makeRun: Callable[[ModuleType, int], Run], *needs: str
) -> tuple[Implementation, Implementation]:
    """Return the treadle and Twisted implementations of one workload body.

    ``needs`` lists the API names the body uses.
    """

    def setupOn(moduleName: str) -> Setup:
        return stateless(lambda size: makeRun(_loadAPI(moduleName, needs), size))

    return (
        Implementation("treadle", setupOn(TREADLE_API), requires=("deferred",)),
        Implementation("twisted", setupOn(TWISTED_API), requires=("twisted",)),
    )


# --- deferred_callbacks ---------------------------------------------------------------------


def _addOne(value: int) -> int:
    return value + 1


def _deferredCallbacks(api: ModuleType, size: int) -> Run:
    """One Deferred, ``size`` callbacks each adding one, then fired with 0."""
    Deferred = api.Deferred

    def run() -> object:
        d = Deferred()
        for _ in range(size):
            d.addCallback(_addOne)
        d.callback(0)
        return d.result

    return run


# --- deferred_errbacks ----------------------------------------------------------------------


class _Boom(Exception):
    """The error travelling down the errback path."""


def _passFailure(failure: Any) -> Any:
    return failure


def _recover(failure: Any) -> int:
    code: int = failure.value.args[0]
    return code


def _deferredErrbacks(api: ModuleType, size: int) -> Run:
    """One Deferred, ``size - 1`` errbacks passing the Failure on and a last one recovering.

    Fired with ``errback(exception)``, so each run also wraps one fresh exception in a Failure.
    """
    Deferred = api.Deferred

    def run() -> object:
        d = Deferred()
        for _ in range(size - 1):
            d.addErrback(_passFailure)
        d.addErrback(_recover)
        d.errback(_Boom(size))
        return d.result

    return run


# --- nested_deferreds -----------------------------------------------------------------------


def _returnNext(_ignored: object, nextDeferred: Any) -> Any:
    return nextDeferred


def _nestedDeferreds(api: ModuleType, size: int) -> Run:
    """``size`` Deferreds, each one's callback returning the next; the inner-most fires last.

    ``d[i]`` is fired while ``d[i + 1]`` has no result yet, so every ``d[i]`` pauses waiting on
    ``d[i + 1]``. Firing the inner-most one then hands its value back out through all ``size``
    levels at once — the deep chain-of-Deferreds path (Twisted's ``_CONTINUE`` chain) that must
    not recurse. The outer-most Deferred ends up holding the inner-most value.
    """
    Deferred = api.Deferred

    def run() -> object:
        ds = [Deferred() for _ in range(size)]
        for outer, inner in itertools.pairwise(ds):
            outer.addCallback(_returnNext, inner)
        for outer in ds[:-1]:
            outer.callback(None)
        ds[-1].callback(size)
        return ds[0].result

    return run


# --- inline_callbacks -----------------------------------------------------------------------


def _inlineCallbacks(api: ModuleType, size: int) -> Run:
    """An inlineCallbacks generator yielding ``size`` already-fired Deferreds and summing them."""
    succeed = api.succeed

    @api.inlineCallbacks  # type: ignore[untyped-decorator]
    def consume(count: int) -> Generator[Any, Any, int]:
        total = 0
        for i in range(count):
            total += yield succeed(i)
        return total

    def run() -> object:
        return consume(size).result

    return run


# --- coroutine_fromCoroutine ----------------------------------------------------------------


def _fromCoroutine(api: ModuleType, size: int) -> Run:
    """An ``async def`` run by Deferred.fromCoroutine awaiting ``size`` already-fired Deferreds."""
    Deferred = api.Deferred
    succeed = api.succeed

    async def consume(count: int) -> int:
        total = 0
        for i in range(count):
            total += await succeed(i)
        return total

    def run() -> object:
        return Deferred.fromCoroutine(consume(size)).result

    return run


@contextmanager
def _asyncioCoroutine(size: int) -> Iterator[Run]:
    """asyncio counterpart: a Task awaiting ``size`` done Futures, run by run_until_complete.

    Not identical work: asyncio needs a Task and a loop iteration to run a coroutine, where
    fromCoroutine drives it synchronously while the awaited Deferreds are already fired.
    """
    loop = asyncio.new_event_loop()

    async def consume(count: int) -> int:
        total = 0
        for i in range(count):
            future: asyncio.Future[int] = loop.create_future()
            future.set_result(i)
            total += await future
        return total

    try:
        yield lambda: loop.run_until_complete(consume(size))
    finally:
        loop.close()


# --- gather_results -------------------------------------------------------------------------


def _gatherResults(api: ModuleType, size: int) -> Run:
    """gatherResults over ``size`` unfired Deferreds, then each fired in order."""
    Deferred = api.Deferred
    gatherResults = api.gatherResults

    def run() -> object:
        ds = [Deferred() for _ in range(size)]
        gathered = gatherResults(ds)
        for i, d in enumerate(ds):
            d.callback(i)
        return gathered.result

    return run


@contextmanager
def _asyncioGather(size: int) -> Iterator[Run]:
    """asyncio counterpart: asyncio.gather over ``size`` Futures, set afterwards, loop run once.

    Not identical work: each Future's done-callback is scheduled through the loop rather than
    run inline, and the loop must turn to deliver the gathered list.
    """
    loop = asyncio.new_event_loop()

    def run() -> object:
        futures: list[asyncio.Future[int]] = [loop.create_future() for _ in range(size)]
        gathered = asyncio.gather(*futures)
        for i, future in enumerate(futures):
            future.set_result(i)
        return loop.run_until_complete(gathered)

    try:
        yield run
    finally:
        loop.close()


_ASYNCIO_COROUTINE = Implementation(
    "asyncio",
    _asyncioCoroutine,
    note="not identical work: a Task awaiting done Futures, run by run_until_complete",
)
_ASYNCIO_GATHER = Implementation(
    "asyncio",
    _asyncioGather,
    note="not identical work: asyncio.gather of Futures set afterwards, done-callbacks go "
    "through the loop",
)


def _one(size: int) -> int:
    return 1


def _same(size: int) -> int:
    return size


def _sumBelow(size: int) -> int:
    return size * (size - 1) // 2


def _rangeList(size: int) -> list[int]:
    return list(range(size))


WORKLOADS: list[Workload] = [
    Workload(
        name="deferred_callbacks",
        description="a Deferred with 10 callbacks added, then fired",
        unit="Deferreds",
        size=10,
        smokeSize=3,
        opsPerRun=_one,
        expected=_same,
        implementations=_onAPI(_deferredCallbacks, "Deferred"),
        clock="cpu",
    ),
    Workload(
        name="deferred_errbacks",
        description="a Deferred with 10 errbacks fired with an error; the last one recovers",
        unit="Deferreds",
        size=10,
        smokeSize=3,
        opsPerRun=_one,
        expected=_same,
        implementations=_onAPI(_deferredErrbacks, "Deferred"),
        clock="cpu",
    ),
    Workload(
        name="nested_deferreds",
        description="10,000 Deferreds each waiting on the next; the inner-most fires last",
        unit="Deferreds",
        size=10_000,
        smokeSize=5,
        opsPerRun=_same,
        expected=_same,
        implementations=_onAPI(_nestedDeferreds, "Deferred"),
        clock="cpu",
    ),
    Workload(
        name="inline_callbacks",
        description="an inlineCallbacks function yielding 1,000 already-fired Deferreds",
        unit="yields",
        size=1_000,
        smokeSize=5,
        opsPerRun=_same,
        expected=_sumBelow,
        implementations=_onAPI(_inlineCallbacks, "succeed", "inlineCallbacks"),
        clock="cpu",
    ),
    Workload(
        name="coroutine_fromCoroutine",
        description="an async def run by fromCoroutine awaiting 1,000 already-fired Deferreds",
        unit="awaits",
        size=1_000,
        smokeSize=5,
        opsPerRun=_same,
        expected=_sumBelow,
        implementations=(*_onAPI(_fromCoroutine, "Deferred", "succeed"), _ASYNCIO_COROUTINE),
        clock="cpu",
    ),
    Workload(
        name="gather_results",
        description="gatherResults of 1,000 Deferreds fired afterwards",
        unit="Deferreds",
        size=1_000,
        smokeSize=5,
        opsPerRun=_same,
        expected=_rangeList,
        implementations=(*_onAPI(_gatherResults, "Deferred", "gatherResults"), _ASYNCIO_GATHER),
        clock="cpu",
    ),
]
