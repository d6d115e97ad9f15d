"""Fixtures for the scanner and bridge tests: simulated scanners on real ptys, background
readers, the fake app and a bridge wired to both. None of them needs the database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.bridge import Bridge
from drivers.config import parse_config
from drivers.scanner import Scan
from drivers.serial_scanner import SerialScanner
from drivers.simulator import VirtualScanner
from tests.integration.drivers.fake_app import FakeApp


class BackgroundReader:
    """Reads a scanner in a thread, as the bridge does, collecting scans and states."""

    def __init__(self, url: str | Path, **options: Any) -> None:
        self.scans: list[Scan] = []
        self.events: list[tuple[str, str]] = []
        self.reasons: list[str] = []
        self.scanner = SerialScanner("dock", str(url), on_state=self._record, **options)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _record(self, device: str, state: str, reason: str, detail: str) -> None:
        self.events.append((state, detail))
        self.reasons.append(reason)

    def _run(self) -> None:
        while not self._stop.is_set():
            scan = self.scanner.read_scan(0.1)
            if scan is not None:
                self.scans.append(scan)

    @property
    def texts(self) -> list[str]:
        return [scan.raw for scan in self.scans]

    @property
    def states(self) -> list[str]:
        return [state for state, _ in self.events]

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.scanner.close()


@pytest.fixture
def virtual_scanner(tmp_path: Path) -> Iterator[Callable[..., VirtualScanner]]:
    """virtual_scanner("dock") -> a plugged-in pty scanner behind tmp/dev/dock-scanner."""
    made: list[VirtualScanner] = []

    def make(name: str = "dock", terminator: str = "CR", plug: bool = True) -> VirtualScanner:
        scanner = VirtualScanner(tmp_path / "dev" / f"{name}-scanner", terminator)
        if plug:
            scanner.plug()
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.close()


@pytest.fixture
def reader() -> Iterator[Callable[..., BackgroundReader]]:
    """reader(path, **options) -> a SerialScanner "dock" on `path`, read in the background
    until the test ends (options as for SerialScanner)."""
    started: list[BackgroundReader] = []

    def start(url: str | Path, **options: Any) -> BackgroundReader:
        started.append(BackgroundReader(url, **options))
        return started[-1]

    yield start
    for background in started:
        background.stop()


@pytest.fixture
def fake_app() -> Iterator[FakeApp]:
    app = FakeApp()
    yield app
    app.stop()


def bridge_toml(app_url: str, spool: Path, scanners: dict[str, tuple[str, str]],
                token: str = 'token = "station-secret"', extra: str = "") -> str:
    """A config file's text for these scanners ({name: (device path, station)})."""
    lines = ["[printers.packing]", 'backend = "dummy"', "",
             "[bridge]", f'app_url = "{app_url}"', token, f'spool = "{spool}"',
             "retry_max_seconds = 0.3", "auth_retry_seconds = 0.3"]
    for name, (url, station) in scanners.items():
        lines += [f"[scanners.{name}]", f'url = "{url}"', f'station = "{station}"',
                  'gs_replacement = "~"', "reconnect_max_seconds = 0.3", extra]
    return "\n".join(lines) + "\n"


@pytest.fixture
def bridge(tmp_path: Path) -> Iterator[Callable[..., Bridge]]:
    """bridge(app_url, {name: (path, station)}) -> a started bridge, stopped at the end."""
    started: list[Bridge] = []

    def start(app_url: str, scanners: dict[str, tuple[str, str]], **options: str) -> Bridge:
        config = parse_config(bridge_toml(app_url, tmp_path / "spool", scanners, **options))
        started.append(Bridge(config))
        started[-1].start()
        return started[-1]

    yield start
    for running in started:
        running.stop()
