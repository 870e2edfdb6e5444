"""Solutions to lesson 09: bigger pools; an exception in a job."""

import time
from typing import Any

from deferred import Failure, gatherResults
from reactor.task import react
from threads import deferToThread


def job(number: int) -> int:
    time.sleep(0.1)
    if number == 3:
        raise ValueError("job 3 failed")
    return number


async def timed(count: int) -> float:
    start = time.monotonic()
    await gatherResults([deferToThread(time.sleep, 0.1) for _ in range(count)])
    return time.monotonic() - start


async def main(reactor: Any) -> None:
    # 1. With 4 threads, 4 jobs of 0.1 s all run at once (0.1 s); 8 jobs take two rounds.
    reactor.suggestThreadPoolSize(4)
    print(f"1. 4 threads: 4 jobs in {await timed(4):.1f}s, 8 jobs in {await timed(8):.1f}s")

    # 2. The exception travels back and fails the Deferred: the errback runs in the reactor.
    def report(failure: Failure) -> str:
        return f"errback on the reactor thread got {failure.getErrorMessage()!r}"

    print(f"2. {await deferToThread(job, 3).addErrback(report)}")


react(main)
