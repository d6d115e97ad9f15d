"""A picker scans while the gateway's PostgreSQL stops: the handheld keeps the scan under a
waiting line (through a page reload too), and once the database is back the scan is sent
again and applied exactly once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.conftest import _load_demo, missing
from tests.e2e.conftest import Handheld, Server, running_app
from tests.support.ledger import Ledger
from tests.support.postgres import PostgresServer, start_postgres
from wms.schema import upgrade


@dataclass
class Gateway:
    server: Server
    postgres: PostgresServer


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[Gateway]:
    """The app under gunicorn over the demo warehouse on a PostgreSQL server of its own (so
    that the test may stop it)."""
    try:
        postgres = start_postgres()
    except Exception as exc:  # noqa: BLE001 - reported as the reason
        missing(f"PostgreSQL did not start: {exc}")
    if postgres is None:
        missing("PostgreSQL is not installed")
    assert postgres is not None
    try:
        admin = create_engine(postgres.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE wms"))
        admin.dispose()
        url = postgres.url.rsplit("/", 1)[0] + "/wms"
        upgrade(url)
        _load_demo(url)
        with running_app(url, tmp_path / "wms.toml", tmp_path) as server:
            yield Gateway(server, postgres)
    finally:
        postgres.stop()
        shutil.rmtree(postgres.data_dir.parent, ignore_errors=True)


def test_a_scan_made_while_the_database_is_stopped_waits_and_is_applied_once_after(
        browser: Any, gateway: Gateway) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en",
                                  has_touch=True)
    try:
        device = Handheld(context.new_page(), gateway.server.url)
        device.page.set_default_timeout(30_000)
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
