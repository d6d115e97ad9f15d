"""`wms bridge`: --check tells which scanners open, and the bridge runs as its own process
until SIGTERM, losing nothing and leaving a heartbeat while it runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from drivers.bridge import command
from drivers.simulator import VirtualScanner
from tests.integration.drivers.conftest import bridge_toml
from tests.integration.drivers.fake_app import FakeApp, wait_until

pytestmark = pytest.mark.timeout(30)

WMS = str(Path(sys.executable).with_name("wms"))


def write_config(tmp_path: Path, app_url: str, scanners: dict[str, tuple[str, str]]) -> Path:
    path = tmp_path / "wms.toml"
    path.write_text(bridge_toml(app_url, tmp_path / "spool", scanners))
    return path


def test_check_says_which_configured_scanner_opens_and_which_does_not(
    tmp_path: Path, virtual_scanner: Callable[..., VirtualScanner]
) -> None:
    dock = virtual_scanner("dock")
    config = write_config(tmp_path, "http://127.0.0.1:8000", {
        "dock": (str(dock.link), "dock"), "pack-1": (str(tmp_path / "no-such-tty"), "packing")})
    result = CliRunner().invoke(command, ["--config", str(config), "--check"])
    assert result.exit_code == 1, result.output
    assert "serial ports on this machine:" in result.output
    assert f"dock (dock) {dock.link}: opens" in result.output
    assert (f"pack-1 (packing) {tmp_path / 'no-such-tty'}: does not open: no such device"
            in result.output)


def test_check_succeeds_through_the_wms_command_when_every_scanner_opens(
    tmp_path: Path, virtual_scanner: Callable[..., VirtualScanner]
) -> None:
    dock = virtual_scanner("dock")
    config = write_config(tmp_path, "http://127.0.0.1:8000", {"dock": (str(dock.link), "dock")})
    result = subprocess.run([WMS, "bridge", "--config", str(config), "--check"],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"dock (dock) {dock.link}: opens" in result.stdout
    assert "token present" in result.stdout


def test_a_bad_configuration_stops_the_bridge_with_the_table_and_key(tmp_path: Path) -> None:
    config = tmp_path / "wms.toml"
    config.write_text('[stations.dock]\nkind = "dock"\nlocation = "DOCK-1"\n\n'
                      '[scanners.dock]\nurl = "/dev/ttyACM0"\nstation = "dok"\n')
    result = CliRunner().invoke(command, ["--config", str(config)])
    assert result.exit_code == 1
    assert "[scanners.dock] station: one of the [stations] tables (dock), not 'dok'" \
        in result.output


def test_the_bridge_process_delivers_scans_and_stops_cleanly_on_sigterm(
    tmp_path: Path, fake_app: FakeApp, virtual_scanner: Callable[..., VirtualScanner]
) -> None:
    fake_app.start()
    dock = virtual_scanner("dock")
    config = write_config(tmp_path, fake_app.url, {"dock": (str(dock.link), "dock")})
    process = subprocess.Popen([sys.executable, "-m", "drivers.bridge", "--config", str(config)],
                               cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: fake_app.story() == ["connected"], timeout=10, what="the open")
        # its sign of life for the app's status page, where the app looks by default
        heartbeat = tmp_path / "var" / "heartbeats" / "bridge"
        wait_until(heartbeat.exists, what="the heartbeat")
        assert time.time() - heartbeat.stat().st_mtime < 10
        dock.type("PO-1001", "PO-1002")
        wait_until(lambda: fake_app.scans() == ["PO-1001", "PO-1002"], what="the scans")
        # An answered entry leaves the spool a moment after the app has it.
        wait_until(lambda: os.listdir(tmp_path / "spool") == [], what="the spool to empty")
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, log
    assert "dock@dock scanned 'PO-1001'" in log
    assert "stopping (0 entries wait in the spool)" in log
    assert os.listdir(tmp_path / "spool") == []
