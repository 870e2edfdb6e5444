"""Deferred callback chains: results that are not ready yet.

The names follow ``twisted.internet.defer`` so Twisted code ports by changing imports. The
package depends on neither ``reactor`` nor ``threads``: anything that needs time takes a clock.
"""

from ._combinators import DeferredList, gatherResults, race
from ._debug import getDebugging, setDebugging
from ._deferred import Deferred, fail, maybeDeferred, passthru, succeed
from ._errors import (
    AlreadyCalledError,
    CancelledError,
    FailureGroup,
    FirstError,
    NotACoroutineError,
    QueueOverflow,
    QueueUnderflow,
    TimeoutError,
)
from ._failure import Failure, NoCurrentExceptionError
from ._inline import ensureDeferred, inlineCallbacks
from ._sync import DeferredLock, DeferredQueue, DeferredSemaphore
from ._trace import TraceStep, getTracing, setTracing

__all__ = [
    "AlreadyCalledError",
    "CancelledError",
    "Deferred",
    "DeferredList",
    "DeferredLock",
    "DeferredQueue",
    "DeferredSemaphore",
    "Failure",
    "FailureGroup",
    "FirstError",
    "NoCurrentExceptionError",
    "NotACoroutineError",
    "QueueOverflow",
    "QueueUnderflow",
    "TimeoutError",
    "TraceStep",
    "ensureDeferred",
    "fail",
    "gatherResults",
    "getDebugging",
    "getTracing",
    "inlineCallbacks",
    "maybeDeferred",
    "passthru",
    "race",
    "setDebugging",
    "setTracing",
    "succeed",
]
