"""Solutions to lesson 02: an answer in two pieces; a select() timeout as a timer."""

import select
import socket
import threading
import time


def serveInPieces(listener: socket.socket, pieces: list[tuple[float, bytes]]) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.recv(100)
        for delay, piece in pieces:
            time.sleep(delay)
            connection.sendall(piece)
    listener.close()


listener = socket.create_server(("127.0.0.1", 0))
service = threading.Thread(target=serveInPieces, args=(listener, [(0.4, b"C-"), (0.1, b"data")]))
service.start()
sock = socket.create_connection(listener.getsockname())
sock.sendall(b"GET\n")
sock.setblocking(False)

# 1. Two pieces mean one more pass (3: "C-", "data", hang-up). The answer is still whole
#    because every piece is appended to a buffer until the service hangs up.
# 2. With a timeout, select() also returns when nothing is ready: a dot per empty pass. A
#    reactor computes that timeout from its next timer.
answer, passes, emptyPasses = b"", 0, 0
while True:
    readable, _, _ = select.select([sock], [], [], 0.1)
    if not readable:
        emptyPasses += 1
        print(".", end="", flush=True)
        continue
    passes += 1
    chunk = sock.recv(4096)
    if not chunk:
        break
    answer += chunk
print()
sock.close()
service.join()
print(f"1. {passes} passes with data or hang-up; the whole answer: {answer.decode()!r}")
print(f"2. {emptyPasses} passes woke by the 0.1 s timeout with nothing to read")
