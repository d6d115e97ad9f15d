"""Stock by status on the handheld lookup and the supervisor page, and an expired lot at the
receiving dock, over the demo warehouse (HON-040: 36 of lot FM-0820 in A-02-01-01; SNK-030:
60 of LDG-1015 in A-03-01-01 and 60 of LDG-1101 in A-03-02-01)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update

from wms.models import AuditEvent, Item, Lot
from wms.services.allocation import create_pick_list
from wms.services.floor_lists import open_tasks
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive

EXPIRED_HONEY = "]C10106901234567953" + "10FM-0001~17250101"  # lot FM-0001, expired 2025-01-01


def statuses(screen: Any) -> dict[str, str]:
    """status -> units, as the lookup card lists them."""
    card = screen.html.split('data-role="by-status"')[1].split("</ul>")[0]
    return dict(re.findall(r'data-status="(\w+)">[^<]*<b>([^<]*)</b>', card))


def quarantine_honey_and_pick_boxes(floor_app: Any) -> None:
    """4 HON-040 received into QC-1; 5 BOX-100 of SO-2002 picked to PACK-1, SNK-030 of that
    order reserved in its bins."""
    with floor_app.extensions["wms.db"].write() as s:
        receive(s, location="DOCK-1", user_id=None, lines=[ReceiptLineInput(
            "HON-040", 4, "FM-0901", date.today() + timedelta(days=400), "quarantine",
            "damaged")])
        pick_list = create_pick_list(s, "SO-2002", None).pick_list
        box = next(t for t in open_tasks(s, pick_list.id) if t.sku == "BOX-100")
        confirm_pick(s, task_id=box.id, location=box.location, sku="BOX-100", qty=5,
                     user_id=None)


def test_lookup_never_shows_quarantined_or_picked_stock_as_available(
        handheld: Any, floor_app: Any) -> None:
    quarantine_honey_and_pick_boxes(floor_app)
    clerk = handheld("clerk")
    clerk.open("/lookup/")

    honey = clerk.scan("6901234567953")
    packing = clerk.scan("PACK-1")
    snacks = clerk.scan("SNK-030")

    assert "On hand: 40" in honey.text
    assert statuses(honey) == {"available": "36", "quarantine": "4"}
    assert "Quarantine 4" in honey.text.split("QC-1")[1]
    assert statuses(packing) == {"picked": "5"}
    assert "Available" not in packing.text
    assert statuses(snacks) == {"available": "100", "reserved": "20"}


def test_an_expired_lot_shows_as_expired_in_lookup_and_on_the_supervisor_page(
        handheld: Any, floor_app: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:  # the lot's date passes on the shelf
        s.execute(update(Lot).where(Lot.code == "LDG-1015").values(
            expiry=date.today() - timedelta(days=3)))
    clerk = handheld("clerk")
    clerk.open("/lookup/")

    snacks = clerk.scan("SNK-030")
    overview = handheld("supervisor").open("/supervisor/")

    assert statuses(snacks) == {"available": "60", "expired": "60"}
    expired = overview.html.split('data-role="expired"')[1].split("</table>")[0]
    assert "A-03-01-01" in expired and "LDG-1015" in expired and "LDG-1101" not in expired


def test_an_expired_lot_at_the_dock_asks_for_quarantine_or_a_supervisor(
        handheld: Any, ledger: Any) -> None:
    receiver = handheld("operator")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan(EXPIRED_HONEY)

    refused = receiver.scan("6")

    assert refused.banner == ("error", "Lot expired", "This lot expired on Jan 1, 2025: "
                              "quarantine it, or a supervisor overrides")
    assert "Supervisor: accept anyway" not in refused.text
    assert ledger.units("DOCK-1", "HON-040", "FM-0001") == 0
    receiver.scan("6", action="quarantine")
    done = receiver.scan(reason="expired")
    assert done.banner == ("ok", "6 × HON-040 to quarantine", "")
    assert ledger.units("QC-1", "HON-040", "FM-0001") == 6


def test_a_supervisor_accepts_a_short_dated_lot_at_the_dock_and_it_is_audited(
        handheld: Any, floor_app: Any, ledger: Any) -> None:
    with floor_app.extensions["wms.db"].write() as s:
        s.execute(update(Item).where(Item.sku == "HON-040").values(min_shelf_life_days=90))
    soon = date.today() + timedelta(days=40)
    supervisor = handheld("supervisor")
    supervisor.open("/receive/")
    supervisor.scan(order="PO-1001")
    supervisor.scan("]C10106901234567953" + f"10FM-0002~17{soon:%y%m%d}")

    refused = supervisor.scan("6")
    assert refused.banner is not None and refused.banner[:2] == ("error",
                                                                 "Lot expires too soon")
    assert re.fullmatch(r"This lot has only (39|40) days left: quarantine it, or a "
                        r"supervisor overrides", refused.banner[2]), refused.banner
    accepted = supervisor.scan("6", action="override")

    assert accepted.banner == ("ok", "Received 6 × HON-040", "")
    assert ledger.units("DOCK-1", "HON-040", "FM-0002") == 6
    with floor_app.extensions["wms.db"].read() as s:
        assert s.scalar(select(AuditEvent.subject).where(
            AuditEvent.action == "receipt.expiry_override")) == "HON-040"


def test_a_chinese_receiver_reads_the_expired_lot_refusal_in_chinese(handheld: Any) -> None:
    receiver = handheld("operator", "zh")
    receiver.open("/receive/")
    receiver.scan(order="PO-1001")
    receiver.scan(EXPIRED_HONEY)

    refused = receiver.scan("6")

    assert refused.banner == ("error", "批次已过期",
                              "该批次已于 2025年1月1日 过期：请隔离，或由主管批准收货")
