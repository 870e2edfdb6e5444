"""Tests for the treadle pytest plugin (reactor.testing.plugin), through pytest's pytester.

Each test writes a small test module, runs pytest on it in this process (the plugin is loaded
through its ``pytest11`` entry point, as in any project that installs treadle) and checks the
outcome and the messages. Tests whose inner run leaves unhandled Deferred errors on purpose are
marked so that the outer run's own check does not count those.
"""

from __future__ import annotations

import os
import select
import sys

import pytest

from reactor import availableReactors, defaultReactorName
from reactor.testing import plugin

pytest_plugins = ["pytester"]

# The inner runs' deliberate unhandled errors propagate to this run's root logger too.
innerErrors = pytest.mark.treadle_allow_leftovers("unhandled-errors")


# Hypothesis's plugin imports all of hypothesis at the end of every run, and pytester drops
# modules imported by an inner run: that would be ~2.5 s per inner run.
INNER_ARGS = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_inner=source)
    return pytester.runpytest_inprocess(*INNER_ARGS, *args)


# --- the reactor and clock fixtures ------------------------------------------------------------


def test_each_test_gets_a_fresh_reactor(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        seen = []

        def test_first(reactor):
            seen.append(reactor)

        def test_second(reactor):
            assert reactor is not seen[0]
            assert not reactor.running
            assert reactor.getDelayedCalls() == []
        """,
    )
    result.assert_outcomes(passed=2)


def test_default_backend_is_the_platform_default(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TREADLE_REACTOR", raising=False)  # the suite may run with one set
    made = availableReactors()[defaultReactorName()]()
    made.close()
    expected = type(made).__name__
    result = run(
        pytester,
        f"""
        def test_kind(reactor):
            assert type(reactor).__name__ == {expected!r}
        """,
    )
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(
    ("name", "className"),
    [("select", "SelectReactor"), ("poll", "PollReactor"), ("asyncio", "AsyncioReactor")],
)
def test_marker_chooses_the_backend(pytester: pytest.Pytester, name: str, className: str) -> None:
    result = run(
        pytester,
        f"""
        import pytest

        @pytest.mark.reactor({name!r})
        def test_kind(reactor):
            assert type(reactor).__name__ == {className!r}
        """,
    )
    result.assert_outcomes(passed=1)


def test_marker_all_runs_the_test_once_per_available_backend(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from reactor import availableReactors

        seen = []

        @pytest.mark.reactor("all")
        def test_each(reactor):
            seen.append(type(reactor).__name__)

        def test_everyKindRanOnce():
            assert len(seen) == len(availableReactors())
        """,
    )
    result.assert_outcomes(passed=len(availableReactors()) + 1)


def test_marker_with_several_names_runs_on_each(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        seen = []

        @pytest.mark.reactor("select", "poll")
        def test_kind(reactor):
            seen.append(type(reactor).__name__)

        def test_both():
            assert seen == ["SelectReactor", "PollReactor"]
        """,
    )
    result.assert_outcomes(passed=3)


def test_option_chooses_the_backend_and_marker_wins(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        def test_fromOption(reactor):
            assert type(reactor).__name__ == "SelectReactor"

        @pytest.mark.reactor("poll")
        def test_fromMarker(reactor):
            assert type(reactor).__name__ == "PollReactor"
        """,
        "--treadle-reactor",
        "select",
    )
    result.assert_outcomes(passed=2)


def test_environment_variable_chooses_the_backend(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TREADLE_REACTOR", "poll")
    result = run(
        pytester,
        """
        def test_kind(reactor):
            assert type(reactor).__name__ == "PollReactor"
        """,
    )
    result.assert_outcomes(passed=1)


def test_unknown_backend_fails_listing_available_ones(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.reactor("turbo")
        def test_kind(reactor):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown reactor 'turbo'*available here: *epoll*select*"])


@pytest.mark.skipif(hasattr(select, "kqueue"), reason="kqueue is available on this system")
def test_known_but_unavailable_backend_skips(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.reactor("kqueue")
        def test_kind(reactor):
            pass
        """,
        "-rs",
    )
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*'kqueue' reactor is not available on this system*"])


def test_clock_fixture_is_a_fresh_clock(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from reactor.task import Clock

        def test_first(clock):
            assert isinstance(clock, Clock)
            clock.advance(5)

        def test_second(clock):
            assert clock.seconds() == 0
        """,
    )
    result.assert_outcomes(passed=2)


def test_reactors_are_closed_so_no_descriptor_leaks(pytester: pytest.Pytester) -> None:
    source = """
        import pytest

        @pytest.mark.parametrize("i", range(30))
        def test_many(reactor, i):
            pass
        """
    run(pytester, source).assert_outcomes(passed=30)  # warm up: imports, lazy singletons
    before = len(os.listdir("/proc/self/fd"))
    run(pytester, source).assert_outcomes(passed=30)
    assert len(os.listdir("/proc/self/fd")) <= before


# --- Deferred-returning and async tests -----------------------------------------------------------


def test_returned_deferred_is_waited_for(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from reactor.task import deferLater

        log = []

        def test_waits(reactor):
            return deferLater(reactor, 0.01, log.append, "fired")

        def test_afterwards():
            assert log == ["fired"]
        """,
    )
    result.assert_outcomes(passed=2)


def test_returned_deferred_failure_fails_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from reactor.task import deferLater

        def explode():
            raise LookupError("from the reactor")

        def test_fails(reactor):
            return deferLater(reactor, 0, explode)
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*raise LookupError*", "E*LookupError: from the reactor"])


def test_already_failed_deferred_fails_the_test(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import fail

        def test_fails():
            return fail(ValueError("failed at once"))
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E*ValueError: failed at once"])


def test_deferred_test_without_reactor_argument_passes(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import succeed

        def test_returnsFired():
            return succeed("done")
        """,
    )
    result.assert_outcomes(passed=1)


def test_already_fired_deferred_needs_no_reactor(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        import reactor.testing.plugin as plugin
        from reactor.task import deferLater

        @pytest.fixture(autouse=True)
        def noReactors(monkeypatch):
            monkeypatch.setattr(plugin, "availableReactors", lambda: pytest.fail("made one"))

        def test_clockDriven(clock):
            d = deferLater(clock, 1, lambda: "done")
            clock.advance(1)
            return d
        """,
    )
    result.assert_outcomes(passed=1)


def test_async_tests_of_other_runners_are_left_to_them(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.asyncio
        async def test_forAsyncio():
            pass
        """,
        "-W",
        "ignore::pytest.PytestUnknownMarkWarning",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*async def functions are not natively supported*"])


def test_async_test_runs_on_the_running_reactor(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from reactor.task import deferLater

        async def test_awaits(reactor):
            assert reactor.running
            value = await deferLater(reactor, 0.01, lambda: 42)
            assert value == 42
        """,
    )
    result.assert_outcomes(passed=1)


def test_async_test_without_reactor_argument_runs(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import succeed

        async def test_awaits():
            assert await succeed(7) == 7
        """,
    )
    result.assert_outcomes(passed=1)


def test_async_test_exception_fails_with_its_traceback(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from reactor.task import deferLater

        async def test_raises(reactor):
            await deferLater(reactor, 0)
            assert 1 + 1 == 3, "arithmetic"
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 1 + 1 == 3*", "*AssertionError: arithmetic*"])


def test_marker_timeout_fails_a_test_that_never_finishes(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from deferred import Deferred

        @pytest.mark.treadle_timeout(0.2)
        def test_hangs(reactor):
            return Deferred()
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_hangs did not finish within 0.2 s: the Deferred it returned (or its "
            "coroutine) never fired*treadle_timeout*--treadle-timeout*"
        ]
    )


def test_option_timeout_applies_to_async_tests(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import Deferred

        async def test_hangs(reactor):
            await Deferred()
        """,
        "--treadle-timeout",
        "0.2",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not finish within 0.2 s*"])


def test_timeout_cancels_the_deferred_and_reports_only_the_timeout(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest
        from reactor.task import deferLater

        @pytest.mark.treadle_timeout(0.2)
        def test_slow(reactor):
            return deferLater(reactor, 60)
        """,
    )
    result.assert_outcomes(failed=1, errors=0)
    result.stdout.no_fnmatch_line("*DelayedCall*")


def test_timeout_adds_no_delayed_call_the_test_can_see(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import succeed

        async def test_sees_none(reactor):
            assert reactor.getDelayedCalls() == []
        """,
    )
    result.assert_outcomes(passed=1)


def test_test_stopping_the_reactor_early_is_reported(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import Deferred

        def test_stops(reactor):
            d = Deferred()
            reactor.callLater(0, reactor.stop)
            return d
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the reactor stopped before the test's Deferred fired*"])


def test_other_return_values_warn(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_returns():
            return 5
        """,
    )
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*test_returns returned <class 'int'>, not None or a Deferred*"])


# --- leftovers --------------------------------------------------------------------------------


@innerErrors
def test_unhandled_deferred_error_fails_naming_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import fail

        def test_forgets():
            fail(KeyError("nobody handled me"))
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_forgets*",
            "*left 1 unhandled error(s) in Deferreds*",
            "*created in test_forgets*",
            "*KeyError: 'nobody handled me'*",
        ]
    )


@innerErrors
def test_unhandled_error_in_garbage_cycle_is_found(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        from deferred import fail

        class Holder:
            pass

        def test_forgets_in_a_cycle():
            holder = Holder()
            holder.me = holder
            holder.d = fail(OSError("only the collector finds me"))
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*OSError: only the collector finds me*"])


@innerErrors
def test_claimed_reports_are_not_leftovers(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import gc
        from deferred import fail

        def test_expects_a_report(caplog):
            fail(KeyError("expected"))
            gc.collect()
            [record] = [r for r in caplog.records if r.name == "deferred"]
            record._treadleReportClaimed = True
        """,
    )
    result.assert_outcomes(passed=1)


def test_reports_kept_from_propagating_are_not_leftovers(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import gc, logging
        from deferred import fail

        def test_captures_its_own():
            seen = []
            handler = logging.Handler()
            handler.emit = seen.append
            logger = logging.getLogger("deferred")
            logger.addHandler(handler)
            logger.propagate = False
            try:
                fail(KeyError("expected"))
                gc.collect()
            finally:
                logger.propagate = True
                logger.removeHandler(handler)
            assert len(seen) == 1
        """,
    )
    result.assert_outcomes(passed=1)


def test_pending_delayed_call_fails_naming_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def forgotten(x):
            pass

        def test_leaves_a_timer(reactor):
            reactor.callLater(30, forgotten, "arg")

        def test_next_reactor_is_clean(reactor):
            assert reactor.getDelayedCalls() == []
        """,
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaves_a_timer*",
            "*left 1 pending DelayedCall(s) on its reactor (now cancelled)*",
            "*<DelayedCall * (due in *s) forgotten('arg')>*",
        ]
    )


DESCRIPTOR_MODULE = """
import socket
import pytest

class Watcher:
    def __init__(self, sock):
        self.sock = sock
    def fileno(self):
        return self.sock.fileno()
    def doRead(self):
        pass
    def doWrite(self):
        pass
    def connectionLost(self, reason):
        pass
    def __repr__(self):
        return "<Watcher the-culprit>"

@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()
"""


def test_leftover_reader_and_writer_fail_naming_them(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        DESCRIPTOR_MODULE
        + """
def test_leaves_descriptors(pair, reactor):
    reactor.addReader(Watcher(pair[0]))
    reactor.addWriter(Watcher(pair[1]))
""",
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*left readers/writers registered on its reactor (now removed)*",
            "*reader <Watcher the-culprit>*",
            "*writer <Watcher the-culprit>*",
        ]
    )


def test_removed_descriptors_are_no_leftovers(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        DESCRIPTOR_MODULE
        + """
def test_cleans_up(pair, reactor):
    watcher = Watcher(pair[0])
    reactor.addReader(watcher)
    reactor.removeReader(watcher)
""",
    )
    result.assert_outcomes(passed=1)


@innerErrors
def test_allow_leftovers_without_kinds_allows_everything(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        DESCRIPTOR_MODULE
        + """
from deferred import fail

@pytest.mark.treadle_allow_leftovers
def test_messy(pair, reactor):
    reactor.callLater(30, print)
    reactor.addReader(Watcher(pair[0]))
    fail(KeyError("allowed"))
""",
    )
    result.assert_outcomes(passed=1)


@innerErrors
def test_allow_leftovers_with_kinds_allows_only_those(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from deferred import fail

        @pytest.mark.treadle_allow_leftovers("delayed-calls")
        def test_messy(reactor):
            reactor.callLater(30, print)
            fail(KeyError("not allowed"))
        """,
    )
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*KeyError: 'not allowed'*"])
    result.stdout.no_fnmatch_line("*pending DelayedCall*")


def test_allow_leftovers_rejects_unknown_kinds(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.treadle_allow_leftovers("timers")
        def test_typo(reactor):
            reactor.callLater(30, print)
        """,
    )
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*unknown treadle_allow_leftovers kind(s)*timers*"])


# --- the threadpool fixture, live threads and open sockets ---------------------------------


def test_threadpool_fixture_is_a_started_bounded_pool_stopped_after_the_test(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import threading

        seen = []

        def test_uses_the_pool(threadpool):
            seen.append(threadpool)
            assert threadpool.started
            assert (threadpool.minthreads, threadpool.maxthreads) == (0, 4)
            assert "test_uses_the_pool" in threadpool.name
            done = threading.Event()
            outcome = []

            def finished(ok, result):
                outcome.append((ok, result))
                done.set()

            threadpool.callInThreadWithCallback(finished, threading.current_thread)
            assert done.wait(10)
            [(ok, worker)] = outcome
            assert ok and worker is not threading.current_thread()
            seen.append(worker)

        def test_the_pool_was_stopped_and_joined(threadpool):
            pool, worker = seen
            assert threadpool is not pool
            assert not pool.started
            assert pool.statistics().workers == 0
            assert not worker.is_alive()
        """,
    )
    result.assert_outcomes(passed=2)


def test_threadpool_fixture_fails_when_a_job_outlives_its_stop(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugin, "_THREADPOOL_STOP_TIMEOUT", 0.1)
    result = run(
        pytester,
        """
        import threading
        import pytest

        release = threading.Event()
        started = threading.Event()

        @pytest.mark.treadle_allow_leftovers("threads")
        def test_leaves_a_job_running(threadpool):
            threadpool.callInThread(lambda: (started.set(), release.wait(10)))
            assert started.wait(10)

        def test_release_it():
            release.set()
            for thread in threading.enumerate():
                if "test_leaves_a_job_running" in thread.name:
                    thread.join(10)
        """,
    )
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_leaves_a_job_running*",
            "*`threadpool` fixture's pool <ThreadPool *test_leaves_a_job_running* still had 1 "
            "job(s) running 0.1 s after the test ended*",
        ]
    )


# A module whose {test} leaks a thread in `leaked`, waiting on `release`; the tests after it
# check that the next test is not blamed, and end the thread so that the outer test is clean.
LEAKY_THREAD_MODULE = """
import threading
import pytest

release = threading.Event()
leaked = []

{test}

def test_next_one_is_clean():
    pass  # the leaked thread was alive before this test began: not its leftover

def test_release():
    release.set()
    leaked[0].join(10)
"""


def test_thread_left_running_fails_naming_it(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugin, "_THREAD_GRACE", 0.05)  # the thread will not end by itself
    test = """
def test_starts_a_thread():
    thread = threading.Thread(target=lambda: release.wait(10), name="forgotten worker")
    thread.start()
    leaked.append(thread)
"""
    result = run(pytester, LEAKY_THREAD_MODULE.format(test=test))
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_starts_a_thread*",
            "*the test left 1 thread(s) running that were not running before it (still alive "
            "0.05 s after its teardown)*",
            "*'forgotten worker', now in <lambda> (*test_inner.py:*)*",
            '*treadle_allow_leftovers("threads")*',
        ]
    )


def test_allow_leftovers_threads_allows_a_live_thread(pytester: pytest.Pytester) -> None:
    test = """
@pytest.mark.treadle_allow_leftovers("threads")
def test_starts_a_thread():
    thread = threading.Thread(target=release.wait, args=(10,), daemon=True)
    thread.start()
    leaked.append(thread)
"""
    result = run(pytester, LEAKY_THREAD_MODULE.format(test=test))
    result.assert_outcomes(passed=3)


def test_thread_finishing_during_the_grace_period_is_no_leftover(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import threading
        import pytest

        @pytest.fixture
        def release():
            event = threading.Event()
            yield event
            event.set()  # the thread ends just after the teardown, without being joined

        def test_starts_a_thread(release):
            threading.Thread(target=release.wait, args=(10,)).start()
        """,
    )
    result.assert_outcomes(passed=1)


# Like LEAKY_THREAD_MODULE, for a socket kept open in `leaked`.
LEAKY_SOCKET_MODULE = """
import socket
import pytest

leaked = []

{test}

def test_next_one_is_clean():
    pass

def test_close_it():
    for sock in leaked:
        sock.close()
"""

needsProc = pytest.mark.skipif(
    plugin._openSockets() is None,
    reason="no /proc/self/fd here: the plugin cannot see open sockets",
)


@needsProc
def test_socket_left_open_fails_naming_it(pytester: pytest.Pytester) -> None:
    test = """
def test_opens_a_socket():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    leaked.append(sock)
    sock.bind(("127.0.0.1", 0))
"""
    result = run(pytester, LEAKY_SOCKET_MODULE.format(test=test))
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_opens_a_socket*",
            "*the test left 1 socket(s) open that were not open before it*",
            "*fd *: socket:[[]*[]] AF_INET SOCK_STREAM local ('127.0.0.1', *)",
            '*treadle_allow_leftovers("sockets")*',
        ]
    )


@needsProc
def test_socket_pair_left_open_counts_both_ends(pytester: pytest.Pytester) -> None:
    test = """
def test_opens_a_pair():
    leaked.extend(socket.socketpair())
"""
    result = run(pytester, LEAKY_SOCKET_MODULE.format(test=test))
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*the test left 2 socket(s) open*",
            "*fd *: socket:[[]*[]] AF_UNIX SOCK_STREAM local '' peer ''",
            "*fd *: socket:[[]*[]] AF_UNIX SOCK_STREAM local '' peer ''",
        ]
    )


def test_socket_closed_by_garbage_collection_is_no_leftover(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import socket
        import pytest

        class Holder:
            pass

        @pytest.mark.filterwarnings("ignore::ResourceWarning")
        def test_drops_a_socket_in_a_cycle():
            holder = Holder()
            holder.me = holder
            holder.sock = socket.socket()
        """,
    )
    result.assert_outcomes(passed=1)


def test_allow_leftovers_sockets_allows_an_open_socket(pytester: pytest.Pytester) -> None:
    test = """
@pytest.mark.treadle_allow_leftovers("sockets")
def test_opens_a_socket():
    leaked.append(socket.socket())
"""
    result = run(pytester, LEAKY_SOCKET_MODULE.format(test=test))
    result.assert_outcomes(passed=3)


def test_socket_check_is_skipped_without_proc(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plugin, "_FD_DIRECTORY", str(pytester.path / "no-such-proc"))
    test = """
def test_opens_a_socket():
    leaked.append(socket.socket())
"""
    result = run(pytester, LEAKY_SOCKET_MODULE.format(test=test))
    result.assert_outcomes(passed=3)


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess(*INNER_ARGS, "--markers")
    result.stdout.fnmatch_lines(
        [
            "*reactor(name)*",
            "*treadle_timeout(seconds)*",
            "*treadle_allow_leftovers(*kinds)*threads, sockets*",
        ]
    )


def test_plugin_is_registered_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    [entry] = [e for e in entry_points(group="pytest11") if e.name == "treadle"]
    assert entry.value == "reactor.testing.plugin"
    assert "reactor.testing.plugin" in sys.modules
