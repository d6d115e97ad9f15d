"""A whole warehouse day driven through API v1, checking stock and ledger after each step."""

from __future__ import annotations

from typing import Any

from tests.support.builders import Builder


def stock_of(api: Any, **query: Any) -> dict[tuple[str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["lot"]): r["qty"] for r in rows}


def test_a_day_of_receiving_picking_counting_transferring_and_scrapping(
    api: Any, build: Builder
) -> None:
    bins = build.warehouse("WH1", bins=4)
    build.warehouse("WH2", bins=2, zone="C")
    build.item("TEA", name="龙井茶", tracking="lot", barcodes=["6901234567892"])
    build.item("CUP", name="茶杯")
    build.supplier("SUP-1")
    assert api.post("/purchase-orders", {"number": "PO-1", "supplier": "SUP-1", "lines": [
        {"sku": "TEA", "qty": 10}, {"sku": "CUP", "qty": 20}]}).status_code == 201

    r = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1", "lines": [
        {"sku": "6901234567892", "qty": 10, "lot": "L1"},
        {"sku": "CUP", "qty": 18},
        {"sku": "CUP", "qty": 2, "disposition": "quarantine", "reason": "damaged",
         "note": "chipped"}]})
    assert r.status_code == 201, r.get_json()
    assert api.get("/purchase-orders/PO-1").get_json()["status"] == "received"
    assert stock_of(api, location="QC-1") == {("QC-1", None): 2}

    suggestion = api.post("/putaway-suggestions", {"sku": "TEA", "qty": 10, "lot": "L1",
                                                   "from": "DOCK-1"}).get_json()
    assert suggestion["location"] == bins[0]
    assert api.post("/moves", {"sku": "TEA", "qty": 10, "from": "DOCK-1",
                               "to": suggestion["location"]}).status_code == 201
    assert api.post("/moves", {"sku": "CUP", "qty": 18, "from": "DOCK-1",
                               "to": bins[1]}).status_code == 201

    build.sales_order("SO-1", [("TEA", 4), ("CUP", 6)])
    pick_list = api.post("/sales-orders/SO-1/pick-list").get_json()
    assert [t["location"] for t in pick_list["tasks"]] == [bins[0], bins[1]]
    for task in pick_list["tasks"]:
        r = api.post(f"/pick-tasks/{task['id']}/confirm", {
            "location": task["location"], "sku": task["sku"], "qty": task["qty"],
            "lot": task["lot"]})
        assert r.status_code == 200, r.get_json()
    assert api.post("/sales-orders/SO-1/pack").get_json()["status"] == "packed"
    shipped = api.post("/sales-orders/SO-1/ship").get_json()
    assert shipped["status"] == "shipped"
    assert [line["shipped"] for line in shipped["lines"]] == [4, 6]

    count = api.post("/counts", {"locations": [bins[1]]}).get_json()
    api.post(f"/counts/{count['id']}/entries", {"location": bins[1], "sku": "CUP", "qty": 11})
    submitted = api.post(f"/counts/{count['id']}/submit").get_json()
    assert submitted["variances"][0]["expected"] == 12
    api.post(f"/counts/{count['id']}/approve")

    transfer = api.post("/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2",
                                       "lines": [{"sku": "TEA", "qty": 3, "from": bins[0]}]})
    assert transfer.status_code == 201
    assert stock_of(api, sku="TEA", location="TRANSIT-WH2") == {("TRANSIT-WH2", "L1"): 3}
    api.post(f"/transfers/{transfer.get_json()['id']}/receive", {"location": "C-01-01-01"})

    r = api.post("/scrap", {"sku": "CUP", "qty": 1, "location": bins[1], "reason": "broken"})
    assert r.status_code == 201

    assert stock_of(api, sku="TEA") == {(bins[0], "L1"): 3, ("C-01-01-01", "L1"): 3}
    assert stock_of(api, sku="CUP") == {(bins[1], None): 10, ("QC-1", None): 2}
    kinds = [m["kind"] for m in api.get("/ledger", limit=50).get_json()]
    assert kinds[0] == "scrap" and kinds.count("pick") == 2 and kinds.count("ship") == 2
    assert "adjust" in kinds and "transfer_in" in kinds
