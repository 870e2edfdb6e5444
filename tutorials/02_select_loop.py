"""A hand-written select() loop: wait for all three services at once

What you will see: the same three slow services as in lesson 01 (0.2 s, 0.3 s, 0.4 s), but
this time the client sends all three requests first and then waits for whichever answer comes
next, with ``select()``. The total is now the MAX of the delays, about 0.4 s, not their sum.

How: the sockets are made non-blocking, so ``recv()`` never waits. ``select()`` is the only
place the program waits, and it waits for *all* the sockets at once: it returns as soon as
at least one of them has something to read. The loop then handles just those sockets and goes
back to waiting. Each pass prints what woke it.

Why it matters: this loop -- wait for readiness, dispatch to whoever is ready, repeat -- IS a
reactor. treadle's reactor (lesson 03) is this loop, grown up: it also runs timers, takes calls
from other threads, and uses ``epoll`` where ``select`` would be slow. Everything else in
treadle is built on top of it.

Try this:
1. Make service C answer in two pieces (send ``"C-"``, sleep 0.1 s, send ``"data"``). How many
   passes does the loop make now, and why does the code still print the whole answer?
2. Give ``select()`` a timeout of 0.1 s and print a dot on every pass that woke with nothing
   ready. That timeout is exactly how a reactor wakes up for a timer.
"""

import select
import socket
import threading
import time

DELAYS = {"A": 0.2, "B": 0.3, "C": 0.4}


# --- the slow services: the same as in lesson 01 ----------------------------------------------


def serveOnce(listener: socket.socket, name: str, delay: float) -> None:
    """Accept one client, read its request, wait ``delay`` seconds, answer and hang up."""
    connection, _ = listener.accept()
    with connection:
        connection.recv(100)
        time.sleep(delay)
        connection.sendall(f"{name}-data".encode())
    listener.close()


def startService(name: str, delay: float) -> tuple[int, threading.Thread]:
    """Listen on a free loopback port; return the port and the thread serving it."""
    listener = socket.create_server(("127.0.0.1", 0))
    thread = threading.Thread(target=serveOnce, args=(listener, name, delay))
    thread.start()
    return listener.getsockname()[1], thread


# --- the client: one loop waiting on every socket at once --------------------------------------


def main() -> None:
    services = {name: startService(name, delay) for name, delay in DELAYS.items()}

    print("sending all three requests, then waiting for whichever answers first")
    start = time.monotonic()
    waiting: dict[socket.socket, str] = {}  # socket -> service name, until it hangs up
    answers: dict[str, bytes] = {}
    for name, (port, _) in services.items():
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET\n")
        sock.setblocking(False)  # from now on recv() returns at once, data or not
        waiting[sock] = name
        answers[name] = b""

    passes = 0
    while waiting:
        # The ONLY place this program waits: until at least one socket is readable.
        readable, _, _ = select.select(list(waiting), [], [])
        passes += 1
        for sock in readable:  # dispatch: handle just the sockets that are ready
            name = waiting[sock]
            chunk = sock.recv(4096)  # cannot block: select() said there is something
            if chunk:
                answers[name] += chunk  # maybe not all of it yet: keep waiting
                at = time.monotonic() - start
                print(f"  pass {passes}: {name} sent {chunk.decode()!r} at ≈{at:.1f}s")
            else:
                print(f"  pass {passes}: {name} hung up: its answer is {answers[name].decode()!r}")
                del waiting[sock]
                sock.close()

    total = time.monotonic() - start
    print(f"total ≈{total:.1f}s")
    closerToMax = abs(total - max(DELAYS.values())) < abs(total - sum(DELAYS.values()))
    print("that is the MAX of the delays, not their sum" if closerToMax else "unexpected!")

    for _, thread in services.values():
        thread.join()


if __name__ == "__main__":
    main()
