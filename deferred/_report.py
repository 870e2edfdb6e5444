"""Reporting Failures that nobody handled.

A Deferred whose chain ends holding a Failure arms an ``UnhandledFailureReport``; the report is
the Deferred's only reference to it, so when the Deferred is garbage-collected the report's
``__del__`` logs "Unhandled error in Deferred" with the traceback and the creation site, on the
stdlib logger named ``deferred``. Adding an errback (or awaiting the Deferred, or handing it to
another chain) disarms it.

Why a separate object and not ``Deferred.__del__``: a ``__del__`` on Deferred would run (a
Python-level call) for every Deferred ever freed; this way only failed, unobserved Deferreds pay.
"""

from __future__ import annotations

import logging

from ._debug import CreationSite
from ._failure import Failure

__all__ = ["UnhandledFailureReport", "logger"]

logger = logging.getLogger("deferred")


class UnhandledFailureReport:
    """Logs ``failure`` when collected, unless ``disarm`` was called first."""

    __slots__ = ("creationStack", "failure", "firstFireStack", "site")

    def __init__(
        self,
        failure: Failure,
        site: CreationSite | None,
        creationStack: str | None,
        firstFireStack: str | None,
    ) -> None:
        self.failure: Failure | None = failure
        self.site = site
        self.creationStack = creationStack
        self.firstFireStack = firstFireStack

    def disarm(self) -> None:
        """The failure was handled after all: report nothing."""
        self.failure = None

    def message(self) -> str:
        """The text that will be logged."""
        failure = self.failure
        if failure is None:
            return ""
        parts = ["Unhandled error in Deferred:"]
        if self.site is not None:
            parts.append(f"(the Deferred was created in {self.site})")
        if self.creationStack is not None:
            parts.append("Created at:\n" + self.creationStack.rstrip())
        if self.firstFireStack is not None:
            parts.append("First fired at:\n" + self.firstFireStack.rstrip())
        parts.append(failure.getTraceback().rstrip())
        return "\n".join(parts)

    def __del__(self) -> None:
        if self.failure is None:
            return
        try:
            logger.error("%s", self.message())
        except Exception:  # interpreter shutdown: logging may already be torn down
            pass
