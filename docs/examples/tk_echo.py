"""treadle in Tk: a button sends a line over TCP and a label shows the echo.

The reactor runs inside Tk's own loop (``reactor.tksupport.install``); an echo server and its
client share it, on 127.0.0.1 and a free port. Closing the window stops the reactor: its
"shutdown" triggers close the connection and the listening port, then the window goes and
``mainloop()`` returns.

Run it with ``python docs/examples/tk_echo.py`` (it needs a display). With ``--self-test`` it
presses the button itself, prints what the label shows, and closes its own window; the test
suite runs it that way under Xvfb.
"""

from __future__ import annotations

import sys
import tkinter

from reactor import reactor, tksupport
from reactor.protocol import ClientFactory, Factory
from reactor.protocols.basic import LineReceiver


class Echo(LineReceiver):
    """The server side: send every line back."""

    def lineReceived(self, line: bytes) -> None:
        self.sendLine(line)


class EchoClient(LineReceiver):
    """The window's side of the connection: show each echoed line in the label."""

    def __init__(self, app: EchoApp) -> None:
        self.app = app

    def connectionMade(self) -> None:
        self.app.connected(self)

    def lineReceived(self, line: bytes) -> None:
        self.app.echoed(line.decode())


class EchoApp:
    """A window with an entry, a Send button and a label for the echo."""

    def __init__(self, root: tkinter.Tk, selfTest: bool) -> None:
        self.root = root
        self.selfTest = selfTest
        self.client: EchoClient | None = None
        self.entry = tkinter.Entry(root)
        self.entry.insert(0, "hello, Tk")
        self.button = tkinter.Button(root, text="Send", command=self.send, state="disabled")
        self.label = tkinter.Label(root, text="(connecting)")
        for widget in (self.entry, self.button, self.label):
            widget.pack(fill="x")

    def send(self) -> None:
        """The button's command: runs in Tk's loop, writes to the transport directly."""
        if self.client is not None:
            self.client.sendLine(self.entry.get().encode())

    def connected(self, client: EchoClient) -> None:
        self.client = client
        self.button["state"] = "normal"
        self.label["text"] = "(connected)"
        if self.selfTest:
            self.button.invoke()

    def echoed(self, text: str) -> None:
        self.label["text"] = text
        if self.selfTest:
            print(f"label: {self.label['text']}")
            # What the window manager does when the user closes the window.
            self.root.tk.call(self.root.protocol("WM_DELETE_WINDOW"))


def main(argv: list[str]) -> int:
    root = tkinter.Tk()
    root.title("treadle echo")
    app = EchoApp(root, selfTest="--self-test" in argv)
    tksupport.install(root, reactor)

    port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
    factory = ClientFactory()
    factory.protocol = lambda: EchoClient(app)
    reactor.connectTCP("127.0.0.1", port.getHost().port, factory)

    def closeEverything() -> object:
        if app.client is not None and app.client.transport is not None:
            app.client.transport.loseConnection()
        return port.stopListening()

    reactor.addSystemEventTrigger("before", "shutdown", closeEverything)
    root.mainloop()
    print(f"reactor running: {reactor.running}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
