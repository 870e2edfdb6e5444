"""deferToThread: blocking work in a thread pool, callbacks on the reactor

What you will see: four jobs that each block for 0.2 s (``time.sleep`` stands in for a blocking
library call: a legacy client, a file system, a CPU-heavy C extension). Run directly in a
callback, they would freeze the reactor for 0.8 s (lesson 04). Instead each one goes to
``deferToThread(job, n)``, which runs it in a worker thread and returns a Deferred at once.

The reactor's thread pool is limited to 2 threads here (``suggestThreadPoolSize(2)``), so:

* jobs 1 and 2 run at once and finish at about 0.2 s; jobs 3 and 4 wait in the queue for a
  free thread and finish at about 0.4 s -- the total is 4 * 0.2 s / 2 threads;
* the jobs ran in worker threads, but every callback runs in the reactor's own thread: the
  pool hands each result back to the reactor, which fires the Deferred. Callback code never
  has to think about locks;
* while the jobs ran, the reactor was free: its heartbeat kept ticking.

Why it matters: this is how a single-threaded reactor uses blocking code safely. The pool is
bounded on purpose: a thousand blocking calls become a queue, not a thousand threads.

Try this:
1. Raise the pool to 4 threads. What is the total now? And with 4 threads and 8 jobs?
2. Make job 3 raise an exception. Where does it show up -- in the worker thread or in an
   errback on the reactor thread?
"""

import threading
import time
from typing import Any

from deferred import gatherResults
from reactor.task import LoopingCall, react
from threads import deferToThread


def job(number: int) -> str:
    """A blocking job: runs in a worker thread, so it may block."""
    time.sleep(0.2)
    return threading.current_thread().name  # which worker ran it


async def main(reactor: Any) -> None:
    reactor.suggestThreadPoolSize(2)
    ticks = LoopingCall(lambda: None)
    ticks.start(0.05)
    start = time.monotonic()
    finished: dict[int, float] = {}
    callbackThreads: set[str] = set()

    def done(workerName: str, number: int) -> str:
        # A callback: runs in the reactor thread, whatever thread ran the job.
        finished[number] = time.monotonic() - start
        callbackThreads.add(threading.current_thread().name)
        return workerName

    print("4 jobs of 0.2 s each, on a pool of 2 threads")
    jobs = [deferToThread(job, n).addCallback(done, n) for n in (1, 2, 3, 4)]
    workers = await gatherResults(jobs)
    total = time.monotonic() - start
    ticks.stop()

    for number in sorted(finished):
        print(f"  job {number} finished at ≈{finished[number]:.1f}s")
    print(f"total ≈{total:.1f}s: two at a time")
    print(f"the jobs ran in {len(set(workers))} different worker threads")
    reactorThread = threading.current_thread().name
    print(f"every callback ran in the reactor thread: {callbackThreads == {reactorThread}}")
    print(f"meanwhile the reactor's heartbeat ticked ≈{ticks.callCount} times")


react(main)
