"""spawnProcess on every backend: pipes, exit status, signals, environment, directory, extra
descriptors, event order, errors. Real child processes (``python -S -c ...``)."""

from __future__ import annotations

import os
import signal

import pytest
from _processhelpers import Recorder, openDescriptors, python, reaped
from zope.interface.verify import verifyObject

from deferred import Deferred
from reactor import Reactor
from reactor._processinterfaces import IProcessProtocol, IProcessTransport, IReactorProcess
from reactor.error import ProcessDone, ProcessExitedAlready, ProcessTerminated
from reactor.interfaces import IConsumer, IPushProducer, ITransport
from reactor.process import Process

pytestmark = pytest.mark.reactor("all")


def test_stdout_and_stderr_arrive_separately(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    code = "import sys; sys.stdout.write('to out'); sys.stdout.flush(); sys.stderr.write('to err')"
    reactor.spawnProcess(p, python(code)[0], python(code))

    def check(_: object) -> None:
        assert p.out(1) == b"to out"
        assert p.out(2) == b"to err"

    return p.ended.addCallback(check)


def test_stdin_written_and_closed_reaches_the_child(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    code = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().upper())"
    process = reactor.spawnProcess(p, python(code)[0], python(code))
    process.write(b"hello, ")
    process.writeSequence([b"child", b"!"])
    process.closeStdin()

    def check(_: object) -> None:
        assert p.out() == b"HELLO, CHILD!"

    return p.ended.addCallback(check)


def test_exit_status_zero_is_process_done(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, python("pass")[0], python("pass"))

    def check(_: object) -> None:
        assert p.exitReason is not None and p.endReason is not None
        assert p.exitReason.check(ProcessDone)
        assert p.endReason.check(ProcessDone)
        assert p.endReason.value.exitCode == 0
        assert p.endReason.value.signal is None

    return p.ended.addCallback(check)


def test_nonzero_exit_is_process_terminated_with_the_code(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, python("raise SystemExit(42)")[0], python("raise SystemExit(42)"))

    def check(_: object) -> None:
        assert p.endReason is not None
        error = p.endReason.value
        assert isinstance(error, ProcessTerminated)
        assert (error.exitCode, error.signal) == (42, None)
        assert os.waitstatus_to_exitcode(error.status) == 42

    return p.ended.addCallback(check)


class _SignalsWhenReady(Recorder):
    """Sends ``signalID`` once the child says it is ready (so it has its handlers set)."""

    def __init__(self, signalID: str | int) -> None:
        super().__init__()
        self.signalID = signalID

    def childDataReceived(self, childFD: int, data: bytes) -> None:
        super().childDataReceived(childFD, data)
        if self.out().endswith(b"ready\n"):
            self.transport.signalProcess(self.signalID)


_SLEEPER = "import sys, time; print('ready', flush=True); time.sleep(30)"


@pytest.mark.parametrize(
    ("signalID", "number"),
    [("KILL", signal.SIGKILL), ("TERM", signal.SIGTERM), ("SIGINT", signal.SIGINT), (1, 1)],
)
def test_signal_process_kills_the_child_by_name_or_number(
    reactor: Reactor, signalID: str | int, number: int
) -> Deferred[None]:
    p = _SignalsWhenReady(signalID)
    # SIGINT would raise KeyboardInterrupt in Python: let it kill the child the plain way.
    code = "import signal; signal.signal(signal.SIGINT, signal.SIG_DFL); " + _SLEEPER
    reactor.spawnProcess(p, python(code)[0], python(code))

    def check(_: object) -> None:
        assert p.endReason is not None
        error = p.endReason.value
        assert isinstance(error, ProcessTerminated)
        assert (error.exitCode, error.signal) == (None, number)

    return p.ended.addCallback(check)


def test_signal_after_the_child_was_reaped_raises_process_exited_already(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    pid = process.pid

    def check(_: object) -> None:
        assert process.pid is None
        assert pid is not None and reaped(pid)
        with pytest.raises(ProcessExitedAlready):
            process.signalProcess("TERM")

    return p.ended.addCallback(check)


def test_unknown_signal_name_is_a_value_error(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    with pytest.raises(ValueError, match="NOPE"):
        process.signalProcess("NOPE")
    return p.ended.addCallback(lambda _: None)


def test_env_is_the_whole_environment_of_the_child(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    code = "import os; print(sorted(k for k in os.environ if k != 'LC_CTYPE'))"
    reactor.spawnProcess(p, python(code)[0], python(code), env={"ONLY": "this"})

    def check(_: object) -> None:
        assert p.out() == b"['ONLY']\n"

    return p.ended.addCallback(check)


def test_env_none_inherits_this_process_environment(
    reactor: Reactor, monkeypatch: pytest.MonkeyPatch
) -> Deferred[None]:
    monkeypatch.setenv("TREADLE_PROCESS_TEST", "inherited")
    p = Recorder()
    code = "import os; print(os.environ['TREADLE_PROCESS_TEST'])"
    reactor.spawnProcess(p, python(code)[0], python(code))

    def check(_: object) -> None:
        assert p.out() == b"inherited\n"

    return p.ended.addCallback(check)


def test_executable_is_found_on_the_childs_path(reactor: Reactor) -> Deferred[None]:
    directory = os.path.dirname(python("")[0])
    name = os.path.basename(python("")[0])
    p = Recorder()
    reactor.spawnProcess(p, name, [name, "-S", "-c", "print('found')"], env={"PATH": directory})

    def check(_: object) -> None:
        assert p.out() == b"found\n"

    return p.ended.addCallback(check)


def test_path_is_the_working_directory_of_the_child(
    reactor: Reactor, tmp_path: os.PathLike[str]
) -> Deferred[None]:
    p = Recorder()
    code = "import os; print(os.getcwd())"
    reactor.spawnProcess(p, python(code)[0], python(code), path=str(tmp_path))

    def check(_: object) -> None:
        assert p.out().decode().strip() == os.path.realpath(tmp_path)

    return p.ended.addCallback(check)


def test_extra_child_descriptors_are_pipes_both_ways(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    code = "import os; data = os.read(4, 100); os.write(3, b'fd3 got ' + data); os.write(1, b'out')"
    process = reactor.spawnProcess(
        p, python(code)[0], python(code), childFDs={0: "w", 1: "r", 2: "r", 3: "r", 4: "w"}
    )
    process.writeToChild(4, b"through fd 4")
    process.closeChildFD(4)

    def check(_: object) -> None:
        assert p.out(3) == b"fd3 got through fd 4"
        assert p.out(1) == b"out"
        assert sorted(e[1] for e in p.events if e[0] == "lost") == [0, 1, 2, 3, 4]

    return p.ended.addCallback(check)


def test_child_descriptor_can_be_a_parent_descriptor(reactor: Reactor) -> Deferred[None]:
    readEnd, writeEnd = os.pipe()
    p = Recorder()
    code = "import os; os.write(1, b'straight into the pipe')"
    reactor.spawnProcess(p, python(code)[0], python(code), childFDs={1: writeEnd, 2: "r"})
    os.close(writeEnd)  # the child has its own copy

    def check(_: object) -> None:
        try:
            assert os.read(readEnd, 100) == b"straight into the pipe"
            assert os.read(readEnd, 100) == b""  # the child's copy closed: no leak
        finally:
            os.close(readEnd)
        assert p.data == {}

    return p.ended.addCallback(check)


def test_child_descriptors_may_swap_parent_numbers(reactor: Reactor) -> Deferred[None]:
    # Child 1 gets what would be child 3 and the other way round; every dup2 source must
    # survive the others (the spawner lifts them out of the way first).
    p = Recorder()
    code = "import os; os.write(1, b'on one'); os.write(3, b'on three')"
    reactor.spawnProcess(p, python(code)[0], python(code), childFDs={3: "r", 1: "r", 2: "r"})

    def check(_: object) -> None:
        assert (p.out(1), p.out(3)) == (b"on one", b"on three")

    return p.ended.addCallback(check)


def test_child_gets_no_descriptor_it_was_not_given(reactor: Reactor) -> Deferred[None]:
    inheritable = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(inheritable, True)
    p = Recorder()
    code = "import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd')))"
    reactor.spawnProcess(p, python(code)[0], python(code))
    os.close(inheritable)

    def check(_: object) -> None:
        # 0, 1 and 2, plus 3: the descriptor the listing itself opened.
        assert p.out() == b"[0, 1, 2, 3]\n"

    return p.ended.addCallback(check)


def test_child_without_stdin_in_child_fds_gets_none(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    code = "import os; print(sorted(int(n) for n in os.listdir('/proc/self/fd')))"
    reactor.spawnProcess(p, python(code)[0], python(code), childFDs={1: "r", 2: "r"})

    def check(_: object) -> None:
        # 1 and 2, plus 0: the lowest free number, taken by the listing itself.
        assert p.out() == b"[0, 1, 2]\n"

    return p.ended.addCallback(check)


def test_events_come_in_order_each_once_process_ended_last(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, python("print('x')")[0], python("print('x')"))

    def check(_: object) -> None:
        assert p.events[0] == ("made",)
        assert p.events[-1] == ("ended", ProcessDone)
        middle = sorted(p.events[1:-1], key=repr)
        assert middle == [("exited", ProcessDone), ("lost", 0), ("lost", 1), ("lost", 2)]

    return p.ended.addCallback(check)


def test_process_ended_waits_for_a_pipe_a_grandchild_holds(reactor: Reactor) -> Deferred[None]:
    # The child exits at once; a grandchild keeps its stdout and writes after a pause.
    p = Recorder()
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    time.sleep(0.3); os.write(1, b'late'); os._exit(0)\n"
    )
    reactor.spawnProcess(p, python(code)[0], python(code), childFDs={1: "r"})

    def check(_: object) -> None:
        assert p.events.index(("exited", ProcessDone)) < p.events.index(("lost", 1))
        assert p.out() == b"late"

    return p.ended.addCallback(check)


def test_child_is_reaped_no_zombie_left(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    pid = process.pid

    def check(_: object) -> None:
        assert pid is not None
        assert reaped(pid)
        assert not os.path.exists(f"/proc/{pid}") or _notOurs(pid)

    return p.ended.addCallback(check)


def _notOurs(pid: int) -> bool:
    """Whether /proc/<pid> (a recycled pid) belongs to a process that is not our child."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    return int(stat[stat.rfind(b")") + 2 :].split()[1]) != os.getpid()


def test_missing_executable_raises_and_leaves_nothing_open(reactor: Reactor) -> None:
    before = openDescriptors()
    p = Recorder()
    with pytest.raises(FileNotFoundError):
        reactor.spawnProcess(p, "/no/such/program", ["program"])
    with pytest.raises(FileNotFoundError):
        reactor.spawnProcess(p, "no-such-program-on-path", ["program"])
    assert openDescriptors() == before
    assert p.events == []


def test_bad_working_directory_raises_and_leaves_nothing_open(reactor: Reactor) -> None:
    before = openDescriptors()
    p = Recorder()
    with pytest.raises(FileNotFoundError, match="change directory"):
        reactor.spawnProcess(p, python("")[0], python("pass"), path="/no/such/directory")
    assert openDescriptors() == before
    assert p.events == []


def test_malformed_child_fds_are_rejected_before_anything_starts(reactor: Reactor) -> None:
    before = openDescriptors()
    for childFDs in ({0: "w", 1: "x"}, {-1: "r"}, {0: "w", 1: "r", 2: -5}):
        with pytest.raises(ValueError):
            reactor.spawnProcess(Recorder(), python("")[0], python("pass"), childFDs=childFDs)
    assert openDescriptors() == before


def test_write_to_a_descriptor_the_parent_does_not_write_is_a_key_error(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    with pytest.raises(KeyError):
        process.writeToChild(1, b"stdout is read, not written")
    with pytest.raises(KeyError):
        process.writeToChild(7, b"no such pipe")
    return p.ended.addCallback(lambda _: None)


def test_lose_connection_closes_stdin_and_the_child_sees_end_of_file(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    code = "import sys; sys.stdin.read()"
    process = reactor.spawnProcess(p, python(code)[0], python(code))
    process.write(b"some input")
    process.loseConnection()
    assert process.disconnecting

    def check(_: object) -> None:
        assert p.endReason is not None and p.endReason.check(ProcessDone)

    return p.ended.addCallback(check)


def test_closing_stdout_gives_a_writing_child_sigpipe(reactor: Reactor) -> Deferred[None]:
    # ``yes`` writes until it cannot. Python ignores SIGPIPE, and an ignored signal stays
    # ignored across exec: unless the child gets SIGPIPE back at its default, ``yes`` would
    # see EPIPE and exit with status 1 instead of being killed by the signal.
    p = Recorder()
    process = reactor.spawnProcess(p, "yes", ["yes"])
    process.closeStdout()

    def check(_: object) -> None:
        assert p.endReason is not None
        assert p.endReason.value.signal == signal.SIGPIPE

    return p.ended.addCallback(check)


def test_child_gets_sigpipe_and_sigxfsz_at_their_defaults_and_nothing_blocked(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, "cat", ["cat", "/proc/self/status"])

    def check(_: object) -> None:
        fields = dict(line.split(":\t") for line in p.out().decode().splitlines())
        ignored = int(fields["SigIgn"], 16)
        # (Not "nothing ignored": the parent may have inherited more ignored signals.)
        assert not ignored & (1 << (signal.SIGPIPE - 1))
        assert not ignored & (1 << (signal.SIGXFSZ - 1))
        assert int(fields["SigBlk"], 16) == 0

    return p.ended.addCallback(check)


class _RaisesOnOutput(Recorder):
    def outReceived(self, data: bytes) -> None:
        raise RuntimeError("protocol bug")


def test_exception_in_out_received_closes_that_pipe_and_the_process_still_ends(
    reactor: Reactor, caplog: pytest.LogCaptureFixture
) -> Deferred[None]:
    p = _RaisesOnOutput()
    code = "import os, time; os.write(1, b'x\\n'); time.sleep(0.2); os.write(1, b'more')"
    reactor.spawnProcess(p, python(code)[0], python(code))

    def check(_: object) -> None:
        assert p.out() == b"x\n"  # and not "more": the pipe was closed
        assert ("lost", 1) in p.events
        assert "protocol bug" in caplog.text

    return p.ended.addCallback(check)


class _PausesAtOnce(Recorder):
    """Pauses reading on connect; resumes once the child has exited."""

    def connectionMade(self) -> None:
        super().connectionMade()
        self.transport.pauseProducing()

    def processExited(self, reason: object) -> None:
        super().processExited(reason)  # type: ignore[arg-type]
        self.seenWhilePaused = self.out()
        self.transport.resumeProducing()


def test_pause_producing_holds_the_childs_output_until_resumed(
    reactor: Reactor,
) -> Deferred[None]:
    p = _PausesAtOnce()
    code = "import os; os.write(1, b'y' * 10000)"
    reactor.spawnProcess(p, python(code)[0], python(code))

    def check(_: object) -> None:
        assert p.seenWhilePaused == b""
        assert p.out() == b"y" * 10000

    return p.ended.addCallback(check)


class _Producer:
    def __init__(self) -> None:
        self.stopped = False

    def pauseProducing(self) -> None:
        pass

    def resumeProducing(self) -> None:
        pass

    def stopProducing(self) -> None:
        self.stopped = True


def test_producer_registered_with_stdin_closed_is_stopped(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"), childFDs={1: "r"})
    producer = _Producer()
    process.registerProducer(producer, True)
    assert producer.stopped
    return p.ended.addCallback(lambda _: None)


def test_process_transport_provides_its_interfaces(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    process = reactor.spawnProcess(p, python("pass")[0], python("pass"))
    assert isinstance(process, Process)
    for interface in (IProcessTransport, ITransport, IConsumer, IPushProducer):
        assert verifyObject(interface, process)
    assert verifyObject(IProcessProtocol, p)
    assert verifyObject(IReactorProcess, reactor)
    assert process.getPeer() == process.getHost()
    return p.ended.addCallback(lambda _: None)
