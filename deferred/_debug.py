"""Where Deferreds come from: cheap creation sites always, full stacks in debug mode.

Every Deferred remembers the code object and line that created it (two slot stores, no
allocation; frames of this package are skipped so ``succeed()`` points at *its* caller — the
skip is a set lookup on the code's file name, whose hash Python caches). With
``setDebugging(True)`` each Deferred also records the whole creation stack and, when first
fired, the firing stack; both appear in ``AlreadyCalledError`` and unhandled-error reports.

Shared state: ``_debugging`` is a process-wide flag read on every Deferred creation. It is a
plain bool written only by ``setDebugging``; a thread that reads a stale value merely records
(or skips) one stack, so no lock is needed and none is taken.
"""

from __future__ import annotations

import os
import traceback
from types import CodeType, FrameType

__all__ = ["CreationSite", "getDebugging", "setDebugging"]

_debugging = False

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

#: Source files of this package; frames from them are never a Deferred's "creation site".
#: Both the absolute and the as-imported spelling are kept: ``co_filename`` is the latter.
internalFiles: frozenset[str] = frozenset(
    os.path.join(directory, name)
    for directory in {_PACKAGE_DIR, os.path.dirname(__file__)}
    for name in os.listdir(_PACKAGE_DIR)
    if name.endswith(".py")
)


def setDebugging(on: bool) -> None:
    """Turn debug mode on or off: record creation and first-fire stacks of new Deferreds."""
    global _debugging
    _debugging = bool(on)


def getDebugging() -> bool:
    """Whether debug mode is on."""
    return _debugging


def isInternal(code: CodeType) -> bool:
    """Whether ``code`` belongs to the deferred package itself (skipped in creation sites)."""
    return code.co_filename in internalFiles


class CreationSite:
    """The function and line that created a Deferred.

    Built from the code object and the instruction offset (``f_lasti``); the line number is
    looked up only when the site is printed.
    """

    __slots__ = ("code", "lasti")

    def __init__(self, code: CodeType, lasti: int) -> None:
        self.code = code
        self.lasti = lasti

    @property
    def lineno(self) -> int:
        """The source line of the instruction (the function's first line if unknown)."""
        for start, end, line in self.code.co_lines():
            if start <= self.lasti < end and line is not None:
                return line
        return self.code.co_firstlineno

    @property
    def function(self) -> str:
        """The creating function's qualified name."""
        return self.code.co_qualname

    def __str__(self) -> str:
        return f"{self.code.co_name} ({self.code.co_filename}:{self.lineno})"


def formatStack(frame: FrameType | None) -> str:
    """The stack above ``frame``, formatted (debug mode only: this is the slow part)."""
    return "".join(traceback.format_stack(frame))
