"""A reactor hosted on Qt's event loop: :class:`QtReactor` (PySide6).

This module owns :class:`QtReactor`: the same core as every other reactor
(:mod:`reactor._core`), with Qt doing the waiting. Readers and writers become
``QSocketNotifier``\\ s, the waker is one more notifier, and the timer heap arms one single-shot
precise ``QTimer`` for its earliest deadline (re-armed through ``TimerQueue.onEarlierDeadline``
whenever an earlier call is scheduled, and after each run of due calls) -- the shape of
:class:`reactor._asyncio.AsyncioReactor`, with Qt objects instead of loop handles. Qt's own
timers, signals and widgets are untouched and run in the same thread: a Deferred's callbacks
may update widgets directly, and a widget's signal may start reactor work directly.

It does not own the ``QApplication`` (create it first, and keep it for the process: Qt allows
one), any widget, or Qt's loop when Qt runs it.

Two ways to run it, as with the asyncio host:

* ``run()`` runs the application's loop (``app.exec()``) until the reactor stops, and the
  reactor's stopping ends it;
* ``startRunning()`` starts the reactor as a guest of a Qt loop the program runs itself
  (``app.exec()``); ``stop()`` then shuts the reactor down and Qt's loop goes on.

Ending: whenever ``app.exec()`` ends while the reactor still runs -- ``app.quit()``, or Qt's
own quitting when the last window closes -- the reactor is stopped and its "shutdown" triggers
are finished on the spot, pumping Qt's events, before control goes back. So closing the last
window stops the reactor, in both ways of running it. (``run()`` uses ``app.exec()`` rather than
a ``QEventLoop`` of its own for this reason: Qt quits on the last window's closing, and emits
``lastWindowClosed``, only inside ``app.exec()``.)

Rejected: ``AsyncioReactor`` on PySide6's ``QtAsyncio`` loop, which would be no new code. That
loop is not in PySide6-Essentials (the Addons wheel has it), is a technical preview, and has
no ``add_reader``/``add_writer`` -- the one loop method the asyncio host needs for every
transport. A ``QSocketNotifier`` per descriptor is what Qt's own networking uses; through
glib's or Qt's Unix dispatcher it is one ``poll()`` entry, without a helper thread.

Notifiers are kept per descriptor number and only enabled and disabled, never deleted while the
reactor lives: a descriptor's ``doRead`` that closes the connection disables the very notifier
that is emitting, and deleting a Qt object from inside its own signal is unsafe. A number that a
new file reuses gets the old, disabled notifier enabled again (a notifier holds only the number).

Threads: a QtReactor belongs to the thread that created it, which must run a Qt event loop
(normally the GUI thread); create it there. Other threads use ``callFromThread``.
"""

from __future__ import annotations

import math
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QSocketNotifier, Qt, QThread, QTimer
from zope.interface import classImplements  # type: ignore[import-untyped]

from reactor._core import Reactor
from reactor._state import State
from reactor.backends import READ, WRITE
from reactor.error import WrongThreadError
from reactor.interfaces import IReactorTCP

if TYPE_CHECKING:
    from collections.abc import Callable

    from reactor.tcp import Connector, Port

__all__ = ["QtReactor"]

_READ_NOTIFIER = QSocketNotifier.Type.Read
_WRITE_NOTIFIER = QSocketNotifier.Type.Write


class QtReactor(Reactor):
    """A reactor hosted on Qt's event loop (see the module docstring).

    ``app`` defaults to the running ``QCoreApplication.instance()``.

    :raises RuntimeError: if there is no Qt application yet.
    """

    def __init__(self, app: QCoreApplication | None = None) -> None:
        if app is None:
            app = QCoreApplication.instance()
            if app is None:
                raise RuntimeError(
                    "create the QApplication (or QCoreApplication) before the QtReactor"
                )
        super().__init__()
        self._app = app
        # fd -> notifier, one table per direction, kept for the reactor's life (module
        # docstring); fd -> READ|WRITE currently enabled. Reactor thread only, like all below.
        self._readNotifiers: dict[int, QSocketNotifier] = {}
        self._writeNotifiers: dict[int, QSocketNotifier] = {}
        self._enabled: dict[int, int] = {}
        # The Qt timer standing for our earliest deadline, and that deadline (None: unarmed).
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._onTimer)
        self._armedDeadline: float | None = None
        self._timers.onEarlierDeadline = self._armTimer
        self._wakerNotifier = QSocketNotifier(self._waker.fileno(), _READ_NOTIFIER)
        self._wakerNotifier.activated.connect(self._onWaker)
        # True while run() drives the application's loop; _inExec while app.exec() runs for
        # it (reaching IDLE then ends it); _pumping while _finishShutdown pumps events.
        self._drivingApp = False
        self._inExec = False
        self._pumping = False
        app.aboutToQuit.connect(self._qtQuitting)

    @property
    def app(self) -> QCoreApplication:
        """The Qt application whose loop this reactor runs on."""
        return self._app

    # --- running ----------------------------------------------------------------------------

    def _checkCanRun(self) -> None:
        if QThread.currentThread().loopLevel() > 0:
            raise RuntimeError(
                "cannot run(): a Qt event loop is already running in this thread; from a slot "
                "or callback on that loop use reactor.startRunning() instead"
            )

    def _runLoop(self) -> None:
        self._drivingApp = True
        try:
            self._advance()
            if not self._stopped():
                self._inExec = True
                try:
                    self._app.exec()
                finally:
                    self._inExec = False
            if not self._stopped():
                # app.exec() ended under us (app.quit(), the last window closed).
                self._finishShutdown()
        finally:
            self._drivingApp = False

    def _stopped(self) -> bool:
        """Whether the reactor is idle (or closed): no loop needs to run for it."""
        return self._state is State.IDLE or self._state is State.CLOSED

    def startRunning(self) -> None:
        """Start the reactor as a guest of the Qt loop the program runs (``app.exec()``).

        Returns at once; the "startup" triggers have fired (or wait for their Deferreds).
        ``stop()`` shuts the reactor down and the Qt loop keeps running. No signal handlers are
        installed.

        :raises ReactorAlreadyRunning: if the reactor is running already.
        """
        self._begin()

    def iterate(self, delay: float = 0) -> None:
        """Process one batch of Qt events, waiting at most ``delay`` seconds for one.

        Qt events of every kind count (a repaint ends the wait as I/O does).

        :raises WrongThreadError: if another thread is running the reactor.
        """
        outer = self._loopThread
        if outer is not None and outer != threading.get_ident():
            raise WrongThreadError("iterate() was called while another thread runs the reactor")
        if outer is None:
            self._loopThread = threading.get_ident()
        try:
            self._advance()
            if delay > 0:
                # processEvents(WaitForMoreEvents) waits for any event: this timer is one.
                bound = QTimer()
                bound.setSingleShot(True)
                bound.start(math.ceil(delay * 1000))
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
                bound.stop()
            else:
                QCoreApplication.processEvents()
        finally:
            self._loopThread = outer

    def _stateChanged(self) -> None:
        state = self._state
        if state is State.STOP_REQUESTED:
            # Begin the shutdown from Qt's loop, after the current callback (as a pass would).
            QTimer.singleShot(0, self._advance)
        elif state is State.IDLE:
            if self._inExec:
                self._app.exit(0)
            elif not self._drivingApp and not self._pumping:
                # A guest (startRunning): nobody else leaves the loop thread for us.
                self._loopThread = None

    def _finishShutdown(self) -> None:
        """Stop the reactor if need be, then pump Qt's events until its shutdown is done."""
        if self._state in (State.STARTING, State.RUNNING):
            self.stop()
        self._pumping = True
        try:
            while not self._stopped():
                self._advance()
                QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        finally:
            self._pumping = False

    def _qtQuitting(self) -> None:
        # QCoreApplication.aboutToQuit: app.exec() is returning. A guest reactor must not be
        # left running without a loop.
        if not self._drivingApp and not self._stopped():
            self._finishShutdown()
            self._loopThread = None

    # --- descriptors ------------------------------------------------------------------------

    def _watch(self, fd: int, events: int) -> None:
        old = self._enabled.get(fd, 0)
        if events & ~old:
            # Qt would take a closed descriptor silently and then complain from its poll():
            # fail here, as the other hosts do.
            os.fstat(fd)
        if (events ^ old) & READ:
            self._notifier(self._readNotifiers, fd, _READ_NOTIFIER).setEnabled(bool(events & READ))
        if (events ^ old) & WRITE:
            self._notifier(self._writeNotifiers, fd, _WRITE_NOTIFIER).setEnabled(
                bool(events & WRITE)
            )
        if events:
            self._enabled[fd] = events
        else:
            self._enabled.pop(fd, None)

    def _notifier(
        self, table: dict[int, QSocketNotifier], fd: int, kind: QSocketNotifier.Type
    ) -> QSocketNotifier:
        notifier = table.get(fd)
        if notifier is None:
            notifier = QSocketNotifier(fd, kind)
            notifier.setEnabled(False)
            ready: Callable[[int], bool] = (
                self._readReady if kind is _READ_NOTIFIER else self._writeReady
            )

            def activated(*_: Any) -> None:
                ready(fd)

            notifier.activated.connect(activated)
            table[fd] = notifier
        return notifier

    def _onWaker(self, *_: Any) -> None:
        self._wokenUp()

    # --- time -------------------------------------------------------------------------------

    def _armTimer(self, deadline: float) -> None:
        armed = self._armedDeadline
        if armed is not None and armed <= deadline:
            return
        self._armedDeadline = deadline
        # Qt timers count whole milliseconds: round up, so the timer never fires before its
        # deadline (0 means "once the pending events are processed").
        self._timer.start(max(0, math.ceil((deadline - time.monotonic()) * 1000)))

    def _onTimer(self) -> None:
        self._armedDeadline = None
        try:
            self._runDueTimers()
        finally:
            deadline = self._timers.nextDeadline()
            if deadline is not None:
                self._armTimer(deadline)

    # --- TCP (reactor.tcp, imported on first use): these only delegate ----------------------

    def listenTCP(self, port: int, factory: Any, backlog: int = 50, interface: str = "") -> Port:
        """Listen on ``interface``:``port`` for ``factory``; see :func:`reactor.tcp.listenTCP`."""
        from reactor.tcp import listenTCP

        return listenTCP(self, port, factory, backlog, interface)

    def connectTCP(
        self,
        host: str,
        port: int,
        factory: Any,
        timeout: float = 30,
        bindAddress: tuple[str, int] | None = None,
    ) -> Connector:
        """Connect to ``host``:``port`` for ``factory``; see :func:`reactor.tcp.connectTCP`."""
        from reactor.tcp import connectTCP

        return connectTCP(self, host, port, factory, timeout, bindAddress)

    # --- closing ----------------------------------------------------------------------------

    def _closeHost(self) -> None:
        self._timer.stop()
        self._timer.timeout.disconnect(self._onTimer)
        self._wakerNotifier.setEnabled(False)
        for table in (self._readNotifiers, self._writeNotifiers):
            for notifier in table.values():
                notifier.setEnabled(False)
            table.clear()
        self._enabled.clear()
        self._app.aboutToQuit.disconnect(self._qtQuitting)

    def __repr__(self) -> str:
        return f"<QtReactor {self._state.value}>"


classImplements(QtReactor, IReactorTCP)
