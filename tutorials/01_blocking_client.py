"""Blocking calls add up: three slow services asked one after another

What you will see: a client asks three services for data. Each service is slow to answer
(0.2 s, 0.3 s and 0.4 s). The client uses ordinary blocking sockets, so it cannot even ask
the second service before the first one has answered. The total is the SUM of the delays:
about 0.9 s, while the client spends nearly all of it doing nothing.

Why it matters: a blocking call holds the whole thread until the answer arrives. One slow
service is fine; a program talking to many of them (a web crawler, a chat server, a proxy)
spends its life waiting in line. Lesson 02 waits for all three at once, and that loop turns
out to be a reactor.

The services run in this same process, each in a background thread with its own listening
socket on 127.0.0.1, port 0 (the operating system picks a free port), so the lesson needs no
network and no other program.

Try this:
1. Add a fourth service with a 0.5 s delay. By how much does the total grow? Why exactly
   that much?
2. Ask the services in the opposite order (C, B, A). Does the total change? Does the time at
   which the *first* answer arrives change?
"""

import socket
import threading
import time

# name -> how long that service takes to answer, in seconds
DELAYS = {"A": 0.2, "B": 0.3, "C": 0.4}


# --- the slow services (in background threads; they are not the lesson) -----------------------


def serveOnce(listener: socket.socket, name: str, delay: float) -> None:
    """Accept one client, read its request, wait ``delay`` seconds, answer and hang up."""
    connection, _ = listener.accept()
    with connection:
        connection.recv(100)  # the request
        time.sleep(delay)  # a slow database, a remote API...
        connection.sendall(f"{name}-data".encode())
    listener.close()


def startService(name: str, delay: float) -> tuple[int, threading.Thread]:
    """Listen on a free loopback port; return the port and the thread serving it."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    thread = threading.Thread(target=serveOnce, args=(listener, name, delay))
    thread.start()
    return port, thread


# --- the client: one blocking call after another ----------------------------------------------


def fetch(port: int) -> str:
    """Ask the service on ``port`` for its data. Blocks until the whole answer is in."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET\n")
        answer = b""
        while chunk := sock.recv(4096):  # recv() blocks; b"" means the service hung up
            answer += chunk
    return answer.decode()


def main() -> None:
    services = {name: startService(name, delay) for name, delay in DELAYS.items()}

    print("asking A, B and C one after another, with blocking sockets")
    start = time.monotonic()
    for name, (port, _) in services.items():
        answer = fetch(port)  # nothing else can happen while we wait here
        print(f"  {name} answered {answer!r} at ≈{time.monotonic() - start:.1f}s")
    total = time.monotonic() - start

    sumOfDelays = sum(DELAYS.values())
    print(f"total ≈{total:.1f}s")
    # The verdict is worked out from the measurement, not assumed.
    closerToSum = abs(total - sumOfDelays) < abs(total - max(DELAYS.values()))
    print("that is the SUM of the delays (0.2 + 0.3 + 0.4)" if closerToSum else "unexpected!")

    for _, thread in services.values():
        thread.join()


if __name__ == "__main__":
    main()
