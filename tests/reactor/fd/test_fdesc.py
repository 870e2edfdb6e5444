"""reactor.fdesc: blocking mode and the errno cases of reads and writes on real descriptors."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from reactor import fdesc
from reactor.error import ConnectionDone, ConnectionLost


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    rfd, wfd = os.pipe()
    yield rfd, wfd
    for fd in (rfd, wfd):
        try:
            os.close(fd)
        except OSError:
            pass


def test_setNonBlockingAndSetBlockingFlipTheMode(pipe: tuple[int, int]) -> None:
    rfd, _ = pipe
    fdesc.setNonBlocking(rfd)
    assert not os.get_blocking(rfd)
    fdesc.setBlocking(rfd)
    assert os.get_blocking(rfd)


def test_readFromFDGivesDataToTheCallback(pipe: tuple[int, int]) -> None:
    rfd, wfd = pipe
    os.write(wfd, b"data")
    got: list[bytes] = []
    assert fdesc.readFromFD(rfd, got.append) is None
    assert got == [b"data"]


def test_readFromFDWithNothingReadyIsNotAnError(pipe: tuple[int, int]) -> None:
    rfd, _ = pipe
    fdesc.setNonBlocking(rfd)
    got: list[bytes] = []
    assert fdesc.readFromFD(rfd, got.append) is None
    assert got == []


def test_readFromFDAtEndOfFileIsConnectionDone(pipe: tuple[int, int]) -> None:
    rfd, wfd = pipe
    os.close(wfd)
    got: list[bytes] = []
    assert isinstance(fdesc.readFromFD(rfd, got.append), ConnectionDone)
    assert got == []


def test_readFromFDTakesAPtysEIOAsEndOfFile() -> None:
    master, slave = os.openpty()
    os.close(slave)
    try:
        assert isinstance(fdesc.readFromFD(master, lambda data: None), ConnectionDone)
    finally:
        os.close(master)


def test_readFromFDOnAClosedDescriptorIsConnectionLostNamingTheError() -> None:
    rfd, wfd = os.pipe()
    os.close(rfd)
    os.close(wfd)
    result = fdesc.readFromFD(rfd, lambda data: None)
    assert isinstance(result, ConnectionLost)
    assert "Bad file descriptor" in str(result)


def test_readFromFDReadsAtMostSize(pipe: tuple[int, int]) -> None:
    rfd, wfd = pipe
    os.write(wfd, b"abcdef")
    got: list[bytes] = []
    fdesc.readFromFD(rfd, got.append, size=4)
    assert got == [b"abcd"]


def test_writeToFDReturnsTheBytesTaken(pipe: tuple[int, int]) -> None:
    rfd, wfd = pipe
    assert fdesc.writeToFD(wfd, b"hello") == 5
    assert os.read(rfd, 10) == b"hello"


def test_writeToFDOnAFullPipeTakesNothing(pipe: tuple[int, int]) -> None:
    _, wfd = pipe
    fdesc.setNonBlocking(wfd)
    while fdesc.writeToFD(wfd, b"x" * 65536):
        pass
    assert fdesc.writeToFD(wfd, b"more") == 0


def test_writeToFDWithNoReaderIsConnectionLostNamingEPIPE(pipe: tuple[int, int]) -> None:
    rfd, wfd = pipe
    os.close(rfd)
    result = fdesc.writeToFD(wfd, b"x")
    assert isinstance(result, ConnectionLost)
    assert "Broken pipe" in str(result)


def test_writeToFDRefusesStr(pipe: tuple[int, int]) -> None:
    _, wfd = pipe
    with pytest.raises(TypeError):
        fdesc.writeToFD(wfd, "text")  # type: ignore[arg-type]
