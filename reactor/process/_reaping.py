"""Noticing that a child process exited, reaping it, and signalling it safely until then.

This module owns :func:`watchChild`: given a child's pid, it arranges for ``onExit(status)`` to
be called once, in the reactor thread, after the child has been reaped (``status`` is the raw
wait status, or None if someone else reaped it first), and returns a :class:`ChildWatch` that
can signal the child until then. It does not start children or know about pipes and protocols.

Two ways, chosen per child:

* **pidfd** (Linux >= 5.3, ``os.pidfd_open``): the pidfd becomes readable when the child exits,
  so it is an ordinary reader on the reactor (every backend, the asyncio host included) and
  ``waitpid(pid, WNOHANG)`` in ``doRead`` reaps exactly this child. No signal handler, so it
  works whichever thread runs the reactor; signals go through ``pidfd_send_signal``, which can
  never hit a recycled pid.
* **a waiter thread** (elsewhere, or when ``pidfd_open`` fails -- an old kernel, a seccomp
  sandbox): a daemon thread blocks in ``waitid(P_PID, pid, WEXITED | WNOWAIT)`` -- which waits
  *without* reaping -- and then hands over to the reactor thread with ``callFromThread``, where
  ``waitpid(pid, WNOHANG)`` reaps. Reaping only in the reactor thread keeps ``signalProcess``
  race-free there too: until the reactor thread reaps, the pid is a zombie that cannot be
  reused, so ``kill(pid)`` can only reach our child. One thread per running child is what
  asyncio's ``ThreadedChildWatcher`` (its default before pidfds) pays as well; the thread ends
  when the child does.

Rejected: a SIGCHLD handler with ``signal.set_wakeup_fd``. The wakeup fd is one per process
(asyncio's loops claim it), both can only be set from the main thread, and a handler must then
either ``waitpid(-1)`` -- stealing the children of every other library in the process -- or poll
each of our pids on every SIGCHLD. Rejected too: a timer polling ``waitpid(WNOHANG)``, which is
busy-waiting with latency.

Either way a child is never left a zombie as long as the reactor gets to run after it exits:
the pidfd reader (or the thread's call) stays queued until the reactor reaps it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from deferred import Failure
from reactor.error import ProcessExitedAlready

__all__ = ["PIDFD_SUPPORTED", "ChildWatch", "watchChild"]

log = logging.getLogger("reactor.process")

#: Whether to try pidfds at all (tests set it False to exercise the waiter-thread way).
PIDFD_SUPPORTED: bool = hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")

OnExit = Callable[[int | None], None]


class ChildWatch:
    """Watches one child until it is reaped; signals it until then. Reactor thread only."""

    pid: int
    #: True once the child has been reaped (by us, or found reaped by someone else).
    reaped: bool

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the child.

        :raises ProcessExitedAlready: if the child has been reaped.
        """
        raise NotImplementedError  # pragma: no cover - abstract

    def _reap(self) -> bool:
        """Reap the child if it has exited; return whether it was (and report it)."""
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            # Someone else (a SIG_IGN SIGCHLD disposition, a waitpid(-1) elsewhere) reaped it:
            # its status is lost. Report that rather than waiting forever.
            log.warning("child process %d was reaped by someone else; its status is lost", self.pid)
            self._finish(None)
            return True
        if pid == 0:
            return False  # still running (a spurious wake-up)
        self._finish(status)
        return True

    def _finish(self, status: int | None) -> None:
        raise NotImplementedError  # pragma: no cover - abstract


class _PidfdWatch(ChildWatch):
    """A reader on the child's pidfd: readable once the child has exited."""

    def __init__(self, reactor: Any, pid: int, pidfd: int, onExit: OnExit) -> None:
        self.pid = pid
        self.reaped = False
        self._reactor = reactor
        self._pidfd = pidfd  # -1 once closed
        self._onExit = onExit
        reactor.addReader(self)

    def __repr__(self) -> str:
        return f"<pidfd watch of child {self.pid} (fd {self._pidfd})>"

    def fileno(self) -> int:
        """The pidfd (-1 once the child has been reaped)."""
        return self._pidfd

    def logPrefix(self) -> str:
        """The class name, for log lines about this watch."""
        return type(self).__name__

    def doRead(self) -> None:
        """The child has exited (or the wake-up was spurious): reap it."""
        self._reap()

    def connectionLost(self, reason: Failure) -> None:
        """The reactor dropped the pidfd (an error on it): reap now, or wait in a thread."""
        if self.reaped:
            return
        log.warning("lost the pidfd of child %d (%s); watching it from a thread", self.pid, reason)
        if not self._reap():
            self._closePidfd()
            _ThreadWatch(self._reactor, self.pid, self._onExit)
            self.reaped = True  # this watch is done; the thread watch takes over

    def signal(self, signum: int) -> None:
        """Send ``signum`` through the pidfd (never to a recycled pid)."""
        if self.reaped:
            raise ProcessExitedAlready()
        signal.pidfd_send_signal(self._pidfd, signum)

    def _finish(self, status: int | None) -> None:
        self.reaped = True
        self._closePidfd()
        self._onExit(status)

    def _closePidfd(self) -> None:
        if self._pidfd >= 0:
            self._reactor.removeReader(self)
            os.close(self._pidfd)
            self._pidfd = -1


class _ThreadWatch(ChildWatch):
    """A daemon thread waits (without reaping) for the child; the reactor thread reaps."""

    def __init__(self, reactor: Any, pid: int, onExit: OnExit) -> None:
        self.pid = pid
        self.reaped = False
        self._reactor = reactor
        self._onExit = onExit
        thread = threading.Thread(target=self._wait, name=f"treadle child watch {pid}", daemon=True)
        thread.start()

    def __repr__(self) -> str:
        return f"<thread watch of child {self.pid}>"

    def _wait(self) -> None:
        # In the waiter thread: touch nothing but the pid and the reactor's thread-safe entry.
        try:
            os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        except ChildProcessError:
            pass  # reaped by someone else: _reap reports it
        except OSError:
            log.exception("waiting for child process %d failed", self.pid)
        try:
            self._reactor.callFromThread(self._exited)
        except Exception:
            log.exception("cannot report the exit of child %d to %r", self.pid, self._reactor)

    def _exited(self) -> None:
        if not self.reaped and not self._reap():
            # waitid said it exited, so this cannot happen; never wait silently forever.
            log.error("child process %d exited but could not be reaped", self.pid)

    def signal(self, signum: int) -> None:
        """Send ``signum`` with ``kill``: safe, since only this thread reaps the pid."""
        if self.reaped:
            raise ProcessExitedAlready()
        os.kill(self.pid, signum)

    def _finish(self, status: int | None) -> None:
        self.reaped = True
        self._onExit(status)


def watchChild(reactor: Any, pid: int, onExit: OnExit) -> ChildWatch:
    """Call ``onExit(status)`` in ``reactor``'s thread once child ``pid`` has been reaped.

    Call it in the reactor thread, right after starting the child (a child that has already
    exited is a zombie until reaped, so it is still found). ``status`` is the raw wait status,
    or None when the child was reaped by someone else.
    """
    if PIDFD_SUPPORTED:
        try:
            pidfd = os.pidfd_open(pid)
        except OSError as error:
            log.debug("pidfd_open(%d) failed (%s); watching it from a thread", pid, error)
        else:
            try:
                return _PidfdWatch(reactor, pid, pidfd, onExit)
            except (ValueError, OSError) as error:
                # The reactor cannot watch it (select, and a descriptor >= FD_SETSIZE).
                os.close(pidfd)
                log.debug(
                    "cannot watch the pidfd of %d (%s); watching it from a thread", pid, error
                )
    return _ThreadWatch(reactor, pid, onExit)
