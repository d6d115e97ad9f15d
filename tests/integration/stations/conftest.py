"""Stations over the demo warehouse with the demo's hardware file (printers writing into a
temporary folder), an API client holding the bridge's token, and the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api
from tests.support.ledger import Ledger
from wms.auth import create_token
from wms.site_config import DEMO_CONFIG


@pytest.fixture
def station_app(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text(DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/'),
                      encoding="utf-8")
    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(config)})
    yield app
    app.extensions["wms.db"].dispose()


@pytest.fixture
def bridge(station_app: Any) -> Api:
    """The API as the scanner bridge calls it (an operator's token)."""
    with station_app.extensions["wms.db"].write() as s:
        token = create_token(s, "li")
    return Api(station_app.test_client(), token)


@pytest.fixture
def ledger(station_app: Any) -> Ledger:
    return Ledger(station_app.extensions["wms.db"])


def pick_in_full(api: Api, number: str) -> None:
    """Allocate and pick a whole order through the API, as the handhelds would."""
    pick_list = api.post(f"/sales-orders/{number}/pick-list").get_json()
    for task in pick_list["tasks"]:
        reply = api.post(f"/pick-tasks/{task['id']}/confirm", {
            "location": task["location"], "sku": task["sku"], "qty": task["qty"],
            "lot": task["lot"]})
        assert reply.status_code == 200, reply.get_json()


def sign_in(api: Api, station: str, badge: str = "BADGE-0003") -> None:
    """Scan a badge at the station, as its person does before working there."""
    reply = api.post(f"/stations/{station}/scans", {"raw": badge, "device": station},
                     key=f"badge-{station}-{badge}")
    assert reply.status_code == 201 and reply.get_json()["message"] == "signed_in", \
        reply.get_json()
