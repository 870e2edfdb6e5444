"""Solutions to lesson 01: a fourth service; the order of the requests."""

import socket
import threading
import time


def serveOnce(listener: socket.socket, name: str, delay: float) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.recv(100)
        time.sleep(delay)
        connection.sendall(f"{name}-data".encode())
    listener.close()


def fetchAll(delays: dict[str, float]) -> tuple[float, float]:
    """Ask each service in turn; return (time of the first answer, total time)."""
    threads, ports = [], {}
    for name, delay in delays.items():
        listener = socket.create_server(("127.0.0.1", 0))
        ports[name] = listener.getsockname()[1]
        threads.append(threading.Thread(target=serveOnce, args=(listener, name, delay)))
        threads[-1].start()
    start = time.monotonic()
    first = None
    for name in delays:
        with socket.create_connection(("127.0.0.1", ports[name])) as sock:
            sock.sendall(b"GET\n")
            while sock.recv(4096):
                pass
        first = first if first is not None else time.monotonic() - start
    total = time.monotonic() - start
    for thread in threads:
        thread.join()
    return first or 0.0, total


# 1. A fourth service of 0.5 s adds exactly 0.5 s: requests wait in line, so every delay adds.
first, total = fetchAll({"A": 0.2, "B": 0.3, "C": 0.4, "D": 0.5})
print(f"1. four services: total {total:.1f}s (0.9 s + 0.5 s)")

# 2. Reversed, the total is the same sum, but the first answer now comes after 0.4 s, not 0.2 s.
first, total = fetchAll({"C": 0.4, "B": 0.3, "A": 0.2})
print(f"2. reversed: first answer after {first:.1f}s, total still {total:.1f}s")
