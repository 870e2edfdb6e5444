"""usePTY=True on every backend: the child's terminal, its session, input and end of file."""

from __future__ import annotations

import pytest
from _processhelpers import Recorder, python

from deferred import Deferred
from reactor import Reactor
from reactor.error import ProcessDone

pytestmark = pytest.mark.reactor("all")

_TERMINAL_FACTS = (
    "import os, sys\n"
    "print([os.isatty(fd) for fd in (0, 1, 2)], os.getsid(0) == os.getpid(),"
    " os.tcgetpgrp(0) == os.getpgrp(), os.ttyname(1).startswith('/dev/pts/'))\n"
)


def test_child_has_a_terminal_as_stdio_and_controlling_terminal(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, python("")[0], python(_TERMINAL_FACTS), usePTY=True)

    def check(_: object) -> None:
        # A terminal turns "\n" into "\r\n" on output.
        assert p.out() == b"[True, True, True] True True True\r\n"
        assert p.endReason is not None and p.endReason.check(ProcessDone)

    return p.ended.addCallback(check)


def test_what_is_written_reaches_the_child_through_its_terminal(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    code = "import termios, sys\nline = sys.stdin.readline()\nprint('got', repr(line))"
    process = reactor.spawnProcess(p, python("")[0], python(code), usePTY=True)
    process.write(b"typed\n")

    def check(_: object) -> None:
        # The terminal echoes the input, then the child's answer follows.
        assert p.out().endswith(b"got 'typed\\n'\r\n")

    return p.ended.addCallback(check)


def test_terminal_end_of_file_character_ends_the_childs_input(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    code = "import sys\ndata = sys.stdin.read()\nprint(len(data))"
    process = reactor.spawnProcess(p, python("")[0], python(code), usePTY=True)
    process.write(b"abc\n\x04")
    process.closeStdin()  # no effect on a terminal (as in Twisted): ^D is how input ends

    def check(_: object) -> None:
        assert p.out().endswith(b"4\r\n")

    return p.ended.addCallback(check)


def test_the_terminal_hang_up_closes_both_halves_then_the_process_ends(
    reactor: Reactor,
) -> Deferred[None]:
    p = Recorder()
    reactor.spawnProcess(p, python("")[0], python("print('bye')"), usePTY=True)

    def check(_: object) -> None:
        lost = sorted(e[1] for e in p.events if e[0] == "lost")
        assert lost == [0, 1]
        assert p.events[-1] == ("ended", ProcessDone)

    return p.ended.addCallback(check)


def test_lose_connection_hangs_the_terminal_up(reactor: Reactor) -> Deferred[None]:
    p = Recorder()
    code = "import time\nprint('ready', flush=True)\ntime.sleep(30)"
    process = reactor.spawnProcess(p, python("")[0], python(code), usePTY=True)

    def hangUp(data: bytes) -> None:
        if b"ready" in p.out():
            process.loseConnection()

    p.outReceived = hangUp  # type: ignore[method-assign]

    def check(_: object) -> None:
        # The session leader gets SIGHUP when its controlling terminal goes away.
        assert p.endReason is not None
        assert p.endReason.value.signal == 1

    return p.ended.addCallback(check)


def test_child_fds_with_pty_is_rejected(reactor: Reactor) -> None:
    with pytest.raises(ValueError, match="childFDs"):
        reactor.spawnProcess(Recorder(), python("")[0], python("pass"), usePTY=True, childFDs={})
