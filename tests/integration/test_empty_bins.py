"""Each storage bin says whether it is empty (the search for empty bins near the dock reads
it): the ledger keeps the flag as moves, counts, transfers and imports change the stock, and
`wms verify` finds any bin whose flag disagrees with its balances. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import threading
from typing import Any

from sqlalchemy import select

from tests.support.builders import Builder
from wms.db import Database
from wms.ledger import verify_empty_flags
from wms.models import Location
from wms.services.layout import BinChanges, update_bins
from wms.services.scrap import scrap_stock

BINS = ["A-01-01-01", "A-01-02-01", "A-01-03-01", "A-01-04-01"]


def flagged_empty(db: Database) -> set[str]:
    with db.read() as s:
        assert verify_empty_flags(s) == []
        return set(s.scalars(select(Location.code).where(
            Location.kind == "storage", Location.empty.is_(True))))


def offered(api: Any, sku: str, qty: int) -> set[str]:
    """Every bin a putaway suggestion offers."""
    answer = api.post("/putaway-suggestions", {"sku": sku, "qty": qty})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    return {body["location"]} | {a["location"] for a in body["alternatives"]}


def move(api: Any, sku: str, qty: int, frm: str, to: str, lot: str | None = None) -> None:
    body = {"sku": sku, "qty": qty, "from": frm, "to": to} | ({"lot": lot} if lot else {})
    answer = api.post("/moves", body)
    assert answer.status_code == 201, answer.get_json()


def test_a_bin_is_flagged_empty_exactly_while_it_holds_nothing(
    api: Any, build: Builder, db: Database
) -> None:
    build.warehouse("WH1", bins=4, capacity=None)
    build.item("TEA", tracking="lot")
    build.item("CUP")
    assert flagged_empty(db) == set(BINS)
    build.stock("TEA", BINS[0], 10, lot="L1")
    build.stock("TEA", BINS[0], 5, lot="L2")
    build.stock("CUP", BINS[1], 3)
    assert flagged_empty(db) == {BINS[2], BINS[3]}

    # The first lot leaves: the second still holds the bin.
    move(api, "TEA", 10, BINS[0], BINS[2], lot="L1")
    assert flagged_empty(db) == {BINS[3]}
    # Half of the second: still not empty; the rest: empty, and offered as an empty bin.
    move(api, "TEA", 2, BINS[0], BINS[2], lot="L2")
    assert flagged_empty(db) == {BINS[3]}
    move(api, "TEA", 3, BINS[0], BINS[2], lot="L2")
    assert flagged_empty(db) == {BINS[0], BINS[3]}
    assert BINS[0] in offered(api, "CUP", 1)

    # A count that finds nothing in a bin empties it (an adjustment move).
    count_id = api.post("/counts", {"locations": [BINS[1]]}).get_json()["id"]
    for _ in ("count", "recount"):  # a variance of every unit is counted twice
        assert api.post(f"/counts/{count_id}/entries",
                        {"location": BINS[1], "sku": "CUP", "qty": 0}).status_code == 201
        assert api.post(f"/counts/{count_id}/submit").status_code == 200
    approved = api.post(f"/counts/{count_id}/approve")
    assert approved.status_code == 200, approved.get_json()
    assert flagged_empty(db) == {BINS[0], BINS[1], BINS[3]}

    # Opening stock booked into two bins at once (one document, its moves written together).
    data = b"sku,location,lot,qty\nCUP,A-01-04-01,,4\nCUP,A-01-01-01,,1\n"
    uploaded = api.client.post("/api/v1/imports/opening-stock",
                               data={"file": (io.BytesIO(data), "stock.csv")},
                               content_type="multipart/form-data",
                               headers={"Authorization": f"Bearer {api.token}"})
    assert uploaded.status_code == 200, uploaded.get_json()
    assert flagged_empty(db) == {BINS[1]}
    assert offered(api, "TEA", 1) & {BINS[0], BINS[3]} == set()


def test_a_location_made_a_storage_bin_is_flagged_by_what_it_holds(
    api: Any, build: Builder, db: Database
) -> None:
    """The flag is kept for storage bins only (a dock's row is rewritten by no receipt), so
    a dock or a packing table that becomes a bin is flagged then, from its balances."""
    build.warehouse("WH1", bins=1, capacity=None)
    build.item("CUP")
    build.stock("CUP", "DOCK-1", 6, dock="DOCK-1")
    build.stock("CUP", "PACK-1", 2)
    move(api, "CUP", 2, "PACK-1", "DOCK-1")  # the packing table holds nothing now
    answer = api.put("/locations/DOCK-1", {"warehouse": "WH1", "kind": "storage"})
    assert answer.status_code == 200, answer.get_json()
    with db.write() as s:
        assert update_bins(s, ["PACK-1"], BinChanges(kind="storage"), None) == 1
    assert flagged_empty(db) == {"A-01-01-01", "PACK-1"}
    move(api, "CUP", 8, "DOCK-1", "PACK-1")
    assert flagged_empty(db) == {"A-01-01-01", "DOCK-1"}


def test_two_write_offs_emptying_a_bin_in_overlapping_transactions_leave_it_flagged_empty(
    build: Builder, db: Database
) -> None:
    """The first write-off takes the bin's cup and stays uncommitted while the second takes
    its plate: each, alone, still sees the other's unit. The second must wait for the first
    to commit before it decides (on PostgreSQL a lock on the bin's row; on SQLite the
    writers' turn), and then see the bin empty. (A write-off locks no location of its own,
    as a move does.)"""
    (source,) = build.warehouse("WH1", bins=1, capacity=None)
    for sku in ("CUP", "PLATE"):
        build.item(sku)
        build.stock(sku, source, 1)
    first_posted, second_began = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def write_off(sku: str) -> None:
        with db.write() as s:
            scrap_stock(s, sku=sku, qty=1, location=source, reason="damaged", user_id=None)
            if sku == "CUP":
                first_posted.set()
                second_began.wait(timeout=5)
                threading.Event().wait(0.3)  # the second runs as far as it can meanwhile

    def first() -> None:
        try:
            write_off("CUP")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
            first_posted.set()

    def second() -> None:
        try:
            first_posted.wait(timeout=5)
            second_began.set()
            write_off("PLATE")
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures, failures[0]
    assert flagged_empty(db) == {source}
