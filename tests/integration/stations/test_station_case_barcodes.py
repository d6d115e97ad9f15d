"""A case's barcode at the fixed stations: the demo's cups come in cases of 12 (case GTIN
16901234567912, unit EAN 6901234567915). At the dock a case scan receives 12 and at the
packing bench it verifies 12; a unit's scan still counts one."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.stations.conftest import pick_in_full, sign_in
from tests.integration.stations.test_station_truth import Station, as_admin
from wms.services.orders import OrderLineInput, create_purchase_order

CASE, UNIT = "16901234567912", "6901234567915"


def test_a_case_scan_at_the_dock_receives_twelve(station_app: Any, bridge: Api,
                                                 ledger: Any) -> None:
    with station_app.extensions["wms.db"].write() as s:
        create_purchase_order(s, "PO-CASE", "SUP-YX", [OrderLineInput("CUP-010", 48)], None)
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-CASE")
    case = dock.scan(CASE)
    assert case["message"] == "received_accept" and case["params"]["qty"] == 12
    assert dock.scan(UNIT)["params"]["qty"] == 1
    assert ledger.units("DOCK-1", "CUP-010") == 13


def test_a_case_scan_at_the_packing_bench_verifies_twelve(station_app: Any,
                                                          bridge: Api) -> None:
    admin = as_admin(station_app)
    assert admin.post("/sales-orders", {"number": "SO-25", "customer": "CUS-002",
                                        "lines": [{"sku": "CUP-010", "qty": 25}]}
                      ).status_code == 201
    pick_in_full(bridge, "SO-25")
    packing = Station(bridge, "packing")
    sign_in(bridge, "packing")
    packing.scan("SO-25")
    assert packing.scan(CASE)["params"] == {"sku": "CUP-010", "done": 12, "of": 25}
    assert packing.scan(UNIT)["params"] == {"sku": "CUP-010", "done": 13, "of": 25}
    assert packing.scan(CASE)["message"] == "packed"
