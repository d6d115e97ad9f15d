"""API v1 lists of master data, on both engines: locations (by warehouse, kind, zone and
block), warehouses, suppliers and customers (by a search) answer {"rows", "total"}, page
with limit and offset, and come as CSV (UTF-8 with BOM) or XLSX; suppliers and customers
take their tier, e-mail, notes and activity."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import load_workbook

from tests.support.builders import Builder


def codes(answer: Any) -> list[str]:
    return [row["code"] for row in answer.get_json()["rows"]]


def test_locations_are_listed_in_walking_order_filtered_and_paged(
        api: Any, build: Builder) -> None:
    bins = build.warehouse("WH1", bins=5)
    build.warehouse("WH2", bins=2, zone="C")
    build.location("A-01-06-01", warehouse="WH1", zone="A", walk_seq=6, blocked=True)
    everything = api.get("/locations", warehouse="wh1").get_json()
    assert everything["total"] == 9 and everything["rows"][0]["code"] == "DOCK-1"
    storage = api.get("/locations", warehouse="WH1", kind="storage", zone="A")
    assert codes(storage) == [*bins, "A-01-06-01"]
    assert storage.get_json()["rows"][1] == {
        "code": bins[1], "warehouse": "WH1", "zone": "A", "kind": "storage",
        "capacity": 100, "walk_seq": 2, "blocked": False}
    page = api.get("/locations", warehouse="WH1", kind="storage", limit=2, offset=2)
    assert codes(page) == bins[2:4] and page.get_json()["total"] == 6
    assert codes(api.get("/locations", blocked="true")) == ["A-01-06-01"]
    assert codes(api.get("/locations", kind="dock")) == ["DOCK-1", "DOCK-2"]
    assert api.get("/locations", warehouse="WH9").get_json() == {"rows": [], "total": 0}
    for query in ({"kind": "attic"}, {"blocked": "maybe"}, {"limit": "0"},
                  {"limit": "1001"}, {"offset": "-1"}):
        refused = api.get("/locations", **query)
        assert refused.status_code == 422, query
        assert refused.get_json()["error"]["code"] == "invalid"


def test_the_location_list_comes_whole_as_csv_and_xlsx(api: Any, build: Builder) -> None:
    build.warehouse("WH1", bins=60)
    answer = api.get("/locations", warehouse="WH1", format="csv")
    assert answer.status_code == 200 and answer.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0] == ["code", "warehouse", "zone", "kind", "capacity", "walk_seq", "blocked"]
    assert len(rows) == 64  # the header, 60 bins, a dock, packing and quarantine
    sheet = load_workbook(io.BytesIO(api.get("/locations", format="xlsx").data)).active
    assert sheet is not None and sheet.max_row == 64


def test_warehouses_are_listed_with_their_zone_and_location_counts(
        api: Any, build: Builder) -> None:
    build.warehouse("WH1", bins=3)
    build.location("B-01-01-01", warehouse="WH1", zone="B", blocked=True)
    build.warehouse("WH2", bins=1, zone="C")
    answer = api.get("/warehouses").get_json()
    assert answer["total"] == 2
    assert answer["rows"][0] == {"code": "WH1", "name": "WH1", "zones": 2, "bins": 7,
                                 "blocked": 1}
    assert codes(api.get("/warehouses", limit=1, offset=1)) == ["WH2"]


def test_suppliers_are_searched_paged_and_exported_with_chinese_intact(
        api: Any, build: Builder) -> None:
    for n in range(12):
        build.supplier(f"S-{n:02d}", f"供应商{n}")
    made = api.put("/suppliers/HZ-1", {
        "name": "杭州龙井茶业有限公司", "contact": "陈经理", "email": "chen@lj.cn",
        "tier": "strategic", "notes": "只收现金", "lead_time_days": 5})
    assert made.status_code == 201
    assert {k: made.get_json()[k] for k in ("tier", "email", "notes", "active")} == {
        "tier": "strategic", "email": "chen@lj.cn", "notes": "只收现金", "active": True}
    first = api.get("/suppliers", limit=5).get_json()
    assert first["total"] == 13 and [r["code"] for r in first["rows"]] == [
        "HZ-1", "S-00", "S-01", "S-02", "S-03"]
    assert codes(api.get("/suppliers", limit=5, offset=10)) == ["S-09", "S-10", "S-11"]
    for q in ("龙井", "chen@", "陈经理", "hz-"):
        assert codes(api.get("/suppliers", q=q)) == ["HZ-1"], q
    assert api.put("/suppliers/HZ-1", {"active": False}).get_json()["active"] is False
    assert codes(api.get("/suppliers", active="false")) == ["HZ-1"]
    assert api.get("/suppliers", active="true").get_json()["total"] == 12
    exported = api.get("/suppliers", q="杭州", format="csv")
    assert exported.data.startswith("\ufeff".encode())
    assert "杭州龙井茶业有限公司,陈经理".encode() in exported.data
    sheet = load_workbook(io.BytesIO(api.get("/suppliers", format="xlsx").data)).active
    assert sheet is not None and sheet.max_row == 14
    assert "杭州龙井茶业有限公司" in [cell.value for cell in sheet[2]]


def test_customers_take_email_notes_and_activity_and_are_listed(
        api: Any, api_as: Any) -> None:
    made = api.put("/customers/CUS-1", {"name": "上海茶韵", "tier": "vip",
                                        "email": "buy@chayun.cn", "notes": "月结"})
    assert made.status_code == 201
    assert api.put("/customers/CUS-2", {"name": "北京茶庄"}).status_code == 201
    listed = api_as("operator").get("/customers", q="茶韵").get_json()
    assert listed["total"] == 1
    assert listed["rows"][0] == {
        "code": "CUS-1", "name": "上海茶韵", "tier": "vip", "contact": None, "phone": None,
        "address": None, "email": "buy@chayun.cn", "notes": "月结", "active": True}
    bad = api.put("/customers/CUS-1", {"email": "not an address"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid"
    assert api.get("/customers/CUS-1").get_json()["email"] == "buy@chayun.cn"
    assert api_as("operator").put("/customers/CUS-3", {"name": "x"}).status_code == 403
    cleared = api.put("/customers/CUS-1", {"notes": None})
    assert cleared.status_code == 200 and cleared.get_json()["notes"] is None
