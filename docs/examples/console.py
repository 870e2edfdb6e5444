"""A console without curses: StandardIO and a LineReceiver driving a tiny command interpreter.

Run it in a terminal: ``python docs/examples/console.py``; type ``help``. Ctrl-D (end of input)
or ``quit`` leaves. The terminal stays in its normal (canonical) mode, so the kernel's line
discipline echoes what you type and handles backspace; the program sees whole lines ending in
``\\n`` and writes ``\\n``, which the terminal shows as a new line. It works as well with pipes
(``printf 'add 1 2\\n' | python docs/examples/console.py``) and with a file on stdin.
"""

from __future__ import annotations

from zope.interface import implementer

from deferred import Deferred, Failure
from reactor.interfaces import IHalfCloseableProtocol
from reactor.protocols.basic import LineReceiver
from reactor.stdio import StandardIO
from reactor.task import react

PROMPT = b"> "
HELP = """commands:
  help            this text
  echo WORDS...   say the words back
  add N N...      add numbers
  upper WORDS...  shout the words
  quit            leave (Ctrl-D too)
"""


@implementer(IHalfCloseableProtocol)
class Console(LineReceiver):
    """One command per line; answers, then prompts again."""

    #: What a terminal in canonical mode (and a text file) ends each line with.
    delimiter = b"\n"

    def __init__(self, done: Deferred[None]) -> None:
        self.done = done

    def connectionMade(self) -> None:
        self.say("treadle console -- type 'help'")
        self.transport.write(PROMPT)

    def lineReceived(self, line: bytes) -> None:
        command, _, rest = line.decode("utf-8", "replace").strip().partition(" ")
        if command == "quit":
            self.say("bye")
            self.transport.loseConnection()
            return
        if command:
            self.say(self.answer(command, rest.split()))
        self.transport.write(PROMPT)

    def answer(self, command: str, words: list[str]) -> str:
        """The reply to one command."""
        if command == "help":
            return HELP.rstrip("\n")
        if command == "echo":
            return " ".join(words)
        if command == "upper":
            return " ".join(words).upper()
        if command == "add":
            try:
                return str(sum(float(word) for word in words)).removesuffix(".0")
            except ValueError:
                return "add: numbers only"
        return f"unknown command {command!r} (try 'help')"

    def say(self, text: str) -> None:
        """Write one line of text."""
        self.transport.write(text.encode() + b"\n")

    def readConnectionLost(self) -> None:
        # End of input (Ctrl-D at the start of a line): say goodbye, then close.
        self.say("\nbye")
        self.transport.loseConnection()

    def writeConnectionLost(self) -> None:
        # Nobody reads our output any more: nothing left to do.
        self.transport.loseConnection()

    def connectionLost(self, reason: Failure) -> None:  # type: ignore[override]
        self.done.callback(None)


def main(reactor: object) -> Deferred[None]:
    """Run the console on this process's stdin/stdout until it closes."""
    done: Deferred[None] = Deferred()
    StandardIO(Console(done), reactor=reactor)
    return done


if __name__ == "__main__":
    react(main)
