"""The print queue: documents are queued with the work that makes them, and the worker
prints each exactly once, in order, whatever the printer does meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from printing.printers import MemoryPrinter
from printing.worker import PrintWorker
from tests.conftest import Api
from tests.support.builders import Builder
from wms.db import Database
from wms.models import PrintJob, utcnow
from wms.site_config import load_site_config

CONFIG = """
[printers.dock]
backend = "directory"
target = "{folder}/dock"
paper = 58
auto = ["lot_label", "receiving_note"]

[printers.packing]
backend = "dummy"
paper = 80
auto = ["packing_slip", "shipping_label"]
"""


@pytest.fixture
def site_file(tmp_path: Path) -> Path:
    (tmp_path / "dock").mkdir()
    path = tmp_path / "wms.toml"
    path.write_text(CONFIG.format(folder=tmp_path), encoding="utf-8")
    return path


@pytest.fixture
def printing_api(database_url: str, site_file: Path, build: Builder) -> Iterator[Api]:
    from terminal_ui import create_app

    app = create_app({"database_url": database_url, "config_path": str(site_file)})
    yield Api(app.test_client(), build.user("printer-admin", "admin"))
    app.extensions["wms.db"].dispose()


@pytest.fixture
def worker(db: Database, site_file: Path) -> PrintWorker:
    return PrintWorker(db, load_site_config(site_file), lease=timedelta(seconds=30))


def jobs(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as s:
        return [(j.document, j.printer, j.status)
                for j in s.scalars(select(PrintJob).order_by(PrintJob.id))]


def drain(worker: PrintWorker) -> int:
    handled = 0
    while worker.work_once():
        handled += 1
    return handled


def stocked(build: Builder) -> None:
    build.warehouse("WH1", bins=3)
    build.item("TEA", name="西湖龙井（特级）", name_en="Longjing tea", tracking="lot",
               expiry=True, barcodes=["6901234567892"])
    build.supplier("SUP-1", "杭州茶业")


def receive_po(api: Api, qty: int = 10) -> Any:
    api.post("/purchase-orders", {"number": "PO-1", "supplier": "SUP-1",
                                  "lines": [{"sku": "TEA", "qty": 10}]})
    return api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1", "lines": [
        {"sku": "TEA", "qty": qty, "lot": "L1", "expiry": "2027-10-01"}]})


@pytest.mark.usefixtures("cjk_font")
def test_a_receipt_queues_lot_labels_and_a_receiving_note_for_the_dock_printer(
    printing_api: Api, build: Builder, db: Database, worker: PrintWorker, site_file: Path
) -> None:
    stocked(build)
    r = receive_po(printing_api)
    assert r.status_code == 201
    assert len(r.get_json()["print_jobs"]) == 2
    assert jobs(db) == [("lot_label", "dock", "queued"), ("receiving_note", "dock", "queued")]
    assert drain(worker) == 2
    assert jobs(db) == [("lot_label", "dock", "printed"), ("receiving_note", "dock", "printed")]
    printed = sorted(p.name for p in (site_file.parent / "dock").iterdir())
    assert printed == ["000001-lot_label.bin", "000001-lot_label.png",
                       "000002-receiving_note.bin", "000002-receiving_note.png"]
    label = (site_file.parent / "dock" / "000001-lot_label.bin").read_bytes()
    assert "西湖龙井（特级）".encode("gb18030") in label
    assert (site_file.parent / "dock" / "000001-lot_label.png").read_bytes()[:8] == \
        b"\x89PNG\r\n\x1a\n"


def test_work_that_fails_queues_nothing(printing_api: Api, build: Builder,
                                        db: Database) -> None:
    stocked(build)
    r = receive_po(printing_api, qty=11)
    assert r.status_code == 409
    assert jobs(db) == []


def test_a_job_queued_in_a_transaction_that_rolls_back_is_never_printed(
    db: Database, worker: PrintWorker
) -> None:
    from wms.services.print_jobs import enqueue

    with pytest.raises(RuntimeError), db.write() as s:
        enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="dock",
                gateway="main", user_id=None)
        raise RuntimeError("the work failed after queueing")
    assert jobs(db) == []
    assert drain(worker) == 0


def test_a_worker_prints_only_its_own_gateways_jobs_though_the_printers_share_a_name(
    db: Database, worker: PrintWorker, site_file: Path
) -> None:
    from wms.services.print_jobs import enqueue

    with db.write() as s:
        theirs = enqueue(s, document="bin_label", data={"code": "B-01-01-01"}, printer="dock",
                         gateway="south", user_id=None).id
        mine = enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="dock",
                       gateway="main", user_id=None).id
    assert drain(worker) == 1
    folder = site_file.parent / "dock"
    assert sorted(p.name for p in folder.glob("*.bin")) == [f"{mine:06d}-bin_label.bin"]
    south = PrintWorker(db, load_site_config(site_file, "south"), lease=timedelta(seconds=30))
    assert drain(south) == 1
    assert sorted(p.name for p in folder.glob("*.bin")) == sorted(
        f"{job:06d}-bin_label.bin" for job in (mine, theirs))
    with db.read() as s:
        assert {j.id: (j.gateway, j.status) for j in s.scalars(select(PrintJob))} == {
            mine: ("main", "printed"), theirs: ("south", "printed")}


def test_a_printer_that_fails_three_times_then_works_prints_each_job_once_in_order(
    db: Database, worker: PrintWorker
) -> None:
    from wms.services.print_jobs import enqueue

    with db.write() as s:
        for code in ("A-01-01-01", "A-01-02-01", "A-01-03-01"):
            enqueue(s, document="bin_label", data={"code": code}, printer="packing",
                    gateway="main", user_id=None)
    printer = worker.backends["packing"]
    assert isinstance(printer, MemoryPrinter)
    printer.fail_next = 3
    for _ in range(3):
        assert worker.work_once()
        with db.write() as s:  # the back-off has passed
            for job in s.scalars(select(PrintJob)):
                job.next_attempt_at = utcnow() - timedelta(seconds=1)
    assert drain(worker) == 3
    assert [name for name, _ in printer.received] == [
        "000001-bin_label", "000002-bin_label", "000003-bin_label"]
    with db.read() as s:
        first = s.get(PrintJob, 1)
        assert first is not None and first.attempts == 4 and first.status == "printed"
    assert b"A-01-01-01" in printer.received[0][1]


def test_an_unplugged_printer_keeps_its_jobs_and_prints_them_when_it_returns(
    db: Database, worker: PrintWorker, site_file: Path
) -> None:
    from wms.services.print_jobs import enqueue

    folder = site_file.parent / "dock"
    folder.rmdir()
    with db.write() as s:
        enqueue(s, document="bin_label", data={"code": "B-01-01-01"}, printer="dock",
                gateway="main", user_id=None)
    assert worker.work_once()
    with db.read() as s:
        job = s.get(PrintJob, 1)
        assert job is not None and job.status == "queued"
        assert "not there" in (job.last_error or "")
        assert job.error_reason == "not_connected"
        assert job.next_attempt_at > utcnow()
    folder.mkdir()
    with db.write() as s:
        job = s.get(PrintJob, 1)
        assert job is not None
        job.next_attempt_at = utcnow()
    assert drain(worker) == 1
    assert (folder / "000001-bin_label.bin").exists()
    assert jobs(db) == [("bin_label", "dock", "printed")]
    with db.read() as s:
        job = s.get(PrintJob, 1)
        assert job is not None and (job.last_error, job.error_reason) == (None, None)


def test_a_job_whose_worker_died_while_sending_is_printed_by_the_next_worker(
    db: Database, site_file: Path
) -> None:
    from wms.services.print_jobs import claim_next, enqueue

    with db.write() as s:
        enqueue(s, document="bin_label", data={"code": "C-01-01-01"}, printer="packing",
                gateway="main", user_id=None)
    with db.write() as s:  # a worker takes the job and is killed before it reports back
        claimed = claim_next(s, "main", ["packing"], utcnow(), timedelta(seconds=30))
        assert claimed is not None
    survivor = PrintWorker(db, load_site_config(site_file), lease=timedelta(seconds=30))
    assert not survivor.work_once()  # the dead worker's lease still holds
    with db.write() as s:
        job = s.get(PrintJob, 1)
        assert job is not None
        job.lease_until = utcnow() - timedelta(seconds=1)
    assert survivor.work_once()
    printer = survivor.backends["packing"]
    assert isinstance(printer, MemoryPrinter)
    assert [name for name, _ in printer.received] == ["000001-bin_label"]
    assert jobs(db) == [("bin_label", "packing", "printed")]


def test_packing_an_order_queues_a_packing_slip_and_a_shipping_label(
    printing_api: Api, build: Builder, db: Database, worker: PrintWorker
) -> None:
    stocked(build)
    receive_po(printing_api)
    printing_api.post("/moves", {"sku": "TEA", "qty": 10, "from": "DOCK-1", "to": "A-01-01-01"})
    build.sales_order("SO-1", [("TEA", 4)], customer="CUS-1")
    task = printing_api.post("/sales-orders/SO-1/pick-list").get_json()["tasks"][0]
    printing_api.post(f"/pick-tasks/{task['id']}/confirm",
                      {"location": task["location"], "sku": "TEA", "qty": 4})
    r = printing_api.post("/sales-orders/SO-1/pack")
    assert r.status_code == 200 and len(r.get_json()["print_jobs"]) == 2
    drain(worker)
    printer = worker.backends["packing"]
    assert isinstance(printer, MemoryPrinter)
    assert [name.split("-", 1)[1] for name, _ in printer.received] == [
        "packing_slip", "shipping_label"]
    slip = printer.received[0][1]
    assert "西湖龙井（特级）".encode("gb18030") in slip and b"L1" in slip


EVENING_UTC = datetime(2026, 11, 28, 18, 30, 5, tzinfo=UTC)


def test_a_packing_slip_prints_the_time_in_the_warehouse_zone(
    printing_api: Api, build: Builder, db: Database, worker: PrintWorker,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMS_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setattr("wms.services.print_jobs.utcnow", lambda: EVENING_UTC)
    stocked(build)
    receive_po(printing_api)
    printing_api.post("/moves", {"sku": "TEA", "qty": 10, "from": "DOCK-1", "to": "A-01-01-01"})
    build.sales_order("SO-1", [("TEA", 4)], customer="CUS-1")
    task = printing_api.post("/sales-orders/SO-1/pick-list").get_json()["tasks"][0]
    printing_api.post(f"/pick-tasks/{task['id']}/confirm",
                      {"location": task["location"], "sku": "TEA", "qty": 4})
    assert printing_api.post("/sales-orders/SO-1/pack").status_code == 200
    with db.read() as s:
        slip_job = s.scalars(select(PrintJob).where(PrintJob.document == "packing_slip")).one()
        assert datetime.fromisoformat(slip_job.data["at"]) == EVENING_UTC
    drain(worker)
    printer = worker.backends["packing"]
    assert isinstance(printer, MemoryPrinter)
    [slip] = [data for name, data in printer.received if name.endswith("-packing_slip")]
    assert "时间 Time: 2026-11-29 02:30".encode("gb18030") in slip
    assert b"18:30" not in slip and b"UTC" not in slip


@pytest.mark.usefixtures("cjk_font")
def test_a_receiving_note_prints_the_time_in_the_warehouse_zone(
    printing_api: Api, build: Builder, db: Database, worker: PrintWorker, site_file: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMS_TIMEZONE", "Europe/Berlin")
    monkeypatch.setattr("wms.services.receiving.utcnow", lambda: EVENING_UTC)
    stocked(build)
    assert receive_po(printing_api).status_code == 201
    drain(worker)
    [note_file] = (site_file.parent / "dock").glob("*-receiving_note.bin")
    note = note_file.read_bytes()
    assert b"2026-11-28 19:30" in note and b"18:30" not in note


def test_jobs_can_be_listed_reprinted_and_cancelled_through_the_api(
    printing_api: Api, db: Database, worker: PrintWorker
) -> None:
    r = printing_api.post("/print-jobs", {"document": "bin_label", "printer": "packing",
                                          "data": {"code": "A-01-01-01"}, "copies": 2})
    assert r.status_code == 201 and [j["status"] for j in r.get_json()] == ["queued"] * 2
    second = r.get_json()[1]["id"]
    assert printing_api.post(f"/print-jobs/{second}/cancel").get_json()["status"] == \
        "cancelled"
    assert drain(worker) == 1
    again = printing_api.post("/print-jobs/1/reprint")
    assert again.status_code == 201
    assert drain(worker) == 1
    listed = printing_api.get("/print-jobs").get_json()
    assert [(j["id"], j["status"]) for j in listed] == [
        (3, "printed"), (2, "cancelled"), (1, "printed")]
    assert printing_api.post(f"/print-jobs/{second}/cancel").status_code == 409
    unknown = printing_api.post("/print-jobs", {"document": "bin_label", "printer": "nope",
                                                "data": {"code": "X"}})
    assert unknown.status_code == 422
    printer = worker.backends["packing"]
    assert isinstance(printer, MemoryPrinter)
    assert printer.received[0][1] == printer.received[1][1]


def test_a_reprint_asked_for_at_another_gateway_prints_on_the_jobs_own_gateway(
    printing_api: Api, db: Database, worker: PrintWorker
) -> None:
    from wms.services.print_jobs import enqueue

    with db.write() as s:
        theirs = enqueue(s, document="bin_label", data={"code": "B-01-01-01"},
                         printer="packing", gateway="south", user_id=None).id
    again = printing_api.post(f"/print-jobs/{theirs}/reprint").get_json()
    assert (again["printer"], again["gateway"]) == ("packing", "south")
    assert drain(worker) == 0  # main's worker leaves south's jobs alone


def test_a_job_whose_data_cannot_be_drawn_fails_visibly_and_has_no_broken_preview(
    printing_api: Api, db: Database, worker: PrintWorker
) -> None:
    r = printing_api.post("/print-jobs", {"document": "lot_label", "printer": "packing",
                                          "data": {"name": "no SKU given"}})
    assert r.status_code == 201
    job_id = r.get_json()[0]["id"]
    preview = printing_api.client.get(f"/api/v1/print-jobs/{job_id}/preview.png",
                                      headers={"Authorization": f"Bearer {printing_api.token}"})
    assert preview.status_code == 422
    assert "cannot be drawn" in preview.get_json()["error"]["message"]
    assert worker.work_once()
    failed = printing_api.get(f"/print-jobs/{job_id}").get_json()
    assert failed["status"] == "failed" and "cannot render" in failed["last_error"]
    printer = worker.backends["packing"]
    assert isinstance(printer, MemoryPrinter) and printer.received == []


def test_without_a_cjk_font_a_job_still_prints_only_its_preview_is_missing(
    db: Database, worker: PrintWorker, site_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from printing.fonts import cjk_font, find_cjk_font
    from wms.services.print_jobs import enqueue

    monkeypatch.setenv("WMS_FONT_DIRS", str(site_file.parent / "no-fonts-here"))
    find_cjk_font.cache_clear()
    cjk_font.cache_clear()
    try:
        with db.write() as s:
            enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="dock",
                    gateway="main", user_id=None)
        assert worker.work_once()
    finally:
        find_cjk_font.cache_clear()
        cjk_font.cache_clear()
    folder = site_file.parent / "dock"
    assert sorted(p.name for p in folder.iterdir()) == ["000001-bin_label.bin"]
    assert jobs(db) == [("bin_label", "dock", "printed")]
