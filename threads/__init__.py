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
from threads._dberrors import ConnectionLost, ConnectionPoolError, PoolClosed, PoolQueueFull
from threads._dbpool import ConnectionPool, ConnectionPoolStatistics
from threads._dbtransaction import Transaction
from threads._pool import PoolExhausted, PoolFull, PoolStatistics, PoolStopped, ThreadPool

__all__ = [
    "ConnectionLost",
    "ConnectionPool",
    "ConnectionPoolError",
    "ConnectionPoolStatistics",
    "PoolClosed",
    "PoolExhausted",
    "PoolFull",
    "PoolQueueFull",
    "PoolStatistics",
    "PoolStopped",
    "ThreadPool",
    "Transaction",
    "blockingCallFromThread",
    "callMultipleInThread",
    "deferToThread",
    "deferToThreadPool",
]
