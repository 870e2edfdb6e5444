"""getProcessOutput, getProcessValue and getProcessOutputAndValue on every backend."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from reactor import Reactor
from reactor.error import ProcessTerminated
from reactor.process import getProcessOutput, getProcessOutputAndValue, getProcessValue

pytestmark = pytest.mark.reactor("all")

_BOTH = "import sys; sys.stdout.write('out'); sys.stderr.write('err'); sys.exit(4)"


async def test_outputAndValueGiveStdoutStderrAndTheExitCode(reactor: Reactor) -> None:
    result = await getProcessOutputAndValue(sys.executable, ["-c", _BOTH], reactor=reactor)
    assert result == (b"out", b"err", 4)


async def test_stdinBytesReachTheChildBeforeEndOfFile(reactor: Reactor) -> None:
    code = "import sys; sys.stdout.write(sys.stdin.read()[::-1])"
    out, err, exitCode = await getProcessOutputAndValue(
        sys.executable, ["-c", code], reactor=reactor, stdinBytes=b"stressed"
    )
    assert (out, err, exitCode) == (b"desserts", b"", 0)


async def test_aChildKilledByASignalFailsWithWhatItPrinted(reactor: Reactor) -> None:
    code = (
        "import os, signal, sys; print('before', flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    with pytest.raises(ProcessTerminated) as caught:
        await getProcessOutputAndValue(sys.executable, ["-c", code], reactor=reactor)
    assert caught.value.signal == signal.SIGKILL
    assert caught.value.out == b"before\n"  # type: ignore[attr-defined]


async def test_outputIsStdoutWhateverTheStatus(reactor: Reactor) -> None:
    code = "import sys; print('listing'); sys.exit(2)"
    assert await getProcessOutput(sys.executable, ["-c", code], reactor=reactor) == b"listing\n"


async def test_outputOnStderrIsAnErrorUnlessErrortoo(reactor: Reactor) -> None:
    with pytest.raises(OSError, match="wrote to stderr: b'err'"):
        await getProcessOutput(sys.executable, ["-c", _BOTH], reactor=reactor)
    both = await getProcessOutput(sys.executable, ["-c", _BOTH], reactor=reactor, errortoo=True)
    assert both == b"outerr"


async def test_valueIsTheExitCodeOrMinusTheSignal(reactor: Reactor) -> None:
    assert (
        await getProcessValue(sys.executable, ["-c", "raise SystemExit(7)"], reactor=reactor) == 7
    )
    killed = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert await getProcessValue(sys.executable, ["-c", killed], reactor=reactor) == -signal.SIGTERM


async def test_envAndPathReachTheChild(reactor: Reactor, tmp_path: object) -> None:
    code = "import os; print(os.environ['GREETING'], os.getcwd())"
    out = await getProcessOutput(
        sys.executable, ["-c", code], env={"GREETING": "hi"}, path=str(tmp_path), reactor=reactor
    )
    assert out.decode().split() == ["hi", str(tmp_path)]


async def test_getHandleGivesThePipesDescriptorsByChildDescriptor(reactor: Reactor) -> None:
    import fcntl
    import stat

    from deferred import Deferred
    from reactor.protocol import ProcessProtocol

    class Watch(ProcessProtocol):
        def __init__(self) -> None:
            self.ended: Deferred[None] = Deferred()

        def processEnded(self, reason: object) -> None:
            self.ended.callback(None)

    watch = Watch()
    process = reactor.spawnProcess(watch, sys.executable, [sys.executable, "-c", "pass"])
    handle = process.getHandle()
    assert sorted(handle) == [0, 1, 2]
    assert all(stat.S_ISFIFO(os.fstat(fd).st_mode) for fd in handle.values())
    # What the handle is for: platform features treadle does not wrap, such as the pipe size.
    assert fcntl.fcntl(handle[1], fcntl.F_GETPIPE_SZ) > 0
    process.closeStdin()
    await watch.ended
    assert process.getHandle() == {}
