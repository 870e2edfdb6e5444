"""Unix socket names on the file system: binding safely, stale files, lock files with a pid.

This module owns what a Unix socket's *name* involves beyond the socket itself:

* telling Linux abstract names (``"\\0name"``: no file, gone with the socket) from paths;
* :func:`bindPath` -- binding a socket to a path and making it live (``listen``) while no other
  treadle process can judge the same path: a file left by a dead server is replaced, a live
  server's is never stolen (``CannotListenError`` saying another process listens there), and a
  file that is not a socket is never deleted;
* :func:`removeIfOurs` -- removing the socket file on close only if it is still the one we
  bound (Twisted unlinks the path whatever is there by then);
* the ``wantPID``/``checkPID`` lock file (``path + ".lock"``): Twisted's format, a symbolic link
  whose target is the owner's pid, so Twisted and treadle servers see each other's locks.

How a stale file is told from a live one: a non-blocking ``connect`` to it. A socket nobody
has bound any more refuses (``ECONNREFUSED``); a listening one accepts (or says its backlog is
full, ``EAGAIN``). Between a server's ``bind`` and its ``listen`` the file refuses too, which
is why binding, the ``chmod`` and ``listen`` happen under an exclusive ``flock`` of the
directory holding the path, and so does the stale check: two servers starting on the same
stale path at once cannot both conclude "stale" and unlink each other's fresh socket. The lock
is held for a few system calls only (it is taken in the reactor thread, and blocks there, only
while another process binds in the same directory). (Rejected: trusting the lock file alone,
as Twisted does -- it only helps servers that ask for one.)

It does not own sockets' I/O or life cycle (:mod:`reactor.unix._port`,
:mod:`reactor.unix._datagram` do), and it never removes a file that is not a socket.
"""

from __future__ import annotations

import errno
import fcntl
import os
import socket
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from reactor.error import CannotListenError

__all__ = [
    "FileIdentity",
    "acquirePIDLock",
    "bindPath",
    "isAbstract",
    "isLocked",
    "lockPathFor",
    "releasePIDLock",
    "removeIfOurs",
]

#: (st_dev, st_ino) of a socket file: what "still the file we bound" means.
FileIdentity = tuple[int, int]

# connect() answers that mean a socket is bound and serving there.
_LIVE = frozenset({0, errno.EAGAIN, errno.EINPROGRESS, errno.EISCONN})


def isAbstract(address: str | bytes) -> bool:
    """Whether ``address`` is a Linux abstract name (starts with a NUL), not a path."""
    return address[:1] in ("\0", b"\0")


def lockPathFor(address: str) -> str:
    """The lock file of the socket ``address`` (Twisted's name: the path plus ``.lock``)."""
    return address + ".lock"


@contextmanager
def directoryLock(path: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the directory holding ``path`` for the block.

    Without a directory we may open (no read permission), it locks nothing: binding still
    works, only the protection against a simultaneous start on the same stale path is lost.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # Releases the lock.


def servedAt(path: str) -> bool:
    """Whether a socket at ``path`` is served by someone (a live listener or bound datagram).

    False for a stale socket file and for a path that has gone. An answer that proves neither
    (permission denied, ...) counts as served: when in doubt, never take a file over.
    """
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        probe = socket.socket(socket.AF_UNIX, kind)
        try:
            probe.setblocking(False)
            result = probe.connect_ex(path)
        finally:
            probe.close()
        if result in _LIVE:
            return True
        if result in (errno.ECONNREFUSED, errno.ENOENT):
            return False
        if result != errno.EPROTOTYPE:
            return True
        # EPROTOTYPE: a socket of the other type is bound there; ask with that type.
    return True


def bindPath(
    sock: socket.socket, path: str, mode: int, goLive: Callable[[], None]
) -> FileIdentity | None:
    """Bind ``sock`` to ``path``, give the file ``mode`` and call ``goLive()`` (``listen``).

    An abstract name is bound as it is (no file, no mode). A path is bound under the directory
    lock (see the module docstring); if a socket file is in the way and nobody serves it, it is
    removed and the bind retried. Returns the socket file's identity for :func:`removeIfOurs`
    (None for an abstract name).

    :raises CannotListenError: if another process serves ``path``, a file that is not a socket
        is in the way, or binding fails otherwise.
    """
    if isAbstract(path):
        try:
            sock.bind(path)
            goLive()
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise CannotListenError(
                    "", path, OSError(e.errno, "another socket is bound to this abstract name")
                ) from e
            raise CannotListenError("", path, e) from e
        return None
    with directoryLock(path):
        try:
            _bindReplacingStale(sock, path)
        except OSError as e:
            raise CannotListenError("", path, e) from e
        status = os.lstat(path)
        identity = (status.st_dev, status.st_ino)
        try:
            # Before listen(): until then a connection is refused, so nobody can connect
            # through the permissions the umask gave the file.
            os.chmod(path, mode)
            goLive()
        except OSError as e:
            os.unlink(path)  # Ours: we just bound it, under the lock.
            raise CannotListenError("", path, e) from e
    return identity


def _bindReplacingStale(sock: socket.socket, path: str) -> None:
    try:
        sock.bind(path)
        return
    except OSError as e:
        if e.errno != errno.EADDRINUSE:
            raise
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        sock.bind(path)  # Gone meanwhile (removed by its owner).
        return
    if not stat.S_ISSOCK(status.st_mode):
        raise CannotListenError(
            "", path, OSError(errno.EADDRINUSE, "a file that is not a socket is in the way")
        )
    if servedAt(path):
        raise CannotListenError(
            "", path, OSError(errno.EADDRINUSE, "another process is listening there")
        )
    # A dead server's file: replace it (we hold the directory lock, so nobody rebinds it).
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock.bind(path)


def identityOf(path: str) -> FileIdentity | None:
    """The (device, inode) of the file at ``path``; None if there is none."""
    try:
        status = os.lstat(path)
    except OSError:
        return None
    return (status.st_dev, status.st_ino)


def removeIfOurs(path: str, identity: FileIdentity | None) -> None:
    """Remove the socket file at ``path`` if it is still the one with ``identity``."""
    if identity is None or isAbstract(path):
        return
    with directoryLock(path):
        if identityOf(path) == identity:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


# --- lock files ------------------------------------------------------------------------------


def _readPID(lockPath: str) -> int | None:
    """The pid a lock file names; None if there is no lock file or it names none."""
    try:
        content = os.readlink(lockPath)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno != errno.EINVAL:
            return None
        try:  # A regular file (Twisted on platforms without symbolic links writes one).
            with open(lockPath) as f:
                content = f.read().strip()
        except OSError:
            return None
    try:
        return int(content)
    except ValueError:
        return None


def _isAlive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # Alive, and someone else's.
    return True


def isLocked(lockPath: str) -> bool:
    """Whether ``lockPath`` names a live process (``checkPID``: is a server there?)."""
    pid = _readPID(lockPath)
    return pid is not None and _isAlive(pid)


def acquirePIDLock(lockPath: str) -> None:
    """Make ``lockPath`` a link to this process's pid; replace a dead owner's lock.

    :raises CannotListenError: if a live process holds the lock (this one included).
    """
    with directoryLock(lockPath):
        for _ in range(2):
            try:
                os.symlink(str(os.getpid()), lockPath)
                return
            except FileExistsError:
                pass
            holder = _readPID(lockPath)
            if holder is not None and _isAlive(holder):
                raise CannotListenError(
                    "",
                    lockPath,
                    OSError(errno.EADDRINUSE, f"the lock file is held by process {holder}"),
                )
            try:
                os.unlink(lockPath)  # A dead owner's, or garbage.
            except FileNotFoundError:
                pass
    raise CannotListenError("", lockPath, OSError(errno.EEXIST, "cannot create the lock file"))


def releasePIDLock(lockPath: str) -> None:
    """Remove ``lockPath`` if this process holds it."""
    with directoryLock(lockPath):
        if _readPID(lockPath) == os.getpid():
            try:
                os.unlink(lockPath)
            except FileNotFoundError:
                pass
