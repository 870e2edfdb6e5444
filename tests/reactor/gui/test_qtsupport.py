"""reactor.qtsupport: QtReactor, a reactor hosted on Qt's loop (PySide6, offscreen platform).

Real Qt, real sockets and threads. Every test that runs the reactor bounds the run
(``runQt``); the ``qtReactor`` fixture fails a test that leaves the reactor running or with
timers or descriptors, and closes it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from typing import Any

import pytest

from deferred import Deferred
from reactor.protocol import ClientFactory, Factory, Protocol
from tests.reactor.gui.conftest import ROOT, runExample

pytestmark = pytest.mark.usefixtures("qtApp")


def runQt(r: Any, timeout: float = 10.0) -> None:
    """``r.run()`` (no signal handlers); fail if it runs longer than ``timeout`` seconds."""
    timedOut: list[bool] = []

    def bail() -> None:
        timedOut.append(True)
        r.crash()

    guard = r.callLater(timeout, bail)
    try:
        r.run(installSignalHandlers=False)
    finally:
        if guard.active():
            guard.cancel()
    if timedOut:
        raise AssertionError(f"{r!r} did not stop within {timeout} s")


# --- the scenario: a signal starts a deferToThread, the result updates the widget -----


def test_signal_defers_to_thread_and_result_updates_widget_in_gui_thread(qtReactor: Any) -> None:
    from PySide6.QtCore import QThread
    from PySide6.QtWidgets import QLabel, QPushButton

    from threads import deferToThreadPool

    button = QPushButton("compute")
    label = QLabel("")
    workers: list[str] = []
    updates: list[tuple[str, bool]] = []

    def work(n: int) -> int:
        workers.append(threading.current_thread().name)
        return sum(range(n))

    def show(value: int) -> None:
        label.setText(str(value))
        onGuiThread = QThread.currentThread() is qtReactor.app.thread()
        updates.append((label.text(), onGuiThread))
        qtReactor.stop()

    def clicked() -> None:
        pool = qtReactor.getThreadPool()
        deferToThreadPool(qtReactor, pool, work, 100).addCallback(show)

    button.clicked.connect(clicked)
    qtReactor.callWhenRunning(button.click)
    runQt(qtReactor)
    assert updates == [("4950", True)]
    assert workers and workers[0] != threading.current_thread().name


# --- core behaviour on Qt's loop --------------------------------------------------------------


def test_timers_run_in_deadline_order(qtReactor: Any) -> None:
    fired: list[str] = []
    for name, delay in [("c", 0.03), ("a", 0.01), ("b", 0.02), ("a2", 0.01)]:
        qtReactor.callLater(delay, fired.append, name)
    qtReactor.callLater(0.04, qtReactor.stop)
    runQt(qtReactor)
    assert fired == ["a", "a2", "b", "c"]


def test_timer_never_fires_early(qtReactor: Any) -> None:
    lateness: list[float] = []
    start = qtReactor.seconds()
    qtReactor.callLater(
        0.015, lambda: (lateness.append(qtReactor.seconds() - start - 0.015), qtReactor.stop())
    )
    runQt(qtReactor)
    assert len(lateness) == 1 and lateness[0] >= 0


def test_earlier_timer_scheduled_later_rearms(qtReactor: Any) -> None:
    fired: list[str] = []
    qtReactor.callLater(5, fired.append, "late")  # armed first, far away
    qtReactor.callLater(0.01, lambda: (fired.append("early"), qtReactor.stop()))
    runQt(qtReactor)
    assert fired == ["early"]
    for call in qtReactor.getDelayedCalls():
        call.cancel()


def test_callFromThread_wakes_qt_loop(qtReactor: Any) -> None:
    ranIn: list[threading.Thread] = []

    def fromThread() -> None:
        qtReactor.callFromThread(
            lambda: (ranIn.append(threading.current_thread()), qtReactor.stop())
        )

    worker = threading.Thread(target=fromThread)
    qtReactor.callWhenRunning(worker.start)
    runQt(qtReactor)
    worker.join(5)
    assert ranIn == [threading.current_thread()]


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)

    def connectionLost(self, reason: Any) -> None:
        self.factory.lost.callback(None)


class OneShot(Protocol):
    """Sends a payload, collects the echo, closes once it has all of it."""

    def __init__(self, payload: bytes, done: Deferred[bytes]) -> None:
        self.payload = payload
        self.done = done
        self.received = bytearray()

    def connectionMade(self) -> None:
        self.transport.write(self.payload)

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if len(self.received) == len(self.payload):
            self.transport.loseConnection()

    def connectionLost(self, reason: Any) -> None:
        self.done.callback(bytes(self.received))


def test_tcp_echo_of_a_large_payload(qtReactor: Any) -> None:
    payload = os.urandom(2 * 1024 * 1024)
    serverFactory = Factory.forProtocol(Echo)
    serverFactory.lost = Deferred()
    port = qtReactor.listenTCP(0, serverFactory, interface="127.0.0.1")
    done: Deferred[bytes] = Deferred()
    factory = ClientFactory()
    factory.protocol = lambda: OneShot(payload, done)
    qtReactor.connectTCP("127.0.0.1", port.getHost().port, factory)
    echoed: list[bytes] = []
    done.addCallback(echoed.append)
    done.addCallback(lambda _: serverFactory.lost)
    done.addCallback(lambda _: port.stopListening())
    done.addCallback(lambda _: qtReactor.stop())
    runQt(qtReactor)
    assert echoed == [payload]


def test_reader_sees_data_and_hangup(qtReactor: Any) -> None:
    ours, theirs = socket.socketpair()
    got: list[bytes] = []

    class Reader:
        def fileno(self) -> int:
            return ours.fileno()

        def doRead(self) -> None:
            data = ours.recv(100)
            got.append(data)
            if not data:
                qtReactor.removeReader(self)
                qtReactor.stop()

        def connectionLost(self, reason: Any) -> None:
            pass

    qtReactor.addReader(Reader())
    qtReactor.callWhenRunning(theirs.sendall, b"ping")
    qtReactor.callLater(0.01, theirs.close)
    try:
        runQt(qtReactor)
    finally:
        ours.close()
        theirs.close()
    assert got == [b"ping", b""]


def test_writer_called_when_writable_until_removed(qtReactor: Any) -> None:
    ours, theirs = socket.socketpair()
    calls: list[None] = []

    class Writer:
        def fileno(self) -> int:
            return ours.fileno()

        def doWrite(self) -> None:
            calls.append(None)
            if len(calls) == 3:
                qtReactor.removeWriter(self)
                qtReactor.callLater(0.01, qtReactor.stop)

        def connectionLost(self, reason: Any) -> None:
            pass

    qtReactor.addWriter(Writer())
    try:
        runQt(qtReactor)
    finally:
        ours.close()
        theirs.close()
    assert len(calls) == 3


def test_adding_a_closed_descriptor_is_an_error(qtReactor: Any) -> None:
    sock = socket.socket()
    fd = sock.detach()
    os.close(fd)

    class Closed:
        def fileno(self) -> int:
            return fd

        def doRead(self) -> None:
            pass

        def connectionLost(self, reason: Any) -> None:
            pass

    with pytest.raises(OSError):
        qtReactor.addReader(Closed())
    assert qtReactor.getReaders() == []


def test_reactor_runs_stops_and_runs_again(qtReactor: Any) -> None:
    runs: list[int] = []
    for n in range(3):
        qtReactor.callLater(0, lambda n=n: (runs.append(n), qtReactor.stop()))
        runQt(qtReactor)
    assert runs == [0, 1, 2]


def test_iterate_dispatches_ready_timer(qtReactor: Any) -> None:
    fired: list[bool] = []
    qtReactor.callLater(0, fired.append, True)
    for _ in range(10):
        qtReactor.iterate(0.01)
        if fired:
            break
    assert fired == [True]


def test_run_inside_a_running_qt_loop_is_refused(qtReactor: Any) -> None:
    from PySide6.QtCore import QTimer

    errors: list[str] = []

    def tryRun() -> None:
        try:
            qtReactor.run(installSignalHandlers=False)
        except RuntimeError as e:
            errors.append(str(e))
        qtReactor.app.quit()

    QTimer.singleShot(0, tryRun)
    qtReactor.app.exec()
    assert len(errors) == 1 and "startRunning" in errors[0]
    assert not qtReactor.running


# --- guest mode and ending ---------------------------------------------------------------------


def test_guest_reactor_stops_while_qt_loop_goes_on(qtReactor: Any) -> None:
    from PySide6.QtCore import QTimer

    app = qtReactor.app
    events: list[str] = []

    def start() -> None:
        qtReactor.startRunning()
        events.append(f"running: {qtReactor.running}")
        qtReactor.callLater(0.01, qtReactor.stop)
        QTimer.singleShot(
            100, lambda: (events.append(f"qt goes on: {qtReactor.running}"), app.quit())
        )

    QTimer.singleShot(0, start)
    app.exec()
    assert events == ["running: True", "qt goes on: False"]


def test_qt_quitting_finishes_guest_reactor_shutdown(qtReactor: Any) -> None:
    from PySide6.QtCore import QTimer

    app = qtReactor.app
    events: list[str] = []

    def slowCleanUp() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        qtReactor.callLater(0.02, lambda: (events.append("cleaned up"), d.callback(None)))
        return d

    qtReactor.addSystemEventTrigger("before", "shutdown", slowCleanUp)

    def start() -> None:
        qtReactor.startRunning()
        QTimer.singleShot(10, app.quit)

    QTimer.singleShot(0, start)
    app.exec()
    events.append(f"exec returned, running: {qtReactor.running}")
    assert events == ["cleaned up", "exec returned, running: False"]
    assert not qtReactor.isInReactorThread()


def test_closing_last_window_stops_reactor(qtReactor: Any) -> None:
    from PySide6.QtWidgets import QWidget

    window = QWidget()
    window.show()
    events: list[str] = []
    qtReactor.addSystemEventTrigger("during", "shutdown", events.append, "shutdown")
    qtReactor.callLater(0.01, window.close)
    runQt(qtReactor)
    assert events == ["shutdown"]
    assert not qtReactor.running


def test_qt_exit_during_run_finishes_shutdown(qtReactor: Any) -> None:
    events: list[str] = []

    def slowCleanUp() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        qtReactor.callLater(0.02, lambda: (events.append("cleaned up"), d.callback(None)))
        return d

    qtReactor.addSystemEventTrigger("before", "shutdown", slowCleanUp)
    qtReactor.callLater(0.01, qtReactor.app.exit, 0)
    runQt(qtReactor)
    assert events == ["cleaned up"]
    assert not qtReactor.running


def test_crash_ends_run(qtReactor: Any) -> None:
    shutdowns: list[None] = []
    qtReactor.addSystemEventTrigger("during", "shutdown", shutdowns.append, None)
    qtReactor.callLater(0.01, qtReactor.crash)
    runQt(qtReactor)
    assert shutdowns == []
    assert not qtReactor.running


# --- interfaces, construction -------------------------------------------------------------------


def test_qt_reactor_provides_reactor_interfaces(qtReactor: Any) -> None:
    from zope.interface.verify import verifyObject

    from reactor.interfaces import (
        IReactorCore,
        IReactorFDSet,
        IReactorTCP,
        IReactorThreads,
        IReactorTime,
    )

    for interface in (IReactorCore, IReactorTime, IReactorThreads, IReactorFDSet, IReactorTCP):
        assert verifyObject(interface, qtReactor)


def test_qt_reactor_needs_an_application() -> None:
    code = (
        "from reactor.qtsupport import QtReactor\n"
        "try:\n    QtReactor()\nexcept RuntimeError as e:\n    print(e)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert "create the QApplication" in done.stdout


# --- the example --------------------------------------------------------------------------------


def test_qt_thread_example_runs() -> None:
    output = runExample("qt_thread.py", {"QT_QPA_PLATFORM": "offscreen"})
    assert output.splitlines() == [
        "label: 78498 primes (set in the GUI thread: True)",
        "reactor running: False",
    ]
