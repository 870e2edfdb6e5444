"""``Failure``: capturing, inspecting, re-raising and formatting an exception."""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable

import pytest

from deferred import Failure, NoCurrentExceptionError


class Boom(Exception):
    """The exception the tests raise on purpose."""


class SubBoom(Boom):
    """A subclass, for check/trap matching."""


def raiseBoom(message: str = "boom") -> None:
    raise Boom(message)


def caught(function: Callable[[], object] = raiseBoom) -> Failure:
    """The Failure of calling ``function`` (which must raise)."""
    try:
        function()
    except BaseException:
        return Failure()
    raise AssertionError("the function did not raise")


# -- capturing --------------------------------------------------------------------------------


def test_failureInsideExceptCapturesTheExceptionBeingHandled() -> None:
    failure = caught()
    assert isinstance(failure.value, Boom)
    assert failure.type is Boom
    assert failure.tb is failure.value.__traceback__


def test_failureOutsideExceptRaisesNoCurrentExceptionError() -> None:
    with pytest.raises(NoCurrentExceptionError):
        Failure()


def test_failureOfAnExceptionInstanceWrapsIt() -> None:
    error = Boom("given")
    failure = Failure(error)
    assert failure.value is error
    assert failure.type is Boom


def test_failureOfAnUnraisedExceptionHasNoTraceback() -> None:
    failure = Failure(Boom("never raised"))
    assert failure.tb is None
    text = failure.getTraceback()
    assert "Traceback (most recent call last)" not in text
    assert text.endswith("Boom: never raised\n")


def test_failureOfARaisedExceptionUsesItsTraceback() -> None:
    try:
        raiseBoom()
    except Boom as error:
        raised = error
    failure = Failure(raised)
    assert failure.tb is raised.__traceback__
    assert "in raiseBoom" in failure.getTraceback()


def test_failureWithAnExplicitTracebackUsesIt() -> None:
    other = caught()
    failure = Failure(KeyError("k"), KeyError, other.tb)
    assert failure.tb is other.tb
    assert "in raiseBoom" in failure.getTraceback()


def test_failureOfANonExceptionRaisesTypeError() -> None:
    with pytest.raises(TypeError, match="exception instance"):
        Failure("not an exception")  # type: ignore[arg-type]


def test_failureOfAnExceptionClassRaisesTypeError() -> None:
    with pytest.raises(TypeError):
        Failure(Boom)  # type: ignore[arg-type]


def test_failureCapturesBaseExceptionsToo() -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    failure = caught(interrupt)
    assert failure.check(KeyboardInterrupt)


# -- check / trap -----------------------------------------------------------------------------


def test_checkReturnsTheFirstMatchingType() -> None:
    failure = Failure(SubBoom())
    assert failure.check(KeyError, Boom, SubBoom) is Boom


def test_checkReturnsNoneWhenNothingMatches() -> None:
    assert Failure(Boom()).check(KeyError, ValueError) is None


def test_checkWithNoTypesReturnsNone() -> None:
    assert Failure(Boom()).check() is None


def test_trapReturnsTheMatchingType() -> None:
    assert Failure(SubBoom()).trap(KeyError, SubBoom) is SubBoom


def test_trapReraisesTheOriginalExceptionWhenNothingMatches() -> None:
    failure = caught()
    with pytest.raises(Boom) as info:
        failure.trap(KeyError)
    assert info.value is failure.value


# -- raising and messages ---------------------------------------------------------------------


def test_raiseExceptionRaisesTheWrappedException() -> None:
    failure = caught()
    with pytest.raises(Boom) as info:
        failure.raiseException()
    assert info.value is failure.value


def test_raiseExceptionKeepsTheOriginalTraceback() -> None:
    failure = caught()
    with pytest.raises(Boom) as info:
        failure.raiseException()
    functions = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "raiseBoom" in functions


def test_getErrorMessageIsTheExceptionMessage() -> None:
    assert Failure(Boom("the message")).getErrorMessage() == "the message"


def test_getErrorMessageOfAnEmptyExceptionIsItsTypeName() -> None:
    assert Failure(Boom()).getErrorMessage() == "Boom"


def test_reprNamesTheTypeAndMessage() -> None:
    failure = Failure(Boom("why"))
    assert repr(failure) == f"<Failure {__name__}.Boom: why>"
    assert str(failure) == repr(failure)


# -- formatting -------------------------------------------------------------------------------


def test_getTracebackIsThePythonFormattedTraceback() -> None:
    failure = caught()
    expected = "".join(traceback.format_exception(failure.value))
    assert failure.getTraceback() == expected


def test_getTracebackNamesEveryFunctionOnTheWay() -> None:
    def outer() -> None:
        raiseBoom("deep")

    text = caught(outer).getTraceback()
    assert "in outer" in text
    assert "in raiseBoom" in text
    assert text.rstrip().endswith("Boom: deep")


def test_getTracebackAcceptsTwistedsArguments() -> None:
    failure = caught()
    assert failure.getTraceback(elideFrameworkCode=1, detail="verbose") == failure.getTraceback()


def test_tracebackIsNotFormattedWhenTheFailureIsCreated() -> None:
    failure = caught()
    failure.value.args = ("changed after creation",)
    assert "Boom: changed after creation" in failure.getTraceback()


def test_tracebackIsFormattedOnceThenCached() -> None:
    failure = caught()
    first = failure.getTraceback()
    failure.value.args = ("changed after formatting",)
    assert failure.getTraceback() is first


def test_printTracebackWritesTheTracebackToTheFile() -> None:
    failure = caught()
    out = io.StringIO()
    failure.printTraceback(out)
    assert out.getvalue() == failure.getTraceback()


def test_printTracebackDefaultsToStderr(capsys: pytest.CaptureFixture[str]) -> None:
    failure = caught()
    failure.printTraceback()
    assert capsys.readouterr().err == failure.getTraceback()


def test_cleanFailureDropsTheTracebackObject() -> None:
    failure = caught()
    failure.cleanFailure()
    assert failure.tb is None
    assert failure.getTracebackObject() is None
    assert failure.value.__traceback__ is None


def test_cleanFailureKeepsTheFormattedTraceback() -> None:
    failure = caught()
    failure.cleanFailure()
    text = failure.getTraceback()
    assert "in raiseBoom" in text
    assert "in caught" in text


def test_getTracebackObjectIsTheCapturedTraceback() -> None:
    failure = caught()
    assert failure.getTracebackObject() is failure.tb
