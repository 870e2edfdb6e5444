"""Fixtures for the GUI hosting tests: an X display for Tk, an offscreen QApplication for Qt.

``xDisplay`` starts a private Xvfb once per session (it picks a free display number and says
which through ``-displayfd``), points ``DISPLAY`` at it, and kills it at the end. ``tkRoot``
gives each test a fresh ``tkinter.Tk`` on it, destroyed afterwards. ``qtApp`` is the session's
one ``QApplication`` (Qt allows one per process) on the ``offscreen`` platform, shut down at the
end; ``qtReactor`` is a fresh :class:`reactor.qtsupport.QtReactor` per test, checked for
leftovers and closed.

Missing Xvfb, tkinter or PySide6 skips the tests -- except under ``CI=true``, where it fails
them: CI installs all three (``.ci/run``), so a skip there would hide a broken setup.

``runTk(root, timeout)`` runs ``root.mainloop()`` and fails the test if the loop has not ended
within ``timeout`` seconds (destroying the root, which also finishes a hosted reactor).
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "docs" / "examples"

# How long Xvfb gets to say it is ready.
_XVFB_START_TIMEOUT = 10.0


def unavailable(why: str) -> None:
    """Skip the test for a missing GUI dependency, or fail it under CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI=true: the GUI tests must run there)", pytrace=False)
    pytest.skip(why)


class TkLoopTimedOut(AssertionError):
    """Tk's mainloop did not end within its time bound."""


def runTk(root: Any, timeout: float = 10.0) -> None:
    """Run ``root.mainloop()``; fail if it runs longer than ``timeout`` seconds."""
    timedOut: list[bool] = []

    def bail() -> None:
        timedOut.append(True)
        root.destroy()

    guard = root.after(int(timeout * 1000), bail)
    root.mainloop()
    if not timedOut and rootExists(root):
        root.after_cancel(guard)
    if timedOut:
        raise TkLoopTimedOut(f"Tk's mainloop did not end within {timeout} s")


def rootExists(root: Any) -> bool:
    """Whether the Tk root still exists (a destroyed root's interpreter refuses every call)."""
    import tkinter

    try:
        return bool(root.winfo_exists())
    except tkinter.TclError:
        return False


def runExample(name: str, env: dict[str, str], timeout: float = 30.0) -> str:
    """Run ``docs/examples/<name> --self-test`` in a fresh interpreter; return its stdout."""
    fullEnv = dict(os.environ)
    fullEnv.update(env)
    fullEnv["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), fullEnv.get("PYTHONPATH")]))
    fullEnv.pop("TREADLE_REACTOR", None)
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--self-test"],
        cwd=ROOT,
        env=fullEnv,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def xDisplay() -> Iterator[str]:
    """A private Xvfb display for the session, as ``DISPLAY``'s value (":N")."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        unavailable("Xvfb is not installed (Debian: apt-get install xvfb)")
        raise AssertionError("unreachable")
    readEnd, writeEnd = os.pipe()
    try:
        server = subprocess.Popen(
            [xvfb, "-displayfd", str(writeEnd), "-nolisten", "tcp", "-screen", "0", "800x600x24"],
            pass_fds=(writeEnd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    finally:
        os.close(writeEnd)
    try:
        with os.fdopen(readEnd, "rb") as announcement:
            ready, _, _ = select.select([announcement], [], [], _XVFB_START_TIMEOUT)
            number = announcement.readline().strip().decode() if ready else ""
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not announce a display within {_XVFB_START_TIMEOUT} s")
        display = f":{number}"
        previous = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = display
        try:
            yield display
        finally:
            if previous is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = previous
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def tkDisplay(xDisplay: str) -> str:
    """``xDisplay``, with this process's Tk connected to it for the rest of the session.

    Tk opens one connection per display and keeps it until the process exits, reusing it for
    every later root: opening it here, outside any test, keeps the tests' socket checks from
    counting it. (It outlives Xvfb harmlessly: Tk does not touch it again at exit.)
    """
    try:
        import tkinter
    except ImportError:
        unavailable("tkinter is not available (Debian: apt-get install python3-tk)")
        raise AssertionError("unreachable") from None
    tkinter.Tk().destroy()
    return xDisplay


@pytest.fixture
def tkRoot(tkDisplay: str) -> Iterator[Any]:
    """A fresh ``tkinter.Tk`` on the session's display, destroyed after the test."""
    import tkinter

    root = tkinter.Tk()
    try:
        yield root
    finally:
        if rootExists(root):
            root.destroy()


@pytest.fixture(scope="session")
def qtApp() -> Iterator[Any]:
    """The session's QApplication, on Qt's offscreen platform."""
    previous = os.environ.get("QT_QPA_PLATFORM")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    try:
        try:
            from PySide6.QtWidgets import QApplication
        except ImportError:
            unavailable("PySide6 is not installed (pip install PySide6-Essentials)")
            raise AssertionError("unreachable") from None
        app = QApplication.instance() or QApplication(["treadle-tests"])
        try:
            yield app
        finally:
            app.processEvents()
            # PySide's orderly teardown of the process's one application.
            app.shutdown()
    finally:
        if previous is None:
            os.environ.pop("QT_QPA_PLATFORM", None)
        else:
            os.environ["QT_QPA_PLATFORM"] = previous


@pytest.fixture
def qtReactor(qtApp: Any) -> Iterator[Any]:
    """A fresh QtReactor; the test fails if it leaves it running or with timers or readers."""
    from reactor.qtsupport import QtReactor

    r = QtReactor(qtApp)
    try:
        yield r
    finally:
        problems = []
        if r.running or r.stopping:
            r.crash()
            problems.append("the reactor was left running")
        calls = r.getDelayedCalls()
        for call in calls:
            call.cancel()
        if calls:
            problems.append(f"{len(calls)} delayed call(s) left: {calls!r}")
        descriptors = r.removeAll()
        if descriptors:
            problems.append(f"readers/writers left: {descriptors!r}")
        r.close()
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)
