"""Finding 5 on the handheld: the lines of one delivery booked on the receiving page are one
receipt with one receiving note, as at the dock station and through the API; lot labels are
queued line by line as the lines are booked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from wms.models import PrintJob, Receipt
from wms.site_config import DEMO_CONFIG

TEA = "]C1010690123456789210LJ2026-11~17271130"
SNACKS = "]C1010690123456794610LDG-9~17271130"
HONEY = "]C1010690123456795310FM-0901~17280101"


@pytest.fixture
def floor_app(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    """The handheld pages with the demo's printers (the dock printer prints lot labels and
    receiving notes by itself), writing into a temporary folder."""
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text(DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/'),
                      encoding="utf-8")
    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(config)})
    yield app
    app.extensions["wms.db"].dispose()


def documents(app: Any) -> list[tuple[str, str]]:
    with app.extensions["wms.db"].read() as s:
        return [(job.document, job.title) for job in s.scalars(
            select(PrintJob).order_by(PrintJob.id))]


def notes(app: Any) -> list[dict[str, Any]]:
    with app.extensions["wms.db"].read() as s:
        return [job.data for job in s.scalars(select(PrintJob).where(
            PrintJob.document == "receiving_note").order_by(PrintJob.id))]


def receipts(app: Any) -> int:
    with app.extensions["wms.db"].read() as s:
        return int(s.scalar(select(func.count()).select_from(Receipt)) or 0)


def book(receiver: Any, label: str, qty: str) -> None:
    receiver.scan(label)
    booked = receiver.scan(qty)
    assert booked.banner is not None and booked.banner[0] == "ok", booked.banner


def against_po_1001(handheld: Any) -> Any:
    receiver = handheld("operator")
    receiver.open("/receive/")
    assert receiver.scan(order="PO-1001").prompt == "Scan an item"
    return receiver


def test_a_four_line_receipt_on_the_handheld_queues_one_receiving_note(
        handheld: Any, floor_app: Any) -> None:
    before = receipts(floor_app)
    receiver = against_po_1001(handheld)
    for label, qty in ((TEA, "10"), (SNACKS, "6"), (HONEY, "4"), (TEA, "2")):
        book(receiver, label, qty)
    assert documents(floor_app) == [("lot_label", "TEA-001 LJ2026-11"),
                                    ("lot_label", "SNK-030 LDG-9"),
                                    ("lot_label", "HON-040 FM-0901"),
                                    ("lot_label", "TEA-001 LJ2026-11")]
    finished = receiver.scan(action="finish")
    assert finished.banner == ("ok", "Receipt finished", "")
    assert finished.prompt == "Scan a purchase order or tap one"
    [note] = notes(floor_app)
    assert note["purchase_order"] == "PO-1001"
    assert [(line["sku"], line["qty"]) for line in note["lines"]] == [
        ("TEA-001", 10), ("SNK-030", 6), ("HON-040", 4), ("TEA-001", 2)]
    assert receipts(floor_app) == before + 1


def test_the_done_card_finishes_the_receipt_once_even_when_the_scan_is_resent(
        handheld: Any, floor_app: Any) -> None:
    receiver = against_po_1001(handheld)
    book(receiver, TEA, "10")
    book(receiver, SNACKS, "6")
    done = receiver.scan("DONE")
    assert done.banner == ("ok", "Receipt finished", "")
    receiver.resend()
    [note] = notes(floor_app)
    assert len(note["lines"]) == 2


def test_a_blind_receipt_of_two_lines_is_one_receipt_with_one_note(handheld: Any,
                                                                   floor_app: Any) -> None:
    before = receipts(floor_app)
    receiver = handheld("operator")
    receiver.open("/receive/")
    receiver.scan(action="blind")
    book(receiver, "6901234567915", "12")
    book(receiver, "6901234567915", "3")
    receiver.scan(action="finish")
    [note] = notes(floor_app)
    assert [line["qty"] for line in note["lines"]] == [12, 3]
    assert receipts(floor_app) == before + 1


def test_a_receipt_left_open_is_closed_by_the_first_line_of_the_next_one(
        handheld: Any, floor_app: Any) -> None:
    receiver = against_po_1001(handheld)
    book(receiver, TEA, "10")
    book(receiver, SNACKS, "6")
    assert notes(floor_app) == []
    receiver.open("/receive/")  # the receiver left the page and comes back to another order
    receiver.scan(order="PO-1002")
    book(receiver, "6901234567939", "20")
    [note] = notes(floor_app)
    assert note["purchase_order"] == "PO-1001" and len(note["lines"]) == 2
    receiver.scan(action="finish")
    assert [note["purchase_order"] for note in notes(floor_app)] == ["PO-1001", "PO-1002"]


def test_finishing_without_a_line_booked_queues_no_note(handheld: Any, floor_app: Any) -> None:
    receiver = against_po_1001(handheld)
    assert receiver.scan(action="finish").banner == ("ok", "Receipt finished", "")
    assert documents(floor_app) == []


def test_signing_out_finishes_the_open_receipt_in_the_receivers_name(
        handheld: Any, floor_app: Any) -> None:
    receiver = against_po_1001(handheld)
    book(receiver, TEA, "10")
    book(receiver, SNACKS, "6")
    signed_out = receiver.client.post("/logout", headers={"X-CSRFToken": receiver.csrf})
    assert signed_out.status_code == 302
    [note] = notes(floor_app)
    assert len(note["lines"]) == 2 and note["receiver"] == "李拣货 Li (picker)"
