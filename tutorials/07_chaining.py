"""Chaining: a returned Deferred pauses the chain; gatherResults fails fast

What you will see, in two parts.

1. A chain that needs a second asynchronous step: ``getUser`` fires with a user id, and the
   next callback, ``lookUpProfile``, must itself wait (say, for a database). It returns a
   *Deferred* instead of a value. The outer chain then pauses until that inner Deferred fires,
   and goes on with the inner *result*, not with the Deferred. treadle's Deferred tracing
   (``deferred.setTracing``) prints each step: fired, callback run, paused, unpaused. Here we
   fire both Deferreds by hand, so you can see the pause between them.

2. ``gatherResults`` waits for several Deferreds at once and fires with the list of their
   results -- but fails as soon as ONE of them fails ("fail fast"), without waiting for the
   others. With a real reactor: three jobs finishing at 0.1 s, 0.2 s (with an error) and
   0.4 s; the gathered Deferred fails at 0.2 s. The slow job still finishes later: failing
   fast does not cancel the others.

Why it matters: returning a Deferred from a callback is how you write "do A, then B, then C"
when each step is asynchronous, without nesting callbacks inside callbacks. And
``gatherResults`` is "do these at the same time"; its fail-fast rule decides when you hear of
a problem.

Try this:
1. In part 1, fire the inner Deferred *before* the outer one (``inner.callback`` first). Does
   the chain still pause? Compare the trace.
2. In part 2, use ``DeferredList([...], consumeErrors=True)`` instead of ``gatherResults``.
   When does it fire, and what does it give you for the failed job?
"""

import time
from typing import Any

from deferred import Deferred, FirstError, TraceStep, gatherResults, setTracing
from reactor.task import deferLater, react

# --- part 1: a callback returning a Deferred ---------------------------------------------------

names: dict[Deferred[Any], str] = {}  # our names for the Deferreds, for the trace


def showStep(event: str, step: TraceStep) -> None:
    """The Deferred tracing hook: one line per step of a chain."""
    who = names.get(step.deferred, step.label)
    if event == "fired":
        print(f"  [trace] {who} fired with {step.value!r}")
    elif event in ("callback", "errback"):
        print(f"  [trace] {who} runs {event} {step.function.__name__}({step.value!r})")
    elif event == "paused":  # step.value is the Deferred it now waits for
        print(f"  [trace] {who} pauses, waiting on {names.get(step.value, step.value)}")
    elif event == "unpaused":  # step.value is the inner result it goes on with
        print(f"  [trace] {who} unpauses with {step.value!r}")


inner: Deferred[dict[str, Any]] = Deferred()  # the database's answer, fired by hand below


def lookUpProfile(userId: int) -> Deferred[dict[str, Any]]:
    print(f"  lookUpProfile({userId}): asks the database, returns a Deferred")
    return inner


def render(profile: dict[str, Any]) -> str:
    print(f"  render({profile})")
    return f"<h1>{profile['name']}</h1>"


def part1() -> None:
    print("1. a callback returning a Deferred pauses the chain")
    setTracing(showStep)
    getUser: Deferred[int] = Deferred()
    names.update({getUser: "getUser", inner: "inner"})
    getUser.addCallback(lookUpProfile)
    getUser.addCallback(render)
    print("  getUser.callback(7):")
    getUser.callback(7)
    print(f"  paused: getUser holds the inner Deferred, not a value: {getUser.result is inner}")
    print("  inner.callback(...) -- the database answered:")
    inner.callback({"name": "Ada"})
    print(f"  getUser's result: {getUser.result!r}")
    setTracing(None)


# --- part 2: gatherResults fails fast -----------------------------------------------------------


def job(name: str, fails: bool) -> str:
    """What each job does when its time comes."""
    if fails:
        raise ValueError(f"{name} broke")
    return f"{name} ok"


async def part2(reactor: Any) -> None:
    print("2. gatherResults fails as soon as one job fails")
    start = time.monotonic()
    finished: list[str] = []

    def startJob(name: str, delay: float, fails: bool = False) -> Deferred[str]:
        d = deferLater(reactor, delay, job, name, fails)

        def note(outcome: object) -> object:
            finished.append(f"{name} finished at ≈{time.monotonic() - start:.1f}s")
            return outcome

        return d.addBoth(note)

    jobs = [startJob("fast", 0.1), startJob("broken", 0.2, fails=True), startJob("slow", 0.4)]
    try:
        await gatherResults(jobs, consumeErrors=True)
    except FirstError as error:
        print(f"  gatherResults failed at ≈{time.monotonic() - start:.1f}s: job #{error.index}")
        print(f"  the error: {error.subFailure.getErrorMessage()}")
    # The slow job was not cancelled: wait for it too, so nothing is left running.
    await jobs[2]
    for line in finished:
        print(f"  {line}")


part1()
react(part2)  # runs the reactor until part2 is done, then exits
