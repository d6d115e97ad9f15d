"""Which warehouse an order or a putaway works in when it names none, and picked units held
for their order at the packing location."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees, error_code
from wms.db import Database
from wms.errors import InsufficientStock
from wms.services.allocation import create_pick_list


@pytest.fixture
def two_warehouses(build: Builder) -> tuple[list[str], list[str]]:
    """WH1 with 5 TEA and 10 CUP, WH2 with 50 TEA; both have a dock, packing and QC."""
    wh1 = build.warehouse("WH1", bins=3, zone="A")
    wh2 = build.warehouse("WH2", bins=3, zone="C")
    build.item("TEA", name="龙井茶")
    build.item("CUP", name="茶杯")
    build.stock("TEA", wh1[0], 5)
    build.stock("CUP", wh1[1], 10)
    build.stock("TEA", wh2[0], 50, dock="DOCK-2")
    return wh1, wh2


def test_an_order_short_in_wh1_is_allocated_from_wh2_that_has_it(
        api: Any, build: Builder, db: Database, two_warehouses: Any) -> None:
    _wh1, wh2 = two_warehouses
    created = api.post("/sales-orders", {"number": "SO-1", "customer": build.customer(),
                                         "lines": [{"sku": "TEA", "qty": 20}]})
    assert created.status_code == 201 and created.get_json()["warehouse"] is None

    answer = api.post("/sales-orders/SO-1/pick-list")

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["warehouse"] == "WH2" and body["packing_location"] == "PACK-2"
    assert [(t["location"], t["qty"]) for t in body["tasks"]] == [(wh2[0], 20)]
    assert body["shortages"] == []
    assert api.get("/sales-orders/SO-1").get_json()["warehouse"] == "WH2"
    assert_ledger_agrees(db)


def test_the_warehouse_that_fills_more_of_the_order_wins_and_a_tie_goes_by_code(
        api: Any, build: Builder, two_warehouses: Any) -> None:
    build.sales_order("SO-TIE", [("TEA", 5)])
    build.sales_order("SO-MIX", [("TEA", 5), ("CUP", 10)])

    tie = api.post("/sales-orders/SO-TIE/pick-list").get_json()
    mixed = api.post("/sales-orders/SO-MIX/pick-list").get_json()

    assert tie["warehouse"] == "WH1" and tie["shortages"] == []  # 5 TEA in each: by code
    # WH1 can still give 10 CUP (no TEA left), WH2 only 5 TEA: the most units win.
    assert mixed["warehouse"] == "WH1"
    assert mixed["shortages"] == [{"sku": "TEA", "qty": 5}]


def test_an_order_without_a_warehouse_is_allocated_from_the_home_warehouse_when_one_is_set(
        build: Builder, db: Database, two_warehouses: Any) -> None:
    build.sales_order("SO-1", [("TEA", 20)])

    with db.write() as s:
        result = create_pick_list(s, "SO-1", None, home_warehouse="WH1")
        assert result.pick_list.order.warehouse.code == "WH1"
        assert [(sh.sku, sh.qty) for sh in result.shortages] == [("TEA", 15)]


def test_an_order_that_names_its_warehouse_is_allocated_only_from_it(
        build: Builder, db: Database, two_warehouses: Any) -> None:
    build.sales_order("SO-1", [("TEA", 20)], warehouse="WH1")

    with db.write() as s:
        result = create_pick_list(s, "SO-1", None)
        assert result.pick_list.packing_location.code == "PACK-1"
        assert [(sh.sku, sh.qty) for sh in result.shortages] == [("TEA", 15)]
    build.sales_order("SO-2", [("CUP", 1)], warehouse="WH2")
    with pytest.raises(InsufficientStock), db.write() as s:
        create_pick_list(s, "SO-2", None)


def test_a_putaway_suggestion_without_from_uses_the_warehouse_where_the_goods_wait(
        api: Any, build: Builder, two_warehouses: Any) -> None:
    _wh1, wh2 = two_warehouses
    build.item("MAT", name="茶盘")
    build.stock("MAT", "DOCK-2", 7, dock="DOCK-2")

    answer = api.post("/putaway-suggestions", {"sku": "MAT", "qty": 7})

    assert answer.status_code == 200, answer.get_json()
    suggested = [answer.get_json()["location"]] + [
        a["location"] for a in answer.get_json()["alternatives"]]
    assert suggested and all(code in wh2 for code in suggested), suggested


def test_picked_units_at_packing_cannot_be_scrapped_or_moved_and_ship_releases_them(
        api: Any, build: Builder, db: Database, two_warehouses: Any) -> None:
    wh1, _wh2 = two_warehouses
    build.sales_order("SO-1", [("CUP", 4)])
    task = api.post("/sales-orders/SO-1/pick-list").get_json()["tasks"][0]
    picked = api.post(f"/pick-tasks/{task['id']}/confirm",
                      {"location": task["location"], "sku": "CUP", "qty": 4})
    assert picked.status_code == 200, picked.get_json()

    scrapped = api.post("/scrap", {"sku": "CUP", "qty": 1, "location": "PACK-1",
                                   "reason": "damaged"})
    moved = api.post("/moves", {"sku": "CUP", "qty": 4, "from": "PACK-1", "to": wh1[2]})

    assert scrapped.status_code == 409 and error_code(scrapped) == "insufficient_stock"
    assert moved.status_code == 409 and error_code(moved) == "insufficient_stock"
    at_packing = api.get("/stock", location="PACK-1").get_json()
    assert [(r["qty"], r["reserved"]) for r in at_packing] == [(4, 4)]
    assert api.get("/items/CUP").get_json()["on_hand_by_status"] == {
        "available": 6, "reserved": 0, "picked": 4, "quarantine": 0, "expired": 0,
        "in_transit": 0}
    shipped = api.post("/sales-orders/SO-1/ship")
    assert shipped.status_code == 200, shipped.get_json()
    assert api.get("/stock", location="PACK-1").get_json() == []
    assert_ledger_agrees(db)


def test_the_gateway_allocates_orders_without_a_warehouse_from_its_home_warehouse(
        database_url: str, build: Builder, two_warehouses: Any, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from terminal_ui import create_app

    monkeypatch.setenv("WMS_HOME_WAREHOUSE", "WH1")
    app = create_app({"database_url": database_url, "TESTING": True,
                      "SECRET_KEY": "test-secret", "config_path": str(tmp_path / "w.toml")})
    token = build.user("home-admin", "admin")
    build.sales_order("SO-1", [("TEA", 20)])
    try:
        answer = app.test_client().post("/api/v1/sales-orders/SO-1/pick-list",
                                        headers={"Authorization": f"Bearer {token}"})
    finally:
        app.extensions["wms.db"].dispose()

    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["warehouse"] == "WH1"
    assert answer.get_json()["shortages"] == [{"sku": "TEA", "qty": 15}]
