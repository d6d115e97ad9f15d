"""The simulated scanner used in demos: serve, type, unplug and plug from the command line."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.drivers.conftest import BackgroundReader
from tests.integration.drivers.fake_app import wait_until

pytestmark = pytest.mark.timeout(30)


def simulator(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drivers.simulator", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=15)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """`serve dock --link var/dev/dock-scanner` running in tmp_path."""
    process = subprocess.Popen(
        [sys.executable, "-m", "drivers.simulator", "serve", "dock",
         "--link", "var/dev/dock-scanner"], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    wait_until(lambda: (tmp_path / "var/dev/dock.sock").exists(), timeout=10,
               what="the simulator's socket")
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_a_simulated_scanner_types_unplugs_and_plugs_from_the_command_line(
    tmp_path: Path, served: subprocess.Popen[str], reader: Callable[..., BackgroundReader]
) -> None:
    link = tmp_path / "var/dev/dock-scanner"
    assert link.is_symlink() and link.resolve().as_posix().startswith("/dev/pts/")
    reading = reader(link, reconnect_max=0.3)
    wait_until(lambda: reading.states == ["connected"], what="the open")

    typed = simulator(tmp_path, "type", "dock", "PO-1001", "]C1010690123456789210LOT7")
    assert typed.returncode == 0, typed.stderr
    wait_until(lambda: reading.texts == ["PO-1001", "]C1010690123456789210LOT7"],
               what="the typed scans")

    assert simulator(tmp_path, "unplug", "dock").returncode == 0
    assert not link.exists()
    wait_until(lambda: reading.states == ["connected", "disconnected"], what="the unplug")
    refused = simulator(tmp_path, "type", "dock", "PO-1002")
    assert refused.returncode == 1 and "unplugged" in refused.stderr

    assert simulator(tmp_path, "plug", "dock").returncode == 0
    wait_until(lambda: reading.states[-1] == "connected", what="the replug")
    simulator(tmp_path, "type", "dock", "PO-1003")
    wait_until(lambda: len(reading.texts) == 3, what="the scan after the replug")
    assert reading.texts[-1] == "PO-1003"

    served.send_signal(signal.SIGTERM)
    assert served.wait(10) == 0
    assert not link.exists() and not (tmp_path / "var/dev/dock.sock").exists()


def test_typing_on_a_scanner_nobody_serves_says_how_to_start_one(tmp_path: Path) -> None:
    result = simulator(tmp_path, "type", "dock", "PO-1001")
    assert result.returncode == 1
    assert "no simulator for dock" in result.stderr
