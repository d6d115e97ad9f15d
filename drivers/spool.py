"""The bridge's disk buffer: every scan and device event is written here (one file each,
fsync'ed and renamed into place) before any delivery is tried, and removed only once the app
has acknowledged it. Names sort in arrival order, so a restarted bridge sends leftovers first."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("wms.bridge.spool")

ENTRY = re.compile(r"^(\d{16})\.json$")


@dataclass(frozen=True)
class Entry:
    """One thing to tell the app: a scan ("scan") or a device's state ("device")."""

    name: str
    id: str
    kind: str
    station: str
    device: str
    body: dict[str, Any]

    @property
    def idempotency_key(self) -> str:
        """The same key on every attempt, so the app applies the entry once."""
        return f"{self.device}-{self.id}"


def _write_durably(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that after a power cut it is either whole or absent."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Spool:
    """Entries on disk, oldest first; safe to append from several threads."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._changed = threading.Condition()
        for leftover in self.directory.glob(".*.tmp"):  # a write cut short: never acknowledged
            leftover.unlink()
        self._names = deque(sorted(p.name for p in self.directory.iterdir()
                                   if ENTRY.match(p.name)))
        newest = ENTRY.match(self._names[-1]) if self._names else None
        self._sequence = int(newest.group(1)) if newest else 0
        if self._names:
            log.info("spool %s: %d entries left from before", self.directory, len(self._names))

    def __len__(self) -> int:
        with self._changed:
            return len(self._names)

    def append(self, kind: str, station: str, device: str, body: dict[str, Any]) -> Entry:
        """Store an entry durably and wake the sender; returns it once it is on disk."""
        with self._changed:
            self._sequence += 1
            name = f"{self._sequence:016d}.json"
            entry = Entry(name, uuid.uuid4().hex, kind, station, device, body)
            content = {"id": entry.id, "kind": kind, "station": station, "device": device,
                       "body": body}
            _write_durably(self.directory / name,
                           json.dumps(content, ensure_ascii=False).encode("utf-8"))
            self._names.append(name)
            self._changed.notify_all()
            return entry

    def oldest(self, timeout: float = 0.0) -> Entry | None:
        """The oldest entry, waiting up to `timeout` seconds for one to arrive."""
        with self._changed:
            while True:
                if not self._names and not self._changed.wait(timeout):
                    return None
                if not self._names:
                    return None
                name = self._names[0]
                try:
                    return self._load(name)
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    self._names.popleft()
                    self._move(name, "damaged", {"error": str(exc)})
                    log.error("spool: %s cannot be read (%s); moved to damaged/", name, exc)

    def remove(self, entry: Entry) -> None:
        """Forget an entry the app has acknowledged."""
        with self._changed:
            if self._names and self._names[0] == entry.name:
                self._names.popleft()
            elif entry.name in self._names:
                self._names.remove(entry.name)
            # No directory fsync: an entry that reappears after a power cut is sent again
            # with its Idempotency-Key, and the app answers it as a replay.
            (self.directory / entry.name).unlink(missing_ok=True)

    def set_aside(self, entry: Entry, folder: str, note: dict[str, Any]) -> None:
        """Take an entry out of the queue but keep it on disk in `folder` for a person."""
        with self._changed:
            if entry.name in self._names:
                self._names.remove(entry.name)
            self._move(entry.name, folder, note)

    def _load(self, name: str) -> Entry:
        content = json.loads((self.directory / name).read_text(encoding="utf-8"))
        return Entry(name, str(content["id"]), str(content["kind"]), str(content["station"]),
                     str(content["device"]), dict(content["body"]))

    def _move(self, name: str, folder: str, note: dict[str, Any]) -> None:
        target = self.directory / folder
        target.mkdir(exist_ok=True)
        source = self.directory / name
        try:
            content = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            content = ""
        _write_durably(target / name.replace(".json", f"-{uuid.uuid4().hex[:8]}.json"),
                       json.dumps({"entry": content, **note}, ensure_ascii=False).encode())
        source.unlink(missing_ok=True)
