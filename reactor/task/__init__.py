"""Time-based and cooperative helpers: ``Clock``, ``LoopingCall``, ``deferLater``, ``react``,
``cooperate``/``coiterate``/``Cooperator`` (Twisted's ``twisted.internet.task``).

Every helper takes its clock (anything with ``seconds``/``callLater``, a reactor or a
:class:`Clock`) as a parameter; where it defaults to the global reactor, the global is looked up
on first use, never when this package is imported. One module per helper:

* :mod:`reactor.task._clock` -- ``Clock``, deterministic time for tests;
* :mod:`reactor.task._looping` -- ``LoopingCall``;
* :mod:`reactor.task._deferlater` -- ``deferLater``;
* :mod:`reactor.task._react` -- ``react``;
* :mod:`reactor.task._cooperator` -- ``Cooperator``, ``cooperate``, ``coiterate`` and their
  errors.

This package owns no reactor: the loop, the time heap and the backends live in the core.
"""

from reactor.task._clock import Clock
from reactor.task._cooperator import (
    CooperativeTask,
    Cooperator,
    NotPaused,
    SchedulerError,
    SchedulerStopped,
    TaskDone,
    TaskFailed,
    TaskFinished,
    TaskStopped,
    coiterate,
    cooperate,
)
from reactor.task._deferlater import deferLater
from reactor.task._looping import LoopingCall
from reactor.task._react import react

__all__ = [
    "Clock",
    "CooperativeTask",
    "Cooperator",
    "LoopingCall",
    "NotPaused",
    "SchedulerError",
    "SchedulerStopped",
    "TaskDone",
    "TaskFailed",
    "TaskFinished",
    "TaskStopped",
    "coiterate",
    "cooperate",
    "deferLater",
    "react",
]
