"""Solutions to lesson 07: an inner Deferred that already fired; DeferredList."""

from typing import Any

from deferred import Deferred, DeferredList, TraceStep, setTracing
from reactor.task import deferLater, react

# 1. If the inner Deferred has already fired, the chain does not pause: it takes the result
#    at once (no "paused"/"unpaused" steps in the trace).
events: list[str] = []
setTracing(lambda event, step: events.append(event))
inner: Deferred[int] = Deferred()
inner.callback(21)
outer: Deferred[int] = Deferred()
outer.addCallback(lambda _: inner).addCallback(lambda n: n * 2)
outer.callback(0)
setTracing(None)
print(f"1. result {outer.result}; paused at all? {'paused' in events}")
_ = TraceStep  # the type of the hook's second argument


# 2. DeferredList waits for every member (it does not fail fast) and gives (success, result)
#    pairs; with consumeErrors=True the failure is handled there.
def job(name: str, fails: bool) -> str:
    if fails:
        raise ValueError(f"{name} broke")
    return f"{name} ok"


async def main(reactor: Any) -> None:
    jobs = [
        deferLater(reactor, d, job, n, f)
        for n, d, f in [("fast", 0.1, False), ("broken", 0.2, True)]
    ]
    results = await DeferredList(jobs, consumeErrors=True)
    shown = [(ok, value if ok else value.getErrorMessage()) for ok, value in results]
    print(f"2. DeferredList fired when all were done: {shown}")


react(main)
