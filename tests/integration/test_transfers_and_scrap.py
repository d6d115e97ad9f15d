"""Warehouse-to-warehouse transfers (调拨) through in-transit, and scrap write-offs (报损),
through API v1."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import (
    assert_answered_moves_are_the_ledgers,
    assert_ledger_agrees,
    error_code,
    snapshot,
)
from wms.db import DOCUMENT_PAGE_CACHE_KIB, Database, document_page_cache


def stock_of(api: Any, **query: Any) -> dict[tuple[str, str, str | None], int]:
    rows = api.get("/stock", **query).get_json()
    return {(r["location"], r["sku"], r["lot"]): r["qty"] for r in rows}


def moves(body: dict[str, Any]) -> list[tuple[str, str, str | None, int, str | None,
                                             str | None]]:
    return [(m["kind"], m["sku"], m["lot"], m["qty"], m["from"], m["to"])
            for m in body["moves"]]


@pytest.fixture
def two_warehouses(build: Builder) -> tuple[list[str], list[str]]:
    wh1 = build.warehouse("WH1", bins=3)
    wh2 = build.warehouse("WH2", bins=2, zone="C", capacity=10)
    build.item("TEA", name="龙井茶", tracking="lot")
    build.item("CUP", name="茶杯")
    return wh1, wh2


def send(api: Any, lines: list[dict[str, Any]]) -> Any:
    return api.post("/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2",
                                   "lines": lines})


def test_a_transfer_goes_through_in_transit_and_is_received_into_a_bin_of_the_destination(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, wh2 = two_warehouses
    build.stock("TEA", wh1[0], 3, lot="L-OLD", days_old=20)
    build.stock("TEA", wh1[0], 10, lot="L-NEW", days_old=2)
    build.stock("CUP", wh1[1], 8)

    r = send(api, [{"sku": "TEA", "qty": 5, "from": wh1[0]},
                   {"sku": "CUP", "qty": 2, "from": wh1[1]}])

    assert r.status_code == 201, r.get_json()
    transfer = r.get_json()
    assert transfer["status"] == "in_transit"
    assert transfer["transit_location"] == "TRANSIT-WH2"
    assert moves(transfer) == [
        ("transfer_out", "TEA", "L-OLD", 3, wh1[0], "TRANSIT-WH2"),
        ("transfer_out", "TEA", "L-NEW", 2, wh1[0], "TRANSIT-WH2"),
        ("transfer_out", "CUP", None, 2, wh1[1], "TRANSIT-WH2"),
    ]
    assert_answered_moves_are_the_ledgers(api, transfer["moves"])
    assert stock_of(api, location="TRANSIT-WH2") == {
        ("TRANSIT-WH2", "CUP", None): 2, ("TRANSIT-WH2", "TEA", "L-OLD"): 3,
        ("TRANSIT-WH2", "TEA", "L-NEW"): 2}
    assert stock_of(api, warehouse="WH1") == {(wh1[0], "TEA", "L-NEW"): 8,
                                              (wh1[1], "CUP", None): 6}
    # In-transit stock is not moved by hand.
    r = api.post("/moves", {"sku": "CUP", "qty": 1, "from": "TRANSIT-WH2", "to": wh2[0]})
    assert r.status_code == 422

    r = api.post(f"/transfers/{transfer['id']}/receive", {"location": wh2[1]})

    assert r.status_code == 200, r.get_json()
    received = r.get_json()
    assert received["status"] == "received"
    assert sorted(moves(received), key=str) == sorted([
        ("transfer_in", "TEA", "L-OLD", 3, "TRANSIT-WH2", wh2[1]),
        ("transfer_in", "TEA", "L-NEW", 2, "TRANSIT-WH2", wh2[1]),
        ("transfer_in", "CUP", None, 2, "TRANSIT-WH2", wh2[1]),
    ], key=str)
    assert stock_of(api, location="TRANSIT-WH2") == {}
    assert stock_of(api, warehouse="WH2") == {
        (wh2[1], "CUP", None): 2, (wh2[1], "TEA", "L-OLD"): 3, (wh2[1], "TEA", "L-NEW"): 2}
    assert api.get(f"/transfers/{transfer['id']}").get_json()["status"] == "received"
    refs = {m["reference"] for m in api.get("/ledger").get_json()
            if m["kind"] in ("transfer_out", "transfer_in")}
    assert refs == {f"TRF-{transfer['id']}"}
    assert_ledger_agrees(db)


def test_a_transfer_line_may_name_its_item_by_barcode_and_an_unknown_code_changes_nothing(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.item("PEN", name="钢笔", barcodes=["6901234567892"])
    build.stock("PEN", wh1[2], 6)
    build.stock("CUP", wh1[1], 8)

    r = send(api, [{"sku": "6901234567892", "qty": 2, "from": wh1[2]},
                   {"sku": "CUP", "qty": 1, "from": wh1[1]}])

    assert r.status_code == 201, r.get_json()
    assert moves(r.get_json()) == [
        ("transfer_out", "PEN", None, 2, wh1[2], "TRANSIT-WH2"),
        ("transfer_out", "CUP", None, 1, wh1[1], "TRANSIT-WH2")]
    before = snapshot(api)
    r = send(api, [{"sku": "CUP", "qty": 1, "from": wh1[1]},
                   {"sku": "6909999999999", "qty": 1, "from": wh1[2]}])
    assert r.status_code == 404
    assert error_code(r) == "unknown_item"
    assert "6909999999999" in str(r.get_json())
    assert snapshot(api) == before
    assert_ledger_agrees(db)


def test_a_transfer_naming_several_malformed_bins_is_refused_naming_the_first(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 8)
    before = snapshot(api)
    malformed = [f"BAD#{n}" for n in range(12)]

    r = send(api, [{"sku": "CUP", "qty": 1, "from": wh1[1]}]
             + [{"sku": "CUP", "qty": 1, "from": code} for code in malformed])

    assert r.status_code == 404
    assert error_code(r) == "unknown_location"
    named = [code for code in malformed if code in str(r.get_json())]
    assert named == ["BAD#0"], r.get_json()
    assert snapshot(api) == before
    assert_ledger_agrees(db)


def test_a_transfer_of_more_than_the_bin_holds_is_refused_and_changes_nothing(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 8)
    build.stock("TEA", wh1[0], 4, lot="L1", days_old=3)
    before = snapshot(api)

    r = send(api, [{"sku": "CUP", "qty": 8, "from": wh1[1]},
                   {"sku": "TEA", "qty": 5, "from": wh1[0]}])

    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"
    assert snapshot(api) == before
    assert_ledger_agrees(db)


def test_units_reserved_for_a_pick_list_are_not_transferred(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 8)
    build.sales_order("SO-1", [("CUP", 6)])
    assert api.post("/sales-orders/SO-1/pick-list").status_code == 201

    r = send(api, [{"sku": "CUP", "qty": 3, "from": wh1[1]}])
    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"

    assert send(api, [{"sku": "CUP", "qty": 2, "from": wh1[1]}]).status_code == 201
    assert stock_of(api, sku="CUP") == {(wh1[1], "CUP", None): 6,
                                        ("TRANSIT-WH2", "CUP", None): 2}
    assert_ledger_agrees(db)


def test_a_transfer_cannot_be_received_twice(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, wh2 = two_warehouses
    build.stock("CUP", wh1[1], 8)
    transfer_id = send(api, [{"sku": "CUP", "qty": 5, "from": wh1[1]}]).get_json()["id"]
    assert api.post(f"/transfers/{transfer_id}/receive",
                    {"location": wh2[0]}).status_code == 200
    before = snapshot(api)

    r = api.post(f"/transfers/{transfer_id}/receive", {"location": wh2[1]})

    assert r.status_code == 409
    assert error_code(r) == "conflict"
    assert snapshot(api) == before
    assert stock_of(api, sku="CUP") == {(wh1[1], "CUP", None): 3, (wh2[0], "CUP", None): 5}
    assert_ledger_agrees(db)


def test_a_transfer_cannot_be_received_into_a_bin_of_the_sending_warehouse(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, wh2 = two_warehouses
    build.stock("CUP", wh1[1], 8)
    transfer_id = send(api, [{"sku": "CUP", "qty": 5, "from": wh1[1]}]).get_json()["id"]
    before = snapshot(api)

    r = api.post(f"/transfers/{transfer_id}/receive", {"location": wh1[2]})

    assert r.status_code == 422
    assert error_code(r) == "invalid"
    assert snapshot(api) == before
    assert api.get(f"/transfers/{transfer_id}").get_json()["status"] == "in_transit"
    assert api.post(f"/transfers/{transfer_id}/receive",
                    {"location": wh2[0]}).status_code == 200
    assert stock_of(api, sku="CUP") == {(wh1[1], "CUP", None): 3, (wh2[0], "CUP", None): 5}
    assert_ledger_agrees(db)


def test_a_transfer_is_not_received_into_a_bin_without_room(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, wh2 = two_warehouses
    build.stock("CUP", wh2[0], 8, dock="DOCK-2")
    build.stock("CUP", wh1[1], 8)
    transfer_id = send(api, [{"sku": "CUP", "qty": 5, "from": wh1[1]}]).get_json()["id"]

    r = api.post(f"/transfers/{transfer_id}/receive", {"location": wh2[0]})

    assert r.status_code == 409
    assert error_code(r) == "location_full"
    assert stock_of(api, sku="CUP") == {(wh1[1], "CUP", None): 3, (wh2[0], "CUP", None): 8,
                                        ("TRANSIT-WH2", "CUP", None): 5}
    assert api.get(f"/transfers/{transfer_id}").get_json()["status"] == "in_transit"
    assert_ledger_agrees(db)


def test_scrap_writes_a_scrap_move_with_its_reason_and_reduces_stock(
    api_as: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("TEA", wh1[0], 6, lot="L1", days_old=8)
    build.stock("TEA", wh1[0], 6, lot="L2", days_old=2)
    supervisor = api_as("supervisor")

    r = supervisor.post("/scrap", {"sku": "TEA", "qty": 2, "location": wh1[0], "lot": "L2",
                                   "reason": "damaged", "note": "包装破损"})

    assert r.status_code == 201, r.get_json()
    assert [(m["kind"], m["sku"], m["lot"], m["qty"], m["from"], m["to"], m["reason"],
             m["note"]) for m in r.get_json()["moves"]] == [
        ("scrap", "TEA", "L2", 2, wh1[0], None, "damaged", "包装破损")]
    assert stock_of(supervisor, sku="TEA") == {(wh1[0], "TEA", "L1"): 6,
                                               (wh1[0], "TEA", "L2"): 4}
    latest = supervisor.get("/ledger", limit=1).get_json()[0]
    assert (latest["kind"], latest["qty"], latest["reason"], latest["note"],
            latest["user"]) == ("scrap", 2, "damaged", "包装破损", "supervisor-user")
    assert supervisor.get("/items/TEA").get_json()["on_hand"] == 10
    assert_ledger_agrees(db)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_scrap_without_a_reason_is_refused(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]],
    reason: str | None,
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 5)
    before = snapshot(api)
    body: dict[str, Any] = {"sku": "CUP", "qty": 1, "location": wh1[1]}
    if reason is not None:
        body["reason"] = reason

    r = api.post("/scrap", body)

    assert r.status_code == 422
    assert error_code(r) == "invalid"
    assert "reason" in r.get_json()["error"]["message"]
    assert snapshot(api) == before
    assert_ledger_agrees(db)


def test_an_operator_may_not_scrap(
    api_as: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 5)
    operator = api_as("operator")
    before = snapshot(operator)

    r = operator.post("/scrap", {"sku": "CUP", "qty": 1, "location": wh1[1],
                                 "reason": "broken"})

    assert r.status_code == 403
    assert error_code(r) == "forbidden"
    assert snapshot(operator) == before
    assert_ledger_agrees(db)


def test_scrapping_more_than_is_there_is_refused(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 5)
    before = snapshot(api)

    r = api.post("/scrap", {"sku": "CUP", "qty": 6, "location": wh1[1], "reason": "broken"})

    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"
    assert snapshot(api) == before
    assert_ledger_agrees(db)


def test_scrap_cannot_take_units_reserved_for_a_pick_list(
    api: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 5)
    build.sales_order("SO-1", [("CUP", 4)])
    task = api.post("/sales-orders/SO-1/pick-list").get_json()["tasks"][0]

    r = api.post("/scrap", {"sku": "CUP", "qty": 2, "location": wh1[1], "reason": "broken"})
    assert r.status_code == 409
    assert error_code(r) == "insufficient_stock"
    assert stock_of(api, sku="CUP") == {(wh1[1], "CUP", None): 5}

    assert api.post("/scrap", {"sku": "CUP", "qty": 1, "location": wh1[1],
                               "reason": "broken"}).status_code == 201
    # The pick list can still be picked in full.
    r = api.post(f"/pick-tasks/{task['id']}/confirm",
                 {"location": wh1[1], "sku": "CUP", "qty": 4})
    assert r.status_code == 200, r.get_json()
    assert stock_of(api, sku="CUP") == {("PACK-1", "CUP", None): 4}
    assert_ledger_agrees(db)


def test_a_scrap_reason_that_is_no_code_is_refused_naming_the_field_and_the_codes(
    api_as: Any, build: Builder, db: Database, two_warehouses: tuple[list[str], list[str]]
) -> None:
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 5)
    supervisor = api_as("supervisor")
    before = snapshot(supervisor)
    body = {"sku": "CUP", "qty": 1, "location": wh1[1], "reason": "掉地上摔碎了"}

    r = supervisor.post("/scrap", body)

    assert r.status_code == 422 and error_code(r) == "invalid"
    message = r.get_json()["error"]["message"]
    assert message.startswith("reason:")
    assert all(code in message for code in ("damaged", "broken", "expired", "lost", "other"))
    assert snapshot(supervisor) == before
    other = supervisor.post("/scrap", {**body, "reason": "other"})
    assert other.status_code == 422 and other.get_json()["error"]["message"].startswith("note:")
    kept = supervisor.post("/scrap", {**body, "reason": "other", "note": "掉地上摔碎了"})
    assert kept.status_code == 201, kept.get_json()
    assert [(m["reason"], m["note"]) for m in kept.get_json()["moves"]] == [
        ("other", "掉地上摔碎了")]
    assert_ledger_agrees(db)


def page_caches(db: Database, connections: int = 3) -> list[int | None]:
    """SQLite's page cache size (PRAGMA cache_size) of each of several connections of the
    pool, held at once; None on PostgreSQL, which has no such setting per connection."""
    if db.dialect != "sqlite":
        return [None] * connections
    with ExitStack() as held:
        sessions = [held.enter_context(db.read()) for _ in range(connections)]
        return [s.connection().exec_driver_sql("PRAGMA cache_size").scalar()
                for s in sessions]


def page_caches_of(session: Any) -> int | None:
    if session.bind.dialect.name != "sqlite":
        return None
    return int(session.connection().exec_driver_sql("PRAGMA cache_size").scalar())


def test_a_transfer_has_a_large_page_cache_while_it_is_written_and_none_after(
    api: Any, app: Any, build: Builder, two_warehouses: tuple[list[str], list[str]]
) -> None:
    """Thousands of lines are written with a page cache of their own; the connection then goes
    back to the pool with SQLite's small one, whether the transfer went through or not, so
    the gateway's memory stays what it was."""
    wh1, _ = two_warehouses
    build.stock("CUP", wh1[1], 8)
    server_db: Database = app.extensions["wms.db"]
    own = page_caches(server_db)
    sqlite = server_db.dialect == "sqlite"
    assert own == ([-2000] * 3 if sqlite else [None] * 3)

    assert send(api, [{"sku": "CUP", "qty": 3, "from": wh1[1]}]).status_code == 201
    assert send(api, [{"sku": "CUP", "qty": 9, "from": wh1[1]}]).status_code == 409
    assert page_caches(server_db) == own

    with server_db.write() as session:
        with document_page_cache(session):
            inside = page_caches_of(session)
        after = page_caches_of(session)
    assert inside == (-DOCUMENT_PAGE_CACHE_KIB if sqlite else None)
    assert after == own[0]

