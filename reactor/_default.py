"""Reactor names and the process-wide default reactor.

This module owns the table of reactor names ("select", "poll", "epoll", "kqueue", "asyncio",
"uvloop") and the one default reactor behind ``from reactor import reactor``: which backend it
gets (``install(name)``, else ``TREADLE_REACTOR``, else the best for this OS) and creating it
once. It owns no reactor behaviour. Library code should not reach for the default: it takes a
reactor as a parameter and lets the application pass ``reactor.reactor``.
"""

from __future__ import annotations

import importlib.util
import os
import select
import threading
from collections.abc import Callable

from reactor._core import Reactor
from reactor.error import ReactorAlreadyInstalledError, UnknownReactorError

__all__ = ["ENV_VAR", "availableReactors", "defaultReactorName", "getDefault", "install"]

#: The environment variable naming the default reactor's backend.
ENV_VAR = "TREADLE_REACTOR"

# The default reactor, once created. Protected by _lock (first use may race between threads).
_lock = threading.Lock()
_default: Reactor | None = None


def _select() -> Reactor:
    from reactor._polling import SelectReactor

    return SelectReactor()


def _poll() -> Reactor:
    from reactor._polling import PollReactor

    return PollReactor()


def _epoll() -> Reactor:
    from reactor._polling import EPollReactor

    return EPollReactor()


def _kqueue() -> Reactor:
    from reactor._polling import KQueueReactor

    return KQueueReactor()


def _asyncio() -> Reactor:
    from reactor._asyncio import AsyncioReactor

    return AsyncioReactor()


def _uvloop() -> Reactor:
    import uvloop

    from reactor._asyncio import AsyncioReactor

    return AsyncioReactor(uvloop.new_event_loop(), ownLoop=True)


def availableReactors() -> dict[str, Callable[[], Reactor]]:
    """Return ``{name: factory}`` for every reactor this process can create, best first.

    Each call of a factory creates a new, independent reactor.
    """
    names: dict[str, Callable[[], Reactor]] = {}
    if hasattr(select, "epoll"):
        names["epoll"] = _epoll
    if hasattr(select, "kqueue"):
        names["kqueue"] = _kqueue
    if hasattr(select, "poll"):
        names["poll"] = _poll
    names["select"] = _select
    names["asyncio"] = _asyncio
    if importlib.util.find_spec("uvloop") is not None:
        names["uvloop"] = _uvloop
    return names


def defaultReactorName() -> str:
    """The backend the default reactor gets when neither install() nor the env var chose."""
    return next(iter(availableReactors()))


def _factory(name: str, source: str) -> Callable[[], Reactor]:
    available = availableReactors()
    factory = available.get(name)
    if factory is None:
        raise UnknownReactorError(
            f"unknown or unavailable reactor {name!r} ({source}); available here: "
            f"{', '.join(available)}"
        )
    return factory


def install(name: str | Reactor) -> Reactor:
    """Make the process-wide default reactor: a new one with backend ``name``, or ``name``
    itself when it is a reactor (one made elsewhere, e.g. a ``reactor.qtsupport.QtReactor``).

    Call it before anything uses ``reactor.reactor``. Overrides ``TREADLE_REACTOR``.

    :raises UnknownReactorError: if ``name`` is unknown or unavailable on this system (the
        message lists the available names).
    :raises ReactorAlreadyInstalledError: if the default reactor already exists.
    """
    global _default
    if isinstance(name, Reactor):
        instance: Reactor | None = name
        label = repr(name)
    else:
        factory = _factory(name, "passed to install()")
        instance = None
        label = repr(name)
    with _lock:
        if _default is not None:
            raise ReactorAlreadyInstalledError(
                f"cannot install the {label} reactor: the default reactor already exists "
                f"({_default!r}); install() must come before the first use of reactor.reactor"
            )
        _default = instance if instance is not None else factory()
        return _default


def getDefault() -> Reactor:
    """Return the process-wide default reactor, creating it on first use.

    :raises UnknownReactorError: if ``TREADLE_REACTOR`` names an unknown or unavailable one.
    """
    global _default
    with _lock:
        if _default is None:
            name = os.environ.get(ENV_VAR)
            if name:
                factory = _factory(name, f"from the {ENV_VAR} environment variable")
            else:
                factory = _factory(defaultReactorName(), "default")
            _default = factory()
        return _default
