"""ProcessProtocol's dispatch and the reasons a child's wait status becomes (no child needed)."""

from __future__ import annotations

import signal

from zope.interface.verify import verifyObject

from deferred import Failure
from reactor._processinterfaces import IProcessProtocol
from reactor.error import (
    ConnectionDone,
    ConnectionLost,
    ProcessDone,
    ProcessExitedAlready,
    ProcessTerminated,
)
from reactor.process._status import reasonFor
from reactor.protocol import ProcessProtocol


class _Dispatched(ProcessProtocol):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def outReceived(self, data: bytes) -> None:
        self.calls.append(("out", data))

    def errReceived(self, data: bytes) -> None:
        self.calls.append(("err", data))

    def inConnectionLost(self) -> None:
        self.calls.append(("inLost", None))

    def outConnectionLost(self) -> None:
        self.calls.append(("outLost", None))

    def errConnectionLost(self) -> None:
        self.calls.append(("errLost", None))


def test_child_data_on_1_and_2_goes_to_out_and_err_received() -> None:
    p = _Dispatched()
    p.childDataReceived(1, b"a")
    p.childDataReceived(2, b"b")
    p.childDataReceived(3, b"c")  # other descriptors: only childDataReceived sees them
    assert p.calls == [("out", b"a"), ("err", b"b")]


def test_child_connection_lost_on_0_1_2_goes_to_the_named_handlers() -> None:
    p = _Dispatched()
    for fd in (0, 1, 2, 5):
        p.childConnectionLost(fd)
    assert p.calls == [("inLost", None), ("outLost", None), ("errLost", None)]


def test_base_handlers_do_nothing_and_the_class_provides_the_interface() -> None:
    p = ProcessProtocol()
    p.childDataReceived(1, b"x")
    p.childConnectionLost(0)
    p.processExited(Failure(ProcessDone(0)))
    p.processEnded(Failure(ProcessDone(0)))
    assert verifyObject(IProcessProtocol, p)
    assert not p.connected


def test_process_errors_are_connection_errors_as_in_twisted() -> None:
    assert isinstance(ProcessDone(0), ConnectionDone)
    assert isinstance(ProcessTerminated(1), ConnectionLost)
    assert str(ProcessExitedAlready()) == "the process has already exited"


def test_status_zero_is_process_done() -> None:
    reason = reasonFor(0)
    assert reason.check(ProcessDone)
    assert (reason.value.exitCode, reason.value.signal, reason.value.status) == (0, None, 0)


def test_exit_code_status_is_process_terminated_with_the_code() -> None:
    reason = reasonFor(5 << 8)
    assert reason.check(ProcessTerminated)
    assert (reason.value.exitCode, reason.value.signal, reason.value.status) == (5, None, 5 << 8)
    assert "exit code 5" in str(reason.value)


def test_signal_status_is_process_terminated_with_the_signal() -> None:
    reason = reasonFor(signal.SIGTERM)
    assert reason.check(ProcessTerminated)
    assert (reason.value.exitCode, reason.value.signal) == (None, signal.SIGTERM)
    assert "signal 15" in str(reason.value)


def test_unknown_status_is_process_terminated_with_nothing_known() -> None:
    reason = reasonFor(None)
    assert reason.check(ProcessTerminated)
    assert (reason.value.exitCode, reason.value.signal, reason.value.status) == (None,) * 3
