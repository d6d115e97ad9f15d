"""A station device's token (the scanner bridge's) posts scans and device events for its own
stations and reads their state; everything an operator could do besides is refused."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import Api
from wms.auth import create_token
from wms.cli import main
from wms.demo import BRIDGE_USER, bridge_token

FLOOR_CALLS = [
    ("POST", "/moves", {"sku": "TEA-001", "qty": 1, "from": "A-01-01-01", "to": "A-01-02-01"}),
    ("POST", "/receipts", {"location": "DOCK-1", "lines": [{"sku": "CUP-010", "qty": 1}]}),
    ("POST", "/counts", {"locations": ["A-01-01-01"]}),
    ("POST", "/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2",
                            "lines": [{"sku": "CUP-010", "qty": 1, "from": "B-01-03-01"}]}),
    ("POST", "/print-jobs", {"printer": "dock", "document": "bin_label",
                             "data": {"code": "A-01-01-01"}}),
    ("POST", "/sales-orders/SO-2001/pick-list", None),
    ("GET", "/ledger", None),
    ("GET", "/stock", None),
    ("GET", "/items/TEA-001", None),
    ("GET", "/print-jobs", None),
]


@pytest.fixture
def dock_device(station_app: Any) -> Api:
    """The API as the dock's scanner bridge calls it: a token bound to the dock station."""
    with station_app.extensions["wms.db"].write() as s:
        token = bridge_token(s, ["dock"])
    return Api(station_app.test_client(), token)


def _call(api: Api, method: str, path: str, body: Any) -> Any:
    return api.get(path) if method == "GET" else api.post(path, body, key=f"k-{path}")


@pytest.mark.parametrize(("method", "path", "body"), FLOOR_CALLS,
                         ids=[f"{m} {p}" for m, p, _ in FLOOR_CALLS])
def test_a_station_token_may_do_no_floor_work_and_read_no_stock(
        dock_device: Api, method: str, path: str, body: Any, ledger: Any) -> None:
    before = ledger.units("A-01-01-01", "TEA-001")
    reply = _call(dock_device, method, path, body)
    assert reply.status_code == 403, reply.get_json()
    assert reply.get_json()["error"]["code"] == "forbidden"
    assert ledger.units("A-01-01-01", "TEA-001") == before


def test_a_station_token_posts_scans_and_device_events_for_its_own_station_only(
        dock_device: Api) -> None:
    scan = dock_device.post("/stations/dock/scans", {"raw": "BADGE-0003", "device": "dock"},
                            key="s1")
    assert scan.status_code == 201 and scan.get_json()["message"] == "signed_in"
    device = dock_device.post("/stations/dock/devices",
                              {"device": "dock", "state": "disconnected"}, key="d1")
    assert device.status_code == 201
    assert dock_device.get("/stations/dock").status_code == 200
    elsewhere = dock_device.post("/stations/packing/scans", {"raw": "BADGE-0003"}, key="s2")
    assert elsewhere.status_code == 403
    assert elsewhere.get_json()["error"]["code"] == "forbidden"
    assert dock_device.get("/stations/packing").status_code == 403


def test_a_person_s_token_still_does_what_the_role_allows(station_app: Any) -> None:
    with station_app.extensions["wms.db"].write() as s:
        operator = Api(station_app.test_client(), create_token(s, "li"))
    assert operator.get("/stock").status_code == 200
    assert operator.post("/stations/packing/scans", {"raw": "BADGE-0003"},
                         key="p1").status_code == 201


def test_the_token_command_binds_a_token_to_named_stations_of_the_hardware_file(
        station_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = station_app.config["WMS_SETTINGS"]
    runner = CliRunner(env={"WMS_DATABASE_URL": settings.database_url,
                            "WMS_CONFIG_PATH": settings.config_path})
    with station_app.extensions["wms.db"].write() as s:
        bridge_token(s, ["dock"])  # makes the bridge's user
    unknown = runner.invoke(main, ["token", "create", BRIDGE_USER, "--station", "roof"])
    assert unknown.exit_code == 1 and "no station roof" in unknown.output
    made = runner.invoke(main, ["token", "create", BRIDGE_USER, "--station", "packing"])
    assert made.exit_code == 0, made.output
    device = Api(station_app.test_client(), made.output.strip())
    assert device.get("/stations/packing").status_code == 200
    assert device.get("/stations/dock").status_code == 403
    assert device.get("/stock").status_code == 403
