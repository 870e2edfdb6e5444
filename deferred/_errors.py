"""The exceptions of the deferred package.

Their names and meanings follow Twisted's ``twisted.internet.defer`` so that ported code which
catches them keeps working. This module owns no behaviour, only the error types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._failure import Failure


class AlreadyCalledError(Exception):
    """A Deferred was fired (``callback``/``errback``) a second time."""


class CancelledError(Exception):
    """A Deferred was cancelled before it had a result."""


class TimeoutError(Exception):
    """A Deferred with ``addTimeout`` did not fire in time (Twisted's name, kept for ports)."""


class NotACoroutineError(TypeError):
    """``Deferred.fromCoroutine`` / ``ensureDeferred`` was given a non-coroutine."""


class FirstError(Exception):
    """The first failure of a ``gatherResults`` / ``DeferredList(fireOnOneErrback=True)``.

    ``subFailure`` is the member's Failure, ``index`` its position in the list.
    """

    def __init__(self, failure: Failure, index: int) -> None:
        super().__init__(failure, index)
        self.subFailure = failure
        self.index = index

    def __str__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure.getErrorMessage()}]"

    def __repr__(self) -> str:
        return f"FirstError[#{self.index}, {self.subFailure!r}]"


class FailureGroup(Exception):
    """Every contestant of ``race`` failed; ``failures`` holds them in argument order."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(failures)
        self.failures = failures

    def __str__(self) -> str:
        messages = ", ".join(f.getErrorMessage() for f in self.failures)
        return f"all {len(self.failures)} contestants failed: {messages}"


class QueueOverflow(Exception):
    """A ``DeferredQueue`` is full (``size``) and cannot take another item."""


class QueueUnderflow(Exception):
    """A ``DeferredQueue`` has too many waiting ``get`` calls (``backlog``)."""
