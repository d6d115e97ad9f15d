"""A proxy on 127.0.0.1 between handhelds and the server that loses answers: it forwards
each request, reads the server's whole answer (so the change is committed), then for a
seeded share of them closes the handheld's connection without passing the answer on."""

from __future__ import annotations

import random
import socket
import struct
import threading
from types import TracebackType

TIMEOUT_S = 30.0
MAX_HEADER_BYTES = 64 * 1024


def _read_request(conn: socket.socket) -> bytes:
    """One HTTP request (headers and a Content-Length body) as it came."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > MAX_HEADER_BYTES:
            raise ValueError("request headers too large")
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def _read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (`Connection: close`)."""
    chunks: list[bytes] = []
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


class DroppingProxy:
    """Forwards to 127.0.0.1:`upstream`, losing a `drop_share` of the answers."""

    def __init__(self, upstream: int, drop_share: float, seed: int) -> None:
        self.upstream = upstream
        self.drop_share = drop_share
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.forwarded = 0  # requests the server answered
        self.dropped = 0  # of those, answers the handheld never got
        self.failed = 0  # connections that broke before the server answered
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="proxy")

    def __enter__(self) -> DroppingProxy:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(TIMEOUT_S)
            try:
                request = _read_request(client)
                with socket.create_connection(("127.0.0.1", self.upstream),
                                              timeout=TIMEOUT_S) as server:
                    server.sendall(request)
                    answer = _read_all(server)
            except (OSError, ValueError):
                with self._lock:
                    self.failed += 1
                return
            with self._lock:
                self.forwarded += 1
                drop = self._rng.random() < self.drop_share
                if drop:
                    self.dropped += 1
            if drop:
                # The answer is lost on the way: the handheld sees the connection reset.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            try:
                client.sendall(answer)
            except OSError:
                with self._lock:
                    self.failed += 1
