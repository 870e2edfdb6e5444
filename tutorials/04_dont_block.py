"""Don't block the reactor: a timer lets it tick, time.sleep() freezes it

What you will see: a ``LoopingCall`` ticks every 0.05 s -- think of it as the heartbeat of a
server, or of everything else the reactor should be doing. Then the program waits 0.5 s twice:

1. the reactor way, ``callLater(0.5, ...)``: during the wait the loop keeps going -- it makes
   about ten passes and the heartbeat ticks about ten times;
2. the blocking way, ``time.sleep(0.5)`` inside a callback: the loop is stuck inside that
   callback, so it makes 0 passes and the heartbeat ticks 0 times. When the callback finally
   returns, ``LoopingCall`` notices it is late and counts the ticks it missed.

The loop passes are counted with the reactor's tracing hook (one "wait" event per pass).

Why it matters: the reactor runs every callback in one thread, one at a time. A callback that
blocks -- ``time.sleep``, a blocking socket, a slow database query, a big computation -- blocks
*everything*: no other connection is served, no timer fires, until it returns. Wait with the
reactor (``callLater``, Deferreds), and push blocking work to a thread (lesson 09).

Try this:
1. Replace ``time.sleep(0.5)`` by a busy loop (``while time.monotonic() < end: pass``). Is it
   any better for the heartbeat? (CPU-bound work blocks just as much as sleeping.)
2. Split the blocking half into five pieces of 0.1 s, each scheduled with ``callLater(0, ...)``
   after the previous one. How many ticks get through now?
"""

import time
from typing import Any

from reactor import reactor
from reactor.task import LoopingCall

passes = 0  # loop passes so far, counted by the tracing hook


def countPasses(event: str, detail: Any) -> None:
    """The tracing hook: each "wait" is the start of one pass of the loop."""
    global passes
    if event == "wait":
        passes += 1


def heartbeat() -> None:
    """Ticks every 0.05 s while the reactor is free to run it."""


ticker = LoopingCall(heartbeat)


def waitWithTheReactor() -> None:
    print("1. waiting 0.5 s with callLater (the reactor stays free)")
    before = (ticker.callCount, passes)
    # Nothing happens here: we only ask the reactor to call us back later.
    reactor.callLater(0.5, waitedWithTheReactor, before)


def waitedWithTheReactor(before: tuple[int, int]) -> None:
    print(f"   heartbeat ticks meanwhile: ≈{ticker.callCount - before[0]}")
    print(f"   loop passes meanwhile:     ≈{passes - before[1]}")
    reactor.callLater(0, waitBlocking)


def waitBlocking() -> None:
    print("2. waiting 0.5 s with time.sleep (the reactor is stuck in this callback)")
    before = (ticker.callCount, passes, ticker.missedIntervals)
    time.sleep(0.5)  # DON'T do this in a reactor callback
    print(f"   heartbeat ticks meanwhile: {ticker.callCount - before[0]}")
    print(f"   loop passes meanwhile:     {passes - before[1]}")
    # Let the loop run again briefly, so the late LoopingCall can notice what it missed.
    reactor.callLater(0.01, finish, before[2])


def finish(missedBefore: int) -> None:
    missed = ticker.missedIntervals - missedBefore
    print(f"   after the sleep, the heartbeat ran late and counted ≈{missed} missed ticks")
    ticker.stop()
    reactor.stop()


reactor.setTracing(countPasses)
ticker.start(0.05)
reactor.callWhenRunning(waitWithTheReactor)
reactor.run()
