"""Scans arriving at the dock and packing stations through the API, as the bridge posts
them: each applied once, refusals recorded and shown, documents queued when packing ends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.conftest import Api
from tests.integration.stations.conftest import pick_in_full, sign_in
from wms.models import PrintJob

GS = "\x1d"


def scan(bridge: Api, station: str, raw: str, key: str) -> dict[str, Any]:
    reply = bridge.post(f"/stations/{station}/scans", {"raw": raw, "device": station}, key=key)
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()


def test_the_dock_receives_each_scanned_unit_against_the_order(bridge: Api, ledger: Any) -> None:
    sign_in(bridge, "dock")
    opened = scan(bridge, "dock", "PO-1001", "k1")
    assert opened["outcome"] == "ok" and opened["message"] == "receiving_order"
    tea = f"]C1010690123456789217271130{GS}10LJ2026-12"
    assert scan(bridge, "dock", tea, "k2")["message"] == "received_accept"
    assert scan(bridge, "dock", tea, "k3")["params"] == {"qty": 1, "sku": "TEA-001",
                                                         "lot": "LJ2026-12"}
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-12") == 2
    view = bridge.get("/stations/dock").get_json()
    assert view["order"] == "PO-1001" and view["version"] == 4


def test_a_resent_scan_with_the_same_key_applies_once(bridge: Api, ledger: Any) -> None:
    sign_in(bridge, "dock")
    scan(bridge, "dock", "PO-1001", "a1")
    tea = f"]C1010690123456789217271130{GS}10LJ2026-12"
    first = scan(bridge, "dock", tea, "dock-7f3a")
    again = scan(bridge, "dock", tea, "dock-7f3a")
    assert first == again
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-12") == 1


def test_refused_scans_are_recorded_with_the_reason_and_change_nothing(bridge: Api,
                                                                       ledger: Any) -> None:
    sign_in(bridge, "dock")
    assert scan(bridge, "dock", "6901234567892", "r1")["message"] == "scan_order_first"
    scan(bridge, "dock", "PO-1001", "r2")
    assert scan(bridge, "dock", "6901234567892", "r3")["message"] == "needs_lot_label"
    assert scan(bridge, "dock", "6901234567915", "r4")["message"] == "not_on_order"
    assert scan(bridge, "dock", "6901234567893", "r5")["message"] == "bad_check_digit"
    assert scan(bridge, "dock", "NOPE-42", "r6")["outcome"] == "error"
    over = scan(bridge, "dock", f"]C10106901234567946{GS}17271130{GS}10LDG-9{GS}3049", "r7")
    assert over["outcome"] == "error" and over["message"] == "over_receipt"
    assert ledger.units("DOCK-1", "SNK-030") == 0 and ledger.units("DOCK-1", "TEA-001") == 0


def test_the_inspection_choice_quarantines_the_following_scan(bridge: Api, ledger: Any,
                                                              station_app: Any) -> None:
    from wms.services.stations import choose_inspection

    site = station_app.extensions["wms.site"]
    with station_app.extensions["wms.db"].write() as s:
        choose_inspection(s, site.stations["dock"], "quarantine", "damaged", None)
    sign_in(bridge, "dock")
    scan(bridge, "dock", "PO-1001", "q1")
    honey = f"]C10106901234567953{GS}17280101{GS}10FM-1"
    assert scan(bridge, "dock", honey, "q2")["message"] == "received_quarantine"
    assert ledger.units("QC-1", "HON-040", "FM-1") == 1


def test_packing_verifies_every_unit_and_prints_when_the_order_is_complete(
        bridge: Api, ledger: Any, station_app: Any) -> None:
    pick_in_full(bridge, "SO-2003")  # 2 x POT-020, 1 x MAT-050
    sign_in(bridge, "packing")
    assert scan(bridge, "packing", "SO-2003", "p1")["message"] == "packing_order"
    assert scan(bridge, "packing", "6901234567915", "p2")["message"] == "wrong_item_for_order"
    assert scan(bridge, "packing", "6901234567922", "p3")["params"] == {
        "sku": "POT-020", "done": 1, "of": 2}
    scan(bridge, "packing", "6901234567922", "p4")
    extra = scan(bridge, "packing", "6901234567922", "p5")
    assert extra["outcome"] == "error" and extra["message"] == "extra_item"
    with station_app.extensions["wms.db"].read() as s:
        assert s.scalars(select(PrintJob)).all() == []
    packed = scan(bridge, "packing", "6901234567960", "p6")
    assert packed["message"] == "packed" and len(packed["params"]["jobs"]) == 2
    assert bridge.get("/sales-orders/SO-2003").get_json()["status"] == "packed"
    with station_app.extensions["wms.db"].read() as s:
        documents = sorted(job.document for job in s.scalars(select(PrintJob)))
    assert documents == ["packing_slip", "shipping_label"]
    again = scan(bridge, "packing", "SO-2003", "p7")
    assert again["message"] == "packed_already"


def test_an_order_not_yet_picked_cannot_be_packed(bridge: Api) -> None:
    sign_in(bridge, "packing")
    refused = scan(bridge, "packing", "SO-2001", "n1")
    assert refused["outcome"] == "error" and refused["message"] == "not_picked_yet"
    assert refused["params"]["status"] == "open"


def test_device_changes_are_kept_per_scanner(bridge: Api) -> None:
    gone = bridge.post("/stations/dock/devices", {"device": "dock", "state": "disconnected",
                                                 "detail": "device reports readiness"},
                       key="d1")
    assert gone.status_code == 201 and gone.get_json()["outcome"] == "error"
    bridge.post("/stations/dock/devices", {"device": "dock", "state": "connected",
                                          "reason": "opened"}, key="d2")
    devices = bridge.get("/stations/dock").get_json()["devices"]
    assert (devices["dock"]["state"], devices["dock"]["reason"]) == ("connected", "opened")


def test_a_device_change_names_its_reason_from_the_bridges_list_or_is_refused(
        bridge: Api) -> None:
    """The bridge's reason codes and the API's are one list; another code is refused."""
    from typing import get_args

    from drivers.serial_scanner import REASONS
    from wms.api.schemas import ScannerReason

    assert set(get_args(ScannerReason)) == set(REASONS)
    odd = bridge.post("/stations/dock/devices", {"device": "dock", "state": "disconnected",
                                                "reason": "gremlins"}, key="d3")
    assert odd.status_code == 422 and odd.get_json()["error"]["code"] == "invalid"
    assert "dock" not in bridge.get("/stations/dock").get_json()["devices"]


def test_an_unknown_station_is_refused_as_invalid(bridge: Api) -> None:
    reply = bridge.post("/stations/garage/scans", {"raw": "X"}, key="u1")
    assert reply.status_code == 422
    assert "no station 'garage'" in reply.get_json()["error"]["message"]


def test_a_clerk_token_may_not_post_station_scans(station_app: Any) -> None:
    from wms.auth import create_token

    with station_app.extensions["wms.db"].write() as s:
        token = create_token(s, "wang")
    clerk = Api(station_app.test_client(), token)
    assert clerk.post("/stations/dock/scans", {"raw": "PO-1001"}).status_code == 403
