"""Two gateways on one database, each with a dock station called "dock": a scan at one
gateway's dock moves that dock on and leaves the other's as it was, and the documents it
prints are queued for its own gateway's printer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.stations.conftest import sign_in
from wms.auth import create_token
from wms.site_config import DEMO_CONFIG

GS = "\x1d"
TEA = f"]C1010690123456789217271130{GS}10LJ2026-12"


@pytest.fixture
def docks(demo_url: str, tmp_path: Path) -> Iterator[dict[str, Api]]:
    """The API of gateway north and of gateway south, as each one's bridge calls it."""
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text(DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/'),
                      encoding="utf-8")
    apps: list[Any] = []
    for name in ("north", "south"):
        apps.append(create_app({"database_url": demo_url, "TESTING": True,
                                "SECRET_KEY": "test-secret", "config_path": str(config),
                                "gateway": name}))
    with apps[0].extensions["wms.db"].write() as s:
        token = create_token(s, "li")
    yield {name: Api(app.test_client(), token) for name, app in zip(("north", "south"), apps,
                                                                     strict=True)}
    for app in apps:
        app.extensions["wms.db"].dispose()


def test_a_scan_at_one_gateways_dock_leaves_the_other_gateways_dock_as_it_was(
        docks: dict[str, Api]) -> None:
    north, south = docks["north"], docks["south"]
    sign_in(north, "dock")
    opened = north.post("/stations/dock/scans", {"raw": "PO-1001", "device": "dock"},
                        key="n1").get_json()
    assert (opened["gateway"], opened["message"]) == ("north", "receiving_order")
    received = north.post("/stations/dock/scans", {"raw": TEA, "device": "dock"},
                          key="n2").get_json()
    assert received["message"] == "received_accept"

    there = south.get("/stations/dock").get_json()
    assert (there["gateway"], there["version"], there["order"], there["signed_in"],
            there["events"]) == ("south", 0, None, None, [])
    refused = south.post("/stations/dock/scans", {"raw": TEA, "device": "dock"},
                         key="s1").get_json()
    assert (refused["outcome"], refused["message"]) == ("error", "scan_badge_first")

    here = north.get("/stations/dock").get_json()
    assert (here["gateway"], here["version"], here["order"]) == ("north", 3, "PO-1001")
    assert [e["raw"] for e in here["events"]] == [TEA, "PO-1001", "BADGE-0003"]
    assert {e["gateway"] for e in here["events"]} == {"north"}
    labels = north.get("/print-jobs", gateway="north").get_json()
    assert [(j["document"], j["printer"], j["gateway"]) for j in labels] == [
        ("lot_label", "dock", "north")]
    assert south.get("/print-jobs", gateway="south").get_json() == []


def test_a_print_job_asked_for_on_a_gateway_is_for_that_gateways_printer(
        docks: dict[str, Api]) -> None:
    for name, api in docks.items():
        reply = api.post("/print-jobs", {"document": "bin_label", "printer": "dock",
                                         "data": {"code": "A-01-01-01"}}, key=f"p-{name}")
        assert reply.status_code == 201, reply.get_json()
    every = docks["north"].get("/print-jobs").get_json()
    assert sorted((j["printer"], j["gateway"]) for j in every) == [
        ("dock", "north"), ("dock", "south")]
    south_only = docks["south"].get("/print-jobs", gateway="south").get_json()
    assert [j["gateway"] for j in south_only] == ["south"]


def test_a_bridges_token_works_at_its_own_gateway_only(docks: dict[str, Api]) -> None:
    """North's bridge, pointed at south's app by mistake, is refused: its scans would land
    at south's dock of the same name."""
    from wms.demo import bridge_token

    north, south = docks["north"], docks["south"]
    with north.client.application.extensions["wms.db"].write() as s:
        token = bridge_token(s, ["dock"], "north")
    body = {"raw": "BADGE-0003", "device": "dock"}
    at_south = Api(south.client, token).post("/stations/dock/scans", body, key="b1")
    assert at_south.status_code == 403, at_south.get_json()
    at_north = Api(north.client, token).post("/stations/dock/scans", body, key="b2")
    assert at_north.status_code == 201 and at_north.get_json()["gateway"] == "north"
