"""The treadle reactor: a single-threaded event loop over select/poll/epoll/kqueue or asyncio.

Reactors are ordinary objects -- create as many as you like, run, stop and run them again::

    from reactor import EPollReactor
    r = EPollReactor()
    r.callLater(1, r.stop)
    r.run()

``from reactor import reactor`` gives the process-wide default reactor, created on first use
with the best backend for this OS (epoll on Linux, else kqueue, else poll, else select). To
choose, call ``reactor.install(name)`` before that first use, or set ``TREADLE_REACTOR=name``;
names: "select", "poll", "epoll", "kqueue", "asyncio", "uvloop" (asyncio on a uvloop loop).
``availableReactors()`` lists what this system offers.

This module owns only the public names and the lazy default (PEP 562 ``__getattr__``); see the
submodules for everything else. No submodule is called ``reactor.reactor``: that name is the
default instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reactor._asyncio import AsyncioReactor
from reactor._core import Reactor, ReactorStatistics
from reactor._default import availableReactors, defaultReactorName, install
from reactor._polling import (
    EPollReactor,
    KQueueReactor,
    PollingReactor,
    PollReactor,
    SelectReactor,
)
from reactor._timers import DelayedCall

__all__ = [
    "AsyncioReactor",
    "DelayedCall",
    "EPollReactor",
    "KQueueReactor",
    "PollReactor",
    "PollingReactor",
    "Reactor",
    "ReactorStatistics",
    "SelectReactor",
    "availableReactors",
    "defaultReactorName",
    "install",
]

if TYPE_CHECKING:
    #: The process-wide default reactor (created on first access).
    reactor: Reactor


def __getattr__(name: str) -> object:
    """Create the default reactor on first access to ``reactor.reactor`` (PEP 562)."""
    if name == "reactor":
        from reactor._default import getDefault

        return getDefault()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
