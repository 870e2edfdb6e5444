"""A child process for the StandardIO tests: ``python _stdiochild.py MODE``.

The backend comes from ``TREADLE_REACTOR``. Modes:

* ``echo``: write back everything read (a plain protocol: at end of input, pending output is
  flushed, then the connection closes);
* ``endpoint``: the same protocol, built through ``serverFromString(reactor, "stdio:")``;
* ``halfclose``: a half-closeable protocol: at end of input it writes ``eof after N bytes``,
  then closes;
* ``flood``: write 1 MiB at once, then read until end of input.

When the connection ends the child writes ``lost: <reason class>`` to stderr, then whether
descriptors 0 and 1 now point at /dev/null (they must not be left closed), and exits 0.
"""

from __future__ import annotations

import os
import sys

from zope.interface import implementer

from deferred import Failure
from reactor import reactor
from reactor.endpoints import serverFromString
from reactor.interfaces import IHalfCloseableProtocol
from reactor.protocol import Factory, Protocol
from reactor.stdio import StandardIO


class Echo(Protocol):
    def dataReceived(self, data: bytes) -> None:
        self.transport.write(data)

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        sys.stderr.write(f"lost: {reason.type.__name__}\n")
        null = os.stat(os.devnull).st_rdev
        closedToNull = all(os.fstat(fd).st_rdev == null for fd in (0, 1))
        sys.stderr.write(f"stdin and stdout now /dev/null: {closedToNull}\n")
        reactor.stop()


@implementer(IHalfCloseableProtocol)
class HalfClose(Echo):
    count = 0

    def dataReceived(self, data: bytes) -> None:
        self.count += len(data)

    def readConnectionLost(self) -> None:
        self.transport.write(f"eof after {self.count} bytes\n".encode())
        self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        pass


class Flood(Echo):
    def connectionMade(self) -> None:
        self.transport.write(b"f" * (1 << 20))

    def dataReceived(self, data: bytes) -> None:
        pass


def main(mode: str) -> None:
    if mode == "endpoint":
        serverFromString(reactor, "stdio:").listen(Factory.forProtocol(Echo))
    else:
        protocol = {"echo": Echo, "halfclose": HalfClose, "flood": Flood}[mode]()
        StandardIO(protocol, reactor=reactor)
    reactor.run(installSignalHandlers=False)


if __name__ == "__main__":
    main(sys.argv[1])
