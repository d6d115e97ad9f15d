"""Stations that do what the person at them means: an inspection choice for one scan, a
quantity instead of fifty scans, a re-read shown rather than lost, the same documents as
the API, and every piece of work in the name of the person signed in at the station."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tests.conftest import Api
from tests.integration.stations.conftest import pick_in_full, sign_in
from tests.integration.stations.test_station_screens import screen_of
from tests.support.handheld import text_of
from wms.auth import create_token
from wms.demo import bridge_token
from wms.models import AuditEvent, Move, PrintJob, Receipt, User

GS = "\x1d"
TEA = f"]C1010690123456789217271130{GS}10LJ2026-12"
SNACKS = f"]C10106901234567946{GS}17271130{GS}10LDG-9"
HONEY = f"]C10106901234567953{GS}17280101{GS}10FM-1"
CUP = "6901234567915"


class Station:
    """Scans at one station through the API, each with its own Idempotency-Key."""

    def __init__(self, api: Api, name: str) -> None:
        self.api, self.name, self.count = api, name, 0

    def scan(self, raw: str, **extra: Any) -> dict[str, Any]:
        self.count += 1
        reply = self.api.post(f"/stations/{self.name}/scans",
                              {"raw": raw, "device": self.name, **extra},
                              key=f"{self.name}-{self.count}")
        assert reply.status_code == 201, reply.get_json()
        return reply.get_json()


def as_admin(station_app: Any) -> Api:
    with station_app.extensions["wms.db"].write() as s:
        token = create_token(s, "admin")
    return Api(station_app.test_client(), token)


def jobs_of(station_app: Any) -> list[PrintJob]:
    with station_app.extensions["wms.db"].read() as s:
        jobs = list(s.scalars(select(PrintJob).order_by(PrintJob.id)))
        s.expunge_all()
    return jobs


def on_screen(station_app: Any, station: str) -> str:
    screen = screen_of(station_app)
    return text_of(screen.open(f"/stations/{station}").html)


# Finding 3: the inspection choice applies to the next scan only, and the screen says so.

def test_a_quarantine_choice_applies_to_the_next_scan_only(station_app: Any, bridge: Api,
                                                           ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    screen = screen_of(station_app)
    screen.open("/stations/dock")
    assert "Accepting" in on_screen(station_app, "dock")
    chosen = screen.client.post("/stations/dock/inspection",
                                data={"choice": "quarantine:damaged"},
                                headers={"X-CSRFToken": screen.csrf, "HX-Request": "true",
                                         "Accept-Language": "en"})
    assert chosen.status_code == 200, chosen.get_data(as_text=True)
    assert "Next scan: QUARANTINE – Damaged" in on_screen(station_app, "dock")
    assert dock.scan(HONEY)["message"] == "received_quarantine"
    assert "Accepting" in on_screen(station_app, "dock")
    assert dock.scan(HONEY)["message"] == "received_accept"  # minutes later: accepted
    assert ledger.units("QC-1", "HON-040", "FM-1") == 1
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 1
    assert bridge.get("/stations/dock").get_json()["inspection"] == "accept"


def test_a_refused_scan_leaves_the_quarantine_choice_for_the_next_good_scan(
        station_app: Any, bridge: Api, ledger: Any) -> None:
    from wms.services.stations import choose_inspection

    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    with station_app.extensions["wms.db"].write() as s:
        choose_inspection(s, station_app.extensions["wms.site"].stations["dock"], "reject",
                          "wrong_item", None)
    assert dock.scan("6901234567892")["message"] == "needs_lot_label"
    assert dock.scan(TEA)["message"] == "received_reject"
    assert dock.scan(TEA)["message"] == "received_accept"
    assert ledger.units("DOCK-1", "TEA-001", "LJ2026-12") == 1


# Finding 4: a quantity for the item just scanned; re-reads shown, never silently eaten.

def test_packing_55_units_takes_a_few_scans(station_app: Any, bridge: Api) -> None:
    admin = as_admin(station_app)
    made = admin.post("/sales-orders", {"number": "SO-55", "customer": "CUS-002",
                                        "lines": [{"sku": "CUP-010", "qty": 55}]})
    assert made.status_code == 201, made.get_json()
    pick_in_full(bridge, "SO-55")
    packing = Station(bridge, "packing")
    sign_in(bridge, "packing")
    assert packing.scan("SO-55")["message"] == "packing_order"
    assert packing.scan(CUP)["params"] == {"sku": "CUP-010", "done": 1, "of": 55}
    packed = packing.scan("x55")
    assert packed["message"] == "packed", packed
    assert packing.count == 3
    assert bridge.get("/sales-orders/SO-55").get_json()["status"] == "packed"


def test_a_receiver_scans_a_case_of_24_as_one_item_and_its_quantity(bridge: Api,
                                                                    ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    dock.scan(HONEY)
    counted = dock.scan("X24")
    assert counted["message"] == "received_accept" and counted["params"]["qty"] == 24
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 24
    assert bridge.get("/purchase-orders/PO-1001").get_json()["lines"][2]["received"] == 24


def test_a_quantity_over_what_the_order_allows_is_refused_and_changes_nothing(
        bridge: Api, ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    dock.scan(HONEY)
    assert dock.scan("x1")["message"] == "quantity_not_more"  # one is what was scanned
    over = dock.scan("*25")  # 24 ordered
    assert over["outcome"] == "error" and over["message"] == "over_receipt"
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 1
    assert dock.scan("x24")["params"]["qty"] == 24  # the scan's quantity is still open
    pick_in_full(bridge, "SO-2003")  # 2 x POT-020, 1 x MAT-050
    packing = Station(bridge, "packing")
    sign_in(bridge, "packing")
    packing.scan("SO-2003")
    packing.scan("6901234567922")
    extra = packing.scan("x3")
    assert extra["outcome"] == "error" and extra["message"] == "extra_item"
    assert bridge.get("/stations/packing").get_json()["verified"] == {"POT-020": 1}


def test_a_quantity_before_any_item_is_refused(bridge: Api, ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    refused = dock.scan("x24")
    assert refused["outcome"] == "error" and refused["message"] == "scan_item_before_quantity"
    assert ledger.units("DOCK-1", "HON-040") == 0


def test_a_quantity_keyed_on_the_station_number_pad_counts_like_a_scanned_one(
        station_app: Any, bridge: Api, ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    dock.scan(HONEY)
    screen = screen_of(station_app)
    page = screen.open("/stations/dock")
    assert "How many HON-040 in all (or scan x24)?" in page.text
    reply = screen.client.post("/stations/dock/scan", data={"qty": "12", "scan_id": "pad-1"},
                               headers={"X-CSRFToken": screen.csrf, "HX-Request": "true"})
    assert reply.status_code == 200
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 12


def test_a_re_read_the_scanner_ignored_is_shown_at_the_station_and_changes_nothing(
        station_app: Any, bridge: Api, ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    dock.scan(HONEY)
    repeat = dock.scan(HONEY, ignored="repeat")
    assert (repeat["outcome"], repeat["message"]) == ("info", "repeat_ignored")
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 1
    assert "Same code read again: not counted" in on_screen(station_app, "dock")


# Finding 5: one receipt, one set of documents, whoever books it.

def _documents(jobs: list[PrintJob]) -> Counter[tuple[str, str]]:
    return Counter((job.document, job.title) for job in jobs)


def test_a_station_receipt_queues_the_same_documents_as_the_api_receipt(
        station_app: Any, bridge: Api) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    dock.scan(TEA)
    dock.scan(SNACKS)
    closed = dock.scan("DONE")
    assert closed["message"] == "order_closed" and closed["params"]["jobs"]
    at_station = jobs_of(station_app)
    reply = bridge.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1001",
                                      "lines": [
        {"sku": "TEA-001", "qty": 1, "lot": "LJ2026-12", "expiry": "2027-11-30"},
        {"sku": "SNK-030", "qty": 1, "lot": "LDG-9", "expiry": "2027-11-30"}]}, key="api-1")
    assert reply.status_code == 201, reply.get_json()
    through_api = [job for job in jobs_of(station_app) if job.id > at_station[-1].id]
    assert _documents(at_station) == _documents(through_api) == Counter({
        ("lot_label", "TEA-001 LJ2026-12"): 1, ("lot_label", "SNK-030 LDG-9"): 1,
        ("receiving_note", "PO-1001"): 1})
    notes = [job.data for job in at_station + through_api if job.document == "receiving_note"]
    assert notes[0]["lines"] == notes[1]["lines"]


def test_a_four_line_receipt_at_the_station_queues_one_receiving_note(station_app: Any,
                                                                      bridge: Api) -> None:
    with station_app.extensions["wms.db"].read() as s:
        before = len(s.scalars(select(Receipt)).all())
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    for raw in (TEA, SNACKS, HONEY, TEA):
        assert dock.scan(raw)["outcome"] == "ok"
    assert [job.document for job in jobs_of(station_app)] == ["lot_label"] * 4
    dock.scan("PO-1002")  # the next delivery closes this receipt
    notes = [job for job in jobs_of(station_app) if job.document == "receiving_note"]
    assert len(notes) == 1 and len(notes[0].data["lines"]) == 4
    with station_app.extensions["wms.db"].read() as s:
        assert len(s.scalars(select(Receipt)).all()) == before + 1  # this one only


def test_packing_at_the_station_queues_the_same_documents_as_packing_through_the_api(
        station_app: Any, bridge: Api) -> None:
    pick_in_full(bridge, "SO-2003")
    packing = Station(bridge, "packing")
    sign_in(bridge, "packing")
    for raw in ("SO-2003", "6901234567922", "x2", "6901234567960"):
        packing.scan(raw)
    at_station = jobs_of(station_app)
    admin = as_admin(station_app)
    made = admin.post("/sales-orders", {"number": "SO-9", "customer": "CUS-003",
                                        "lines": [{"sku": "POT-020", "qty": 2},
                                                  {"sku": "MAT-050", "qty": 1}]})
    assert made.status_code == 201, made.get_json()
    pick_in_full(bridge, "SO-9")
    assert bridge.post("/sales-orders/SO-9/pack", key="pack-9").status_code == 200
    through_api = [job for job in jobs_of(station_app) if job.id > at_station[-1].id]
    kinds = sorted(job.document for job in at_station)
    assert kinds == sorted(job.document for job in through_api) == ["packing_slip",
                                                                     "shipping_label"]
    slips = [job.data for job in at_station + through_api if job.document == "packing_slip"]
    assert slips[0]["lines"] == slips[1]["lines"]


# Finding 9: a station works for the person signed in at it.

def test_a_station_refuses_scans_until_someone_scans_their_badge(bridge: Api,
                                                                 ledger: Any) -> None:
    dock = Station(bridge, "dock")
    refused = dock.scan("PO-1001")
    assert refused["outcome"] == "error" and refused["message"] == "scan_badge_first"
    assert bridge.get("/stations/dock").get_json()["order"] is None
    assert dock.scan("BADGE-0002")["message"] == "signed_in"
    assert dock.scan("PO-1001")["message"] == "receiving_order"


def test_a_person_who_may_not_receive_cannot_sign_in_at_the_dock(bridge: Api) -> None:
    dock = Station(bridge, "dock")
    clerk = dock.scan("BADGE-0004")
    assert clerk["outcome"] == "error" and clerk["message"] == "badge_not_allowed"
    assert dock.scan("PO-1001")["message"] == "scan_badge_first"


def test_receipts_packs_and_their_documents_name_the_person_signed_in_at_the_station(
        station_app: Any) -> None:
    with station_app.extensions["wms.db"].write() as s:
        scanner_bridge = Api(station_app.test_client(), bridge_token(s, ("dock", "packing")))
        zhang = s.scalar(select(User).where(User.username == "zhang"))
        assert zhang is not None
        person, name = zhang.id, zhang.display_name
    dock = Station(scanner_bridge, "dock")
    assert dock.scan("BADGE-0002")["params"] == {"name": name}
    dock.scan("PO-1001")
    dock.scan(TEA)
    dock.scan("DONE")
    pick_in_full(as_admin(station_app), "SO-2003")
    packing = Station(scanner_bridge, "packing")
    packing.scan("BADGE-0002")
    for raw in ("SO-2003", "6901234567922", "6901234567922", "6901234567960"):
        packing.scan(raw)
    assert packing.scan("SO-2003")["message"] == "packed_already"
    notes = {job.document: job.data for job in jobs_of(station_app)}
    assert notes["receiving_note"]["receiver"] == name
    assert notes["packing_slip"]["packer"] == name
    with station_app.extensions["wms.db"].read() as s:
        receipt = s.scalars(select(Receipt).order_by(Receipt.id.desc())).first()
        assert receipt is not None and receipt.user_id == person
        received = s.scalars(select(Move).where(Move.kind == "receive")
                             .order_by(Move.id.desc())).first()
        assert received is not None and received.user_id == person
        packed = s.scalar(select(AuditEvent).where(AuditEvent.action == "sales_order.pack"))
        assert packed is not None and packed.user_id == person


def test_signing_out_at_the_station_refuses_the_next_scan(station_app: Any, bridge: Api,
                                                          ledger: Any) -> None:
    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    dock.scan("PO-1001")
    dock.scan(HONEY)
    screen = screen_of(station_app)
    page = screen.open("/stations/dock")
    assert "Sign out of this station" in page.text
    screen.client.post("/stations/dock/scan", data={"scan": "SIGNOUT", "scan_id": "out-1"},
                       headers={"X-CSRFToken": screen.csrf, "HX-Request": "true"})
    assert "Scan your badge to start" in on_screen(station_app, "dock")
    assert dock.scan(HONEY)["message"] == "scan_badge_first"
    assert ledger.units("DOCK-1", "HON-040", "FM-1") == 1
    notes = [job for job in jobs_of(station_app) if job.document == "receiving_note"]
    assert len(notes) == 1  # signing out closes the receipt that person was taking


def test_a_badge_sign_in_at_a_station_lasts_one_shift(station_app: Any, bridge: Api) -> None:
    from wms.models import StationState

    dock = Station(bridge, "dock")
    sign_in(bridge, "dock")
    with station_app.extensions["wms.db"].write() as s:
        state = s.get(StationState, ("main", "dock"))
        assert state is not None
        person = dict(state.data["person"])
        person["since"] = (datetime.now(UTC) - timedelta(hours=11)).isoformat()
        state.data = {**state.data, "person": person}
    assert dock.scan("PO-1001")["message"] == "scan_badge_first"
    assert bridge.get("/stations/dock").get_json()["signed_in"] is None
