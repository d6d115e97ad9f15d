"""The example hardware file in deploy/ is one that the app, the print worker and the
scanner bridge all accept."""

from __future__ import annotations

from pathlib import Path

from drivers.config import parse_config
from wms.site_config import DEMO_CONFIG, load_site_config

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "wms.toml.example"


def test_the_example_configuration_is_accepted_by_the_app_and_the_bridge() -> None:
    site = load_site_config(EXAMPLE)
    assert set(site.stations) == {"dock", "packing"}
    assert site.printers_for("packing_slip") == ["packing"]
    bridge = parse_config(EXAMPLE.read_text(encoding="utf-8"))
    assert {s.station for s in bridge.scanners.values()} == set(site.stations)


def test_the_demo_configuration_feeds_each_station_from_a_simulated_scanner() -> None:
    bridge = parse_config(DEMO_CONFIG)
    assert {name: s.url for name, s in bridge.scanners.items()} == {
        "dock": "var/dev/dock-scanner", "packing": "var/dev/packing-scanner"}
