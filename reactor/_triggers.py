"""System event triggers: "before", "during" and "after" phases of named events.

This module owns the trigger lists and the three-phase firing of one event ("startup",
"shutdown", or any name a program fires itself). It does not know about reactor states: the core
passes ``afterDuring``/``onDone`` hooks to :meth:`SystemEventTriggers.fire` and moves its state
machine from them.

Rules (Twisted's, plus the bits Twisted leaves vague):

* Phases run in order: every "before" trigger, then -- once every Deferred a "before" trigger
  returned has fired, successfully or not -- every "during" trigger, then every "after" trigger.
  Deferreds returned by "during"/"after" triggers are ignored.
* Triggers are one-shot: firing an event consumes its triggers. A trigger added while its event
  fires runs in this firing if its phase has not finished yet, else at the next firing. This is
  what makes ``callWhenRunning`` run once per ``run()`` when a reactor is run again, and why
  triggers meant for every run must be added again for every run.
* An exception from a trigger, or a failed Deferred from a "before" trigger, is logged with its
  traceback (logger ``reactor``) and does not stop the event.
* Firing an event that is already firing does nothing (logged at debug level).

Not thread-safe: reactor thread only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from deferred import Deferred, Failure

__all__ = ["PHASES", "SystemEventTriggers", "TriggerHandle"]

log = logging.getLogger("reactor")

PHASES = ("before", "during", "after")


class TriggerHandle:
    """What ``addSystemEventTrigger`` returns; pass it to ``removeSystemEventTrigger``."""

    __slots__ = ("args", "eventType", "func", "kw", "phase")

    def __init__(
        self,
        phase: str,
        eventType: str,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
    ) -> None:
        self.phase = phase
        self.eventType = eventType
        self.func = func
        self.args = args
        self.kw = kw

    def __repr__(self) -> str:
        name = getattr(self.func, "__qualname__", None) or repr(self.func)
        return f"<trigger {self.phase} {self.eventType} {name}>"


class _Firing:
    """One firing of one event, abandoned when the reactor crashes in the middle of it."""

    __slots__ = ("abandoned", "afterDuring", "onDone", "waitingFor")

    def __init__(
        self, afterDuring: Callable[[], None] | None, onDone: Callable[[], None] | None
    ) -> None:
        self.afterDuring = afterDuring
        self.onDone = onDone
        self.abandoned = False
        self.waitingFor = 0


class _Event:
    """The triggers of one event type, by phase, and its firing in progress (if any)."""

    __slots__ = ("firing", "phases")

    def __init__(self) -> None:
        self.phases: dict[str, list[TriggerHandle]] = {phase: [] for phase in PHASES}
        self.firing: _Firing | None = None


class SystemEventTriggers:
    """All system event triggers of one reactor."""

    def __init__(self) -> None:
        self._events: dict[str, _Event] = {}

    def add(
        self,
        phase: str,
        eventType: str,
        func: Callable[..., object],
        args: tuple[Any, ...],
        kw: dict[str, Any],
    ) -> TriggerHandle:
        """Add a trigger; see ``Reactor.addSystemEventTrigger``.

        :raises ValueError: for a phase other than "before", "during" or "after".
        :raises TypeError: if ``func`` is not callable.
        """
        if phase not in PHASES:
            raise ValueError(f"invalid trigger phase {phase!r}; expected one of {PHASES}")
        if not callable(func):
            raise TypeError(f"system event trigger {func!r} is not callable")
        handle = TriggerHandle(phase, eventType, func, args, kw)
        self._event(eventType).phases[phase].append(handle)
        return handle

    def remove(self, handle: TriggerHandle) -> None:
        """Remove a trigger that has not run yet.

        :raises ValueError: if it already ran or was removed (or is not a trigger handle).
        """
        event = self._events.get(handle.eventType) if isinstance(handle, TriggerHandle) else None
        if event is None or handle not in event.phases[handle.phase]:
            raise ValueError(
                f"cannot remove system event trigger {handle!r}: it is not pending (it already "
                f"ran, was removed, or is not a trigger handle)"
            )
        event.phases[handle.phase].remove(handle)

    def fire(
        self,
        eventType: str,
        afterDuring: Callable[[], None] | None = None,
        onDone: Callable[[], None] | None = None,
    ) -> None:
        """Fire ``eventType``: run its phases, calling ``afterDuring`` between "during" and
        "after" and ``onDone`` at the end (possibly later, if "before" returned Deferreds)."""
        event = self._event(eventType)
        if event.firing is not None:
            log.debug("ignoring fireSystemEvent(%r): that event is already firing", eventType)
            return
        firing = event.firing = _Firing(afterDuring, onDone)
        waiting: list[Deferred[Any]] = []
        before = event.phases["before"]
        # Pop one at a time: triggers added by a trigger still run in this phase.
        while before and not firing.abandoned:
            result = self._call(before.pop(0))
            if isinstance(result, Deferred):
                waiting.append(result)
        if firing.abandoned:
            return
        if not waiting:
            self._finish(event, firing)
            return
        firing.waitingFor = len(waiting)

        def beforeDone(result: object) -> None:
            if isinstance(result, Failure):
                log.error(
                    "Deferred from a 'before' %r trigger failed:\n%s",
                    eventType,
                    result.getTraceback(),
                )
            firing.waitingFor -= 1
            if firing.waitingFor == 0 and not firing.abandoned:
                self._finish(event, firing)

        for d in waiting:
            d.addBoth(beforeDone)

    def abandonFirings(self, *eventTypes: str) -> None:
        """Abandon the firings in progress of ``eventTypes`` (the reactor crashed); their
        triggers that have not run yet stay queued for the next firing."""
        for eventType in eventTypes:
            event = self._events.get(eventType)
            if event is not None and event.firing is not None:
                event.firing.abandoned = True
                event.firing = None

    def pending(self, phase: str, eventType: str) -> list[TriggerHandle]:
        """The triggers not yet run for ``phase`` of ``eventType`` (a copy)."""
        event = self._events.get(eventType)
        return [] if event is None else list(event.phases[phase])

    def _event(self, eventType: str) -> _Event:
        event = self._events.get(eventType)
        if event is None:
            event = self._events[eventType] = _Event()
        return event

    def _finish(self, event: _Event, firing: _Firing) -> None:
        for phase in ("during", "after"):
            triggers = event.phases[phase]
            while triggers and not firing.abandoned:
                self._call(triggers.pop(0))
            if firing.abandoned:
                return
            if phase == "during" and firing.afterDuring is not None:
                firing.afterDuring()
        event.firing = None
        if firing.onDone is not None:
            firing.onDone()

    @staticmethod
    def _call(trigger: TriggerHandle) -> object:
        try:
            return trigger.func(*trigger.args, **trigger.kw)
        except Exception:
            log.exception("Unhandled error in %r", trigger)
            return None
