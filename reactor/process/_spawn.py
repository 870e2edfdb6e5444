"""Starting a child process with exactly the descriptors it was given.

This module owns :func:`startChild`: it turns a :class:`ChildSpec` (executable, argument vector,
environment, a ``{child fd: parent fd}`` map, working directory, uid/gid, controlling terminal)
into a running child and returns its pid, or raises the ``OSError`` that kept it from starting
(no such executable, a bad working directory...). It does not make pipes, watch the child or
talk to protocols: :mod:`reactor.process._process` does.

Two ways to start a child:

* ``os.posix_spawn`` (glibc: ``clone(CLONE_VM | CLONE_VFORK)``), when nothing needs code to run
  in the child: no working directory, uid, gid or controlling terminal. It copies no page tables
  and runs no Python in the child, so it is fast and safe in a threaded parent; exec failures
  come back as an ``OSError`` from the call itself.
* ``os.fork`` + ``os.execve`` otherwise (Python 3.11's ``posix_spawn`` cannot change directory,
  user or session). The child runs a short, allocation-light sequence of ``os`` calls and
  ``_exit(127)``\\ s on any error, after writing ``errno:message`` to a close-on-exec pipe; the
  parent reads that pipe to its end (which comes at ``exec``, within milliseconds) so the error
  is raised by ``spawnProcess`` either way.

No descriptor leaks into the child except those in the map:

* Every map source is first duplicated, close-on-exec, to a number above every child number
  (``F_DUPFD_CLOEXEC``), so the ``dup2``\\ s into place can run in any order without one
  clobbering another's source (the map ``{0: 1, 1: 0}`` swaps stdin and stdout safely).
* Descriptors Python opened are close-on-exec already (PEP 446). For the inheritable ones
  (a C library's, or ones a user made inheritable), the ``posix_spawn`` way adds a close action
  per inheritable descriptor it lists in ``/proc/self/fd`` (``/dev/fd``); the fork way closes
  every descriptor not in the map (``close_range`` through ``os.closerange``). An inheritable
  descriptor another thread opens between the listing and the spawn is the one leak left, and
  only on the ``posix_spawn`` way (glibc's ``addclosefrom_np`` would close it, but Python 3.11
  does not expose it).

The child also gets the default disposition of SIGPIPE and SIGXFSZ (which Python ignores, and
an ignored signal stays ignored across ``exec``) and an empty signal mask, as ``subprocess``
does.
"""

from __future__ import annotations

import errno
import fcntl
import os
import pwd
import signal
import termios
from collections.abc import Mapping, Sequence

import attrs

__all__ = ["ChildSpec", "resolveExecutable", "startChild"]

# Signals Python sets to SIG_IGN at start-up; the child should see them at their defaults.
_RESET_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGPIPE", "SIGXFSZ") if hasattr(signal, name)
)

# Where this system lists a process's open descriptors (None: nowhere we know of).
_FD_DIRECTORY = next(
    (d for d in ("/proc/self/fd", "/dev/fd") if os.path.isdir(d)),
    None,
)

Executable = str | bytes


@attrs.frozen
class ChildSpec:
    """Everything :func:`startChild` needs to start one child."""

    #: The executable's path (already resolved: see :func:`resolveExecutable`).
    executable: Executable
    #: The argument vector, ``argv[0]`` included.
    argv: Sequence[Executable]
    #: The child's whole environment.
    env: Mapping[str, str] | Mapping[bytes, bytes]
    #: ``{child descriptor: parent descriptor}``: what the child gets, and nothing else.
    fds: Mapping[int, int]
    #: The child's working directory (None: the parent's).
    path: str | None = None
    #: User and group ids to switch to (None: the parent's).
    uid: int | None = None
    gid: int | None = None
    #: Start a new session and make the terminal on descriptor 0 its controlling terminal.
    controllingTerminal: bool = False

    def needsFork(self) -> bool:
        """Whether code must run in the child (``posix_spawn`` cannot do this spec)."""
        return (
            self.path is not None
            or self.uid is not None
            or self.gid is not None
            or self.controllingTerminal
            or _FD_DIRECTORY is None
        )


def resolveExecutable(
    executable: Executable, env: Mapping[str, str] | Mapping[bytes, bytes]
) -> Executable:
    """Find ``executable`` as ``execvpe`` would: on the child's ``PATH`` unless it has a slash.

    :raises FileNotFoundError: if there is no such executable.
    """
    slash = b"/" if isinstance(executable, bytes) else "/"
    if slash in executable:  # type: ignore[operator]
        return executable
    for directory in os.get_exec_path(env):  # type: ignore[arg-type]
        candidate = os.path.join(os.fsencode(directory), os.fsencode(executable))
        if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate if isinstance(executable, bytes) else os.fsdecode(candidate)
    raise FileNotFoundError(errno.ENOENT, "executable not found on PATH", executable)


def startChild(spec: ChildSpec) -> int:
    """Start the child described by ``spec``; return its pid.

    :raises OSError: if it could not be started (the parent's descriptors are left as they
        were, and a child that failed before ``exec`` has been reaped).
    """
    lifted = _liftAbove(spec.fds, max(spec.fds, default=-1) + 1)
    try:
        if spec.needsFork():
            return _forkExec(spec, lifted)
        return _posixSpawn(spec, lifted)
    finally:
        for fd in lifted.values():
            os.close(fd)


def _liftAbove(fds: Mapping[int, int], floor: int) -> dict[int, int]:
    """Duplicate each source to a close-on-exec descriptor numbered ``floor`` or more."""
    lifted: dict[int, int] = {}
    try:
        for childFD, parentFD in fds.items():
            lifted[childFD] = fcntl.fcntl(parentFD, fcntl.F_DUPFD_CLOEXEC, floor)
    except OSError:
        for fd in lifted.values():
            os.close(fd)
        raise
    return lifted


def _inheritableDescriptors() -> list[int]:
    """This process's descriptors that would survive ``exec`` (listed at this moment)."""
    assert _FD_DIRECTORY is not None
    found = []
    for name in os.listdir(_FD_DIRECTORY):
        fd = int(name)
        try:
            if os.get_inheritable(fd):
                found.append(fd)
        except OSError:
            pass  # the listing's own descriptor, closed by now
    return found


def _posixSpawn(spec: ChildSpec, lifted: Mapping[int, int]) -> int:
    actions: list[tuple[int, int] | tuple[int, int, int]] = [
        (os.POSIX_SPAWN_DUP2, source, childFD) for childFD, source in lifted.items()
    ]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritableDescriptors() if fd not in lifted]
    return os.posix_spawn(
        spec.executable,
        list(spec.argv),
        spec.env,
        file_actions=actions,
        setsigdef=_RESET_SIGNALS,
        setsigmask=(),
    )


def _forkExec(spec: ChildSpec, lifted: Mapping[int, int]) -> int:
    # Everything the child needs is computed here, so that the child only makes system calls.
    groups = _supplementaryGroups(spec)
    maxFD = os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 65536
    errorRead, errorWrite = os.pipe()
    try:
        reportFD = fcntl.fcntl(errorWrite, fcntl.F_DUPFD_CLOEXEC, max(lifted, default=-1) + 1)
    finally:
        os.close(errorWrite)
    keep = sorted([*lifted, reportFD])
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, which never returns
            _child(spec, lifted, keep, reportFD, maxFD, groups)
        os.close(reportFD)
        reportFD = -1
        report = _readAll(errorRead)
    finally:
        if reportFD >= 0:
            os.close(reportFD)
        os.close(errorRead)
    if report:
        os.waitpid(pid, 0)  # it _exit()ed right after writing
        raise _errorFrom(report)
    return pid


def _child(
    spec: ChildSpec,
    lifted: Mapping[int, int],
    keep: Sequence[int],
    reportFD: int,
    maxFD: int,
    groups: list[int] | None,
) -> None:  # pragma: no cover - runs in the forked child
    """The forked child: put descriptors in place, switch identity, exec. Never returns."""
    step = "set up descriptors"
    try:
        if spec.controllingTerminal:
            step = "start a session"
            os.setsid()
        for childFD, source in lifted.items():
            os.dup2(source, childFD)  # the copy is inheritable; the source closes at exec
        if spec.controllingTerminal:
            step = "take its controlling terminal"
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        low = 0
        for fd in keep:
            if low < fd:  # closerange(0, 0) closes *everything* (close_range(0, -1 as uint))
                os.closerange(low, fd)
            low = fd + 1
        os.closerange(low, maxFD)
        if spec.path is not None:
            step = f"change directory to {spec.path!r}"
            os.chdir(spec.path)
        step = "switch user or group"
        if groups is not None:
            os.setgroups(groups)
        if spec.gid is not None:
            os.setgid(spec.gid)
        if spec.uid is not None:
            os.setuid(spec.uid)
        step = "reset signals"
        for signum in _RESET_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())
        step = f"execute {spec.executable!r}"
        os.execve(spec.executable, spec.argv, spec.env)  # type: ignore[arg-type]
    except BaseException as error:
        code = error.errno if isinstance(error, OSError) and error.errno else 0
        try:
            os.write(reportFD, f"{code}:{step}: {error}".encode())
        except BaseException:
            pass
    finally:
        os._exit(127)


def _supplementaryGroups(spec: ChildSpec) -> list[int] | None:
    """The groups a child switching to ``spec.uid`` should have, looked up in the parent.

    Only root can (and must, or the child keeps root's groups) set them.
    """
    if spec.uid is None or os.geteuid() != 0:
        return None
    gid = spec.gid if spec.gid is not None else os.getgid()
    try:
        name = pwd.getpwuid(spec.uid).pw_name
    except KeyError:
        return [gid]  # a uid without a passwd entry: its primary group only
    return os.getgrouplist(name, gid)


def _readAll(fd: int) -> bytes:
    """Read ``fd`` (blocking) to its end."""
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


def _errorFrom(report: bytes) -> OSError:
    """The ``OSError`` the child reported as ``errno:step: message``."""
    code, _, rest = report.decode("utf-8", "replace").partition(":")
    step, _, message = rest.partition(": ")
    number = int(code) if code.isdigit() else 0
    if number:
        return OSError(number, f"the child could not {step}: {os.strerror(number)}")
    return OSError(f"the child could not {step}: {message}")
