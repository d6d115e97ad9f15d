"""Heartbeats of the gateway's long-running processes: each one rewrites a small file in
`Settings.heartbeat_dir` (its name: the process) while it runs; the file's time of change is
its last sign of life. A file, not a row: the beat costs no database write, and it says the
process on this gateway is alive even when the database is not reachable."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

PRINT_WORKER = "print-worker"
BRIDGE = "bridge"  # written by drivers/bridge.py, which imports nothing of wms


def beat(folder: str | Path, name: str) -> None:
    """Record that the process `name` is alive now."""
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{os.getpid()}\n")


def last_beat(folder: str | Path, name: str) -> datetime | None:
    """When the process `name` last said it was alive, None when it never did."""
    try:
        return datetime.fromtimestamp((Path(folder) / name).stat().st_mtime, UTC)
    except OSError:
        return None


class Pacer:
    """Beats at most every `every` seconds, however often it is asked to."""

    def __init__(self, folder: str | Path, name: str, every: float = 10.0) -> None:
        self.folder, self.name, self.every = folder, name, every
        self._last: float | None = None

    def __call__(self) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.every:
            return
        try:
            beat(self.folder, self.name)
        except OSError:
            return  # a full or read-only disk must not stop the work; the status page shows it
        self._last = now
