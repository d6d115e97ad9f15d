"""A station sits in one warehouse: a person kept to other warehouses (User.warehouses)
cannot sign in at it, so nothing is booked there in their name; on both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.conftest import Api
from tests.integration.stations.test_station_truth import Station
from wms.models import User


def keep_zhang_to(station_app: Any, warehouses: str | None) -> None:
    with station_app.extensions["wms.db"].write() as s:
        zhang = s.scalar(select(User).where(User.username == "zhang"))
        assert zhang is not None
        zhang.warehouses = warehouses


def test_a_person_kept_to_another_warehouse_cannot_sign_in_at_the_dock(
        station_app: Any, bridge: Api) -> None:
    keep_zhang_to(station_app, "WH2")
    dock = Station(bridge, "dock")  # DOCK-1, in WH1
    refused = dock.scan("BADGE-0002")
    assert refused["outcome"] == "error" and refused["message"] == "badge_not_allowed"
    assert dock.scan("PO-1001")["message"] == "scan_badge_first"

    keep_zhang_to(station_app, "WH1")
    assert dock.scan("BADGE-0002")["message"] == "signed_in"
