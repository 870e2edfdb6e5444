"""GUI hosting workloads: timer and I/O latency of a reactor hosted in Tk and in Qt.

The same workload body runs on three *hosts* of one treadle reactor:

* ``treadle``: a plain ``EPollReactor`` running its own loop (the reference);
* ``tk``: an ``EPollReactor`` inside Tk's ``mainloop()`` through ``reactor.tksupport`` (default
  ``maxInterval``, 10 ms), on an X server: ``$DISPLAY`` if set, else a private Xvfb;
* ``qt``: a ``reactor.qtsupport.QtReactor`` on a PySide6 ``QApplication`` (the ``offscreen``
  platform unless ``QT_QPA_PLATFORM`` says otherwise).

The figures that matter are the *metrics* under the table: lateness percentiles. ops/s mostly
reflects the fixed delays each run waits through, so the ratios say little beyond "same work".

* ``gui_timer_latency``: timers of 5 ms, each scheduled by the previous one's callback; metric:
  how late each ran (µs p50/p99) against its deadline.
* ``gui_io_latency_idle``: a thread writes a timestamp on a socket every 5 ms (sleeping between
  writes, so the host goes quiet in between -- what a GUI application sees); the reactor's reader
  records how long after the write ``doRead`` ran (µs p50/p99).
* ``gui_io_latency_busy``: the same, back to back: the next write as soon as the reader got the
  previous one (a burst; Tk's host then stays in its busy mode).

The X server (when started here) and the Qt application are made on first use and live as long
as the process: Tk keeps its display connection until the process exits, and Qt allows one
application per process. Threads and Xvfb inherit the runner's CPU pinning, so the host, the
writer thread and the X server share one CPU. A missing Tk, Xvfb or PySide6 skips that host.

This module owns the hosts and the workload bodies; measuring and reporting live in
`benchmarks.runner`.
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.workload import Implementation, Run, Setup, Workload

#: Delay of every timer in gui_timer_latency (seconds).
TIMER_DELAY = 0.005
#: Pause between writes in gui_io_latency_idle (seconds): half of Tk's default maxInterval.
IDLE_GAP = 0.005

_STAMP = struct.Struct("d")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _latencyMetrics(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "µs p50": _percentile(values, 0.50) * 1e6,
        "µs p99": _percentile(values, 0.99) * 1e6,
    }


# --- process-wide GUI resources ------------------------------------------------------------------

# Made on first use by the thread running the benchmarks; kept until the process exits.
_display: str | None = None
_qtApplication: Any = None


def _ensureDisplay() -> str:
    """``$DISPLAY``, or a private Xvfb started now and killed at exit."""
    global _display
    if _display is not None:
        return _display
    if os.environ.get("DISPLAY"):
        _display = os.environ["DISPLAY"]
        return _display
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise ImportError("no $DISPLAY and no Xvfb to start one (apt-get install xvfb)")
    readEnd, writeEnd = os.pipe()
    try:
        server = subprocess.Popen(
            [xvfb, "-displayfd", str(writeEnd), "-nolisten", "tcp"],
            pass_fds=(writeEnd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        os.close(writeEnd)
    with os.fdopen(readEnd, "rb") as announcement:
        ready, _, _ = select.select([announcement], [], [], 10)
        number = announcement.readline().strip().decode() if ready else ""
    if not number.isdigit():
        server.kill()
        server.wait()
        raise RuntimeError("Xvfb did not announce its display within 10 s")

    def stopServer() -> None:
        server.terminate()
        server.wait(5)

    atexit.register(stopServer)
    _display = os.environ["DISPLAY"] = f":{number}"
    return _display


def _ensureQtApplication() -> Any:
    global _qtApplication
    if _qtApplication is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        _qtApplication = QApplication.instance() or QApplication(["treadle-benchmarks"])
    return _qtApplication


# --- hosts ----------------------------------------------------------------------------------------


class _Host:
    """One way of running a reactor: ``run()`` until ``finish()`` is called from a callback."""

    reactor: Any

    def run(self) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self.reactor.close()


class _PlainHost(_Host):
    def __init__(self) -> None:
        from reactor import EPollReactor

        self.reactor = EPollReactor()

    def run(self) -> None:
        self.reactor.run(installSignalHandlers=False)

    def finish(self) -> None:
        self.reactor.stop()


class _TkHost(_Host):
    def __init__(self) -> None:
        import tkinter

        from reactor import EPollReactor

        _ensureDisplay()
        self.root = tkinter.Tk()
        self.reactor = EPollReactor()

    def run(self) -> None:
        from reactor import tksupport

        self._installed = tksupport.install(self.root, self.reactor)
        self.root.mainloop()

    def finish(self) -> None:
        # Uninstalling runs the reactor's shutdown: do it from Tk, not inside a reactor pass.
        self.root.after(0, self._end)

    def _end(self) -> None:
        self._installed.uninstall()
        self.root.quit()

    def close(self) -> None:
        self.root.destroy()
        self.reactor.close()


class _QtHost(_Host):
    def __init__(self) -> None:
        from reactor.qtsupport import QtReactor

        self.reactor = QtReactor(_ensureQtApplication())

    def run(self) -> None:
        self.reactor.run(installSignalHandlers=False)

    def finish(self) -> None:
        self.reactor.stop()


HOSTS: dict[str, tuple[Callable[[], _Host], tuple[str, ...]]] = {
    "treadle": (_PlainHost, ("reactor",)),
    "tk": (_TkHost, ("tkinter",)),
    "qt": (_QtHost, ("PySide6",)),
}


# --- gui_timer_latency ----------------------------------------------------------------------------


class _TimerRun:
    """One run: ``size`` timers of TIMER_DELAY, each scheduled by the previous one."""

    def __init__(self, host: _Host, size: int) -> None:
        self._host = host
        self._size = size
        # Lateness of every timer of every run, in seconds. The host's thread only.
        self._lateness: list[float] = []

    def __call__(self) -> object:
        host = self._host
        r = host.reactor
        clock = time.monotonic  # the reactors' clock
        record = self._lateness.append
        size = self._size
        fired = 0

        def fire(due: float) -> None:
            nonlocal fired
            record(clock() - due)
            fired += 1
            if fired == size:
                host.finish()
            else:
                schedule()

        def schedule() -> None:
            r.callLater(TIMER_DELAY, fire, clock() + TIMER_DELAY)

        r.callWhenRunning(schedule)
        host.run()
        return fired

    def metrics(self) -> dict[str, float]:
        """Timer lateness p50/p99 in microseconds, over every timer so far."""
        return _latencyMetrics(self._lateness)


def _timerSetup(makeHost: Callable[[], _Host]) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        host = makeHost()
        try:
            yield _TimerRun(host, size)
        finally:
            host.close()

    return setup


# --- gui_io_latency_idle / _busy ------------------------------------------------------------------


class _StampReader:
    """A reader on one end of a socket pair: each 8-byte stamp read is a send time."""

    def __init__(self, sock: socket.socket, arrived: Callable[[float], None]) -> None:
        self._sock = sock
        self._arrived = arrived

    def fileno(self) -> int:
        return self._sock.fileno()

    def doRead(self) -> None:
        data = self._sock.recv(4096)
        now = time.perf_counter()
        for (sent,) in _STAMP.iter_unpack(data):
            self._arrived(now - sent)

    def connectionLost(self, reason: object) -> None:
        pass


class _IORun:
    """One run: a writer thread sends ``size`` stamps, each after the previous one arrived (and
    ``gap`` seconds of sleep); the host's reader records each stamp's latency."""

    def __init__(self, host: _Host, size: int, gap: float) -> None:
        self._host = host
        self._size = size
        self._gap = gap
        # Write -> doRead latency of every stamp of every run, in seconds. Host thread only.
        self._latencies: list[float] = []
        self._ours, self._theirs = socket.socketpair()
        self._ours.setblocking(False)

    def __call__(self) -> object:
        host = self._host
        r = host.reactor
        size = self._size
        gap = self._gap
        record = self._latencies.append
        theirs = self._theirs
        # Released by the host when a stamp arrived, acquired by the writer before it sends
        # the next one: a binary semaphore between the two threads.
        arrivedLock = threading.Lock()
        arrivedLock.acquire()
        arrived = 0

        def onArrival(latency: float) -> None:
            nonlocal arrived
            record(latency)
            arrived += 1
            if arrived == size:
                r.removeReader(reader)
                host.finish()
            arrivedLock.release()

        def write() -> None:
            for _ in range(size):
                if gap:
                    time.sleep(gap)
                theirs.sendall(_STAMP.pack(time.perf_counter()))
                if not arrivedLock.acquire(timeout=10):
                    r.callFromThread(host.finish)
                    return

        reader = _StampReader(self._ours, onArrival)
        r.addReader(reader)
        writer = threading.Thread(target=write, name="gui-benchmark-writer")
        r.callWhenRunning(writer.start)
        host.run()
        writer.join(10)
        return arrived

    def metrics(self) -> dict[str, float]:
        """Write -> doRead latency p50/p99 in microseconds, over every stamp so far."""
        return _latencyMetrics(self._latencies)

    def close(self) -> None:
        self._ours.close()
        self._theirs.close()


def _ioSetup(makeHost: Callable[[], _Host], gap: float) -> Setup:
    @contextmanager
    def setup(size: int) -> Iterator[Run]:
        host = makeHost()
        run = _IORun(host, size, gap)
        try:
            yield run
        finally:
            run.close()
            host.close()

    return setup


# --- registration ---------------------------------------------------------------------------------


def _implementations(
    setupFor: Callable[[Callable[[], _Host]], Setup],
) -> tuple[Implementation, ...]:
    return tuple(
        Implementation(name, setupFor(make), requires=requires)
        for name, (make, requires) in HOSTS.items()
    )


_HOSTED = "the plain epoll reactor (treadle), hosted in Tk's mainloop (tk), QtReactor (qt)"

WORKLOADS = [
    Workload(
        name="gui_timer_latency",
        description=(
            f"{_HOSTED}: 20 timers of {TIMER_DELAY * 1000:g} ms one after the other; metrics: "
            "how late each ran, p50/p99"
        ),
        unit="timers",
        size=20,
        smokeSize=2,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(_timerSetup),
    ),
    Workload(
        name="gui_io_latency_idle",
        description=(
            f"{_HOSTED}: a thread writes 20 stamps on a socket, {IDLE_GAP * 1000:g} ms apart; "
            "metrics: write -> doRead latency p50/p99; all on one CPU"
        ),
        unit="reads",
        size=20,
        smokeSize=2,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(lambda make: _ioSetup(make, IDLE_GAP)),
    ),
    Workload(
        name="gui_io_latency_busy",
        description=(
            f"{_HOSTED}: a thread writes 200 stamps on a socket back to back (each once the "
            "previous was read); metrics: write -> doRead latency p50/p99; all on one CPU"
        ),
        unit="reads",
        size=200,
        smokeSize=2,
        opsPerRun=lambda size: size,
        expected=lambda size: size,
        implementations=_implementations(lambda make: _ioSetup(make, 0)),
    ),
]
