"""What a child's wait status means to its protocol: ``ProcessDone`` or ``ProcessTerminated``.

This module owns only that translation (Twisted's rules): status 0 is a clean exit,
:class:`~reactor.error.ProcessDone`; any other exit code, or death by a signal, is
:class:`~reactor.error.ProcessTerminated` with ``exitCode`` or ``signal`` set. A status of None
(the child was reaped by someone else, so its status is unknown) is a ``ProcessTerminated`` with
neither set.
"""

from __future__ import annotations

import os

from deferred import Failure
from reactor.error import ProcessDone, ProcessTerminated

__all__ = ["reasonFor"]


def reasonFor(status: int | None) -> Failure:
    """The ``processExited``/``processEnded`` reason for the raw wait ``status``."""
    if status is None:
        return Failure(ProcessTerminated())
    if os.WIFSIGNALED(status):
        return Failure(ProcessTerminated(signal=os.WTERMSIG(status), status=status))
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
    if code == 0:
        return Failure(ProcessDone(status))
    return Failure(ProcessTerminated(exitCode=code, status=status))
