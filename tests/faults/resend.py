"""A handheld's HTTP calls: one connection per request (`Connection: close`), and resending
with the same Idempotency-Key until an answer arrives, as a handheld on flaky Wi-Fi does."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any

REQUEST_TIMEOUT_S = 30.0


@dataclass
class Answer:
    status: int
    body: Any
    attempts: int  # requests sent to get this answer (1: the first one was answered)


class NoAnswer(Exception):
    """Every attempt failed at the connection."""


def call(port: int, method: str, path: str, *, token: str, body: Any = None,
         key: str | None = None) -> tuple[int, Any]:
    """One request; raises OSError (or http.client's errors) when no answer arrives."""
    headers = {"Authorization": f"Bearer {token}", "Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Idempotency-Key"] = key
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT_S)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def until_answered(port: int, path: str, body: Any, *, token: str, key: str,
                   attempts: int = 50, within_s: float = 120.0,
                   pause_s: float = 0.02) -> Answer:
    """POST with the same key until an answer arrives (at most `attempts` times and
    `within_s` seconds; the pause grows while the server is away)."""
    deadline = time.monotonic() + within_s
    failures: list[str] = []
    for attempt in range(1, attempts + 1):
        try:
            status, answer = call(port, "POST", path, token=token, body=body, key=key)
            return Answer(status, answer, attempt)
        except (OSError, http.client.HTTPException) as exc:
            failures.append(type(exc).__name__)
        if time.monotonic() > deadline:
            break
        time.sleep(min(pause_s * attempt, 0.5))
    raise NoAnswer(f"no answer for key {key} after {len(failures)} attempts: "
                   f"{sorted(set(failures))}")
