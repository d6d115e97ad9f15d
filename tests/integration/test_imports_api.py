"""Imports and exports over API v1: a file checked whole (every bad row named, nothing
imported), exports that the import takes back unchanged, Chinese headers, opening stock
booked through the ledger."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from sqlalchemy import select

from tests.conftest import Api
from tests.support.builders import Builder
from wms.db import Database
from wms.ledger import verify_balances
from wms.models import AuditEvent, Item, Move
from wms.tabular import Column, write_table


def upload(api: Api, kind: str, data: bytes, name: str = "file.csv", **query: str) -> Any:
    return api.client.post(f"/api/v1/imports/{kind}", query_string=query,
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {api.token}"})


def csv_of(header: list[str], rows: list[list[Any]]) -> bytes:
    columns = [Column(str(i), h) for i, h in enumerate(header)]
    return write_table("csv", columns, [{str(i): v for i, v in enumerate(r)} for r in rows])


def thousand_items_three_bad() -> bytes:
    rows: list[list[Any]] = [[f"SKU-{i:04d}", f"物品 {i}", "1.50", "10"] for i in range(1000)]
    rows[99][2] = "cheap"  # row 101 in the spreadsheet
    rows[499][3] = "-3"  # row 501
    rows[899][1] = ""  # row 901: a new item without a name
    return csv_of(["sku", "name", "unit_cost", "min_qty"], rows)


def items_in(db: Database) -> int:
    with db.read() as s:
        return len(s.scalars(select(Item.id)).all())


def test_a_file_with_three_bad_rows_among_a_thousand_imports_nothing_and_names_them(
    api: Api, db: Database,
) -> None:
    response = upload(api, "items", thousand_items_three_bad())
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "invalid"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (101, "unit_cost"), (501, "min_qty"), (901, "name")]
    assert items_in(db) == 0


def test_a_dry_run_of_a_good_file_counts_its_rows_and_imports_nothing(
    api: Api, db: Database,
) -> None:
    data = csv_of(["sku", "name"], [["CUP", "杯子"], ["TEA", "茶"]])
    response = upload(api, "items", data, dry_run="1")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["rows"] == 2 and response.get_json()["errors"] == []
    assert items_in(db) == 0
    response = upload(api, "items", data)
    assert response.status_code == 200 and response.get_json()["created"] == 2
    assert api.get("/items/CUP").get_json()["name"] == "杯子"


def test_chinese_headers_are_taken_and_chinese_text_survives_csv_with_a_bom(
    api: Api, build: Builder,
) -> None:
    build.supplier("SUP-1")
    data = csv_of(["商品编码", "名称", "条码", "单位成本", "默认供应商", "箱规", "箱条码"],
                  [["TEA", "龙井茶 250g", "6901234567892", "12.5", "SUP-1", "12",
                    "16901234567899"]])
    assert data.startswith(b"\xef\xbb\xbf")
    response = upload(api, "items", data)
    assert response.status_code == 200, response.get_json()
    item = api.get("/items/TEA").get_json()
    assert item["name"] == "龙井茶 250g" and item["unit_cost"] == 12.5
    assert (item["barcodes"], item["case_barcodes"]) == (["6901234567892"], ["16901234567899"])
    exported = api.get("/exports/items", format="csv").data
    assert exported.startswith(b"\xef\xbb\xbf")
    assert "龙井茶 250g" in exported.decode("utf-8-sig")


def snapshot(api: Api, kind: str) -> Any:
    return api.get(f"/exports/{kind}", limit="1000").get_json()["rows"]


def seed(api: Api, build: Builder) -> None:
    build.warehouse("WH1", bins=3)
    build.supplier("SUP-1", "茶叶供应商")
    build.customer("CUS-1", "上海茶韵")
    api.put("/items/TEA", {"name": "龙井茶", "barcodes": ["6901234567892"], "unit_cost": 12.3456,
                           "min_qty": 5, "home_location": "A-01-01-01", "tracking": "lot",
                           "expiry": True, "category": "茶"})
    api.put("/items/CUP", {"name": "Cup", "name_zh": "杯子", "pack_size": 6})
    api.put("/suppliers/SUP-2", {"name": "Two", "email": "two@example.com", "notes": "多行\n备注"})


def test_an_export_imported_again_changes_nothing_in_csv_and_xlsx(
    api: Api, build: Builder, db: Database,
) -> None:
    seed(api, build)
    for fmt in ("csv", "xlsx"):
        for kind in ("items", "locations", "suppliers", "customers"):
            before = snapshot(api, kind)
            data = api.get(f"/exports/{kind}", format=fmt).data
            with db.read() as s:
                events = len(s.scalars(select(AuditEvent.id)).all())
            response = upload(api, kind, data, name=f"{kind}.{fmt}")
            assert response.status_code == 200, (kind, fmt, response.get_json())
            answer = response.get_json()
            assert answer["created"] == 0 and answer["updated"] == 0, (kind, fmt, answer)
            assert answer["unchanged"] == len(before) > 0
            assert snapshot(api, kind) == before, (kind, fmt)
            with db.read() as s:
                event = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
                assert len(s.scalars(select(AuditEvent.id)).all()) == events + 1
                assert event is not None and event.action == f"import.{kind}"
                assert event.details["updated"] == 0


def test_opening_stock_books_adjustments_and_blends_the_average_cost(
    api: Api, build: Builder, db: Database,
) -> None:
    build.warehouse("WH1", bins=3)
    build.item("TEA", tracking="lot", unit_cost=10)
    build.item("CUP")
    build.stock("TEA", "A-01-01-01", 10, lot="L1")
    data = csv_of(["sku", "location", "lot", "qty", "unit_cost"],
                  [["TEA", "A-01-02-01", "L2", "30", "14"], ["CUP", "A-01-03-01", "", "5", "2"]])
    response = upload(api, "opening-stock", data)
    assert response.status_code == 200, response.get_json()
    stock = api.get("/stock", sku="TEA").get_json()
    assert {(r["location"], r["lot"], r["qty"]) for r in stock} >= {("A-01-02-01", "L2", 30)}
    with db.read() as s:
        moves = s.scalars(select(Move).where(Move.reference == "OPENING")).all()
        assert {(m.kind, m.reason, m.qty) for m in moves} == {
            ("adjust", "opening_stock", 30), ("adjust", "opening_stock", 5)}
        tea = s.scalar(select(Item).where(Item.sku == "TEA"))
        assert tea is not None and tea.avg_cost is not None
        assert float(tea.avg_cost) == 13.0  # (10 x 10 + 30 x 14) / 40
        assert verify_balances(s) == []


def test_opening_stock_names_unknown_items_locations_and_missing_lots(
    api: Api, build: Builder,
) -> None:
    build.warehouse("WH1", bins=1)
    build.item("TEA", tracking="lot")
    data = csv_of(["sku", "location", "lot", "qty"],
                  [["NOPE", "A-01-01-01", "", "1"], ["TEA", "Z-09-09-09", "L1", "2"],
                   ["TEA", "A-01-01-01", "", "3"], ["TEA", "A-01-01-01", "L1", "0"]])
    body = upload(api, "opening-stock", data).get_json()
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (2, "sku"), (3, "location"), (4, "lot"), (5, "qty")]


def test_an_empty_file_or_no_file_is_refused_with_a_message(api: Api) -> None:
    for response in (upload(api, "items", b""), upload(api, "items", b"\xef\xbb\xbfsku,name\r\n"),
                     api.post("/imports/items", {"sku": "X"})):
        assert response.status_code == 422
        assert response.get_json()["error"]["message"].startswith("file:")
    bad_header = upload(api, "items", csv_of(["sku", "nmae"], [["X", "Y"]])).get_json()
    assert bad_header["errors"][0]["field"] == "nmae"


def test_roles_that_may_not_change_master_data_are_refused(api_as: Any) -> None:
    data = csv_of(["sku", "name"], [["CUP", "Cup"]])
    assert upload(api_as("operator"), "items", data).status_code == 403
    assert upload(api_as("supervisor"), "items", data).status_code == 403
    stock = csv_of(["sku", "location", "qty"], [["CUP", "A-01-01-01", "1"]])
    assert upload(api_as("clerk"), "opening-stock", stock).status_code == 403
    assert upload(api_as("clerk"), "items", data).status_code == 200


def test_a_repeated_upload_with_the_same_key_is_answered_once(api: Api, db: Database) -> None:
    data = csv_of(["sku", "name"], [["CUP", "杯子"]])
    headers = {"Authorization": f"Bearer {api.token}", "Idempotency-Key": "import-1"}

    def send() -> Any:
        return api.client.post("/api/v1/imports/items", data={
            "file": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data",
            headers=headers)

    first, again = send(), send()
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    other = api.client.post("/api/v1/imports/items", data={
        "file": (io.BytesIO(csv_of(["sku", "name"], [["TEA", "茶"]])), "a.csv")},
        content_type="multipart/form-data", headers=headers)
    assert other.status_code == 409
    assert items_in(db) == 1


def test_barcodes_may_move_between_items_of_the_file_but_not_take_another_items(
    api: Api, build: Builder,
) -> None:
    build.item("A", barcodes=["111"])
    build.item("B", barcodes=["222"])
    build.item("C", barcodes=["333"])
    swap = csv_of(["sku", "barcodes"], [["A", "222"], ["B", "111"]])
    assert upload(api, "items", swap).status_code == 200
    assert api.get("/items/A").get_json()["barcodes"] == ["222"]
    taken = csv_of(["sku", "barcodes"], [["A", "333"], ["B", "C"], ["NEW", "444 555"]])
    errors = upload(api, "items", taken).get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (2, "barcodes"), (3, "barcodes"), (4, "name")]
    assert "belongs to item C" in errors[0]["message"]


def test_locations_import_makes_their_warehouse_and_zone(api: Api) -> None:
    data = csv_of(["库位编码", "仓库", "库区", "库位类型", "容量", "拣货顺序"],
                  [["B-01-01-01", "WH2", "B", "storage", "50", "1"],
                   ["B-01-02-01", "WH2", "B", "storage", "", "2"],
                   ["DOCK-2", "WH2", "", "dock", "", "0"]])
    response = upload(api, "locations", data)
    assert response.status_code == 200, response.get_json()
    location = api.get("/locations/B-01-01-01").get_json()
    assert (location["warehouse"], location["zone"], location["capacity"]) == ("WH2", "B", 50)
    assert api.get("/locations/B-01-02-01").get_json()["capacity"] is None
    moved = csv_of(["code", "warehouse"], [["B-01-01-01", "WH9"]])
    errors = upload(api, "locations", moved).get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "warehouse")]


def test_opening_stock_keeps_one_expiry_date_per_lot(api: Api, build: Builder) -> None:
    build.warehouse("WH1", bins=2)
    build.item("MILK", tracking="lot", expiry=True)
    build.stock("MILK", "A-01-01-01", 4, lot="L1", expiry=date(2027, 1, 31))
    data = csv_of(["sku", "location", "lot", "expiry", "qty"],
                  [["MILK", "A-01-02-01", "L1", "2027-02-28", "1"],
                   ["MILK", "A-01-02-01", "L2", "2027-03-31", "1"],
                   ["MILK", "A-01-02-01", "L2", "2027-04-30", "1"],
                   ["MILK", "A-01-02-01", "L1", "2027-01-31", "1"]])
    errors = upload(api, "opening-stock", data).get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "expiry"), (4, "expiry")]
    assert "expires 2027-01-31" in errors[0]["message"]


def test_an_empty_cell_and_empty_text_are_the_same_on_a_round_trip(
    api: Api, build: Builder,
) -> None:
    api.put("/suppliers/SUP-1", {"name": "One", "contact": "", "phone": ""})
    data = api.get("/exports/suppliers", format="csv").data
    assert upload(api, "suppliers", data).get_json()["unchanged"] == 1


def test_the_same_opening_stock_imported_twice_is_booked_once(
    api: Api, build: Builder, db: Database,
) -> None:
    build.warehouse("WH1", bins=3)
    build.item("TEA", tracking="lot")
    build.item("CUP")
    data = csv_of(["sku", "location", "lot", "qty"],
                  [["TEA", "A-01-01-01", "L1", "30"], ["CUP", "A-01-02-01", "", "5"]])
    assert upload(api, "opening-stock", data).status_code == 200
    again = upload(api, "opening-stock", data)
    assert again.status_code == 422
    errors = again.get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "location"), (3, "location")]
    assert "TEA @ A-01-01-01 has stock booked already" in errors[0]["message"]
    assert {(r["sku"], r["location"], r["qty"]) for r in api.get("/stock").get_json()} == {
        ("TEA", "A-01-01-01", 30), ("CUP", "A-01-02-01", 5)}
    with db.read() as s:
        assert len(s.scalars(select(Move.id).where(Move.reference == "OPENING")).all()) == 2


def test_opening_stock_is_refused_where_the_bin_has_had_the_item_even_if_empty_now(
    api: Api, build: Builder,
) -> None:
    build.warehouse("WH1", bins=3)
    build.item("CUP")
    build.stock("CUP", "A-01-01-01", 4)
    assert api.post("/moves", {"sku": "CUP", "qty": 4, "from": "A-01-01-01",
                               "to": "A-01-02-01"}).status_code == 201
    data = csv_of(["sku", "location", "qty"],
                  [["CUP", "A-01-01-01", "2"], ["CUP", "A-01-03-01", "1"],
                   ["CUP", "A-01-03-01", "1"]])
    errors = upload(api, "opening-stock", data, dry_run="true").get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(2, "location"), (4, "location")]
    assert "is also in row 3" in errors[1]["message"]


def test_an_items_forecast_method_comes_in_from_a_file_and_goes_out_in_its_export(
        api: Api) -> None:
    refused = upload(api, "items", csv_of(["商品编码", "名称", "预测方法"],
                                          [["TEA", "龙井茶", "guess"]]))
    assert refused.status_code == 422, refused.get_json()
    assert "forecast_method" in str(refused.get_json())
    assert api.get("/items/TEA").status_code == 404
    data = csv_of(["商品编码", "名称", "预测方法"],
                  [["TEA", "龙井茶", "exp_smoothing"], ["CUP", "杯子", ""]])
    assert upload(api, "items", data).status_code == 200
    assert api.get("/items/TEA").get_json()["forecast_method"] == "exp_smoothing"
    assert api.get("/items/CUP").get_json()["forecast_method"] == "moving_average"
    rows = {r["sku"]: r for r in snapshot(api, "items")}
    assert (rows["TEA"]["forecast_method"], rows["CUP"]["forecast_method"]) == (
        "exp_smoothing", "moving_average")

