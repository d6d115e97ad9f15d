"""The gateway's PostgreSQL stops while people scan: a picker's handheld keeps the scans
under a waiting line (through a page reload too), the bridge keeps a fixed scanner's scan on
disk while the station screen says why, and once the database is back each scan is sent
again and applied exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, func, select, text

from drivers.simulator import VirtualScanner
from tests.conftest import _load_demo, missing
from tests.e2e.conftest import Handheld, Server, free_port, running_app
from tests.support.ledger import Ledger
from tests.support.postgres import PostgresServer, start_postgres
from wms.db import Database
from wms.demo import bridge_token
from wms.models import StationEvent
from wms.schema import upgrade
from wms.site_config import DEMO_CONFIG


@dataclass
class Postgres:
    """A PostgreSQL server of the test's own (so that the test may stop it) holding the demo
    warehouse in the database at `url`."""

    server: PostgresServer
    url: str


@pytest.fixture
def postgres() -> Iterator[Postgres]:
    try:
        server = start_postgres()
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        missing(f"PostgreSQL did not start: {exc}")
    if server is None:
        missing("PostgreSQL is not installed")
    assert server is not None
    try:
        admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE wms"))
        admin.dispose()
        url = server.url.rsplit("/", 1)[0] + "/wms"
        upgrade(url)
        _load_demo(url)
        yield Postgres(server, url)
    finally:
        server.stop()


@dataclass
class Gateway:
    server: Server
    postgres: PostgresServer


@pytest.fixture
def gateway(postgres: Postgres, tmp_path: Path) -> Iterator[Gateway]:
    """The app under gunicorn over the demo warehouse on that PostgreSQL."""
    with running_app(postgres.url, tmp_path / "wms.toml", tmp_path) as server:
        yield Gateway(server, postgres.server)


def browser_tab(browser: Any, url: str, width: int = 360, height: int = 740) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en",
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return context, Handheld(page, url)


def test_a_scan_made_while_the_database_is_stopped_waits_and_is_applied_once_after(
        browser: Any, gateway: Gateway) -> None:
    context, device = browser_tab(browser, gateway.server.url)
    try:
        device.sign_in("BADGE-0003", "1111")
        device.go("/pick/")
        device.wedge("SO-2003")
        device.wedge("B-01-02-01")
        assert device.prompt == "Scan item or lot label"

        gateway.postgres.pause()
        device.wedge("POT-020", wait=False)
        waiting = device.page.locator("#offline")
        expect(waiting).to_be_visible()
        expect(waiting.locator(".text")).to_have_text(
            "The database cannot be reached: the scan is kept and will be sent again")
        device.wedge("1", wait=False)  # the quantity, typed meanwhile
        expect(waiting).to_contain_text("(2 scans waiting)")
        assert device.prompt == "Scan item or lot label"  # the step stays as it was
        device.screenshot("pick-database-away")

        device.page.reload()  # the scans wait in the browser, not in the page
        expect(device.page.locator("main")).to_contain_text("The database cannot be reached")
        expect(waiting).to_contain_text("Kept on this handheld: the scan will be sent again")
        assert device.page.locator("body").get_attribute("data-pending") == "2"
        device.screenshot("pick-database-away-reloaded")

        gateway.postgres.resume()  # the page loads itself again and sends what waited
        device.page.wait_for_selector("body[data-pending='0']", timeout=60_000)
        expect(waiting).to_be_hidden()
        assert device.banner == "Picked 1 × POT-020"  # the item, then the quantity: in order
        device.screenshot("pick-database-back")
        assert Ledger(gateway.server.db).units("PACK-1", "POT-020") == 1

        device.page.reload()  # nothing is kept any more: nothing is sent twice
        device.settle()
        assert Ledger(gateway.server.db).units("PACK-1", "POT-020") == 1
    finally:
        context.close()


def test_a_station_scan_made_while_the_database_is_stopped_waits_in_the_bridge_and_is_booked_once(
        browser: Any, postgres: Postgres, tmp_path: Path) -> None:
    database = Database(postgres.url)
    with database.write() as session:
        (tmp_path / "station-token").write_text(bridge_token(session, ("dock", "packing")))
    database.dispose()
    port = free_port()
    config = tmp_path / "wms.toml"
    config.write_text(
        DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/prints/')
        .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
        .replace('"var/', f'"{tmp_path}/'), encoding="utf-8")
    scanner = VirtualScanner(tmp_path / "dev" / "dock-scanner", "CR")
    scanner.plug()
    spool = tmp_path / "bridge-spool"
    with running_app(postgres.url, config, tmp_path, port) as app:
        bridge = subprocess.Popen(
            [str(Path(sys.executable).with_name("wms")), "bridge", "--config", str(config)],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        context, screen = browser_tab(browser, app.url, 800, 1000)
        try:
            screen.sign_in("BADGE-0003", "1111")
            screen.page.goto(app.url + "/stations/dock")
            screen.page.wait_for_selector("[data-device=dock][data-state=connected]")
            scanner.type("BADGE-0002")
            screen.page.wait_for_selector("#live [data-person]:not([data-person=''])")

            postgres.server.pause()
            scanner.type("PO-1001")
            waiting = screen.page.locator("#offline")
            expect(waiting.locator(".text")).to_have_text(
                "The database cannot be reached: the scan is kept and will be sent again")
            expect(waiting.locator(".resend")).to_be_hidden()  # the bridge resends, not the screen
            kept = [json.loads(p.read_text())["body"].get("raw")
                    for p in sorted(spool.glob("*.json"))]
            assert "PO-1001" in kept  # on the bridge's disk, not lost
            screen.screenshot("station-database-away")

            postgres.server.resume()
            expect(screen.page.locator("#live .latest")).to_contain_text("PO-1001",
                                                                         timeout=60_000)
            expect(waiting).to_be_hidden()
            with app.db.read() as session:
                booked = session.scalar(select(func.count()).select_from(StationEvent)
                                        .where(StationEvent.raw == "PO-1001"))
            assert booked == 1
        finally:
            context.close()
            bridge.terminate()
            bridge.wait(timeout=10)
            scanner.close()
