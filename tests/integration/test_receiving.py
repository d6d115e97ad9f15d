"""Receiving at the dock through API v1 (and the service): purchase-order progress,
over-receipt and its tolerance, quarantine, rejection, lots and expiry, blind receipts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees, error_code, snapshot
from wms.db import Database
from wms.errors import Invalid, OverReceipt
from wms.services.lookup import find_item
from wms.services.orders import get_purchase_order
from wms.services.receiving import (
    ReceiptLineInput,
    check_on_order,
    receive,
    receiving_location,
)


def stock_of(api: Any, **query: Any) -> dict[tuple[str, str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["sku"], r["lot"]): r["qty"] for r in rows}


def po_lines(api: Any, number: str) -> tuple[str, list[tuple[str, int, int, int]]]:
    """(status, [(sku, qty, received, rejected)])"""
    body = api.get(f"/purchase-orders/{number}").get_json()
    return body["status"], [(ln["sku"], ln["qty"], ln["received"], ln["rejected"])
                            for ln in body["lines"]]








def make_po(api: Any, number: str, lines: list[tuple[str, int]]) -> None:
    r = api.post("/purchase-orders", {"number": number, "supplier": "SUP-1", "lines": [
        {"sku": sku, "qty": qty} for sku, qty in lines]})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["status"] == "open"


def receipt(api: Any, lines: list[dict[str, Any]], po: str | None = "PO-1",
            location: str = "DOCK-1") -> Any:
    body: dict[str, Any] = {"location": location, "lines": lines}
    if po is not None:
        body["purchase_order"] = po
    return api.post("/receipts", body)


@pytest.fixture
def dock(build: Builder) -> list[str]:
    bins = build.warehouse("WH1", bins=3)
    build.item("TEA", name="龙井茶", tracking="lot", barcodes=["6901234567892"])
    build.item("CUP", name="茶杯")
    build.item("MILK", name="牛奶", tracking="lot", expiry=True)
    build.supplier("SUP-1")
    return bins


def test_receiving_against_a_po_moves_it_from_open_to_partial_to_received(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("TEA", 10), ("CUP", 20)])

    r = receipt(api, [{"sku": "6901234567892", "qty": 4, "lot": "L1"}])
    assert r.status_code == 201, r.get_json()
    assert [(m["kind"], m["sku"], m["lot"], m["qty"], m["from"], m["to"], m["reference"])
            for m in r.get_json()["moves"]] == [
        ("receive", "TEA", "L1", 4, None, "DOCK-1", "PO-1")]
    assert po_lines(api, "PO-1") == ("partial", [("TEA", 10, 4, 0), ("CUP", 20, 0, 0)])

    r = receipt(api, [{"sku": "TEA", "qty": 6, "lot": "L2"}, {"sku": "CUP", "qty": 19}])
    assert r.status_code == 201, r.get_json()
    assert po_lines(api, "PO-1") == ("partial", [("TEA", 10, 10, 0), ("CUP", 20, 19, 0)])

    r = receipt(api, [{"sku": "CUP", "qty": 1}])
    assert r.status_code == 201, r.get_json()
    assert po_lines(api, "PO-1") == ("received", [("TEA", 10, 10, 0), ("CUP", 20, 20, 0)])
    assert stock_of(api) == {("DOCK-1", "CUP", None): 20, ("DOCK-1", "TEA", "L1"): 4,
                             ("DOCK-1", "TEA", "L2"): 6}
    assert api.get("/items/TEA").get_json()["on_hand"] == 10
    assert_ledger_agrees(db)


def test_an_over_receipt_is_refused_and_changes_nothing(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("TEA", 10), ("CUP", 10)])
    assert receipt(api, [{"sku": "CUP", "qty": 8}]).status_code == 201
    before = snapshot(api)

    # The first line is fine; the second takes CUP to 11 of 10.
    r = receipt(api, [{"sku": "TEA", "qty": 5, "lot": "L1"}, {"sku": "CUP", "qty": 3}])

    assert r.status_code == 409
    assert error_code(r) == "over_receipt"
    assert snapshot(api) == before
    # Two lines of the same item in one receipt add up: 8 + 1 + 2 > 10.
    r = receipt(api, [{"sku": "CUP", "qty": 1}, {"sku": "CUP", "qty": 2}])
    assert r.status_code == 409
    assert error_code(r) == "over_receipt"
    assert snapshot(api) == before
    assert po_lines(api, "PO-1") == ("partial", [("TEA", 10, 0, 0), ("CUP", 10, 8, 0)])
    # Exactly what is still open is accepted.
    assert receipt(api, [{"sku": "CUP", "qty": 2}]).status_code == 201
    assert po_lines(api, "PO-1") == ("partial", [("TEA", 10, 0, 0), ("CUP", 10, 10, 0)])
    assert_ledger_agrees(db)


@pytest.fixture
def tolerant_api(database_url: str, build: Builder) -> Iterator[Any]:
    """API v1 of an app configured with a 10 % over-receipt tolerance, as an admin."""
    from terminal_ui import create_app

    app = create_app({"database_url": database_url, "over_receipt_tolerance_pct": 10,
                      "TESTING": True})
    token = build.user("tolerant-admin", "admin")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def get(self, path: str, **query: Any) -> Any:
            return client.get(f"/api/v1{path}", query_string=query, headers=headers)

        def post(self, path: str, body: Any = None) -> Any:
            return client.post(f"/api/v1{path}", json=body, headers=headers)

    yield Api()
    app.extensions["wms.db"].dispose()


def test_the_over_receipt_tolerance_is_configurable(
    tolerant_api: Any, db: Database, dock: list[str]
) -> None:
    api = tolerant_api
    make_po(api, "PO-1", [("CUP", 20), ("TEA", 5)])

    assert receipt(api, [{"sku": "CUP", "qty": 21}]).status_code == 201
    assert receipt(api, [{"sku": "CUP", "qty": 1}]).status_code == 201   # 22 = 20 + 10 %
    r = receipt(api, [{"sku": "CUP", "qty": 1}])
    assert r.status_code == 409
    assert error_code(r) == "over_receipt"
    # 10 % of 5 is half a unit: no whole extra unit is allowed.
    r = receipt(api, [{"sku": "TEA", "qty": 6, "lot": "L1"}])
    assert r.status_code == 409
    assert error_code(r) == "over_receipt"

    assert po_lines(api, "PO-1") == ("partial", [("CUP", 20, 22, 0), ("TEA", 5, 0, 0)])
    assert stock_of(api) == {("DOCK-1", "CUP", None): 22}
    assert_ledger_agrees(db)


def test_the_receiving_service_takes_the_tolerance_as_a_parameter(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("CUP", 10)])

    with pytest.raises(OverReceipt), db.write() as s:
        receive(s, location="DOCK-1", purchase_order="PO-1", user_id=None,
                lines=[ReceiptLineInput("CUP", 11)])
    with db.write() as s:
        receive(s, location="DOCK-1", purchase_order="PO-1", user_id=None,
                lines=[ReceiptLineInput("CUP", 15)], tolerance_pct=50)
    with pytest.raises(OverReceipt), db.write() as s:
        receive(s, location="DOCK-1", purchase_order="PO-1", user_id=None,
                lines=[ReceiptLineInput("CUP", 1)], tolerance_pct=50)

    assert po_lines(api, "PO-1") == ("received", [("CUP", 10, 15, 0)])
    assert stock_of(api) == {("DOCK-1", "CUP", None): 15}
    assert_ledger_agrees(db)


def test_an_item_that_is_not_on_the_po_is_an_over_receipt(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("CUP", 10)])
    before = snapshot(api)

    r = receipt(api, [{"sku": "CUP", "qty": 2}, {"sku": "TEA", "qty": 1, "lot": "L1"}])

    assert r.status_code == 409
    assert error_code(r) == "over_receipt"
    assert snapshot(api) == before
    assert po_lines(api, "PO-1") == ("open", [("CUP", 10, 0, 0)])
    assert_ledger_agrees(db)


def test_quarantined_units_go_to_the_quarantine_location_with_a_reason(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("CUP", 10)])
    before = snapshot(api)

    r = receipt(api, [{"sku": "CUP", "qty": 2, "disposition": "quarantine"}])
    assert r.status_code == 422
    assert error_code(r) == "invalid"
    assert "reason" in r.get_json()["error"]["message"]
    r = receipt(api, [{"sku": "CUP", "qty": 2, "disposition": "quarantine", "reason": "  "}])
    assert r.status_code == 422
    assert snapshot(api) == before

    r = receipt(api, [{"sku": "CUP", "qty": 7},
                      {"sku": "CUP", "qty": 3, "disposition": "quarantine",
                       "reason": "damaged", "note": "杯口破损"}])
    assert r.status_code == 201, r.get_json()
    assert stock_of(api, sku="CUP") == {("DOCK-1", "CUP", None): 7, ("QC-1", "CUP", None): 3}
    to_qc = api.get("/ledger", location="QC-1").get_json()
    assert [(m["kind"], m["qty"], m["to"], m["reason"], m["note"]) for m in to_qc] == [
        ("receive", 3, "QC-1", "damaged", "杯口破损")]
    assert po_lines(api, "PO-1") == ("received", [("CUP", 10, 10, 0)])
    assert_ledger_agrees(db)


def test_rejected_units_are_recorded_on_the_po_line_and_never_put_in_stock(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("TEA", 10)])
    r = receipt(api, [{"sku": "TEA", "qty": 4, "lot": "L1", "disposition": "reject"}])
    assert r.status_code == 422
    assert error_code(r) == "invalid"

    r = receipt(api, [{"sku": "TEA", "qty": 6, "lot": "L1"},
                      {"sku": "TEA", "qty": 4, "lot": "L1", "disposition": "reject",
                       "reason": "damaged", "note": "受潮"}])

    assert r.status_code == 201, r.get_json()
    assert [m["qty"] for m in r.get_json()["moves"]] == [6]
    assert po_lines(api, "PO-1") == ("partial", [("TEA", 10, 6, 4)])
    assert stock_of(api) == {("DOCK-1", "TEA", "L1"): 6}
    assert [m["kind"] for m in api.get("/ledger").get_json()] == ["receive"]
    assert_ledger_agrees(db)


def test_a_lot_tracked_item_needs_a_lot_and_an_expiry_item_needs_an_expiry(
    api: Any, db: Database, dock: list[str]
) -> None:
    before = snapshot(api)

    r = receipt(api, [{"sku": "CUP", "qty": 1}, {"sku": "TEA", "qty": 5}], po=None)
    assert r.status_code == 422
    assert error_code(r) == "invalid"
    assert "lot" in r.get_json()["error"]["message"]

    r = receipt(api, [{"sku": "MILK", "qty": 5, "lot": "M1"}], po=None)
    assert r.status_code == 422
    assert error_code(r) == "invalid"
    assert "expiry" in r.get_json()["error"]["message"]
    assert snapshot(api) == before

    r = receipt(api, [{"sku": "MILK", "qty": 5, "lot": "M1", "expiry": "2027-03-01"}],
                po=None)
    assert r.status_code == 201, r.get_json()
    rows = api.get("/stock", sku="MILK").get_json()
    assert [(row["location"], row["lot"], row["expiry"], row["qty"]) for row in rows] == [
        ("DOCK-1", "M1", date(2027, 3, 1).isoformat(), 5)]
    assert_ledger_agrees(db)


def test_receiving_at_a_storage_bin_is_refused(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("CUP", 10)])
    before = snapshot(api)

    r = receipt(api, [{"sku": "CUP", "qty": 5}], location=dock[0])

    assert r.status_code == 422
    assert error_code(r) == "invalid"
    assert snapshot(api) == before
    assert po_lines(api, "PO-1") == ("open", [("CUP", 10, 0, 0)])
    assert_ledger_agrees(db)


def test_a_blind_receipt_without_a_po_puts_the_units_at_the_dock(
    api: Any, db: Database, dock: list[str]
) -> None:
    r = receipt(api, [{"sku": "CUP", "qty": 12}, {"sku": "TEA", "qty": 3, "lot": "L9"}],
                po=None)

    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert "purchase_order" not in body
    assert [(m["kind"], m["sku"], m["qty"], m["to"], m["reference"]) for m in body["moves"]] \
        == [("receive", "CUP", 12, "DOCK-1", f"RCV-{body['id']}"),
            ("receive", "TEA", 3, "DOCK-1", f"RCV-{body['id']}")]
    assert stock_of(api) == {("DOCK-1", "CUP", None): 12, ("DOCK-1", "TEA", "L9"): 3}
    assert_ledger_agrees(db)


def test_a_closed_po_takes_no_more_receipts(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("CUP", 10)])
    assert receipt(api, [{"sku": "CUP", "qty": 4}]).status_code == 201
    assert api.post("/purchase-orders/PO-1/close").get_json()["status"] == "closed"

    r = receipt(api, [{"sku": "CUP", "qty": 1}])

    assert r.status_code == 409
    assert error_code(r) == "conflict"
    assert po_lines(api, "PO-1") == ("closed", [("CUP", 10, 4, 0)])
    assert stock_of(api) == {("DOCK-1", "CUP", None): 4}
    assert_ledger_agrees(db)


def test_quarantine_uses_the_quarantine_location_of_the_docks_warehouse(
    api: Any, build: Builder, db: Database, dock: list[str]
) -> None:
    build.warehouse("WH2", bins=1, zone="C")

    r = receipt(api, [{"sku": "CUP", "qty": 2, "disposition": "quarantine",
                       "reason": "damaged", "note": "wet cartons"}], po=None,
                     location="DOCK-2")

    assert r.status_code == 201, r.get_json()
    assert stock_of(api) == {("QC-2", "CUP", None): 2}
    assert_ledger_agrees(db)


def test_a_quarantine_reason_that_is_no_code_is_refused_naming_the_field_and_the_codes(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("CUP", 10)])
    before = snapshot(api)

    r = receipt(api, [{"sku": "CUP", "qty": 2, "disposition": "quarantine",
                       "reason": "carton crushed"}])

    assert r.status_code == 422 and error_code(r) == "invalid"
    message = r.get_json()["error"]["message"]
    assert message.startswith("reason:")
    assert all(code in message for code in ("damaged", "wrong_item", "short_shelf_life",
                                            "missing_label", "other"))
    assert snapshot(api) == before
    r = receipt(api, [{"sku": "CUP", "qty": 2, "disposition": "reject",
                       "reason": "Short_Shelf_Life"}])
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["moves"] == []
    assert_ledger_agrees(db)


def test_an_item_the_order_does_not_order_is_refused_as_not_on_the_order(
    api: Any, db: Database, dock: list[str]
) -> None:
    make_po(api, "PO-1", [("TEA", 10)])
    with db.read() as s:
        order = get_purchase_order(s, "PO-1")
        check_on_order(order, find_item(s, "TEA"))
        with pytest.raises(OverReceipt) as refused:
            check_on_order(order, find_item(s, "CUP"))
    assert refused.value.details["not_on_order"] is True
    assert (refused.value.details["sku"], refused.value.details["number"]) == ("CUP", "PO-1")
    before = snapshot(api)
    with pytest.raises(OverReceipt) as booked, db.write() as s:
        receive(s, location="DOCK-1", purchase_order="PO-1", user_id=None,
                lines=[ReceiptLineInput("CUP", 1)])
    assert booked.value.details["not_on_order"] is True
    assert snapshot(api) == before


def test_goods_are_received_at_a_dock_and_never_in_a_storage_bin(
    db: Database, dock: list[str]
) -> None:
    with db.read() as s:
        assert receiving_location(s, "dock-1").code == "DOCK-1"
        with pytest.raises(Invalid) as refused:
            receiving_location(s, dock[0])
    assert refused.value.details == {"field": "location", "location": dock[0],
                                     "kind": "storage"}
    with pytest.raises(Invalid), db.write() as s:
        receive(s, location=dock[0], user_id=None, lines=[ReceiptLineInput("CUP", 1)])
