"""The back office's order API: prices and money strings, lists newest first that filter
and page, editing and sending a purchase order, and cancelling orders (refused once goods
were received or picked; a cancelled sales order's reserved units go to the next order)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees
from wms.db import Database
from wms.models import AuditEvent
from wms.services.orders import OrderLineInput, create_purchase_order


@pytest.fixture
def shop(build: Builder) -> list[str]:
    """WH1 with 10 CUP in its first bin, a supplier and a customer."""
    bins = build.warehouse("WH1", bins=3)
    build.item("CUP", name="茶杯")
    build.item("TEA", name="龙井茶")
    build.stock("CUP", bins[0], 10)
    build.supplier("SUP-1")
    build.supplier("SUP-2", "供应商二")
    build.customer("CUS-1")
    build.customer("CUS-2", "客户二")
    return bins


def new_po(api: Any, number: str = "PO-1", supplier: str = "SUP-1", **extra: Any) -> Any:
    body = {"number": number, "supplier": supplier,
            "lines": [{"sku": "CUP", "qty": 3, "unit_price": 2.5},
                      {"sku": "TEA", "qty": 2, "unit_price": "10.125"}], **extra}
    return api.post("/purchase-orders", body)


def test_a_purchase_order_keeps_its_prices_warehouse_and_expected_date_as_money_strings(
        api: Any, shop: list[str]) -> None:
    created = new_po(api, expected_date="2026-12-20", warehouse="WH1")

    assert created.status_code == 201, created.get_json()
    body = api.get("/purchase-orders/PO-1").get_json()
    assert body["status"] == "open" and body["warehouse"] == "WH1"
    assert body["expected_date"] == "2026-12-20"
    assert body["created_by"] == "admin-user" and body["cancel_reason"] is None
    assert [(ln["sku"], ln["unit_price"], ln["line_total"]) for ln in body["lines"]] == [
        ("CUP", "2.50", "7.50"), ("TEA", "10.13", "20.25")]
    assert body["total"] == "27.75"


def test_a_purchase_order_for_an_unknown_warehouse_is_refused(
        api: Any, shop: list[str]) -> None:
    answer = new_po(api, warehouse="NOWHERE")
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == \
        "unknown_location"
    assert api.get("/purchase-orders/PO-1").status_code == 404


def test_a_sales_order_keeps_its_line_prices_and_optional_warehouse(
        api: Any, shop: list[str]) -> None:
    created = api.post("/sales-orders", {
        "number": "SO-1", "customer": "CUS-1", "warehouse": "WH1",
        "lines": [{"sku": "CUP", "qty": 4, "unit_price": "3.10"}]})

    assert created.status_code == 201, created.get_json()
    body = api.get("/sales-orders/SO-1").get_json()
    assert body["warehouse"] == "WH1" and body["created_by"] == "admin-user"
    assert body["lines"][0]["unit_price"] == "3.10"
    assert body["lines"][0]["line_total"] == "12.40" and body["total"] == "12.40"


def test_order_lists_are_newest_first_filter_by_status_and_partner_and_page(
        api: Any, shop: list[str]) -> None:
    for n in range(1, 6):
        assert new_po(api, f"PO-{n}", "SUP-1" if n % 2 else "SUP-2").status_code == 201
    api.post("/purchase-orders/PO-2/cancel", {"reason": "ordered twice"})

    everything = api.get("/purchase-orders").get_json()
    assert [r["number"] for r in everything["rows"]] == ["PO-5", "PO-4", "PO-3", "PO-2",
                                                        "PO-1"]
    assert everything["total"] == 5 and everything["rows"][0]["total"] == "27.75"
    page = api.get("/purchase-orders", supplier="SUP-1", limit=2, offset=1).get_json()
    assert [r["number"] for r in page["rows"]] == ["PO-3", "PO-1"] and page["total"] == 3
    cancelled = api.get("/purchase-orders", status="cancelled").get_json()
    assert [r["number"] for r in cancelled["rows"]] == ["PO-2"]
    bad = api.get("/purchase-orders", status="lost")
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid"

    for n, customer in ((1, "CUS-1"), (2, "CUS-2"), (3, "CUS-1")):
        api.post("/sales-orders", {"number": f"SO-{n}", "customer": customer,
                                   "lines": [{"sku": "CUP", "qty": 1, "unit_price": 4}]})
    sales = api.get("/sales-orders", customer="CUS-1").get_json()
    assert [r["number"] for r in sales["rows"]] == ["SO-3", "SO-1"]
    assert sales["rows"][0]["total"] == "4.00" and sales["total"] == 2
    assert api.get("/sales-orders", status="shipped").get_json() == {"rows": [], "total": 0}


def test_an_order_list_answers_a_csv_file(api: Any, shop: list[str]) -> None:
    new_po(api)
    answer = api.get("/purchase-orders", format="csv")
    assert answer.status_code == 200
    text = answer.get_data().decode("utf-8-sig")
    assert "PO-1" in text and "27.75" in text


def test_a_purchase_order_is_cancelled_with_its_reason_and_the_audit_keeps_old_and_new(
        api: Any, shop: list[str], db: Database) -> None:
    new_po(api)
    answer = api.post("/purchase-orders/PO-1/cancel", {"reason": "supplier closed"})

    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "cancelled"
    assert answer.get_json()["cancel_reason"] == "supplier closed"
    with db.read() as s:
        event = s.query(AuditEvent).filter_by(action="purchase_order.cancel").one()
        assert event.details == {"old": {"status": "open"},
                                 "new": {"status": "cancelled",
                                         "cancel_reason": "supplier closed"}}
    refused = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1",
                                     "lines": [{"sku": "CUP", "qty": 1}]})
    assert refused.status_code == 409


def test_a_purchase_order_cannot_be_cancelled_or_edited_once_goods_were_received(
        api: Any, shop: list[str]) -> None:
    new_po(api)
    received = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1",
                                      "lines": [{"sku": "CUP", "qty": 1}]})
    assert received.status_code == 201, received.get_json()

    cancel = api.post("/purchase-orders/PO-1/cancel", {"reason": "too late"})
    edit = api.put("/purchase-orders/PO-1", {"expected_date": "2027-01-01"})

    assert (cancel.status_code, cancel.get_json()["error"]["code"]) == (409, "conflict")
    assert (edit.status_code, edit.get_json()["error"]["code"]) == (409, "conflict")
    body = api.get("/purchase-orders/PO-1").get_json()
    assert body["status"] == "partial" and body["expected_date"] is None


def test_a_cancel_without_a_reason_is_refused(api: Any, shop: list[str]) -> None:
    new_po(api)
    answer = api.post("/purchase-orders/PO-1/cancel", {"reason": " "})
    assert answer.status_code == 422
    assert api.get("/purchase-orders/PO-1").get_json()["status"] == "open"


def test_an_open_purchase_order_is_edited_and_the_audit_keeps_old_and_new(
        api: Any, shop: list[str], db: Database) -> None:
    new_po(api, expected_date="2026-12-20")

    answer = api.put("/purchase-orders/PO-1", {
        "expected_date": "2026-12-24", "lines": [{"sku": "TEA", "qty": 7, "unit_price": 9}]})

    assert answer.status_code == 200, answer.get_json()
    body = api.get("/purchase-orders/PO-1").get_json()
    assert body["expected_date"] == "2026-12-24"
    assert [(ln["sku"], ln["qty"], ln["unit_price"]) for ln in body["lines"]] == [
        ("TEA", 7, "9.00")]
    with db.read() as s:
        event = s.query(AuditEvent).filter_by(action="purchase_order.edit").one()
    assert event.details is not None
    assert event.details["old"] == {"expected_date": "2026-12-20", "lines": [
        {"sku": "CUP", "qty": 3, "unit_price": "2.50"},
        {"sku": "TEA", "qty": 2, "unit_price": "10.13"}]}
    assert event.details["new"] == {"expected_date": "2026-12-24", "lines": [
        {"sku": "TEA", "qty": 7, "unit_price": "9.00"}]}


def test_a_draft_purchase_order_is_sent_once_and_then_received(
        api: Any, shop: list[str], db: Database) -> None:
    with db.write() as s:
        create_purchase_order(s, "PO-D", "SUP-1", [OrderLineInput("CUP", 5)], None,
                              status="draft")
    early = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-D",
                                   "lines": [{"sku": "CUP", "qty": 1}]})
    assert early.status_code == 409

    sent = api.post("/purchase-orders/PO-D/send")
    again = api.post("/purchase-orders/PO-D/send")

    assert sent.status_code == 200 and sent.get_json()["status"] == "open"
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"


def test_a_cancelled_sales_order_releases_its_units_for_another_order(
        api: Any, api_as: Any, shop: list[str], db: Database) -> None:
    for number in ("SO-A", "SO-B"):
        api.post("/sales-orders", {"number": number, "customer": "CUS-1",
                                   "lines": [{"sku": "CUP", "qty": 10}]})
    first = api.post("/sales-orders/SO-A/pick-list").get_json()
    assert [t["qty"] for t in first["tasks"]] == [10]
    short = api.post("/sales-orders/SO-B/pick-list")
    assert short.status_code == 409 and short.get_json()["error"]["code"] == \
        "insufficient_stock"

    cancelled = api.post("/sales-orders/SO-A/cancel", {"reason": "customer changed mind"})

    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["status"] == "cancelled"
    task = first["tasks"][0]
    late_pick = api_as("operator").post(f"/pick-tasks/{task['id']}/confirm", {
        "location": task["location"], "sku": "CUP", "qty": 1})
    assert late_pick.status_code == 409
    second = api.post("/sales-orders/SO-B/pick-list")
    assert second.status_code == 201, second.get_json()
    assert [t["qty"] for t in second.get_json()["tasks"]] == [10]
    assert_ledger_agrees(db)


def test_a_sales_order_cannot_be_cancelled_once_something_was_picked(
        api: Any, api_as: Any, shop: list[str]) -> None:
    api.post("/sales-orders", {"number": "SO-A", "customer": "CUS-1",
                               "lines": [{"sku": "CUP", "qty": 4}]})
    task = api.post("/sales-orders/SO-A/pick-list").get_json()["tasks"][0]
    picked = api_as("operator").post(f"/pick-tasks/{task['id']}/confirm", {
        "location": task["location"], "sku": "CUP", "qty": 1})
    assert picked.status_code == 200, picked.get_json()

    answer = api.post("/sales-orders/SO-A/cancel", {"reason": "too late"})

    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "conflict")
    assert api.get("/sales-orders/SO-A").get_json()["status"] == "picking"


def test_only_the_office_roles_may_cancel_an_order(
        api: Any, api_as: Any, shop: list[str]) -> None:
    new_po(api)
    for role in ("operator", "supervisor"):
        answer = api_as(role).post("/purchase-orders/PO-1/cancel", {"reason": "no"})
        assert answer.status_code == 403
    assert api_as("clerk").post("/purchase-orders/PO-1/cancel",
                                {"reason": "no"}).status_code == 200
