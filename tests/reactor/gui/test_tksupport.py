"""reactor.tksupport: a reactor hosted in Tk's own loop, on a private Xvfb display.

Real Tk, real reactors, real sockets: each test runs ``root.mainloop()`` under a time bound
(``runTk``) and leaves no window, timer, descriptor or thread behind. "Closing the window" is
simulated as a window manager does it: by running the root's WM_DELETE_WINDOW command.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

try:
    import tkinter
except ImportError:  # Python built without Tk: skip, but never on CI (see conftest)
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("tkinter is not available", allow_module_level=True)

from deferred import Deferred
from reactor import Reactor, tksupport
from reactor.error import ReactorAlreadyRunning
from reactor.protocol import ClientFactory, Factory
from reactor.protocols.basic import LineReceiver
from tests.reactor.gui.conftest import EXAMPLES, rootExists, runExample, runTk


def closeWindow(root: tkinter.Tk) -> None:
    """What the window manager does when the user closes the window."""
    root.tk.call(root.protocol("WM_DELETE_WINDOW"))


# --- the scenario: a button sends a line over TCP, a label shows the echo -------------


class Echo(LineReceiver):
    """Sends every line back; fires ``factory.lost`` when its connection is gone."""

    def lineReceived(self, line: bytes) -> None:
        self.sendLine(line)

    def connectionLost(self, reason: Any) -> None:
        self.factory.lost.callback(None)


class LabelClient(LineReceiver):
    """Shows each received line in ``label``; remembers itself in ``clients``."""

    def __init__(self, label: tkinter.Label, clients: list[LabelClient]) -> None:
        self.label = label
        self.clients = clients

    def connectionMade(self) -> None:
        self.clients.append(self)

    def lineReceived(self, line: bytes) -> None:
        self.label["text"] = line.decode()


@pytest.mark.reactor("all")
def test_button_press_sends_line_and_label_shows_echo(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    clients: list[LabelClient] = []
    label = tkinter.Label(tkRoot, text="")
    entry = tkinter.Entry(tkRoot)
    entry.insert(0, "over TCP and back")
    button = tkinter.Button(tkRoot, command=lambda: clients[0].sendLine(entry.get().encode()))
    seen: list[str] = []

    tksupport.install(tkRoot, reactor)
    serverFactory = Factory.forProtocol(Echo)
    serverFactory.lost = Deferred()
    port = reactor.listenTCP(0, serverFactory, interface="127.0.0.1")
    factory = ClientFactory()
    factory.protocol = lambda: LabelClient(label, clients)
    reactor.connectTCP("127.0.0.1", port.getHost().port, factory)

    def pressWhenConnected() -> None:
        if not clients:
            tkRoot.after(5, pressWhenConnected)
            return
        button.invoke()  # a real press: the button's command runs from Tk's loop
        waitForEcho()

    def waitForEcho() -> None:
        if not label["text"]:
            tkRoot.after(5, waitForEcho)
            return
        seen.append(label["text"])
        clients[0].transport.loseConnection()
        serverFactory.lost.addCallback(lambda _: port.stopListening())
        serverFactory.lost.addCallback(lambda _: reactor.stop())

    tkRoot.after(0, pressWhenConnected)
    runTk(tkRoot)
    assert seen == ["over TCP and back"]
    assert not reactor.running


# --- life cycle -------------------------------------------------------------------------------


def test_install_starts_reactor_at_once(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    started: list[bool] = []
    reactor.callWhenRunning(lambda: started.append(reactor.running))
    host = tksupport.install(tkRoot, reactor)
    assert started == [True]
    assert reactor.running
    host.uninstall()


def test_hosted_reactor_refuses_run(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    host = tksupport.install(tkRoot, reactor)
    with pytest.raises(ReactorAlreadyRunning):
        reactor.run(installSignalHandlers=False)
    host.uninstall()


def test_install_refuses_reactor_hosted_already(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    host = tksupport.install(tkRoot, reactor)
    with pytest.raises(ReactorAlreadyRunning):
        tksupport.install(tkRoot, reactor)
    host.uninstall()


def test_install_into_destroyed_root_is_refused(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    window = tkinter.Toplevel(tkRoot)
    window.destroy()
    with pytest.raises(ValueError, match="destroyed"):
        tksupport.install(window, reactor)  # type: ignore[arg-type]
    assert not reactor.running


def test_maxInterval_below_one_slice_is_refused(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    with pytest.raises(ValueError, match="maxInterval"):
        tksupport.install(tkRoot, reactor, maxInterval=0.0001)
    assert not reactor.running


def test_closing_window_stops_reactor_then_destroys_window(
    tkRoot: tkinter.Tk, reactor: Reactor
) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger(
        "during", "shutdown", lambda: events.append(f"shutdown, window: {rootExists(tkRoot)}")
    )
    tksupport.install(tkRoot, reactor)
    tkRoot.after(10, closeWindow, tkRoot)
    runTk(tkRoot)
    assert events == ["shutdown, window: True"]
    assert not rootExists(tkRoot)
    assert not reactor.running


def test_window_waits_for_shutdown_deferred(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    """A "before shutdown" trigger returning a Deferred keeps the window until it fires."""
    events: list[str] = []

    def slowCleanUp() -> Deferred[None]:
        d: Deferred[None] = Deferred()

        def done() -> None:
            events.append(f"cleaned up, window: {rootExists(tkRoot)}")
            d.callback(None)

        reactor.callLater(0.05, done)
        return d

    reactor.addSystemEventTrigger("before", "shutdown", slowCleanUp)
    tksupport.install(tkRoot, reactor)
    tkRoot.after(10, closeWindow, tkRoot)
    runTk(tkRoot)
    assert events == ["cleaned up, window: True"]
    assert not rootExists(tkRoot)


def test_second_close_while_stopping_is_ignored(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    shutdowns: list[None] = []

    def slowCleanUp() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        reactor.callLater(0.05, d.callback, None)
        closeWindow(tkRoot)  # impatient user: a second click while shutting down
        return d

    reactor.addSystemEventTrigger("before", "shutdown", slowCleanUp)
    reactor.addSystemEventTrigger("after", "shutdown", shutdowns.append, None)
    tksupport.install(tkRoot, reactor)
    tkRoot.after(10, closeWindow, tkRoot)
    runTk(tkRoot)
    assert shutdowns == [None]


def test_reactor_stop_ends_mainloop(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    tksupport.install(tkRoot, reactor)
    reactor.callLater(0.01, reactor.stop)
    runTk(tkRoot)
    assert not rootExists(tkRoot)
    assert not reactor.running


def test_reactor_crash_ends_mainloop(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    tksupport.install(tkRoot, reactor)
    reactor.callLater(0.01, reactor.crash)
    runTk(tkRoot)
    assert not rootExists(tkRoot)


def test_stop_from_tk_callback_ends_mainloop(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    button = tkinter.Button(tkRoot, command=reactor.stop)
    tksupport.install(tkRoot, reactor)
    tkRoot.after(10, button.invoke)
    runTk(tkRoot)
    assert not rootExists(tkRoot)


def test_destroying_root_finishes_shutdown_on_the_spot(
    tkRoot: tkinter.Tk, reactor: Reactor
) -> None:
    events: list[str] = []

    def slowCleanUp() -> Deferred[None]:
        d: Deferred[None] = Deferred()
        reactor.callLater(0.02, d.callback, None)
        return d

    reactor.addSystemEventTrigger("before", "shutdown", slowCleanUp)
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "shut down")
    host = tksupport.install(tkRoot, reactor)
    tkRoot.destroy()
    assert events == ["shut down"]
    assert not reactor.running
    assert not host.installed


def test_system_exit_in_reactor_callback_ends_hosting_and_mainloop(
    tkRoot: tkinter.Tk, reactor: Reactor
) -> None:
    """As it ends reactor.run(): the reactor is crashed, the host detaches, it propagates."""

    def leave() -> None:
        raise SystemExit(3)

    host = tksupport.install(tkRoot, reactor)
    reactor.callLater(0.01, leave)
    with pytest.raises(SystemExit):
        runTk(tkRoot)
    assert not reactor.running
    assert not host.installed
    assert rootExists(tkRoot)


def test_uninstall_finishes_shutdown_and_keeps_window(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    events: list[str] = []
    reactor.addSystemEventTrigger("after", "shutdown", events.append, "shut down")
    closeCommand = tkRoot.protocol("WM_DELETE_WINDOW")  # tkinter's own: root.destroy
    tksupport.install(tkRoot, reactor)
    tksupport.uninstall(reactor)
    assert events == ["shut down"]
    assert rootExists(tkRoot)
    assert tkRoot.protocol("WM_DELETE_WINDOW") == closeCommand
    assert all(not tag.startswith("treadle") for tag in tkRoot.bindtags())


def test_uninstalled_reactor_runs_again(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    host = tksupport.install(tkRoot, reactor)
    host.uninstall()
    ran: list[bool] = []
    reactor.callLater(0, lambda: (ran.append(True), reactor.stop()))
    reactor.run(installSignalHandlers=False)
    assert ran == [True]


def test_uninstall_restores_previous_close_command(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    closed: list[bool] = []
    tkRoot.protocol("WM_DELETE_WINDOW", lambda: closed.append(True))
    previous = tkRoot.protocol("WM_DELETE_WINDOW")
    host = tksupport.install(tkRoot, reactor)
    host.uninstall()
    assert tkRoot.protocol("WM_DELETE_WINDOW") == previous
    closeWindow(tkRoot)
    assert closed == [True]


def test_uninstall_without_installed_reactor_is_an_error(reactor: Reactor) -> None:
    with pytest.raises(ValueError, match="installed"):
        tksupport.uninstall()
    with pytest.raises(ValueError, match="not installed"):
        tksupport.uninstall(reactor)


def test_installed_reactor_can_be_installed_again_after_ending(
    tkRoot: tkinter.Tk, reactor: Reactor
) -> None:
    tksupport.install(tkRoot, reactor)
    reactor.callLater(0, reactor.stop)
    runTk(tkRoot)
    second = tkinter.Tk()
    try:
        tksupport.install(second, reactor)
        reactor.callLater(0, reactor.stop)
        runTk(second)
    finally:
        if rootExists(second):
            second.destroy()
    assert not reactor.running


# --- timers, threads, nested Tk loops -----------------------------------------------------------


def test_timers_run_in_deadline_order_never_early(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    fired: list[tuple[str, float]] = []
    tksupport.install(tkRoot, reactor)
    start = reactor.seconds()
    for name, delay in [("c", 0.06), ("a", 0.02), ("b", 0.04)]:
        reactor.callLater(delay, lambda n=name, d=delay: fired.append((n, reactor.seconds() - d)))
    reactor.callLater(0.07, reactor.stop)
    runTk(tkRoot)
    assert [name for name, _ in fired] == ["a", "b", "c"]
    assert all(due >= start for _, due in fired)


def test_callLater_from_tk_callback_runs(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    ran: list[bool] = []

    def fromTk() -> None:
        reactor.callLater(0.01, lambda: (ran.append(True), reactor.stop()))

    tksupport.install(tkRoot, reactor)
    tkRoot.after(30, fromTk)  # long enough for the ticks to have backed off
    runTk(tkRoot)
    assert ran == [True]


def test_callFromThread_runs_in_tk_thread(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    ranIn: list[threading.Thread] = []

    def fromThread() -> None:
        reactor.callFromThread(lambda: (ranIn.append(threading.current_thread()), reactor.stop()))

    tksupport.install(tkRoot, reactor)
    worker = threading.Thread(target=fromThread)
    tkRoot.after(10, worker.start)
    runTk(tkRoot)
    worker.join(5)
    assert ranIn == [threading.current_thread()]


def test_deferToThread_result_reaches_tk_thread(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    from threads import deferToThreadPool

    label = tkinter.Label(tkRoot, text="")
    shown: list[tuple[str, bool]] = []
    tksupport.install(tkRoot, reactor)

    def show(value: int) -> None:
        label["text"] = str(value)
        shown.append((label["text"], threading.current_thread() is threading.main_thread()))
        reactor.stop()

    def start() -> None:
        deferToThreadPool(reactor, reactor.getThreadPool(), sum, range(10)).addCallback(show)

    tkRoot.after(0, start)
    runTk(tkRoot)
    assert shown == [("45", True)]


def test_reactor_runs_during_nested_tk_loop(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    """A modal Tk loop (wait_variable, as dialogs use) does not freeze the reactor."""
    answer = tkinter.StringVar(tkRoot)
    seen: list[str] = []

    def modal() -> None:
        reactor.callLater(0.02, answer.set, "set by a reactor timer")
        tkRoot.wait_variable(answer)  # Tk's nested loop, as a dialog runs
        seen.append(answer.get())
        reactor.stop()

    button = tkinter.Button(tkRoot, command=modal)
    tksupport.install(tkRoot, reactor)
    tkRoot.after(0, button.invoke)
    runTk(tkRoot)
    assert seen == ["set by a reactor timer"]


# --- the adaptive interval -----------------------------------------------------------------------


def test_idle_reactor_backs_off_to_maxInterval(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    host = tksupport.install(tkRoot, reactor, maxInterval=0.008)
    intervals: list[float] = []
    tkRoot.after(150, lambda: (intervals.append(host.interval), reactor.stop()))
    runTk(tkRoot)
    assert intervals == [0.008]


def test_busy_reactor_ticks_at_minimum_interval(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    """Passes woken by work (here calls from a thread) bring the gap back to 1 ms."""
    host = tksupport.install(tkRoot, reactor, maxInterval=0.008)
    before: list[float] = []
    after: list[float] = []
    pokes = 10
    recorded: list[None] = []

    def record() -> None:
        # Runs inside a pass the waker woke; the tick sets the gap once its passes are done,
        # so look at it when Tk is idle again.
        tkRoot.after_idle(lambda: after.append(host.interval))
        recorded.append(None)
        if len(recorded) == pokes:
            reactor.stop()

    def pokeFromThread() -> None:
        for _ in range(pokes):
            reactor.callFromThread(record)
            time.sleep(0.002)

    worker = threading.Thread(target=pokeFromThread)

    def start() -> None:
        before.append(host.interval)
        worker.start()

    tkRoot.after(150, start)
    runTk(tkRoot)
    worker.join(5)
    assert before == [0.008]
    # One pass can be misread as quiet if the process was descheduled in it: not all ten.
    assert 0.001 in after


def test_tick_never_oversleeps_a_timer(tkRoot: tkinter.Tk, reactor: Reactor) -> None:
    """With a long idle interval, a timer still fires about on time (not a whole gap late)."""
    lateness: list[float] = []
    tksupport.install(tkRoot, reactor, maxInterval=0.5)

    def schedule() -> None:
        due = reactor.seconds() + 0.05
        reactor.callLater(0.05, lambda: (lateness.append(reactor.seconds() - due), reactor.stop()))

    reactor.callLater(0.6, schedule)  # the gap has backed off to 0.5 s by then
    start = time.monotonic()
    runTk(tkRoot)
    assert len(lateness) == 1
    assert 0 <= lateness[0] < 0.25
    assert time.monotonic() - start < 2


# --- the example --------------------------------------------------------------------------------


def test_tk_echo_example_runs(xDisplay: str) -> None:
    assert (EXAMPLES / "tk_echo.py").exists()
    output = runExample("tk_echo.py", {"DISPLAY": xDisplay})
    assert output.splitlines() == ["label: hello, Tk", "reactor running: False"]
