"""treadle in Qt: a button's signal runs blocking work in a thread; the result lands in a label.

The reactor is a :class:`reactor.qtsupport.QtReactor`, hosted on Qt's event loop, so Qt signals
and reactor callbacks run in the same (GUI) thread: the ``clicked`` slot starts the work with
``deferToThreadPool`` and the Deferred's callback sets the label directly -- no signal juggling
to get back to the GUI thread. Closing the window stops the reactor and ``run()`` returns.

Run it with ``python docs/examples/qt_thread.py``. With ``--self-test`` it clicks the button
itself, prints what the label shows and which thread set it, and closes its window; the test
suite runs it that way on Qt's offscreen platform (``QT_QPA_PLATFORM=offscreen``).
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from reactor.qtsupport import QtReactor
from threads import deferToThreadPool


def countPrimes(below: int) -> int:
    """Blocking, CPU-bound work: it must not run in the GUI thread."""
    sieve = bytearray([1]) * below
    sieve[:2] = b"\x00\x00"
    for n in range(2, int(below**0.5) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytes(len(range(n * n, below, n)))
    return sum(sieve)


class PrimeWindow(QWidget):
    """A button that counts primes in a worker thread and a label for the answer."""

    def __init__(self, reactor: QtReactor, selfTest: bool) -> None:
        super().__init__()
        self.reactor = reactor
        self.selfTest = selfTest
        self.button = QPushButton("Count primes below 1,000,000")
        self.label = QLabel("(press the button)")
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.label)
        self.button.clicked.connect(self.startCounting)

    def startCounting(self) -> None:
        """The ``clicked`` slot: hand the work to the reactor's thread pool."""
        self.button.setEnabled(False)
        self.label.setText("counting...")
        pool = self.reactor.getThreadPool()
        d = deferToThreadPool(self.reactor, pool, countPrimes, 1_000_000)
        d.addCallback(self.showCount)

    def showCount(self, count: int) -> None:
        """Runs in the GUI thread: widgets may be touched directly."""
        self.label.setText(f"{count} primes")
        self.button.setEnabled(True)
        if self.selfTest:
            inGuiThread = threading.current_thread() is threading.main_thread()
            print(f"label: {self.label.text()} (set in the GUI thread: {inGuiThread})")
            self.close()  # the last window: the reactor stops


def main(argv: list[str]) -> int:
    app = QApplication.instance() or QApplication(argv)
    reactor = QtReactor(app)
    window = PrimeWindow(reactor, selfTest="--self-test" in argv)
    window.show()
    if window.selfTest:
        reactor.callWhenRunning(window.button.click)
    reactor.run()
    print(f"reactor running: {reactor.running}")
    reactor.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
