"""The reactor: callWhenRunning, callLater, stop; errors do not kill it

What you will see: treadle's reactor running four scheduled calls, with its tracing hook
turned on, so every step of its loop is printed as it happens ("[loop] ..." lines):

* ``callWhenRunning(f)`` runs ``f`` as soon as the reactor has started;
* ``callLater(delay, f)`` runs ``f`` after ``delay`` seconds -- and between timers the loop
  waits for I/O, with the time until the next timer as its timeout (the same trick as the
  ``select()`` timeout in lesson 02's second exercise);
* one of the calls raises ``ZeroDivisionError``: the reactor logs it and carries on, the later
  calls still run;
* ``stop()`` ends the loop: the reactor goes through "stop requested" and "stopping" (where
  shutdown triggers would run), then ``run()`` returns.

Why it matters: in an event-driven program one broken callback must not take everything down
with it -- a web server should not stop serving every client because one request handler had a
bug. And the trace shows there is no magic: a reactor is a loop that waits, then runs what is
due, like the one you wrote in lesson 02.

``reactor.setTracing(hook)`` calls ``hook(event, detail)`` for each step of the loop; it costs
nothing when it is off. Waits are printed rounded (``≈100ms``): real timings vary a little.

Try this:
1. Schedule ``callLater(0, ...)`` from inside ``greet``. When does it run relative to ``greet``
   itself, and does the loop wait before running it?
2. Call ``reactor.stop()`` from ``callWhenRunning`` instead. Which of the timed calls still run?
   (Then cancel the pending ``DelayedCall`` objects that ``callLater`` returned, so nothing is
   left behind.)
"""

import logging
import time
from typing import Any

from reactor import reactor

start = time.monotonic()


def showStep(event: str, detail: Any) -> None:
    """The tracing hook: print each step of the loop."""
    if event == "wait":
        # detail: the longest the loop will wait for I/O, in seconds (None: no limit).
        limit = "no limit" if detail is None else f"at most ≈{round(detail * 100) * 10}ms"
        print(f"  [loop] wait for I/O, {limit}")
    elif event == "timer":
        print(f"  [loop] timer due: run {detail.__name__}()")
    elif event == "state":
        print(f"  [loop] state: {detail}")


class PrintErrors(logging.Handler):
    """Show what the reactor logs, briefly (it normally logs the whole traceback)."""

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        print(f"  [log]  the reactor logged {type(error).__name__}: {error} -- and goes on")


def started() -> None:
    print(f"started: the reactor is running ({reactor.running})")


def greet() -> None:
    print(f"greet: hello, at ≈{time.monotonic() - start:.1f}s")


def broken() -> None:
    print("broken: about to divide by zero")
    print(1 / 0)


def finish() -> None:
    print("finish: asking the reactor to stop")
    reactor.stop()


logging.getLogger("reactor").addHandler(PrintErrors())
logging.getLogger("reactor").propagate = False  # only our short version, no traceback

reactor.setTracing(showStep)
reactor.callWhenRunning(started)
reactor.callLater(0.1, greet)
reactor.callLater(0.2, broken)
reactor.callLater(0.3, finish)

print("run(): the loop starts")
reactor.run()
print(f"run() returned after ≈{time.monotonic() - start:.1f}s; the reactor is stopped")
