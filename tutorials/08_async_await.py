"""async/await with Deferreds: fromCoroutine, and the forgotten await

What you will see: the chains of lessons 05-07 written as ``async def`` functions. Inside a
coroutine, ``await d`` waits for a Deferred and gives you its result (or raises its error), so
asynchronous code reads top to bottom like blocking code. ``Deferred.fromCoroutine(coro)``
starts a coroutine and returns a Deferred for its result, so coroutines and callback code mix
freely. (``react(main)`` runs the reactor until ``main`` is done; it accepts an ``async def``.)

1. Awaiting three 0.2 s fetches one after another takes about 0.6 s: ``await`` waits, as a
   blocking call would -- but the reactor stays free meanwhile.
2. Starting all three first (each ``fromCoroutine`` call starts one and returns at once) and
   then awaiting ``gatherResults`` takes about 0.2 s: they run at the same time.
3. The forgotten ``await``: calling an ``async def`` without awaiting it does NOT run it. You
   get a coroutine object instead of a result, and Python warns "coroutine ... was never
   awaited" only later, when that object is garbage-collected. Forgetting to wait on a
   Deferred-returning function is the same mistake: you hold a Deferred, not the value.

Why it matters: ``async``/``await`` is the most readable way to write a sequence of
asynchronous steps, but it hides where the waiting happens. One missing ``await`` turns a
step into something that silently never happens, or happens out of order.

Try this:
1. Wrap one fetch in ``try/except`` and make it fail (raise inside ``fetch`` for one name).
   Compare with the errbacks of lesson 06: which one is ``except``, which is ``else``?
2. Add a timeout: ``await Deferred.fromCoroutine(fetch(reactor, "slow")).addTimeout(0.1,
   reactor)`` with a slow fetch. What do you catch?
"""

import gc
import time
import warnings
from typing import Any

from deferred import Deferred, gatherResults
from reactor.task import deferLater, react


async def fetch(reactor: Any, name: str) -> str:
    """Pretend to fetch ``name`` over the network: the answer comes 0.2 s later."""
    await deferLater(reactor, 0.2)  # waits without blocking the reactor
    return f"{name}-data"


async def main(reactor: Any) -> None:
    print("1. await one fetch after another")
    start = time.monotonic()
    results = [await fetch(reactor, name) for name in ("A", "B", "C")]
    print(f"   {results} after ≈{time.monotonic() - start:.1f}s: the SUM of the waits")

    print("2. start all three, then await them together")
    start = time.monotonic()
    started = [Deferred.fromCoroutine(fetch(reactor, name)) for name in ("A", "B", "C")]
    results = await gatherResults(started)
    print(f"   {results} after ≈{time.monotonic() - start:.1f}s: they overlapped")

    print("3. the forgotten await")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fetch(reactor, "A")  # oops: no await
        print(f"   fetch() without await gave a {type(result).__name__}, not a str")
        del result  # the coroutine never ran; Python notices only when it is collected
        gc.collect()
    for warning in caught:
        print(f"   Python warned: {warning.message}")
    later = deferLater(reactor, 0.1, lambda: "the value")
    print(f"   deferLater() without await gave a {type(later).__name__}, not the value")
    print(f"   with await: {await later!r}")


react(main)
