"""Coordination between Deferred-using code: ``DeferredLock``, ``DeferredSemaphore`` and
``DeferredQueue``.

This module owns those three primitives. They are for code running in one thread (the
reactor's); nothing here blocks, and nothing here is thread-safe — from another thread go
through ``reactor.callFromThread``. Combining Deferreds lives in ``_combinators``.

Waiting
-------
A caller that cannot be served at once gets an unfired Deferred placed at the end of a FIFO
``waiting`` deque; waiters are served strictly in that order. A caller arriving while others
wait queues behind them even if a token or item happens to be free at that instant (it can be,
for a moment, while waiters are being woken), so nobody overtakes. Cancelling a waiting
Deferred removes it from the deque (``deque.remove`` is O(n) in the queue length; we rejected
lazy removal — leaving dead entries to skip later — because then ``len(waiting)``, the backlog
limit and memory would all count waiters that no longer exist).

Waking without recursion
------------------------
Firing a waiter runs its callbacks at once, and those often give the token back (``run`` of a
synchronous function releases inside the callback) or put the next item. Done naively, each
release wakes the next waiter from inside the previous one's callback, so 10,000 queued waiters
nest 10,000 deep. (Twisted does this: the RecursionError is caught as a callback failure, and
with 10,000 queued ``run`` calls about 125 run and the rest wait forever on a lock nobody will
release.) Instead one loop does all the waking: a flag (``_waking``; ``_delivering`` on the
queue) is set while it runs, and a release or put made from inside a woken callback only
updates the counts and returns; the loop, one level up, sees them and wakes the next waiter.
The stack depth is one wake-up, however long the queue.

Where we differ from Twisted, besides that
------------------------------------------
* Releasing more often than acquiring raises ``RuntimeError`` (Twisted uses ``assert``, which
  ``python -O`` removes).
* ``locked``, ``tokens`` and ``limit`` are read-only properties; ``waiting`` and ``pending`` are
  deques rather than lists (``len``, iteration and indexing work the same).
* ``acquire`` on a free lock and ``get`` with an item held return an already-fired Deferred
  with no canceller, as there is nothing left to cancel.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Generic, Literal, ParamSpec, Self, TypeVar, overload

from ._deferred import Deferred, maybeDeferred, succeed
from ._errors import QueueOverflow, QueueUnderflow

__all__ = ["DeferredLock", "DeferredQueue", "DeferredSemaphore"]

_T = TypeVar("_T")
_P = ParamSpec("_P")


class _TokenGate:
    """What ``DeferredLock`` and ``DeferredSemaphore`` share: ``_limit`` tokens, handed out in
    FIFO order through ``acquire``, given back through ``release``.

    A lock is the one-token case; the two public classes differ only in how they present their
    state (``locked`` versus ``tokens``/``limit``). Invariant, outside a wake-up loop: if
    ``waiting`` is not empty, no token is free.
    """

    __slots__ = ("_available", "_limit", "_waking", "waiting")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._available = limit
        self._waking = False
        #: Deferreds of ``acquire`` calls not served yet, oldest first.
        self.waiting: deque[Deferred[Self]] = deque()

    def acquire(self) -> Deferred[Self]:
        """A Deferred that fires with this object once a token is ours.

        It has already fired if a token was free and nobody was waiting. Cancelling it while it
        waits gives up the place in the queue (it fails with ``CancelledError``); cancelling it
        after it fired does nothing — the token is held and must be released.
        """
        if self._available and not self.waiting:
            self._available -= 1
            return succeed(self)
        d: Deferred[Self] = Deferred(self._cancelAcquire)
        self.waiting.append(d)
        return d

    def _cancelAcquire(self, d: Deferred[Self]) -> None:
        # Only a waiting Deferred is cancelled here: one that was woken has fired, and
        # Deferred.cancel does not call the canceller of a fired Deferred.
        self.waiting.remove(d)

    def release(self) -> None:
        """Give a token back; the oldest waiter, if any, gets it.

        Raises ``RuntimeError`` if there is no token out to give back.
        """
        if self._available >= self._limit:
            raise RuntimeError(f"{type(self).__name__}.release() without a matching acquire()")
        self._available += 1
        if self.waiting and not self._waking:
            self._wakeWaiters()

    def _wakeWaiters(self: Self) -> None:
        """Hand free tokens to waiters, oldest first (see "Waking without recursion")."""
        self._waking = True
        try:
            waiting = self.waiting
            while self._available and waiting:
                d = waiting.popleft()
                if d.called:
                    # Fired by someone else (a misuse): it cannot take the token.
                    continue
                self._available -= 1
                d.callback(self)
        finally:
            self._waking = False

    def _releaseAndPass(self, result: _T) -> _T:
        self.release()
        return result

    @overload
    def run(
        self,
        f: Callable[_P, Deferred[_T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T]: ...

    @overload
    def run(
        self,
        f: Callable[_P, Coroutine[Any, Any, _T]],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> Deferred[_T]: ...

    @overload
    def run(self, f: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> Deferred[_T]: ...

    def run(self, f: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Acquire, call ``f(*args, **kwargs)``, release; a Deferred for ``f``'s result.

        If ``f`` returns a Deferred or a coroutine, the token is held until that finishes. The
        token is released whatever happens — ``f`` raising, its Deferred failing or being
        cancelled. Cancelling the returned Deferred while it waits for the token gives up the
        place in the queue and ``f`` is never called; once ``f`` runs, it cancels ``f``'s
        Deferred.
        """

        def callWithToken(_: object) -> Deferred[Any]:
            return maybeDeferred(f, *args, **kwargs).addBoth(self._releaseAndPass)

        return self.acquire().addCallback(callWithToken)

    def __aenter__(self) -> Deferred[Self]:
        """``async with`` (in a coroutine run by ``fromCoroutine``/``ensureDeferred``): acquire."""
        return self.acquire()

    def __aexit__(
        self,
        excType: type[BaseException] | None,
        excValue: BaseException | None,
        traceback: TracebackType | None,
    ) -> Deferred[Literal[False]]:
        """Leaving ``async with``: release, and let any exception propagate."""
        self.release()
        return succeed(False)


class DeferredLock(_TokenGate):
    """A lock for callback code: ``acquire()`` gives a Deferred that fires when the lock is ours.

    Waiters get the lock in the order they asked. ``run(f, ...)`` holds it around a call;
    ``async with lock:`` works inside coroutines run by ``Deferred.fromCoroutine`` or
    ``ensureDeferred``. The lock is not re-entrant: acquiring it twice without a release waits
    forever.
    """

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(1)

    @property
    def locked(self) -> bool:
        """Whether someone holds the lock (read-only; useful for a "try-lock" check)."""
        return not self._available

    def __repr__(self) -> str:
        state = "locked" if self.locked else "unlocked"
        return f"<DeferredLock {state}, {len(self.waiting)} waiting>"


class DeferredSemaphore(_TokenGate):
    """A semaphore for callback code: at most ``limit`` holders at a time.

    ``acquire()`` gives a Deferred that fires when one of the ``tokens`` is ours; waiters are
    served in the order they asked. ``run(f, ...)`` holds a token around a call — the usual way
    to bound how many operations run at once — and ``async with sem:`` works inside coroutines
    run by ``Deferred.fromCoroutine`` or ``ensureDeferred``.
    """

    __slots__ = ()

    def __init__(self, tokens: int) -> None:
        if tokens < 1:
            raise ValueError(f"DeferredSemaphore needs at least one token, got {tokens}")
        super().__init__(tokens)

    @property
    def tokens(self) -> int:
        """How many more holders may acquire it right now."""
        return self._available

    @property
    def limit(self) -> int:
        """The most holders it allows at once (the ``tokens`` it was made with)."""
        return self._limit

    def __repr__(self) -> str:
        return (
            f"<DeferredSemaphore {self._available}/{self._limit} free, {len(self.waiting)} waiting>"
        )


class DeferredQueue(Generic[_T]):
    """A FIFO queue whose ``get`` returns a Deferred that fires when an item is there.

    ``size`` bounds the items held (``put`` on a full queue raises ``QueueOverflow``);
    ``backlog`` bounds the waiting ``get`` calls (one more raises ``QueueUnderflow``); ``None``
    means unbounded. Both limits raise at once, in the caller, as in Twisted. Items come out in
    the order they were put, and waiting ``get`` calls are served in the order they were made.
    Cancelling a waiting ``get`` removes it (it fails with ``CancelledError``; no item is lost).

    Invariant, outside a delivery loop: ``pending`` and ``waiting`` are never both non-empty.
    """

    __slots__ = ("_delivering", "backlog", "pending", "size", "waiting")

    def __init__(self, size: int | None = None, backlog: int | None = None) -> None:
        self.size = size
        self.backlog = backlog
        #: Items put and not yet taken, oldest first.
        self.pending: deque[_T] = deque()
        #: Deferreds of ``get`` calls not served yet, oldest first.
        self.waiting: deque[Deferred[_T]] = deque()
        self._delivering = False

    def put(self, obj: _T) -> None:
        """Add ``obj``: the oldest waiting ``get`` receives it, or it is kept for a later one.

        Raises ``QueueOverflow`` if ``size`` items are already held and no ``get`` waits.
        """
        # Inside a delivery loop both deques may hold entries; only the items that will be left
        # over once each waiter has had one count against ``size``.
        if self.size is not None and len(self.pending) - len(self.waiting) >= self.size:
            raise QueueOverflow(f"the queue already holds its limit of {self.size} items")
        self.pending.append(obj)
        if self.waiting and not self._delivering:
            self._deliver()

    def get(self) -> Deferred[_T]:
        """A Deferred for the next item: already fired if one is held and nobody waits before us.

        Raises ``QueueUnderflow`` if ``backlog`` ``get`` calls are already waiting.
        """
        pending = self.pending
        if pending and not self.waiting:
            return succeed(pending.popleft())
        # As in put: count only the waiters that the held items will not satisfy.
        if self.backlog is not None and len(self.waiting) - len(pending) >= self.backlog:
            raise QueueUnderflow(f"already {self.backlog} get() calls waiting on the queue")
        d: Deferred[_T] = Deferred(self._cancelGet)
        self.waiting.append(d)
        return d

    def _cancelGet(self, d: Deferred[_T]) -> None:
        # Only a waiting Deferred is cancelled here; a served one has fired.
        self.waiting.remove(d)

    def _deliver(self) -> None:
        """Give held items to waiters, oldest to oldest (see "Waking without recursion")."""
        self._delivering = True
        try:
            pending = self.pending
            waiting = self.waiting
            while pending and waiting:
                d = waiting.popleft()
                if d.called:
                    # Fired by someone else (a misuse): keep the item for the next waiter.
                    continue
                d.callback(pending.popleft())
        finally:
            self._delivering = False

    def __repr__(self) -> str:
        return f"<DeferredQueue {len(self.pending)} items, {len(self.waiting)} waiting>"
