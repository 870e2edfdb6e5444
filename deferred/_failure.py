"""``Failure``: an exception together with the traceback of the place it was raised.

A Failure is the value that travels down the errback side of a Deferred chain. Creating one is
cheap on purpose — failures are ordinary control flow in callback code — so it stores the
exception and its traceback *object* and formats nothing until someone asks
(``getTraceback``/``printTraceback``/``cleanFailure``).

This module owns the Failure type, and the registry of the types the chain engine must tell apart
from plain results (``failureTypes``, ``chainTypes``); how a Deferred reports a Failure nobody
handled lives in ``_report``.
"""

from __future__ import annotations

import builtins
import sys
import threading
import traceback
from types import TracebackType
from typing import IO, Any, NoReturn

__all__ = ["Failure", "NoCurrentExceptionError", "chainTypes", "failureTypes"]


class NoCurrentExceptionError(Exception):
    """``Failure()`` was called with no arguments outside an ``except`` block."""


class Failure:
    """An exception plus where it came from.

    ``Failure()`` inside an ``except`` block captures the exception being handled;
    ``Failure(exc)`` wraps an exception instance (using its ``__traceback__`` if it was raised).
    """

    __slots__ = ("_formatted", "tb", "type", "value")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        registerChainType(cls, failureTypes)

    value: BaseException
    type: builtins.type[BaseException]
    tb: TracebackType | None

    def __init__(
        self,
        exc_value: BaseException | None = None,
        exc_type: builtins.type[BaseException] | None = None,
        exc_tb: TracebackType | None = None,
    ) -> None:
        if exc_value is None:
            current = sys.exc_info()[1]
            if current is None:
                raise NoCurrentExceptionError(
                    "Failure() needs an exception: call it inside an except block or pass one"
                )
            exc_value = current
            exc_tb = current.__traceback__
        elif not isinstance(exc_value, BaseException):
            raise TypeError(f"Failure needs an exception instance, got {exc_value!r}")
        self.value = exc_value
        self.type = type(exc_value)
        self.tb = exc_tb if exc_tb is not None else exc_value.__traceback__
        self._formatted: str | None = None

    # -- inspecting ---------------------------------------------------------------------------

    def check(
        self, *errorTypes: builtins.type[BaseException]
    ) -> builtins.type[BaseException] | None:
        """Return the first of ``errorTypes`` this failure is an instance of, else None."""
        for errorType in errorTypes:
            if isinstance(self.value, errorType):
                return errorType
        return None

    def trap(self, *errorTypes: builtins.type[BaseException]) -> builtins.type[BaseException]:
        """Return the matching type like ``check``; otherwise re-raise this failure's exception.

        Used at the top of an errback to handle only the errors it knows about.
        """
        matched = self.check(*errorTypes)
        if matched is None:
            self.raiseException()
        return matched

    def raiseException(self) -> NoReturn:
        """Raise the wrapped exception with its original traceback."""
        raise self.value.with_traceback(self.tb)

    def getErrorMessage(self) -> str:
        """A one-line description: the exception's message, or its type if it has none."""
        message = str(self.value)
        return message if message else self.type.__qualname__

    def getTracebackObject(self) -> TracebackType | None:
        """The traceback object (None once ``cleanFailure`` dropped it)."""
        return self.tb

    def getTraceback(self, elideFrameworkCode: int = 0, detail: str = "default") -> str:
        """The formatted traceback, as Python prints it (computed once, then cached)."""
        del elideFrameworkCode, detail  # accepted for Twisted compatibility
        if self._formatted is None:
            lines = traceback.format_exception(self.type, self.value, self.tb)
            self._formatted = "".join(lines)
        return self._formatted

    def printTraceback(self, file: IO[str] | None = None, **_ignored: Any) -> None:
        """Write the formatted traceback to ``file`` (default stderr)."""
        (file if file is not None else sys.stderr).write(self.getTraceback())

    def cleanFailure(self) -> None:
        """Format the traceback now and drop the frame references it holds (frees memory)."""
        self.getTraceback()
        self.tb = None
        self.value.__traceback__ = None

    def __repr__(self) -> str:
        return f"<Failure {self.type.__module__}.{self.type.__qualname__}: {self.value}>"

    __str__ = __repr__


# The chain engine asks of every result whether it is a Failure or a Deferred. ``isinstance``
# answers "no" -- the common answer -- slowly (it falls back to looking up ``__class__``), so the
# engine tests ``type(result) in chainTypes`` instead, one hashed lookup, and looks closer only
# on a hit. That needs every subclass registered: Failure's and Deferred's ``__init_subclass__``
# do it, before the class statement finishes, so before any instance of the class exists.
# (Consequence, as in Twisted: an object that only pretends to be a Deferred or a Failure through
# a ``__class__`` attribute is a plain result to the engine.)
#
# Shared state: both sets are mutated only by registerChainType, under _registryLock; the engine
# reads them without the lock. A reader can see a set just before or after an insertion, never a
# torn one: each set operation is atomic (builtin containers are thread-safe per operation), and
# a type is inserted before any of its instances can reach a reader.

#: Failure and its subclasses.
failureTypes: set[builtins.type[Any]] = {Failure}
#: Failure, Deferred, and their subclasses: the results the chain engine looks at twice.
chainTypes: set[builtins.type[Any]] = {Failure}
_registryLock = threading.Lock()


def registerChainType(cls: builtins.type[Any], kind: set[builtins.type[Any]]) -> None:
    """Record ``cls`` in ``kind`` (``failureTypes`` or the Deferred types) and in ``chainTypes``."""
    with _registryLock:
        kind.add(cls)
        chainTypes.add(cls)
