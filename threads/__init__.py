"""Run blocking code beside the reactor: a bounded thread pool and its bridges.

``ThreadPool`` runs blocking calls in a bounded set of worker threads; ``deferToThread`` and
``deferToThreadPool`` turn such a call into a Deferred fired in the reactor thread;
``blockingCallFromThread`` goes the other way, from a worker into the reactor.
"""

from threads._bridge import (
    blockingCallFromThread,
    callMultipleInThread,
    deferToThread,
    deferToThreadPool,
)
from threads._pool import PoolExhausted, PoolFull, PoolStatistics, PoolStopped, ThreadPool

__all__ = [
    "PoolExhausted",
    "PoolFull",
    "PoolStatistics",
    "PoolStopped",
    "ThreadPool",
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]
