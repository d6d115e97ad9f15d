"""The app's station API as a real HTTP server that records every request it gets."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int

    @property
    def key(self) -> str:
        return self.headers["Idempotency-Key"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], Any], timeout: float = 5.0, what: str = "") -> None:
    """Poll `condition` until it holds; fail the test with `what` when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s in vain for {what or condition}")
        time.sleep(0.02)


class FakeApp:
    """Answers 201 unless told otherwise; refuses connections until started."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.statuses: deque[int] = deque()
        self.answer: Callable[[dict[str, str], dict[str, Any]], int] = lambda *_: 201
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, then as usual."""
        self.statuses.extend(statuses)

    def start(self) -> None:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                headers = dict(self.headers.items())
                with app._lock:
                    status = (app.statuses.popleft() if app.statuses
                              else app.answer(headers, body))
                    app.received.append(Received(self.path, headers, body, status))
                reply = json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def accepted(self) -> list[Received]:
        """Requests the app acknowledged with 2xx, in arrival order."""
        with self._lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def scans(self) -> list[str]:
        """The raw text of every acknowledged scan, in arrival order."""
        return [r.body["raw"] for r in self.accepted() if r.path.endswith("/scans")]

    def story(self) -> list[str]:
        """Acknowledged scans and device states, in arrival order."""
        return [r.body.get("raw") or r.body["state"] for r in self.accepted()]
