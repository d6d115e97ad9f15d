"""A person kept to one warehouse (User.warehouses) through the API and the office, on both
engines: a pick confirmation, a shortage, a bin's stock, a receipt at another warehouse's
dock, a shipment from another warehouse's packing, an allocation, a bin's settings and
putaway advice there are refused (403, forbidden) and change nothing; the same calls in the
person's own warehouse work."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.conftest import Api
from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from wms.db import Database
from wms.models import Move, PickTask, User


def keep_to(db: Database, username: str, warehouses: str | None) -> None:
    with db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None
        user.warehouses = warehouses


def moves(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Move)) or 0)


def refused_for_wh2(answer: Any) -> None:
    assert answer.status_code == 403, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "may not work in warehouse WH2" in error["message"]


def two_warehouses_and_an_order_picked_in_wh2(build: Builder, api: Api) -> tuple[str, dict]:
    build.warehouse("WH1", bins=2)
    wh2 = build.warehouse("WH2", bins=2, zone="B")
    build.item("CUP")
    build.stock("CUP", wh2[0], 10, dock="DOCK-2")
    build.sales_order("SO-9", [("CUP", 3)], warehouse="WH2")
    made = api.post("/sales-orders/SO-9/pick-list")
    assert made.status_code == 201, made.get_json()
    return wh2[0], made.get_json()["tasks"][0]


def test_a_picker_kept_to_wh1_cannot_confirm_or_short_a_pick_in_wh2(
        app: Any, api: Api, build: Builder, db: Database) -> None:
    bin_, task = two_warehouses_and_an_order_picked_in_wh2(build, api)
    token = build.user("li", "operator")
    keep_to(db, "li", "WH1")
    li = Api(app.test_client(), token)
    before = moves(db)
    refused_for_wh2(li.post(f"/pick-tasks/{task['id']}/confirm",
                            {"location": bin_, "sku": "CUP", "qty": 3}))
    refused_for_wh2(li.post(f"/pick-tasks/{task['id']}/short"))
    assert moves(db) == before
    with db.read() as s:
        assert s.scalar(select(PickTask.short)) == 0
    assert api.get("/stock", location=bin_).get_json()[0]["qty"] == 10

    keep_to(db, "li", "WH1 WH2")
    done = li.post(f"/pick-tasks/{task['id']}/confirm", {"location": bin_, "sku": "CUP",
                                                         "qty": 3})
    assert done.status_code == 200, done.get_json()


def test_a_bin_lookup_in_another_warehouse_is_refused(
        app: Any, api: Api, build: Builder, db: Database) -> None:
    bin_, _task = two_warehouses_and_an_order_picked_in_wh2(build, api)
    token = build.user("li", "clerk")
    keep_to(db, "li", "WH1")
    li = Api(app.test_client(), token)
    refused_for_wh2(li.get(f"/locations/{bin_}"))
    refused_for_wh2(li.get("/stock", location=bin_))
    refused_for_wh2(li.get("/stock", location=bin_.lower()))
    refused_for_wh2(li.get("/stock", warehouse="WH2"))
    refused_for_wh2(li.get("/ledger", location=bin_))
    assert li.get("/stock", location="A-01-01-01").status_code == 200
    assert li.get("/stock", warehouse="WH1").status_code == 200


def test_a_receipt_at_another_warehouses_dock_is_refused_and_books_nothing(
        app: Any, api: Api, build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=1)
    build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP")
    token = build.user("li", "operator")
    keep_to(db, "li", "WH1")
    li = Api(app.test_client(), token)
    refused_for_wh2(li.post("/receipts", {"location": "DOCK-2",
                                          "lines": [{"sku": "CUP", "qty": 4}]}))
    assert moves(db) == 0
    assert li.post("/receipts", {"location": "DOCK-1",
                                 "lines": [{"sku": "CUP", "qty": 4}]}).status_code == 201


def test_shipping_from_another_warehouses_packing_is_refused(
        app: Any, api: Api, build: Builder, db: Database) -> None:
    bin_, task = two_warehouses_and_an_order_picked_in_wh2(build, api)
    picked = api.post(f"/pick-tasks/{task['id']}/confirm", {"location": bin_, "sku": "CUP",
                                                            "qty": 3})
    assert picked.status_code == 200, picked.get_json()
    token = build.user("li", "supervisor")
    keep_to(db, "li", "WH1")
    li = Api(app.test_client(), token)
    before = moves(db)
    refused_for_wh2(li.post("/sales-orders/SO-9/ship"))
    assert moves(db) == before
    assert api.get("/sales-orders/SO-9").get_json()["status"] != "shipped"


def test_an_order_is_allocated_only_from_a_warehouse_the_person_may_work_in(
        app: Any, api: Api, build: Builder, db: Database) -> None:
    wh1 = build.warehouse("WH1", bins=1)
    wh2 = build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP")
    build.stock("CUP", wh1[0], 2)
    build.stock("CUP", wh2[0], 10, dock="DOCK-2")  # WH2 could fill more of the order
    build.sales_order("SO-1", [("CUP", 5)], warehouse="WH2")
    build.sales_order("SO-2", [("CUP", 5)])
    token = build.user("li", "clerk")
    keep_to(db, "li", "WH1")
    li = Api(app.test_client(), token)
    refused_for_wh2(li.post("/sales-orders/SO-1/pick-list"))
    assert api.get("/sales-orders/SO-1").get_json()["status"] == "open"
    made = li.post("/sales-orders/SO-2/pick-list")
    assert made.status_code == 201, made.get_json()
    assert [t["location"] for t in made.get_json()["tasks"]] == [wh1[0]]


def test_bins_and_putaway_advice_of_another_warehouse_are_refused(
        app: Any, build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=1)
    wh2 = build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP")
    token = build.user("li", "admin")
    keep_to(db, "li", "WH1")
    li = Api(app.test_client(), token)
    refused_for_wh2(li.put(f"/locations/{wh2[0]}", {"blocked": True}))
    refused_for_wh2(li.put("/locations/B-09-09-09", {"warehouse": "WH2"}))
    refused_for_wh2(li.post("/putaway-suggestions", {"sku": "CUP", "qty": 1,
                                                     "warehouse": "WH2"}))
    refused_for_wh2(li.post("/putaway-suggestions", {"sku": "CUP", "qty": 1,
                                                     "from": wh2[0]}))
    keep_to(db, "li", None)
    assert li.get(f"/locations/{wh2[0]}").get_json()["blocked"] is False
    assert li.get("/locations/B-09-09-09").status_code == 404


def test_the_office_map_says_a_bin_of_another_warehouse_is_not_the_persons(
        app: Any, build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=1)
    wh2 = build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP")
    build.stock("CUP", wh2[0], 10, dock="DOCK-2")
    build.user("li", "clerk")
    keep_to(db, "li", "WH1")
    for language, said in (("en", "You may not work in warehouse WH2."),
                           ("zh", "您不能在仓库 WH2 作业。")):
        clerk = OfficeBrowser(app.test_client(), language=language)
        assert clerk.sign_in("li").status_code == 302
        page = clerk.get("/office/map/bin", code=wh2[0])
        assert page.status_code == 403
        assert said in clerk.text(page) and "CUP" not in clerk.text(page)


def test_a_person_of_wh1_sends_a_transfer_to_wh2_that_only_wh2_takes_in(
        app: Any, build: Builder, db: Database) -> None:
    wh1 = build.warehouse("WH1", bins=1)
    wh2 = build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP")
    build.stock("CUP", wh1[0], 5)
    li = Api(app.test_client(), build.user("li", "operator"))
    wang = Api(app.test_client(), build.user("wang", "operator"))
    keep_to(db, "li", "WH1")
    keep_to(db, "wang", "WH2")
    sent = li.post("/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2",
                                  "lines": [{"sku": "CUP", "qty": 5, "from": wh1[0]}]})
    assert sent.status_code == 201, sent.get_json()
    number = sent.get_json()["id"]
    refused_for_wh2(li.post(f"/transfers/{number}/receive", {"location": wh2[0]}))
    taken = wang.post(f"/transfers/{number}/receive", {"location": wh2[0]})
    assert taken.status_code == 200, taken.get_json()
    assert wang.get("/stock", location=wh2[0]).get_json()[0]["qty"] == 5
