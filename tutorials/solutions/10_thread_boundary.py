"""Solutions to lesson 10: an exception through blockingCallFromThread; a bigger pool."""

from typing import Any

from deferred import Deferred, gatherResults
from reactor.task import react
from threads import ThreadPool, blockingCallFromThread, deferToThread, deferToThreadPool


async def main(reactor: Any) -> None:
    # 1. An exception raised in the reactor thread is raised again in the worker.
    def askTheReactor() -> str:
        raise KeyError("no such setting")

    def worker() -> str:
        try:
            return blockingCallFromThread(reactor, askTheReactor)
        except KeyError as error:
            return f"the worker caught KeyError {error}"

    print(f"1. {await deferToThread(worker)}")

    # 2. With two workers, one job blocked in blockingCallFromThread leaves a worker free for
    #    the work it waits for. Two such jobs at once would block both workers again (treadle
    #    then raises PoolExhausted): each blocked worker needs one more free worker.
    pool = ThreadPool(maxthreads=2, name="pool of two")
    pool.start()

    def needsAWorker() -> Deferred[str]:
        return deferToThreadPool(reactor, pool, lambda: "computed by the second worker")

    def nested() -> str:
        return blockingCallFromThread(reactor, needsAWorker)

    print(f"2. {await gatherResults([deferToThreadPool(reactor, pool, nested)])}")
    pool.stop()


react(main)
