"""Run a reactor inside Tk's event loop: :func:`install` and :func:`uninstall`.

This module owns the *Tk host*, a small driver that lets ``root.mainloop()`` be the program's
loop while a treadle reactor -- any kind: the default epoll one, select, poll, asyncio -- does
the networking in the same thread. It does not own the reactor, Tk, or any widget, and it adds
no Tk-specific reactor class.

How two loops share one thread: Tk and the reactor both want to block waiting for events, and
one thread can block in only one place. Tk cannot wait on the reactor's descriptors, so Tk stays
the outer loop and lends the reactor slices of its time from ``root.after`` callbacks. Each
*tick*:

1. runs reactor passes, ``reactor.iterate(SLICE)``: each waits at most ``SLICE`` (1 ms) for I/O
   (less when a timer is due sooner), dispatches what is ready and runs the due timers. While
   passes keep returning before their slice ran out -- something woke them: I/O, a call from a
   thread, a timer -- the reactor is busy and gets another pass, up to ``BUDGET`` (4 ms) per
   tick, so a burst or a bulk transfer is not cut into 1 ms crumbs;
2. schedules the next tick after an adaptive gap, never later than the reactor's next timer.

The gap adapts to how busy the reactor is. After a busy tick it is the minimum, 1 ms. After a
quiet one (a pass waited its whole slice and nothing came) it doubles, up to ``maxInterval``
(10 ms by default, Twisted's figure, below what a person notices in a GUI): an idle application
costs ~90 short wake-ups a second instead of a busy loop, and the first message after a quiet
spell waits at most ``maxInterval``. The signal is exact, not a guess from timings: a wait that
ends before its timeout ended because the reactor had something to do. Tk never waits for the
reactor longer than ``BUDGET`` plus one slice, and the gap is never 0: a Tk timer that is always
due keeps Tk from reaching its idle callbacks, where it redraws.

What the host cannot see: a ``callLater`` or ``stop()`` made from a Tk callback (a button's
command), outside any reactor pass, is noticed at the next tick -- at most ``maxInterval`` late.
Everything that happens inside the reactor (its own timers, I/O, ``callFromThread``) is on time.

Rejected designs, and why:

* ``tkinter.createfilehandler`` -- Tk watching the reactor's descriptors, so Tk's own wait wakes
  for I/O. It is Unix-only (Windows' Tk has none); Tcl 8.6's notifier ``select()``\\ s the
  handlers from a helper thread (descriptors below 1024 only, one thread hop per event); and it
  would need a reactor class of its own, which sees every descriptor -- whereas ``install``
  hosts the reactor the program already has, of whatever kind.
* Twisted's direction (the reactor runs, and calls ``widget.update()`` every 10 ms): Tk then
  runs nested inside reactor callbacks, and any modal Tk loop (a dialog, a popup menu, a window
  drag on some platforms) freezes the reactor. Here a modal Tk loop still services ``after``
  callbacks, so the reactor keeps running underneath it.

Life cycle: :func:`install` starts the reactor (its "startup" triggers fire at once; from then
on it is ``running``) and returns a :class:`TkHost`. Closing the window stops the reactor; when
its "shutdown" triggers are done the window is destroyed and ``mainloop()`` returns. A
``reactor.stop()`` from code ends the same way. Destroying the window directly (``root.destroy()``)
stops the reactor too and finishes its shutdown on the spot. :func:`uninstall` stops the
reactor, finishes its shutdown and detaches, leaving the window alone; the reactor may then be
run again, or installed again.

The host drives the reactor through the core's host hooks (``_begin``/``_end``, and the timer
queue's ``nextDeadline`` so a tick never oversleeps a timer), the same ones
``AsyncioReactor.startRunning`` uses: it lives in the ``reactor`` package for that reason.

Threads: Tk, the host and the reactor all belong to the thread that created the Tk root. Other
threads talk to the reactor through ``callFromThread`` as usual (its waker ends the current
slice at once; between ticks the call waits for the next one).
"""

from __future__ import annotations

import logging
import math
import time
import tkinter
from typing import TYPE_CHECKING

from reactor._state import State

if TYPE_CHECKING:
    from reactor._core import Reactor

__all__ = ["BUDGET", "SLICE", "TkHost", "install", "uninstall"]

log = logging.getLogger("reactor")

#: Longest single wait for I/O inside a tick (seconds). Tk input waits at most this long when
#: the reactor is idle; epoll/poll round timeouts to milliseconds anyway.
SLICE = 0.001
#: Most time one tick keeps running passes while the reactor stays busy (seconds): a quarter
#: of a 60 Hz frame, so a busy reactor never makes Tk visibly late.
BUDGET = 0.004
# The shortest gap between ticks, in milliseconds: never 0 (module docstring).
_MIN_GAP_MS = 1

# Hosts by reactor, for uninstall(). Touched only by the thread running Tk.
_hosts: dict[Reactor, TkHost] = {}


class TkHost:
    """The driver running one reactor inside one Tk root's loop. Made by :func:`install`.

    All of its state belongs to the Tk thread.
    """

    def __init__(self, root: tkinter.Tk, reactor: Reactor, maxInterval: float) -> None:
        if not maxInterval >= SLICE:
            raise ValueError(f"maxInterval must be at least {SLICE} s, not {maxInterval!r}")
        self.root = root
        self.reactor = reactor
        self._maxGapMs = max(_MIN_GAP_MS, round(maxInterval * 1000))
        self._gapMs = _MIN_GAP_MS
        # The pending after() id of the next tick; None while a tick runs or once detached.
        self._afterId: str | None = None
        self._attached = False
        # Whether the window goes when the reactor has stopped (not after uninstall()).
        self._destroyRootWhenDone = True
        self._oldCloseCommand = ""
        self._closeCommand = ""
        # A bind tag of our own on the root only: children's bindtags name the root's path,
        # never this tag, so "<Destroy>" here is the root's own destruction.
        self._tag = f"treadleTkHost{id(self)}"

    @property
    def interval(self) -> float:
        """The current gap between ticks when no timer is due sooner, in seconds.

        1 ms while the reactor is busy, doubling after each quiet tick up to ``maxInterval``.
        """
        return self._gapMs / 1000

    @property
    def installed(self) -> bool:
        """Whether this host still drives its reactor."""
        return self._attached

    # --- attaching --------------------------------------------------------------------------

    def _attach(self) -> None:
        root = self.root
        if not root.winfo_exists():
            raise ValueError(f"cannot install into {root!r}: it was destroyed")
        # Fire "startup" first, as nothing needs undoing if the reactor refuses (it runs
        # already). From here callWhenRunning callbacks see a running reactor at once, and
        # reactor.run() is refused while hosted.
        self.reactor._begin()
        try:
            self._oldCloseCommand = str(root.protocol("WM_DELETE_WINDOW"))
            self._closeCommand = root.register(self._windowClosed)
            root.protocol("WM_DELETE_WINDOW", self._closeCommand)
            root.bindtags((self._tag, *root.bindtags()))
            root.bind_class(self._tag, "<Destroy>", self._rootDestroyed)
            self._schedule(0)
        except BaseException:
            # Tk refused (the root went away during startup): leave the reactor as we found it.
            self.reactor.crash()
            self.reactor._end()
            raise
        self._attached = True

    def _detach(self) -> None:
        """Stop ticking and give the window back; the reactor must be idle by now."""
        if not self._attached:
            return
        self._attached = False
        _hosts.pop(self.reactor, None)
        self.reactor._end()
        root = self.root
        try:
            if self._afterId is not None:
                root.after_cancel(self._afterId)
            root.bindtags(tuple(t for t in root.bindtags() if t != self._tag))
            root.unbind_class(self._tag, "<Destroy>")
            if root.protocol("WM_DELETE_WINDOW") == self._closeCommand:
                root.protocol("WM_DELETE_WINDOW", self._oldCloseCommand)
            root.deletecommand(self._closeCommand)
        except tkinter.TclError:
            # The window is already gone (we are detaching from its <Destroy>): nothing to undo.
            pass
        self._afterId = None

    # --- ticking ----------------------------------------------------------------------------

    def _schedule(self, delayMs: int) -> None:
        self._afterId = self.root.after(max(delayMs, _MIN_GAP_MS), self._tick)

    def _tick(self) -> None:
        self._afterId = None
        reactor = self.reactor
        busy = False
        start = time.monotonic()
        try:
            while True:
                before = time.monotonic()
                reactor.iterate(SLICE)
                now = time.monotonic()
                if _idle(reactor):
                    self._finished()
                    return
                if now - before >= SLICE or now - start >= BUDGET:
                    # A quiet pass (it waited the whole slice), or this tick's budget is spent.
                    busy = busy or now - before < SLICE
                    break
                busy = True
        except BaseException:
            # Only non-Exception errors get out of iterate() (KeyboardInterrupt, SystemExit):
            # as they end reactor.run(), they end the hosting -- crash, detach, pass them on.
            self._destroyRootWhenDone = False
            reactor.crash()
            self._detach()
            raise
        self._gapMs = _MIN_GAP_MS if busy else min(self._gapMs * 2, self._maxGapMs)
        self._schedule(self._untilNextTick())

    def _untilNextTick(self) -> int:
        gapMs = self._gapMs
        deadline = self.reactor._timers.nextDeadline()
        if deadline is not None:
            # Rounded up: waking a hair early would only find the timer not yet due.
            untilMs = math.ceil((deadline - time.monotonic()) * 1000)
            if untilMs < gapMs:
                return untilMs
        return gapMs

    def _finished(self) -> None:
        """The reactor reached idle (stopped, or crashed): detach, and end the Tk loop."""
        destroy = self._destroyRootWhenDone
        self._detach()
        if destroy:
            try:
                self.root.destroy()
            except tkinter.TclError:
                pass

    def _pokeSoon(self) -> None:
        """Tick at the next chance (a stop was requested from outside a reactor pass)."""
        if self._afterId is not None:
            self.root.after_cancel(self._afterId)
        self._gapMs = _MIN_GAP_MS
        self._schedule(_MIN_GAP_MS)

    # --- ending -----------------------------------------------------------------------------

    def _windowClosed(self) -> None:
        """WM_DELETE_WINDOW: stop the reactor; the window goes once its shutdown is done."""
        reactor = self.reactor
        if reactor._state in (State.STARTING, State.RUNNING):
            reactor.stop()
            self._pokeSoon()
        elif _idle(reactor):
            self._finished()
        # Already stopping: the shutdown under way ends with the window closing.

    def _rootDestroyed(self, event: tkinter.Event[tkinter.Misc]) -> None:
        """The root is being destroyed under us: finish the reactor's shutdown right here."""
        self._destroyRootWhenDone = False
        self._finishNow()

    def uninstall(self) -> None:
        """Stop the reactor if it runs, finish its shutdown now, and detach from Tk.

        The window stays. Blocks the Tk thread until the "shutdown" triggers are done (as
        ``reactor.run()`` would before returning). Idempotent.
        """
        self._destroyRootWhenDone = False
        self._finishNow()

    def _finishNow(self) -> None:
        if not self._attached:
            return
        reactor = self.reactor
        if reactor._state in (State.STARTING, State.RUNNING):
            reactor.stop()
        while not _idle(reactor):
            reactor.iterate(0.01)
        self._detach()

    def __repr__(self) -> str:
        state = "attached" if self._attached else "detached"
        return f"<TkHost {state} {self.reactor!r} in {self.root!r}>"


def _idle(reactor: Reactor) -> bool:
    # STARTING looks like IDLE through the public ``running``/``stopping``: read the state.
    return reactor._state is State.IDLE


def install(
    root: tkinter.Tk, reactor: Reactor | None = None, *, maxInterval: float = 0.01
) -> TkHost:
    """Run ``reactor`` (default: the global one) inside ``root``'s Tk event loop.

    The reactor starts now (its "startup" triggers fire before this returns); then run Tk as
    usual with ``root.mainloop()``. Closing the window, or ``reactor.stop()``, stops the reactor
    and, once its shutdown is done, destroys the window so ``mainloop()`` returns. ``maxInterval``
    is the longest gap between reactor passes when the reactor is idle (see the module
    docstring). Call it from the thread that created ``root``; no signal handlers are installed.

    :raises ReactorAlreadyRunning: if the reactor is running (or hosted) already.
    :raises ValueError: if ``maxInterval`` is below one slice (1 ms).
    """
    if reactor is None:
        from reactor._default import getDefault

        reactor = getDefault()
    host = TkHost(root, reactor, maxInterval)
    if reactor in _hosts:
        from reactor.error import ReactorAlreadyRunning

        raise ReactorAlreadyRunning(f"{reactor!r} is already installed in {_hosts[reactor]!r}")
    host._attach()
    _hosts[reactor] = host
    return host


def uninstall(reactor: Reactor | None = None) -> None:
    """Detach ``reactor`` from Tk after stopping it (see :meth:`TkHost.uninstall`).

    ``reactor`` defaults to the only installed one.

    :raises ValueError: if it is not installed, or it is omitted and several are.
    """
    if reactor is None:
        if len(_hosts) != 1:
            raise ValueError(
                f"uninstall() needs the reactor: {len(_hosts)} reactors are installed in Tk"
            )
        host = next(iter(_hosts.values()))
    else:
        found = _hosts.get(reactor)
        if found is None:
            raise ValueError(f"{reactor!r} is not installed in Tk")
        host = found
    host.uninstall()
