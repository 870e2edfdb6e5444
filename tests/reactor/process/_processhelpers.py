"""Helpers for the process tests: a recording process protocol and child command lines.

:class:`Recorder` records every call a process transport makes, in order, and fires ``ended``
with itself from ``processEnded``, so a test returns (or waits for) that Deferred and then
checks what happened. Children are ``sys.executable -c CODE`` (``python(...)``) or ``/bin/sh``
for the many-children tests, where Python's start-up would dominate.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from deferred import Deferred, Failure
from reactor.protocol import ProcessProtocol

#: The interpreter, without site-packages (faster start-up; children need only the stdlib).
PYTHON = sys.executable


def python(code: str, *args: str) -> list[str]:
    """The argument vector running ``code`` in a fresh interpreter (``-S``: no site)."""
    return [PYTHON, "-S", "-c", code, *args]


class Recorder(ProcessProtocol):
    """Records data per descriptor and every event; ``ended`` fires with itself at the end."""

    def __init__(self) -> None:
        self.ended: Deferred[Recorder] = Deferred()
        self.data: dict[int, bytearray] = {}
        #: ("made",), ("lost", fd), ("exited", reason), ("ended", reason), in order.
        self.events: list[tuple[Any, ...]] = []
        self.exitReason: Failure | None = None
        self.endReason: Failure | None = None

    def connectionMade(self) -> None:
        self.events.append(("made",))

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        self.data.setdefault(childFD, bytearray()).extend(data)
        super().childDataReceived(childFD, data)  # outReceived/errReceived

    def childConnectionLost(self, childFD: int) -> None:
        self.events.append(("lost", childFD))

    def processExited(self, reason: Failure) -> None:
        self.exitReason = reason
        self.events.append(("exited", reason.type))

    def processEnded(self, reason: Failure) -> None:
        self.endReason = reason
        self.events.append(("ended", reason.type))
        self.ended.callback(self)

    def out(self, childFD: int = 1) -> bytes:
        """Everything the child wrote on ``childFD``."""
        return bytes(self.data.get(childFD, b""))


def reaped(pid: int) -> bool:
    """Whether ``pid`` is no longer a child of ours (reaped: not even a zombie)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def openDescriptors() -> set[int]:
    """This process's open descriptors."""
    return {int(name) for name in os.listdir("/proc/self/fd")}
