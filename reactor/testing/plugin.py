"""The treadle pytest plugin: fresh reactors, Deferred and ``async def`` tests, leftover checks.

Registered through the ``pytest11`` entry point (``treadle = "reactor.testing.plugin"``), so it
is active in every pytest run once treadle is installed; disable it with ``-p no:treadle``.

Fixtures
    ``reactor``
        A fresh reactor for each test, closed afterwards. The backend comes from the
        ``@pytest.mark.reactor("poll")`` marker, else the ``--treadle-reactor NAME`` option,
        else the ``TREADLE_REACTOR`` environment variable, else the platform default (epoll on
        Linux). Names: "select", "poll", "epoll", "kqueue", "asyncio", "uvloop". A known name
        that this system cannot offer (kqueue on Linux) skips the test; an unknown one fails it.
        ``@pytest.mark.reactor("all")`` (or several names) runs the test once per backend
        (every one this system offers, for "all"), each with a fresh reactor of that kind.
    ``clock``
        A fresh :class:`reactor.task.Clock`.
    ``threadpool``
        A fresh, started, bounded :class:`threads.ThreadPool` (0 to 4 workers, named after the
        test). At teardown it is stopped -- running jobs finish, queued ones fail with
        ``PoolStopped`` -- and its workers are joined; a job still running 5 s later fails the
        test.

Tests that return a Deferred, and ``async def`` tests (run through ``Deferred.fromCoroutine``
once the reactor runs), are run on the ``reactor`` fixture's reactor until that Deferred fires;
its failure fails the test. (A Deferred that has already fired when the test returns it needs no
reactor; ``async def`` tests marked ``asyncio``, ``anyio`` or ``trio`` are left to those
plugins.) They get ``--treadle-timeout SECONDS`` (default 10) to finish, overridden per test
with ``@pytest.mark.treadle_timeout(seconds)``; when it runs out the Deferred is cancelled, the
reactor crashed and the test fails saying so. The timeout is enforced from a helper thread
(named "treadle test timeout", joined before the test ends), so it adds no DelayedCall the test
could see.

After every test, the plugin fails it, naming the culprit, when it left:

* an unhandled failed Deferred -- the plugin runs ``gc.collect()`` after the test's fixtures
  are torn down and looks for "Unhandled error in Deferred" records logged at ERROR on the
  ``deferred`` logger during the test. A test that expects such reports either sets a true
  ``_treadleReportClaimed`` attribute on the records it checked, or captures them with its own
  handler while ``logging.getLogger("deferred").propagate`` is false (the plugin listens on
  the root logger, as pytest's log capture does);
* a pending DelayedCall on the ``reactor`` fixture's reactor (the calls are cancelled);
* a reader or writer still registered on that reactor (they are removed);
* a live thread that was not alive when the test started (kind "threads"): after the test's
  fixtures are torn down, each such thread gets a short grace period (1 s in all) to finish,
  and the ones still alive are named, with where they are. The plugin's own timeout thread is
  not counted, and a test that allows leftover threads is not kept waiting. Such threads are
  left running;
* an open socket that was not open when the test started (kind "sockets"), from the entries of
  ``/proc/self/fd`` (the check is skipped where ``/proc`` is unavailable), looked at after the
  ``gc.collect()`` above, so a socket object that was merely dropped is not counted. The
  sockets are named (descriptor, inode, family, type, addresses) and left open: closing a
  descriptor the plugin does not own could close an unrelated file that reuses its number.
* a child process that was not a child when the test started and is still running, or has
  exited but was never reaped (a zombie) (kind "processes"): a process protocol's
  ``processEnded`` (or ``os.waitpid``) shows it was reaped. Children are found through
  ``/proc/<pid>/stat`` (the check is skipped where ``/proc`` is unavailable), and only when
  this process has a child at all (``waitid`` says so cheaply), so tests that start no process
  pay nothing. They are named (pid, command, state) and left alone: killing or reaping a child
  would take it from whoever still waits for it.

Opt out with ``@pytest.mark.treadle_allow_leftovers`` (every check) or name the checks to skip:
``@pytest.mark.treadle_allow_leftovers("unhandled-errors", "delayed-calls", "descriptors",
"threads", "sockets", "processes")``. Threads, sockets and processes are measured from the
first fixture the plugin sets up for the test to the end of its teardown: a session- or
module-scoped fixture set up for the test is set up before that, so it is not counted as the
test's leftover.
A :class:`reactor.task.Clock` from the ``clock`` fixture is not checked: its calls never run
unless the test advances it.

So that the per-test ``gc.collect()`` stays cheap (~1 ms instead of ~50-100 ms with the test
suite's modules loaded), the plugin freezes the heap (``gc.freeze()``) after a collection that
was slow -- after the first test, and after someone unfroze it: the objects alive then
(modules, collected tests, fixtures) are never scanned again. Objects that tests create later
are collected as usual.

This module owns the pytest integration only; the doubles live in :mod:`reactor.testing`.
"""

from __future__ import annotations

import gc
import inspect
import logging
import os
import socket
import sys
import threading
import time
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from deferred import Deferred, Failure, fail
from reactor import Reactor, availableReactors, defaultReactorName
from reactor.error import ReactorNotRunning
from reactor.task import Clock

if TYPE_CHECKING:
    # Only for annotations: the reactor package does not import threads (threads depends on
    # reactor); the fixture imports it when a test asks for it.
    from threads import ThreadPool

__all__ = [
    "LEFTOVER_KINDS",
    "clock",
    "pytest_addoption",
    "pytest_configure",
    "pytest_pyfunc_call",
    "reactor",
    "threadpool",
]

#: What ``treadle_allow_leftovers`` may name.
LEFTOVER_KINDS = (
    "unhandled-errors",
    "delayed-calls",
    "descriptors",
    "threads",
    "sockets",
    "processes",
)

#: Every backend name a reactor may have (whether or not this system offers it).
_KNOWN_REACTORS = ("select", "poll", "epoll", "kqueue", "asyncio", "uvloop")

_DEFAULT_TIMEOUT = 10.0

# How long the ``threadpool`` fixture's teardown waits for running jobs.
_THREADPOOL_STOP_TIMEOUT = 5.0

# How long, in all, threads the test started get to finish before they count as leftovers:
# some are finishing (a worker unwinding after its last job, a thread that closed its socket).
_THREAD_GRACE = 1.0

_TIMEOUT_THREAD_NAME = "treadle test timeout"

_FD_DIRECTORY = "/proc/self/fd"

# Where the per-process ``stat`` files are (to find this process's children).
_PROC_DIRECTORY = "/proc"

# Markers by which other plugins claim coroutine tests; those are left to them.
_OTHER_ASYNC_RUNNERS = ("asyncio", "anyio", "trio")

# Per-test state, on the item's stash.
_requestKey = pytest.StashKey["pytest.FixtureRequest"]()
_timedOutKey = pytest.StashKey[bool]()


# --- configuration ----------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--treadle-reactor`` and ``--treadle-timeout``."""
    group = parser.getgroup("treadle", "treadle reactor tests")
    group.addoption(
        "--treadle-reactor",
        metavar="NAME",
        default=None,
        help="backend of the `reactor` fixture: select, poll, epoll, kqueue, asyncio, uvloop "
        "(default: $TREADLE_REACTOR, else the platform's best)",
    )
    group.addoption(
        "--treadle-timeout",
        metavar="SECONDS",
        type=float,
        default=_DEFAULT_TIMEOUT,
        help=f"how long a Deferred-returning or async test may run (default {_DEFAULT_TIMEOUT:g})",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the plugin's markers."""
    config.addinivalue_line(
        "markers", "reactor(name): run this test's `reactor` fixture on backend `name`"
    )
    config.addinivalue_line(
        "markers",
        "treadle_timeout(seconds): time limit for this Deferred-returning or async test",
    )
    config.addinivalue_line(
        "markers",
        "treadle_allow_leftovers(*kinds): do not fail this test for leftovers "
        f"(kinds: {', '.join(LEFTOVER_KINDS)}; none given = all)",
    )


def _allowedLeftovers(item: pytest.Item) -> frozenset[str]:
    marker = item.get_closest_marker("treadle_allow_leftovers")
    if marker is None:
        return frozenset()
    if not marker.args:
        return frozenset(LEFTOVER_KINDS)
    unknown = [kind for kind in marker.args if kind not in LEFTOVER_KINDS]
    if unknown:
        pytest.fail(
            f"{item.nodeid}: unknown treadle_allow_leftovers kind(s) {unknown}; "
            f"use {', '.join(LEFTOVER_KINDS)}",
            pytrace=False,
        )
    return frozenset(marker.args)


def _allowsLeftovers(item: pytest.Item, kind: str) -> bool:
    """Whether the test's marker allows ``kind`` (without validating the marker's kinds)."""
    marker = item.get_closest_marker("treadle_allow_leftovers")
    return marker is not None and (not marker.args or kind in marker.args)


def _markedBackends(marker: pytest.Mark) -> list[str] | None:
    """The backends a ``reactor`` marker asks to run the test on, if more than one."""
    if marker.args == ("all",):
        return list(availableReactors())
    if len(marker.args) > 1 and all(isinstance(name, str) for name in marker.args):
        return list(marker.args)
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.reactor("all")`` / several names: one test per backend."""
    if "reactor" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("reactor")
    if marker is None:
        return
    names = _markedBackends(marker)
    if names is not None:
        metafunc.parametrize("reactor", names, indirect=True, ids=names)


def _reactorName(item: pytest.Item) -> str:
    marker = item.get_closest_marker("reactor")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str):
            pytest.fail(
                f"{item.nodeid}: @pytest.mark.reactor takes one backend name, e.g. "
                f'@pytest.mark.reactor("poll")',
                pytrace=False,
            )
        return marker.args[0]
    option: str | None = item.config.getoption("--treadle-reactor")
    if option:
        return option
    fromEnvironment = os.environ.get("TREADLE_REACTOR")
    if fromEnvironment:
        return fromEnvironment
    return defaultReactorName()


def _timeout(item: pytest.Item) -> float:
    marker = item.get_closest_marker("treadle_timeout")
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], int | float):
            pytest.fail(
                f"{item.nodeid}: @pytest.mark.treadle_timeout takes a number of seconds",
                pytrace=False,
            )
        return float(marker.args[0])
    timeout: float = item.config.getoption("--treadle-timeout")
    return timeout


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def reactor(request: pytest.FixtureRequest) -> Iterator[Reactor]:
    """A fresh reactor for this test (see the module docstring for choosing its backend)."""
    param: str | None = getattr(request, "param", None)
    name = param if param is not None else _reactorName(request.node)
    available = availableReactors()
    if name not in available:
        if name in _KNOWN_REACTORS:
            pytest.skip(f"the {name!r} reactor is not available on this system")
        pytest.fail(
            f"unknown reactor {name!r} requested for {request.node.nodeid}; "
            f"available here: {', '.join(available)}",
            pytrace=False,
        )
    r = available[name]()
    try:
        yield r
    finally:
        problems = _cleanUpReactor(r)
    if problems and not request.node.stash.get(_timedOutKey, False):
        allowed = _allowedLeftovers(request.node)
        reported = [text for kind, text in problems if kind not in allowed]
        if reported:
            pytest.fail("\n\n".join(reported), pytrace=False)


@pytest.fixture
def clock() -> Clock:
    """A fresh :class:`reactor.task.Clock` at time 0."""
    return Clock()


@pytest.fixture
def threadpool(request: pytest.FixtureRequest) -> Iterator[ThreadPool]:
    """A fresh started ``ThreadPool`` (0..4 workers), stopped and joined after the test."""
    from threads import ThreadPool  # lazily: see the TYPE_CHECKING import above

    pool = ThreadPool(minthreads=0, maxthreads=4, name=f"threadpool fixture {request.node.name}")
    pool.start()
    try:
        yield pool
    finally:
        finished = pool.stop(timeout=_THREADPOOL_STOP_TIMEOUT)
    if not finished:
        busy = pool.statistics().busy
        pytest.fail(
            f"the `threadpool` fixture's pool {pool!r} still had {busy} job(s) running "
            f"{_THREADPOOL_STOP_TIMEOUT:g} s after the test ended; make the test's thread jobs "
            "finish (release whatever they wait on) before it ends.",
            pytrace=False,
        )


def _cleanUpReactor(r: Reactor) -> list[tuple[str, str]]:
    """Stop, empty and close ``r``; return (kind, message) for each kind of leftover."""
    if r.running:
        r.crash()
    problems: list[tuple[str, str]] = []
    calls = r.getDelayedCalls()
    listing = "\n".join(f"    {call!r}" for call in calls)  # before cancelling: "due in ..."
    for call in calls:
        call.cancel()
    if calls:
        problems.append(
            (
                "delayed-calls",
                f"the test left {len(calls)} pending DelayedCall(s) on its reactor "
                f"(now cancelled):\n{listing}\nCancel them before the test ends, or mark the "
                'test @pytest.mark.treadle_allow_leftovers("delayed-calls").',
            )
        )
    readers, writers = r.getReaders(), r.getWriters()
    r.removeAll()
    r.close()
    if readers or writers:
        lines = [f"    reader {obj!r}" for obj in readers]
        lines += [f"    writer {obj!r}" for obj in writers]
        problems.append(
            (
                "descriptors",
                "the test left readers/writers registered on its reactor (now removed):\n"
                + "\n".join(lines)
                + "\nRemove them (close the transport/port) before the test ends, or mark the "
                'test @pytest.mark.treadle_allow_leftovers("descriptors").',
            )
        )
    return problems


# A full collection slower than this means the heap holds many unfrozen old objects (first test,
# or someone called gc.unfreeze()): freeze what survived, so the next collections are cheap.
# Typical figures here: ~1 ms frozen, 50-100 ms unfrozen with the project's modules loaded.
# (Rejected: checking gc.get_freeze_count() before each test -- it walks the frozen objects and
# costs ~5 ms by itself.)
_SLOW_COLLECTION = 0.005


def _collectGarbage() -> None:
    started = time.perf_counter()
    gc.collect()
    if time.perf_counter() - started > _SLOW_COLLECTION:
        gc.freeze()


class _ReportCollector(logging.Handler):
    """Collects ERROR records of the ``deferred`` logger that reach the root logger.

    On the root logger, like pytest's own log capture: a test that expects reports and stops
    them from propagating (``logging.getLogger("deferred").propagate = False`` around its own
    handler) has dealt with them, and they are not strays.
    """

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "deferred" or record.name.startswith("deferred."):
            self.records.append(record)


@pytest.fixture(autouse=True)
def _treadleTestSupport(request: pytest.FixtureRequest) -> Iterator[None]:
    """Per test: keep the request for pyfunc_call; after teardown, look for leftovers.

    Set up before the test's other function-scoped fixtures and torn down after them, so what
    it measures covers the test and its fixtures.
    """
    request.node.stash[_requestKey] = request
    threadsBefore = set(threading.enumerate())
    socketsBefore = _openSockets()
    childrenBefore = _childProcesses()
    collector = _ReportCollector()
    logger = logging.getLogger()
    logger.addHandler(collector)
    try:
        yield
    finally:
        # Threads first: one that finishes in its grace period may drop the last reference to
        # a socket or a failed Deferred, which the collection below then finds.
        # (Not waited for when the test allows them: the wait would be for nothing.)
        allowsThreads = _allowsLeftovers(request.node, "threads")
        newThreads = [] if allowsThreads else _waitForNewThreads(threadsBefore)
        # Runs after every other fixture of the test was torn down (this one was set up
        # first), so Deferreds the test's fixtures held are garbage by now.
        _collectGarbage()
        logger.removeHandler(collector)
    problems: list[tuple[str, str]] = []
    stray = [r for r in collector.records if not getattr(r, "_treadleReportClaimed", False)]
    if stray:
        problems.append(
            (
                "unhandled-errors",
                f"the test left {len(stray)} unhandled error(s) in Deferreds (reported on the "
                "'deferred' logger once garbage-collected):\n\n"
                + "\n\n".join(r.getMessage() for r in stray)
                + '\n\nAdd an errback, or mark the test @pytest.mark.treadle_allow_leftovers("'
                'unhandled-errors").',
            )
        )
    if newThreads:
        problems.append(("threads", _describeThreads(newThreads)))
    if socketsBefore is not None:
        socketsAfter = _openSockets()
        if socketsAfter is not None:
            newSockets = sorted(set(socketsAfter.items()) - set(socketsBefore.items()))
            if newSockets:
                problems.append(("sockets", _describeSockets(newSockets)))
    if childrenBefore is not None:
        childrenAfter = _childProcesses()
        if childrenAfter is not None:
            newChildren = sorted(set(childrenAfter.items()) - set(childrenBefore.items()))
            if newChildren:
                problems.append(("processes", _describeChildren(newChildren)))
    if problems:
        allowed = _allowedLeftovers(request.node)
        reported = [text for kind, text in problems if kind not in allowed]
        if reported:
            pytest.fail("\n\n".join(reported), pytrace=False)


def _waitForNewThreads(before: set[threading.Thread]) -> list[threading.Thread]:
    """The threads alive now that were not in ``before``, once each had a bounded grace period
    to finish (``_THREAD_GRACE`` seconds in all)."""
    deadline = time.monotonic() + _THREAD_GRACE
    alive: list[threading.Thread] = []
    for thread in threading.enumerate():
        if thread in before or thread.name == _TIMEOUT_THREAD_NAME:
            continue
        if thread is threading.current_thread():
            continue
        # A thread started outside the threading module (a _DummyThread) cannot be joined.
        if not isinstance(thread, threading._DummyThread):
            thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            alive.append(thread)
    return alive


def _describeThreads(threads: list[threading.Thread]) -> str:
    frames = sys._current_frames()
    lines = []
    for thread in threads:
        line = f"    {thread.name!r}" + (" (daemon)" if thread.daemon else "")
        frame = frames.get(thread.ident) if thread.ident is not None else None
        if frame is not None:
            where = _whereThreadIs(frame)
            line += f", now in {where.name} ({where.filename}:{where.lineno})"
        lines.append(line)
    return (
        f"the test left {len(threads)} thread(s) running that were not running before it "
        f"(still alive {_THREAD_GRACE:g} s after its teardown):\n"
        + "\n".join(lines)
        + "\nStop and join them (stop the thread pools, close the connection pools the test "
        "made) before it ends, or mark the test "
        '@pytest.mark.treadle_allow_leftovers("threads").'
    )


def _whereThreadIs(frame: types.FrameType) -> traceback.FrameSummary:
    """The innermost frame of a thread's stack outside the threading module (the code that
    waits, rather than ``Condition.wait``), else the innermost one."""
    stack = traceback.extract_stack(frame)
    for summary in reversed(stack):
        if summary.filename != threading.__file__:
            return summary
    return stack[-1]


def _openSockets() -> dict[int, str] | None:
    """This process's open sockets, as {descriptor: "socket:[inode]"}; None without /proc."""
    try:
        names = os.listdir(_FD_DIRECTORY)
    except OSError:
        return None
    sockets: dict[int, str] = {}
    for name in names:
        try:
            target = os.readlink(f"{_FD_DIRECTORY}/{name}")
        except OSError:
            continue  # closed meanwhile (e.g. listdir's own descriptor)
        if target.startswith("socket:"):
            sockets[int(name)] = target
    return sockets


def _describeSockets(sockets: list[tuple[int, str]]) -> str:
    lines = [f"    fd {fd}: {target}{_socketDetails(fd)}" for fd, target in sockets]
    return (
        f"the test left {len(sockets)} socket(s) open that were not open before it (after "
        "its teardown and a garbage collection; left open):\n"
        + "\n".join(lines)
        + "\nClose them (transports, listening ports, socket pairs, connection pools) before "
        'the test ends, or mark the test @pytest.mark.treadle_allow_leftovers("sockets").'
    )


def _socketDetails(fd: int) -> str:
    """Family, type and addresses of the socket on ``fd``, through a duplicate of it (closing
    the duplicate leaves ``fd`` open); "" if it cannot be inspected."""
    try:
        duplicate = socket.socket(fileno=os.dup(fd))
    except OSError:
        return ""
    with duplicate:
        # getattr: a family or type the socket module has no name for comes back as an int.
        family = getattr(duplicate.family, "name", duplicate.family)
        kind = getattr(duplicate.type, "name", duplicate.type)
        details = f" {family} {kind}"
        try:
            details += f" local {duplicate.getsockname()!r}"
        except OSError:
            pass
        try:
            details += f" peer {duplicate.getpeername()!r}"
        except OSError:
            pass  # not connected
    return details


def _childProcesses() -> dict[int, str] | None:
    """This process's children (running or unreaped), as {pid: "command (state)"}; None
    where ``/proc`` is unavailable."""
    try:
        # Without reaping anything: fails with ECHILD when there is no child at all, the
        # common case, which then costs one system call instead of a walk through /proc.
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return {} if os.path.isdir(_PROC_DIRECTORY) else None
    try:
        names = os.listdir(_PROC_DIRECTORY)
    except OSError:
        return None
    me = os.getpid()
    children: dict[int, str] = {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"{_PROC_DIRECTORY}/{name}/stat", "rb") as file:
                stat = file.read()
        except OSError:
            continue  # gone meanwhile
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        commandEnd = stat.rfind(b")")
        fields = stat[commandEnd + 2 :].split()
        if len(fields) < 2 or int(fields[1]) != me:
            continue
        command = stat[stat.find(b"(") + 1 : commandEnd].decode("utf-8", "replace")
        state = "exited, never reaped" if fields[0] == b"Z" else "running"
        children[int(name)] = f"{command} ({state})"
    return children


def _describeChildren(children: list[tuple[int, str]]) -> str:
    lines = [f"    pid {pid}: {what}" for pid, what in children]
    return (
        f"the test left {len(children)} child process(es) that were not its children before "
        "it, still running or never reaped (left alone):\n"
        + "\n".join(lines)
        + "\nWait for them (a process protocol's processEnded, os.waitpid) before the test "
        'ends, or mark the test @pytest.mark.treadle_allow_leftovers("processes").'
    )


# --- running Deferred-returning and async tests -------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests, and tests that return a Deferred, on the ``reactor`` fixture."""
    __tracebackhide__ = True
    testFunction = pyfuncitem.obj
    isCoroutineFunction = inspect.iscoroutinefunction(testFunction)
    if isCoroutineFunction and any(
        pyfuncitem.get_closest_marker(name) for name in _OTHER_ASYNC_RUNNERS
    ):
        return None  # another plugin's coroutine test (pytest-asyncio, anyio, trio)
    funcargs = pyfuncitem.funcargs
    arguments = {name: funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}

    if isCoroutineFunction:

        def start() -> Deferred[Any]:
            return Deferred.fromCoroutine(testFunction(**arguments))

    else:
        result = testFunction(**arguments)
        if not isinstance(result, Deferred):
            if result is not None:
                warnings.warn(
                    pytest.PytestReturnNotNoneWarning(
                        f"{pyfuncitem.nodeid} returned {type(result)!r}, not None or a "
                        "Deferred; did you mean to assert it?"
                    ),
                    stacklevel=1,
                )
            return True
        returned: Deferred[Any] = result
        if _hasResult(returned):
            # Already fired (e.g. driven by a Clock): no reactor needed.
            _checkResult(returned)
            return True

        def start() -> Deferred[Any]:
            return returned

    request = pyfuncitem.stash[_requestKey]
    r: Reactor = request.getfixturevalue("reactor")
    _runUntilFired(pyfuncitem, r, start, _timeout(pyfuncitem))
    return True


def _hasResult(d: Deferred[Any]) -> bool:
    return d.called and not d.paused and not isinstance(d.result, Deferred)


def _checkResult(d: Deferred[Any]) -> None:
    __tracebackhide__ = True
    outcome: list[object] = []
    d.addBoth(outcome.append)  # consumes a failure: it is raised here, not reported as unhandled
    result = outcome[0]
    if isinstance(result, Failure):
        raise result.value.with_traceback(result.tb)


def _runUntilFired(
    item: pytest.Function, r: Reactor, start: Callable[[], Deferred[Any]], timeout: float
) -> None:
    """Run ``r`` until the Deferred from ``start()`` (called once ``r`` runs) fires."""
    __tracebackhide__ = True
    outcome: list[object] = []
    started: list[Deferred[Any]] = []
    finished = threading.Event()
    timedOut = threading.Event()

    def record(result: object) -> None:
        if timedOut.is_set():
            return  # the CancelledError from giveUp() below: the timeout is the story
        outcome.append(result)
        try:
            r.stop()
        except ReactorNotRunning:
            pass  # the test stopped it itself, or it was never started

    def begin() -> None:
        try:
            d = start()
        except BaseException:
            d = fail(Failure())
        started.append(d)
        d.addBoth(record)

    def giveUp() -> None:
        # In the reactor thread (through callFromThread), unless the run already ended.
        if finished.is_set():
            return
        timedOut.set()
        for d in started:
            d.cancel()  # lets the code under test clean up (cancel its timers...)
        r.crash()

    def alarm() -> None:
        r.callFromThread(giveUp)

    r.callWhenRunning(begin)
    timer = threading.Timer(timeout, alarm)
    timer.name = _TIMEOUT_THREAD_NAME
    timer.daemon = True
    timer.start()
    try:
        r.run(installSignalHandlers=False)
    finally:
        finished.set()
        timer.cancel()
        timer.join()
    if timedOut.is_set():
        item.stash[_timedOutKey] = True
        if outcome:
            what = "its Deferred fired but the reactor did not finish stopping"
        else:
            what = "the Deferred it returned (or its coroutine) never fired"
        pytest.fail(
            f"{item.nodeid} did not finish within {timeout:g} s: {what}. Raise the limit with "
            f"@pytest.mark.treadle_timeout(seconds) or --treadle-timeout.",
            pytrace=False,
        )
    if not outcome:
        pytest.fail(
            f"{item.nodeid}: the reactor stopped before the test's Deferred fired "
            f"(did the test call reactor.stop() or crash()?)",
            pytrace=False,
        )
    result = outcome[0]
    if isinstance(result, Failure):
        raise result.value.with_traceback(result.tb)
