"""The office's returns room and quarantine page, on both engines: a clerk takes back a
customer's goods against the order, sends quarantined goods back to the supplier; a
supervisor releases or scraps what sits in quarantine; bad input changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import assert_ledger_agrees
from tests.support.ledger import Ledger
from wms.db import Database
from wms.services.allocation import create_pick_list
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.shipping import ship_order


@pytest.fixture
def office(database_url: str, tmp_path: Path, build: Builder, db: Database) -> Iterator[Any]:
    """The app over a warehouse where SO-1 shipped 5 CUP to CUS-1 and 4 TEA of lot L9 wait
    in quarantine (damaged on receipt)."""
    from terminal_ui import create_app

    bins = build.warehouse("WH1", bins=3)
    build.item("CUP", name="茶杯", name_en="Tea cup", unit_cost="2.00")
    build.item("TEA", name="龙井茶", name_en="Longjing tea", tracking="lot", unit_cost="10.00")
    build.supplier("SUP-1")
    build.customer("CUS-1")
    build.stock("CUP", bins[0], 20)
    build.sales_order("SO-1", [("CUP", 5)])
    with db.write() as s:
        for task in create_pick_list(s, "SO-1", None).pick_list.tasks:
            confirm_pick(s, task_id=task.id, location=task.location.code, sku="CUP",
                         qty=task.qty, user_id=None)
    with db.write() as s:
        ship_order(s, "SO-1", None)
        receive(s, location="DOCK-1", user_id=None, lines=[ReceiptLineInput(
            "TEA", 4, "L9", disposition="quarantine", reason="damaged")])
    for role in ("clerk", "supervisor"):
        build.user(role, role)  # password "password-1"
    app = create_app({"database_url": database_url, "config_path": str(tmp_path / "w.toml"),
                      "SECRET_KEY": "test-secret"})
    yield app
    app.extensions["wms.db"].dispose()


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Person:
    """A browser signed in to the office."""

    def __init__(self, app: Any, username: str, language: str = "en") -> None:
        self.client = app.test_client()
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        token = csrf_of(self.client.get("/login").get_data(as_text=True))
        signed = self.client.post("/login", data={"username": username,
                                                  "password": "password-1",
                                                  "csrf_token": token})
        assert signed.status_code == 302

    def page(self, path: str, **query: Any) -> str:
        response = self.client.get(path, query_string=query)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def submit(self, path: str, data: dict[str, Any]) -> Any:
        """Post a form (with the CSRF token of the page) and follow the redirect."""
        token = csrf_of(self.client.get("/office/returns/").get_data(as_text=True))
        return self.client.post(path, data={**data, "csrf_token": token},
                                follow_redirects=True)


def banner(page: str) -> str:
    found = re.search(r'<div class="banner (\w+)"[^>]*>([^<]*)</div>', page)
    return f"{found.group(1)}: {found.group(2).strip()}" if found else ""


def test_a_clerk_takes_back_part_of_a_shipped_order_at_the_dock(office: Any) -> None:
    clerk = Person(office, "clerk")
    form = clerk.page("/office/returns/customer", sales_order="SO-1")
    row = re.search(r'<tr data-sku="CUP">.*?</tr>', form, re.S)
    assert row and 'class="num remaining">5<' in row.group(0)
    booked = clerk.submit("/office/returns/customer", {
        "step": "book", "customer": "CUS-1", "sales_order": "SO-1", "location": "DOCK-1",
        "sku": "CUP", "lot": "", "qty": "2", "disposition": "restock", "reason": "damaged"})
    page = booked.get_data(as_text=True)
    assert banner(page).startswith("info: Return ")
    assert "SO-1" in page and "CUS-1" in page
    ledger = Ledger(office.extensions["wms.db"])
    assert ledger.units("DOCK-1", "CUP") == 2
    again = clerk.page("/office/returns/customer", sales_order="SO-1")
    assert 'class="num remaining">3<' in again


def test_a_return_of_more_than_was_shipped_is_refused_with_a_message(office: Any) -> None:
    clerk = Person(office, "clerk")
    ledger = Ledger(office.extensions["wms.db"])
    before = ledger.moves()
    refused = clerk.submit("/office/returns/customer", {
        "step": "book", "customer": "CUS-1", "sales_order": "SO-1", "location": "DOCK-1",
        "sku": "CUP", "lot": "", "qty": "6", "disposition": "restock", "reason": "unwanted"})
    assert banner(refused.get_data(as_text=True)).startswith(
        "error: More than the order shipped: CUP: 5 more may come back")
    not_a_number = clerk.submit("/office/returns/customer", {
        "step": "book", "customer": "CUS-1", "sales_order": "SO-1", "location": "DOCK-1",
        "sku": "CUP", "lot": "", "qty": "two", "disposition": "restock", "reason": "unwanted"})
    assert banner(not_a_number.get_data(as_text=True)).startswith("error:")
    assert ledger.moves() == before


def test_the_quarantine_page_says_what_sits_there_why_and_its_value(office: Any) -> None:
    page = Person(office, "clerk").page("/office/returns/quarantine")
    row = re.search(r'<tbody data-sku="TEA">.*?</tbody>', page, re.S)
    assert row is not None
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0)))
    assert "L9" in cells and " 4 " in cells and "QC-1" in cells and "Damaged" in cells
    assert "40.00" in cells
    assert "Release to the bin" not in row.group(0)  # a clerk may not release
    assert "Return to the supplier" in row.group(0)
    pager = re.search(r'<p class="pager"[^>]*>(.*?)</p>', page, re.S)
    assert pager and " ".join(pager.group(1).split()).startswith("1 row · page 1 of 1")


def test_a_supervisor_releases_quarantined_stock_to_a_bin_and_a_clerk_may_not(
        office: Any) -> None:
    ledger = Ledger(office.extensions["wms.db"])
    release = {"sku": "TEA", "lot": "L9", "from": "QC-1", "qty": "3", "to": "A-01-03-01"}
    clerk = Person(office, "clerk")
    assert clerk.submit("/office/returns/quarantine/release", release).status_code == 403
    supervisor = Person(office, "supervisor")
    wrong = supervisor.submit("/office/returns/quarantine/release",
                              {**release, "to": "QC-1"})
    assert banner(wrong.get_data(as_text=True)).startswith("error:")
    too_many = supervisor.submit("/office/returns/quarantine/release", {**release, "qty": "9"})
    assert banner(too_many.get_data(as_text=True)).startswith("error: Not enough stock")
    assert ledger.units("QC-1", "TEA", "L9") == 4
    done = supervisor.submit("/office/returns/quarantine/release", release)
    assert banner(done.get_data(as_text=True)) == "info: Released 3 × TEA to A-01-03-01"
    assert ledger.units("A-01-03-01", "TEA", "L9") == 3
    assert ledger.units("QC-1", "TEA", "L9") == 1
    assert_ledger_agrees(office.extensions["wms.db"])


def test_quarantined_goods_go_back_to_the_supplier_or_are_scrapped(office: Any) -> None:
    ledger = Ledger(office.extensions["wms.db"])
    clerk = Person(office, "clerk")
    sent = clerk.submit("/office/returns/quarantine/return", {
        "sku": "TEA", "lot": "L9", "from": "QC-1", "qty": "3", "supplier": "SUP-1",
        "reason": "damaged"})
    assert banner(sent.get_data(as_text=True)).startswith("info: Return ")
    assert clerk.submit("/office/returns/quarantine/scrap", {
        "sku": "TEA", "lot": "L9", "from": "QC-1", "qty": "1",
        "reason": "damaged"}).status_code == 403
    scrapped = Person(office, "supervisor").submit("/office/returns/quarantine/scrap", {
        "sku": "TEA", "lot": "L9", "from": "QC-1", "qty": "1", "reason": "damaged"})
    assert banner(scrapped.get_data(as_text=True)) == "info: Scrapped 1 × TEA"
    assert ledger.units("QC-1", "TEA") == 0
    listed = clerk.page("/office/returns/", kind="supplier")
    assert "SUP-1" in listed and "30.00" in listed
    assert "Nothing in quarantine" in clerk.page("/office/returns/quarantine")


def test_a_supplier_return_from_a_bin_with_a_bad_line_changes_nothing(office: Any) -> None:
    ledger = Ledger(office.extensions["wms.db"])
    before = ledger.moves()
    refused = Person(office, "clerk").submit("/office/returns/supplier", {
        "supplier": "SUP-1", "sku": ["CUP", "CUP"], "lot": ["", ""], "qty": ["2", "99"],
        "from": ["A-01-01-01", "A-01-01-01"], "reason": ["surplus", "surplus"]})
    assert banner(refused.get_data(as_text=True)).startswith("error: Not enough stock")
    assert ledger.moves() == before


def test_the_returns_list_exports_with_headers_in_the_readers_language(office: Any) -> None:
    clerk = Person(office, "clerk", language="zh")
    clerk.submit("/office/returns/customer", {
        "step": "book", "customer": "CUS-1", "sales_order": "SO-1", "location": "DOCK-1",
        "sku": "CUP", "lot": "", "qty": "1", "disposition": "quarantine",
        "reason": "quality"})
    page = clerk.page("/office/returns/")
    assert "退货" in page
    csv = clerk.client.get("/office/returns/", query_string={"format": "csv"})
    text = csv.get_data().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("退货")
    assert "SO-1" in text and "CUS-1" in text
    assert "隔离" in clerk.page("/office/returns/quarantine")


def test_an_operator_may_not_open_the_returns_room(office: Any, build: Builder) -> None:
    build.user("op", "operator")
    operator = Person(office, "op")
    assert operator.client.get("/office/returns/").status_code == 403
    assert operator.client.get("/office/returns/customer").status_code == 403


def test_an_htmx_request_gets_the_quarantine_list_alone(office: Any) -> None:
    clerk = Person(office, "clerk")
    response = clerk.client.get("/office/returns/quarantine", query_string={"sku": "TEA"},
                                headers={"HX-Request": "true"})
    part = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert part.lstrip().startswith('<div id="quarantine-table">') and "<html" not in part
    assert 'data-sku="TEA"' in part
    assert "Nothing in quarantine" in clerk.page("/office/returns/quarantine", sku="CUP")


def test_a_refused_return_is_explained_in_chinese_to_a_chinese_reader(office: Any) -> None:
    clerk = Person(office, "clerk", language="zh")
    refused = clerk.submit("/office/returns/customer", {
        "step": "book", "customer": "CUS-1", "sales_order": "SO-1", "location": "DOCK-1",
        "sku": "CUP", "lot": "", "qty": "8", "disposition": "restock", "reason": "unwanted"})
    assert banner(refused.get_data(as_text=True)).startswith(
        "error: 超过订单已发货数量: CUP：还可退回 5")


def test_returns_name_each_item_in_the_readers_language(office: Any) -> None:
    """The lines an order shipped and what sits in quarantine read "Tea cup" and
    "Longjing tea" in English, in the quarantine export too, and 茶杯 and 龙井茶 in Chinese."""
    def cells(page: str, sku: str) -> str:
        row = re.search(rf'<(tr|tbody) data-sku="{sku}">.*?</\1>', page, re.S)
        assert row is not None, sku
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(0)))

    for language, cup, tea in (("en", "Tea cup", "Longjing tea"), ("zh", "茶杯", "龙井茶")):
        clerk = Person(office, "clerk", language=language)
        assert cup in cells(clerk.page("/office/returns/customer", sales_order="SO-1"), "CUP")
        assert tea in cells(clerk.page("/office/returns/quarantine"), "TEA")
        export = clerk.client.get("/office/returns/quarantine", query_string={"format": "csv"})
        assert tea in export.get_data().decode("utf-8-sig")
    english = Person(office, "clerk").page("/office/returns/customer", sales_order="SO-1")
    assert "茶杯" not in english
