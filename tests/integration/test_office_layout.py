"""The office's warehouses and bins, on both engines: warehouses created and renamed, the
layout generator's preview and creation, bins edited one at a time and many at once, bin
labels queued for many bins, and the roles that may see and change them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from wms.db import Database
from wms.models import AuditEvent, Location, PrintJob

CONFIG = """
[printers.labels]
backend = "dummy"
paper = 58
"""


@pytest.fixture
def office_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text(CONFIG, encoding="utf-8")
    app = create_app({"database_url": database_url, "config_path": str(config),
                      "SECRET_KEY": "test-secret", "TESTING": True})
    yield app
    app.extensions["wms.db"].dispose()


@pytest.fixture
def office_as(office_app: Any, build: Builder) -> Callable[..., OfficeBrowser]:
    """office_as("clerk") -> a browser signed in as a new user with that role."""

    def signed_in(role: str, language: str = "en") -> OfficeBrowser:
        build.user(f"{role}-1", role)
        browser = OfficeBrowser(office_app.test_client(), language)
        assert browser.sign_in(f"{role}-1").status_code == 302
        return browser

    return signed_in


def bins_of(db: Database, warehouse_id: int | None = None) -> list[tuple[str, int]]:
    with db.read() as s:
        query = select(Location.code, Location.walk_seq).where(Location.kind == "storage")
        return [tuple(row) for row in s.execute(query.order_by(Location.walk_seq))]


def audit(db: Database, action: str) -> list[tuple[str, Any]]:
    with db.read() as s:
        return [(e.subject, e.details) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_a_clerk_creates_a_warehouse_and_renames_it_with_old_and_new_in_the_audit(
        office_as: Callable[..., OfficeBrowser], db: Database) -> None:
    clerk = office_as("clerk")
    clerk.get("/office/warehouses")
    made = clerk.post("/office/warehouses", {"code": "wh9", "name": "南仓"},
                      follow=True)
    assert made.status_code == 200
    page = made.get_data(as_text=True)
    assert "Warehouse WH9 created" in page and "南仓" in page
    clerk.post("/office/warehouses/WH9/name", {"name": "南仓 South"})
    listed = clerk.get("/office/warehouses").get_data(as_text=True)
    assert "南仓 South" in listed
    assert audit(db, "warehouse.update") == [
        ("WH9", {"old": {"name": "南仓"}, "new": {"name": "南仓 South"}})]


def test_a_taken_or_bad_warehouse_code_is_refused_with_a_message_and_nothing_changes(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=1)
    clerk = office_as("clerk")
    clerk.get("/office/warehouses")
    taken = clerk.post("/office/warehouses", {"code": "WH1", "name": "二次仓"})
    assert taken.status_code == 422
    assert "Warehouse WH1 exists already" in taken.get_data(as_text=True)
    bad = clerk.post("/office/warehouses", {"code": "仓 1", "name": "x"})
    assert bad.status_code == 422
    assert "Code: 1 to 20 letters, digits, - or _" in bad.get_data(as_text=True)
    assert audit(db, "warehouse.create") == []
    assert "二次仓" not in clerk.get("/office/warehouses").get_data(as_text=True)


def preview_rows(page: str) -> list[tuple[str, int]]:
    return [(code, int(seq)) for seq, code in re.findall(
        r'<tr data-code="[^"]+"><td class="num">(\d+)</td><td>([^<]+)</td>', page)]


def test_the_generator_preview_writes_nothing_and_create_writes_exactly_what_it_showed(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=2)  # A-01-01-01 and A-01-02-01, walking order 1 and 2
    clerk = office_as("clerk")
    form = clerk.get("/office/warehouses/WH1/layout").get_data(as_text=True)
    assert 'name="start_seq" value="3"' in form  # after the bins already there
    asked = {"zones": "b, c", "aisles": "2", "bays": "3", "levels": "2", "start_seq": "3",
             "capacity": "40", "kind": "storage", "preview": "1"}
    before = bins_of(db)
    preview = clerk.post("/office/warehouses/WH1/layout", asked, headers={"HX-Request": "true"})
    assert preview.status_code == 200
    assert preview.headers["Vary"] == "HX-Request" or "HX-Request" in preview.headers["Vary"]
    page = preview.get_data(as_text=True)
    assert page.lstrip().startswith('<section id="preview"')  # the partial alone
    shown = preview_rows(page)
    assert len(shown) == 24 and 'data-bins="24"' in page
    assert "zone B 12, zone C 12" in page and "walking order 3 to 26" in page
    assert shown[:8] == [("B-01-01-01", 3), ("B-01-01-02", 4), ("B-01-02-01", 5),
                         ("B-01-02-02", 6), ("B-01-03-01", 7), ("B-01-03-02", 8),
                         ("B-02-03-01", 9), ("B-02-03-02", 10)]  # aisle 2 walked back
    assert bins_of(db) == before and audit(db, "layout.create") == []
    asked.pop("preview")
    created = clerk.post("/office/warehouses/WH1/layout", {**asked, "create": "1"},
                         follow=True)
    assert "24 bins created, walking order 3 to 26" in created.get_data(as_text=True)
    assert bins_of(db) == before + shown
    with db.read() as s:
        assert set(s.scalars(select(Location.capacity).where(
            Location.code.like("B-%")))) == {40}
    [(subject, details)] = audit(db, "layout.create")
    assert subject == "WH1" and details["new"]["bins"] == 24


def test_a_layout_with_codes_that_exist_is_refused_and_writes_nothing(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=2)
    clerk = office_as("clerk")
    clerk.get("/office/warehouses/WH1/layout")
    asked = {"zones": "A", "aisles": "1", "bays": "3", "levels": "1"}
    preview = clerk.post("/office/warehouses/WH1/layout", {**asked, "preview": "1"})
    page = preview.get_data(as_text=True)
    assert "2 of these bins exist already (the first is A-01-01-01)" in page
    assert "Create these" not in page
    before = bins_of(db)
    refused = clerk.post("/office/warehouses/WH1/layout", {**asked, "create": "1"})
    assert refused.status_code == 422
    assert "2 of these bins exist already (the first is A-01-01-01): nothing was created" \
        in refused.get_data(as_text=True)
    assert bins_of(db) == before


@pytest.mark.parametrize(("asked", "message"), [
    ({"zones": "A", "aisles": "0", "bays": "1", "levels": "1"}, "Aisles: a whole number"),
    ({"zones": "dock", "aisles": "1", "bays": "1", "levels": "1"}, "Zones: one or more"),
    ({"zones": "A", "aisles": "1", "bays": "100", "levels": "1"}, "Bays: a whole number"),
    ({"zones": "A", "aisles": "x", "bays": "1", "levels": "1"}, "Aisles: a whole number"),
    ({"zones": "A B C", "aisles": "99", "bays": "99", "levels": "9"}, "At most 20000 bins"),
    ({"zones": "A", "aisles": "1", "bays": "1", "levels": "1", "capacity": "-4"},
     "Capacity: a whole number"),
])
def test_bad_generator_input_is_refused_with_a_message_and_nothing_is_written(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database,
        asked: dict[str, str], message: str) -> None:
    build.warehouse("WH1", bins=1)
    clerk = office_as("clerk")
    clerk.get("/office/warehouses/WH1/layout")
    for button in ("preview", "create"):
        refused = clerk.post("/office/warehouses/WH1/layout", {**asked, button: "1"})
        assert refused.status_code == 422
        assert message in refused.get_data(as_text=True)
    assert bins_of(db) == [("A-01-01-01", 1)]


def test_ticked_bins_are_blocked_and_unblocked_together_with_old_and_new_in_the_audit(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    codes = build.warehouse("WH1", bins=4)
    clerk = office_as("clerk")
    clerk.get("/office/warehouses/WH1")
    back = "/office/warehouses/WH1?blocked=yes"
    blocked = clerk.post("/office/warehouses/WH1/bins", {
        "bin": codes[1:3], "action": "block", "back": back}, follow=False)
    assert blocked.status_code == 303 and blocked.headers["Location"].endswith(back)
    page = clerk.get(back).get_data(as_text=True)
    assert "2 bins changed" in page
    assert re.findall(r'name="bin" value="([^"]+)"', page) == codes[1:3]
    assert audit(db, "location.update") == [
        (codes[1], {"old": {"blocked": False}, "new": {"blocked": True}}),
        (codes[2], {"old": {"blocked": False}, "new": {"blocked": True}})]
    clerk.post("/office/warehouses/WH1/bins", {"bin": codes, "action": "unblock"})
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Location.blocked.is_(True))) == 0
    capacity = clerk.post("/office/warehouses/WH1/bins", {
        "bin": codes[:2], "action": "capacity", "capacity": "7"}, follow=True)
    assert "2 bins changed" in capacity.get_data(as_text=True)
    refused = clerk.post("/office/warehouses/WH1/bins", {
        "bin": codes[:2], "action": "capacity", "capacity": "-1"}, follow=True)
    assert "Capacity: a whole number of at least 0" in refused.get_data(as_text=True)
    none = clerk.post("/office/warehouses/WH1/bins", {"action": "block"},
                      follow=True)
    assert "Choose at least one bin" in none.get_data(as_text=True)
    with db.read() as s:
        capacities = {code: cap for code, cap in s.execute(select(
            Location.code, Location.capacity).where(Location.code.in_(codes)))}
    assert capacities == {codes[0]: 7, codes[1]: 7, codes[2]: 100, codes[3]: 100}


def test_a_bin_edit_saves_capacity_kind_and_block_and_refuses_bad_input(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    codes = build.warehouse("WH1", bins=1)
    clerk = office_as("clerk")
    page = clerk.get(f"/office/bins/{codes[0]}").get_data(as_text=True)
    assert 'name="capacity"' in page and 'value="100"' in page
    saved = clerk.post(f"/office/bins/{codes[0]}", {"capacity": "", "kind": "staging",
                                                     "blocked": "on"}, follow=True)
    assert "Saved" in saved.get_data(as_text=True)
    with db.read() as s:
        location = s.scalar(select(Location).where(Location.code == codes[0]))
        assert (location.capacity, location.kind, location.blocked) == (None, "staging", True)
    assert audit(db, "location.update")[-1] == (codes[0], {
        "old": {"capacity": 100, "kind": "storage", "blocked": False},
        "new": {"capacity": None, "kind": "staging", "blocked": True}})
    for data, message in (({"capacity": "lots", "kind": "storage"}, "Capacity: a whole"),
                          ({"capacity": "5", "kind": "attic"}, "Kind: choose one")):
        refused = clerk.post(f"/office/bins/{codes[0]}", data)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    with db.read() as s:
        location = s.scalar(select(Location).where(Location.code == codes[0]))
        assert (location.capacity, location.kind) == (None, "staging")
    assert clerk.get("/office/bins/NOPE-1").status_code == 404


def test_the_bin_list_filters_by_zone_kind_and_block_pages_and_exports(
        office_as: Callable[..., OfficeBrowser], build: Builder) -> None:
    build.warehouse("WH1", bins=60)
    build.location("B-01-01-01", warehouse="WH1", zone="B", kind="storage", walk_seq=61,
                   blocked=True)
    clerk = office_as("clerk", "zh")
    first = clerk.get("/office/warehouses/WH1").get_data(as_text=True)
    assert 'data-total="64"' in first  # 61 bins, a dock, packing and quarantine
    assert len(re.findall(r'name="bin" value=', first)) == 50
    second = clerk.get("/office/warehouses/WH1?page=2").get_data(as_text=True)
    assert len(re.findall(r'name="bin" value=', second)) == 14
    zone_b = clerk.get("/office/warehouses/WH1?zone=B").get_data(as_text=True)
    assert re.findall(r'name="bin" value="([^"]+)"', zone_b) == ["B-01-01-01"]
    docks = clerk.get("/office/warehouses/WH1?kind=dock").get_data(as_text=True)
    assert re.findall(r'name="bin" value="([^"]+)"', docks) == ["DOCK-1"]
    partial = clerk.get("/office/warehouses/WH1?blocked=yes", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<div id="bins">')
    exported = clerk.get("/office/warehouses/WH1?zone=A&format=csv")
    assert exported.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["货位", "库区"] and len(rows) == 61
    xlsx = clerk.get("/office/warehouses/WH1?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_a_label_batch_queues_one_bin_label_job_per_ticked_bin(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    codes = build.warehouse("WH1", bins=5)
    clerk = office_as("clerk")
    page = clerk.get("/office/warehouses/WH1").get_data(as_text=True)
    assert '<option value="labels">labels</option>' in page
    queued = clerk.post("/office/warehouses/WH1/bins", {
        "bin": codes[:3], "action": "labels", "printer": "labels"}, follow=True)
    assert "3 bin labels queued for printer labels" in queued.get_data(as_text=True)
    with db.read() as s:
        jobs = s.scalars(select(PrintJob).order_by(PrintJob.id)).all()
        assert [(j.document, j.printer, j.data["code"], j.status) for j in jobs] == [
            ("bin_label", "labels", code, "queued") for code in codes[:3]]
    refused = clerk.post("/office/warehouses/WH1/bins", {
        "bin": codes[:3], "action": "labels", "printer": "nope"}, follow=True)
    assert "Choose a printer" in refused.get_data(as_text=True)
    with db.read() as s:
        assert s.scalar(select(func.count(PrintJob.id))) == 3


def test_a_supervisor_sees_bins_but_may_not_change_them_and_an_operator_is_refused(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    codes = build.warehouse("WH1", bins=2)
    supervisor = office_as("supervisor")
    page = supervisor.get("/office/warehouses/WH1")
    assert page.status_code == 200 and codes[0] in page.get_data(as_text=True)
    assert 'name="bin"' not in page.get_data(as_text=True)
    assert supervisor.get(f"/office/bins/{codes[0]}").status_code == 200
    for path, data in (("/office/warehouses/WH1/bins", {"bin": codes, "action": "block"}),
                       (f"/office/bins/{codes[0]}", {"capacity": "1", "kind": "storage"}),
                       ("/office/warehouses", {"code": "WH7", "name": "x"}),
                       ("/office/warehouses/WH1/layout", {"zones": "C", "aisles": "1",
                                                          "bays": "1", "levels": "1",
                                                          "create": "1"})):
        assert supervisor.post(path, data).status_code == 403, path
    assert supervisor.get("/office/warehouses/WH1/layout").status_code == 403
    operator = office_as("operator")
    for path in ("/office/warehouses", "/office/warehouses/WH1", f"/office/bins/{codes[0]}"):
        assert operator.get(path).status_code == 403, path
    with db.read() as s:
        assert s.scalar(select(func.count()).where(Location.blocked.is_(True))) == 0
        assert s.scalar(select(func.count(Location.id))) == 5
