"""The dock station as `make run` sets it up: a fixed scanner on a real pty, the scanner
bridge process, the app under gunicorn and the station screen in Chromium. Scans typed into
the scanner appear on the screen; pulling the cable shows on the screen, and nothing
scanned before or after is lost or applied twice."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from drivers.simulator import VirtualScanner
from tests.e2e.conftest import Server, free_port, running_app
from tests.support.ledger import Ledger
from wms.db import Database
from wms.demo import bridge_token
from wms.site_config import DEMO_CONFIG

TEA = "]C1010690123456789217271130~10LJ27-{n:02d}"  # a new lot per scan: no repeats


@dataclass
class Gateway:
    """A demo gateway in a folder: database, hardware file, a plugged-in dock scanner."""

    folder: Path
    database: Path
    config: Path
    port: int
    scanner: VirtualScanner

    def start_bridge(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [str(Path(sys.executable).with_name("wms")), "bridge", "--config", str(self.config)],
            cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.fixture
def gateway(demo_sqlite_template: Path, tmp_path: Path) -> Iterator[Gateway]:
    database = tmp_path / "wms.sqlite3"
    shutil.copy(demo_sqlite_template, database)
    db = Database(f"sqlite:///{database}")
    with db.write() as session:
        (tmp_path / "station-token").write_text(bridge_token(session, ("dock", "packing")))
    db.dispose()
    port = free_port()
    config = tmp_path / "wms.toml"
    config.write_text(
        DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/prints/')
        .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
        .replace('"var/', f'"{tmp_path}/'), encoding="utf-8")
    scanner = VirtualScanner(tmp_path / "dev" / "dock-scanner", "CR")
    scanner.plug()
    yield Gateway(tmp_path, database, config, port, scanner)
    scanner.close()


@pytest.fixture
def dock(gateway: Gateway) -> Iterator[tuple[Server, VirtualScanner]]:
    """The app and the bridge running on the gateway."""
    with running_app(gateway.database, gateway.config, gateway.folder, gateway.port) as app:
        bridge = gateway.start_bridge()
        try:
            yield app, gateway.scanner
        finally:
            bridge.terminate()
            bridge.wait(timeout=10)


def signed_in_at_the_station(app: Server, wait: float = 15) -> int:
    """How many sign-ins the station has booked, once there is one (or after `wait` s)."""
    from sqlalchemy import func, select

    from wms.models import StationEvent
    deadline = time.monotonic() + wait
    while True:
        with app.db.read() as s:
            count = s.scalar(select(func.count()).select_from(StationEvent).where(
                StationEvent.message == "signed_in"))
        if count or time.monotonic() > deadline:
            return int(count or 0)
        time.sleep(0.1)


def dock_screen(handheld: Any, app: Server) -> Any:
    """Li's browser on the dock station's screen, once the fixed scanner shows connected."""
    screen = handheld()
    screen.page.set_viewport_size({"width": 800, "height": 1000})
    screen.sign_in("BADGE-0003", "1111")
    screen.page.goto(app.url + "/stations/dock")
    screen.page.wait_for_selector("[data-device=dock][data-state=connected]")
    return screen


def latest(page: Any) -> str:
    return " ".join(page.locator("#live .latest").inner_text().split())


def test_the_dock_screen_follows_the_fixed_scanner_through_an_unplug(
        handheld: Any, dock: tuple[Server, VirtualScanner]) -> None:
    from playwright.sync_api import expect

    app, scanner = dock
    screen = dock_screen(handheld, app)
    scanner.type("BADGE-0002")
    screen.page.wait_for_selector("#live [data-person]:not([data-person=''])")
    scanner.type("PO-1001")
    expect(screen.page.locator("#live .latest")).to_contain_text("PO-1001", timeout=30_000)
    for n in range(1, 4):
        scanner.type(TEA.format(n=n))
    expect(screen.page.locator("#live .latest")).to_contain_text("LJ27-03", timeout=30_000)
    screen.screenshot("station-dock-1-receiving")

    screen.page.click("text=Quarantine: Damaged")
    band = screen.page.locator("#live [data-role=inspection]")
    screen.page.wait_for_selector("#live [data-role=inspection][data-mode=quarantine]")
    assert "Next scan: QUARANTINE – Damaged" in band.inner_text()
    screen.screenshot("station-dock-1b-next-scan-quarantined")
    scanner.type(TEA.format(n=9))
    screen.page.wait_for_selector("#live [data-role=inspection][data-mode=accept]")
    assert "to quarantine" in latest(screen.page)

    scanner.unplug()
    screen.page.wait_for_selector("[data-device=dock][data-state=disconnected]")
    assert "disconnected" in latest(screen.page)
    screen.screenshot("station-dock-2-unplugged")

    scanner.plug()
    screen.page.wait_for_selector("[data-device=dock][data-state=connected]")
    for n in range(4, 6):
        scanner.type(TEA.format(n=n))
    expect(screen.page.locator("#live .latest")).to_contain_text("LJ27-05", timeout=30_000)
    screen.screenshot("station-dock-3-back")

    ledger = Ledger(app.db)
    assert [ledger.units("DOCK-1", "TEA-001", f"LJ27-{n:02d}") for n in range(1, 6)] == \
        [1, 1, 1, 1, 1]
    assert ledger.units("QC-1", "TEA-001", "LJ27-09") == 1  # the one scan after the choice
    tally = screen.page.locator("#live [data-sku=TEA-001]").inner_text()
    assert "6" in tally and "54" in tally


def test_scans_made_while_the_app_is_down_arrive_in_order_once_it_is_back(
        gateway: Gateway) -> None:
    scanner = gateway.scanner
    bridge = gateway.start_bridge()
    try:
        spool = gateway.folder / "bridge-spool"

        def waiting(count: int) -> int:
            deadline = time.monotonic() + 10
            while len(list(spool.glob("*.json"))) < count and time.monotonic() < deadline:
                time.sleep(0.05)
            return len(list(spool.glob("*.json")))

        assert waiting(2) == 2  # the scanners' states: dock connected, packing missing
        scanner.type("BADGE-0003", "PO-1001", *(TEA.format(n=n) for n in range(1, 4)))
        assert waiting(7) == 7  # and the five scans, kept on disk while the app is down
        with running_app(gateway.database, gateway.config, gateway.folder,
                         gateway.port) as app:
            ledger = Ledger(app.db)
            deadline = time.monotonic() + 20
            while ledger.units("DOCK-1", "TEA-001", "LJ27-03") == 0 and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            assert [ledger.units("DOCK-1", "TEA-001", f"LJ27-{n:02d}")
                    for n in range(1, 4)] == [1, 1, 1]
            with app.db.read() as s:
                from sqlalchemy import select

                from wms.models import StationEvent
                scans = [e.message for e in s.scalars(
                    select(StationEvent).where(StationEvent.kind == "scan")
                    .order_by(StationEvent.version))]
            assert scans == ["signed_in", "receiving_order"] + ["received_accept"] * 3
    finally:
        bridge.terminate()
        bridge.wait(timeout=10)


def test_a_scan_typed_on_the_station_screen_survives_the_screen_following_the_scanner(
        handheld: Any, dock: tuple[Server, VirtualScanner]) -> None:
    """The screen asks for itself every second; someone typing a scan whose label cannot be
    read must not see their half-typed code thrown away when the fixed scanner reads
    something meanwhile."""
    from playwright.sync_api import expect

    app, scanner = dock
    screen = dock_screen(handheld, app)
    typed = screen.page.locator("#live details.typed")
    typed.locator("summary").click()
    field = typed.locator("input[name=scan]")
    expect(field).to_be_focused()
    field.press_sequentially("PO-10")

    scanner.type("BADGE-0002")  # the fixed scanner signs Zhang in while Li types
    assert signed_in_at_the_station(app) == 1
    time.sleep(2.5)  # the screen asks for itself twice meanwhile
    assert typed.get_attribute("open") is not None
    assert field.input_value() == "PO-10"

    field.press_sequentially("01")
    with screen.page.expect_response(lambda r: r.url.endswith("/scan")):
        typed.get_by_role("button", name="Enter").click()
    live = screen.page.locator("#live")
    expect(live.locator("[data-role=person]")).to_contain_text("Zhang")
    expect(live.locator(".latest")).to_contain_text("PO-1001")
