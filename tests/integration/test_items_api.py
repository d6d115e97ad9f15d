"""The item API of the back office: planning fields, a default supplier, case barcodes, the
average cost and stock value, and the item list that searches, filters, pages and exports."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy import select

from tests.support.builders import Builder
from wms.db import Database
from wms.models import AuditEvent, ItemBarcode


def test_an_item_takes_its_planning_fields_and_answers_them_back(api: Any,
                                                                build: Builder) -> None:
    build.supplier("SUP-HZ", "杭州龙井茶业")
    build.warehouse()
    response = api.put("/items/CUP", {
        "name": "青花瓷茶杯", "barcodes": ["6901234567915"], "unit_cost": "15.50",
        "supplier": "SUP-HZ", "lead_time_days": 5, "review_period_days": 14,
        "instability_factor": 1.5, "demand_window_days": 56, "safety_stock": 60,
        "min_qty": 10, "max_qty": 200, "pack_size": 12, "case_barcodes": ["16901234567912"],
        "home_location": "A-01-01-01"})
    assert response.status_code == 201, response.get_json()
    item = api.get("/items/CUP").get_json()
    assert {k: item[k] for k in ("supplier", "lead_time_days", "review_period_days",
                                 "instability_factor", "demand_window_days", "safety_stock",
                                 "min_qty", "max_qty", "pack_size", "barcodes",
                                 "case_barcodes", "home_location", "active")} == {
        "supplier": "SUP-HZ", "lead_time_days": 5, "review_period_days": 14,
        "instability_factor": 1.5, "demand_window_days": 56, "safety_stock": 60,
        "min_qty": 10, "max_qty": 200, "pack_size": 12, "barcodes": ["6901234567915"],
        "case_barcodes": ["16901234567912"], "home_location": "A-01-01-01", "active": True}


def test_a_new_item_gets_the_default_planning_figures(api: Any) -> None:
    item = api.put("/items/CUP", {"name": "Cup"}).get_json()
    assert (item["review_period_days"], item["instability_factor"],
            item["demand_window_days"], item["pack_size"], item["safety_stock"]) == \
        (7, 1.2, 28, 1, None)


def test_a_null_safety_stock_goes_back_to_being_computed(api: Any) -> None:
    api.put("/items/CUP", {"name": "Cup", "safety_stock": 60})
    assert api.put("/items/CUP", {"safety_stock": None}).get_json()["safety_stock"] is None


def test_the_average_cost_is_the_unit_cost_until_a_receipt_and_values_the_stock(
        api: Any, build: Builder) -> None:
    build.warehouse()
    build.item("CUP", unit_cost="2.50")
    assert (api.get("/items/CUP").get_json()["avg_cost"],
            api.get("/items/CUP").get_json()["stock_value"]) == ("2.50", "0.00")
    build.stock("CUP", "A-01-01-01", 10)
    item = api.get("/items/CUP").get_json()
    assert (item["on_hand"], item["stock_value"]) == (10, "25.00")


def test_bad_planning_fields_are_refused_and_change_nothing(api: Any, build: Builder,
                                                            db: Database) -> None:
    build.item("CUP", unit_cost="2.50")
    before = api.get("/items/CUP").get_json()
    for body, field in (({"supplier": "NO-SUCH"}, "supplier"),
                        ({"home_location": "Z-99-99-99"}, "home_location"),
                        ({"min_qty": 50, "max_qty": 10}, "max_qty"),
                        ({"case_barcodes": ["CASE-1"]}, "case_barcodes"),
                        ({"review_period_days": 0}, "review_period_days")):
        response = api.put("/items/CUP", body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["message"]
    assert api.get("/items/CUP").get_json() == before


def test_a_case_barcode_stands_for_the_pack_size_and_follows_it(api: Any,
                                                                db: Database) -> None:
    api.put("/items/CUP", {"name": "Cup", "pack_size": 12, "barcodes": ["UNIT-1"],
                           "case_barcodes": ["CASE-1"]})
    api.put("/items/CUP", {"pack_size": 24})
    with db.read() as s:
        units = dict(s.execute(select(ItemBarcode.code, ItemBarcode.units)).all())
    assert units == {"UNIT-1": 1, "CASE-1": 24}


def test_an_item_change_is_audited_with_the_old_and_new_values(api: Any, db: Database) -> None:
    api.put("/items/CUP", {"name": "Cup", "lead_time_days": 5, "unit_cost": "100.00"})
    api.put("/items/CUP", {"lead_time_days": 7, "name": "Cup", "unit_cost": "120.50"})
    with db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "item.update")).one()
    assert event.details == {"old": {"lead_time_days": 5, "unit_cost": "100"},
                             "new": {"lead_time_days": 7, "unit_cost": "120.5"}}


def _items(build: Builder) -> None:
    for n in range(1, 61):
        build.item(f"TEA-{n:03d}", name=f"龙井茶 {n}", name_en=f"Longjing {n}",
                   category="茶叶 tea", barcodes=[f"69000000{n:05d}"])
    build.item("CUP-1", name="青花瓷茶杯", category="茶具 teaware")
    build.item("OLD-1", name="旧杯子", category="茶具 teaware", active=False)


def test_the_item_list_pages_by_sku_and_counts_every_match(api: Any, build: Builder) -> None:
    _items(build)
    first = api.get("/items").get_json()
    assert first["total"] == 62 and len(first["rows"]) == 50
    second = api.get("/items", limit=50, offset=50).get_json()
    skus = [r["sku"] for r in first["rows"] + second["rows"]]
    assert skus == sorted(skus) and len(set(skus)) == 62


def test_the_item_list_searches_sku_names_and_barcodes(api: Any, build: Builder) -> None:
    _items(build)
    assert [r["sku"] for r in api.get("/items", q="茶杯").get_json()["rows"]] == ["CUP-1"]
    assert [r["sku"] for r in api.get("/items", q="longjing 7").get_json()["rows"]] == [
        "TEA-007"]
    assert [r["sku"] for r in api.get("/items", q="6900000000012").get_json()["rows"]] == [
        "TEA-012"]
    assert api.get("/items", q="tea-05").get_json()["total"] == 10
    assert api.get("/items", q="100%").get_json()["total"] == 0


def test_the_item_list_filters_by_category_and_active(api: Any, build: Builder) -> None:
    _items(build)
    teaware = api.get("/items", category="茶具 teaware").get_json()
    assert [r["sku"] for r in teaware["rows"]] == ["CUP-1", "OLD-1"]
    assert [r["sku"] for r in api.get("/items", category="茶具 teaware",
                                      active="true").get_json()["rows"]] == ["CUP-1"]
    assert [r["sku"] for r in api.get("/items", active="false").get_json()["rows"]] == [
        "OLD-1"]
    assert api.get("/items", active="maybe").status_code == 422


def test_the_item_list_as_csv_has_a_bom_and_chinese_names(api: Any, build: Builder) -> None:
    _items(build)
    response = api.get("/items", format="csv", category="茶具 teaware")
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("sku,name")
    assert "青花瓷茶杯" in text and "旧杯子" in text and "TEA-001" not in text


def test_the_item_list_as_xlsx_opens_with_every_row(api: Any, build: Builder) -> None:
    _items(build)
    response = api.get("/items", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("sku", "name") and len(rows) == 63
    assert ("CUP-1", "青花瓷茶杯") in [row[:2] for row in rows]


def test_an_operator_reads_items_but_may_not_change_them(api_as: Any, build: Builder) -> None:
    build.item("CUP")
    operator = api_as("operator")
    assert operator.get("/items").status_code == 200
    assert operator.put("/items/CUP", {"lead_time_days": 3}).status_code == 403


def test_a_deactivated_item_is_neither_ordered_nor_received(api: Any, build: Builder) -> None:
    build.supplier("SUP-HZ", "杭州龙井茶业")
    build.customer("CUS-1", "茶馆")
    build.warehouse()
    api.put("/items/CUP", {"name": "青花瓷茶杯"})
    ordered = api.post("/purchase-orders", {"number": "PO-1", "supplier": "SUP-HZ",
                                            "lines": [{"sku": "CUP", "qty": 5}]})
    assert ordered.status_code == 201
    assert api.put("/items/CUP", {"active": False}).status_code == 200
    for path, body in (
        ("/purchase-orders", {"number": "PO-2", "supplier": "SUP-HZ",
                              "lines": [{"sku": "CUP", "qty": 5}]}),
        ("/sales-orders", {"number": "SO-2", "customer": "CUS-1",
                           "lines": [{"sku": "CUP", "qty": 5}]}),
    ):
        refused = api.post(path, body)
        assert refused.status_code == 422, refused.get_json()
        assert "CUP is deactivated" in refused.get_json()["error"]["message"]
    received = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1",
                                      "lines": [{"sku": "CUP", "qty": 5}]})
    assert received.status_code == 409
    assert "deactivated" in received.get_json()["error"]["message"]
    assert api.get("/purchase-orders/PO-2").status_code == 404
    assert api.get("/stock", query_string={"sku": "CUP"}).get_json() == []
