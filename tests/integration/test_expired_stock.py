"""Expired and short-dated goods: refused at receipt unless quarantined or overridden by a
supervisor (audited), never allocated, shown as expired."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees, error_code, snapshot
from wms.db import Database
from wms.errors import ShortShelfLife
from wms.models import AuditEvent, User
from wms.services.receiving import ReceiptLineInput, receive

TODAY = date.today()


def honey_warehouse(build: Builder, **item: Any) -> list[str]:
    bins = build.warehouse("WH1", bins=3)
    build.item("HONEY", name="蜂蜜", tracking="lot", expiry=True, **item)
    return bins


def receipt(lot: str, expiry: date, **line: Any) -> dict[str, Any]:
    return {"location": "DOCK-1",
            "lines": [{"sku": "HONEY", "qty": 6, "lot": lot, "expiry": expiry.isoformat(),
                       **line}]}


def test_an_expired_lot_is_refused_at_receipt_and_goes_to_quarantine_when_asked(
        api_as: Any, build: Builder, db: Database) -> None:
    honey_warehouse(build)
    operator = api_as("operator")
    before = snapshot(operator)
    expired = TODAY - timedelta(days=30)

    refused = operator.post("/receipts", receipt("H-OLD", expired))

    assert refused.status_code == 409 and error_code(refused) == "expired_lot"
    assert expired.isoformat() in refused.get_json()["error"]["message"]
    assert snapshot(operator) == before
    quarantined = operator.post("/receipts", receipt("H-OLD", expired, disposition="quarantine",
                                                     reason="expired"))
    assert quarantined.status_code == 201, quarantined.get_json()
    assert [(m["to"], m["qty"]) for m in quarantined.get_json()["moves"]] == [("QC-1", 6)]
    assert_ledger_agrees(db)


def test_a_lot_with_fewer_days_left_than_the_items_minimum_shelf_life_is_refused(
        api_as: Any, api: Any, build: Builder) -> None:
    honey_warehouse(build)
    updated = api.put("/items/HONEY", {"min_shelf_life_days": 90})
    assert updated.status_code == 200 and updated.get_json()["min_shelf_life_days"] == 90
    assert api.get("/items/HONEY").get_json()["min_shelf_life_days"] == 90
    operator = api_as("operator")

    short = operator.post("/receipts", receipt("H-SHORT", TODAY + timedelta(days=30)))
    fresh = operator.post("/receipts", receipt("H-FRESH", TODAY + timedelta(days=200)))

    assert short.status_code == 409 and error_code(short) == "short_shelf_life"
    assert fresh.status_code == 201, fresh.get_json()
    assert api.put("/items/HONEY", {"min_shelf_life_days": None}).get_json()[
        "min_shelf_life_days"] is None
    again = operator.post("/receipts", receipt("H-SHORT", TODAY + timedelta(days=30)))
    assert again.status_code == 201, again.get_json()


def test_without_an_item_minimum_the_configured_default_shelf_life_applies(
        build: Builder, db: Database) -> None:
    honey_warehouse(build)
    line = ReceiptLineInput("HONEY", 6, "H-1", TODAY + timedelta(days=10))
    with db.write() as s:
        receive(s, location="DOCK-1", user_id=None, lines=[line], min_shelf_life_days=0,
                today=TODAY)
    try:
        with db.write() as s:
            receive(s, location="DOCK-1", user_id=None, lines=[line], min_shelf_life_days=14,
                    today=TODAY)
    except ShortShelfLife as refusal:
        assert refusal.details["days_left"] == 10 and refusal.details["needed"] == 14
    else:
        raise AssertionError("a lot with 10 days left was taken with 14 required")


def test_only_a_supervisor_may_override_an_expired_lot_and_the_override_is_audited(
        api_as: Any, build: Builder, db: Database) -> None:
    honey_warehouse(build)
    expired = TODAY - timedelta(days=3)

    by_operator = api_as("operator").post(
        "/receipts", receipt("H-OLD", expired, override_expiry=True))
    by_supervisor = api_as("supervisor").post(
        "/receipts", receipt("H-OLD", expired, override_expiry=True))

    assert by_operator.status_code == 403 and error_code(by_operator) == "forbidden"
    assert by_supervisor.status_code == 201, by_supervisor.get_json()
    assert [(m["to"], m["qty"]) for m in by_supervisor.get_json()["moves"]] == [("DOCK-1", 6)]
    with db.read() as s:
        events = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "receipt.expiry_override")).all()
        assert [(e.subject, e.details["refusal"], e.details["expiry"]) for e in events] == [
            ("HONEY", "expired_lot", expired.isoformat())]
        assert events[0].user_id == s.scalar(
            select(User.id).where(User.username == "supervisor-user"))


def test_an_expired_lot_is_never_allocated(api: Any, build: Builder, db: Database) -> None:
    bins = honey_warehouse(build)
    build.stock("HONEY", bins[0], 10, lot="H-EXPIRED", days_old=200,
                expiry=TODAY - timedelta(days=10))
    build.stock("HONEY", bins[1], 4, lot="H-GOOD", days_old=20,
                expiry=TODAY + timedelta(days=100))
    build.sales_order("SO-1", [("HONEY", 6)])

    answer = api.post("/sales-orders/SO-1/pick-list")

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert [(t["location"], t["lot"], t["qty"]) for t in body["tasks"]] == [
        (bins[1], "H-GOOD", 4)]
    assert body["shortages"] == [{"sku": "HONEY", "qty": 2}]
    assert api.get("/items/HONEY").get_json()["on_hand_by_status"] == {
        "available": 0, "reserved": 4, "picked": 0, "quarantine": 0, "expired": 10,
        "in_transit": 0}
    assert_ledger_agrees(db)


def test_an_order_of_nothing_but_expired_stock_is_refused_as_short(
        api: Any, build: Builder) -> None:
    bins = honey_warehouse(build)
    build.stock("HONEY", bins[0], 10, lot="H-EXPIRED", days_old=200,
                expiry=TODAY - timedelta(days=10))
    build.sales_order("SO-1", [("HONEY", 3)])

    answer = api.post("/sales-orders/SO-1/pick-list")

    assert answer.status_code == 409 and error_code(answer) == "insufficient_stock"
    assert "HONEY short 3" in answer.get_json()["error"]["message"]


def test_the_api_document_names_the_expiry_refusals(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    receipts = document["paths"]["/api/v1/receipts"]["post"]
    assert "expired_lot" in receipts["responses"]["409"]["description"]
    assert "short_shelf_life" in receipts["responses"]["409"]["description"]
    line = document["components"]["schemas"]["ReceiptLineBody"]["properties"]
    assert line["override_expiry"]["type"] == "boolean"
    item = document["components"]["schemas"]["ItemBody"]["properties"]
    assert "min_shelf_life_days" in item
