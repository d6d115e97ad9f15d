"""The office's suppliers and customers, on both engines: searched, paged and exported,
created and edited with old and new values in the audit trail, refused with a message when
the input is bad, deactivated, each with its orders; and who may see and change them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from wms.db import Database
from wms.models import AuditEvent, Customer, Supplier
from wms.services.orders import OrderLineInput, create_purchase_order


@pytest.fixture
def office_app(database_url: str, tmp_path: Path) -> Iterator[Any]:
    from terminal_ui import create_app

    app = create_app({"database_url": database_url, "config_path": str(tmp_path / "w.toml"),
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


def supplier(db: Database, code: str) -> Supplier | None:
    with db.read() as s:
        found = s.scalar(select(Supplier).where(Supplier.code == code))
        if found is not None:
            s.expunge(found)
        return found


def test_a_clerk_creates_and_edits_a_supplier_and_the_audit_keeps_old_and_new(
        office_as: Callable[..., OfficeBrowser], db: Database) -> None:
    clerk = office_as("clerk")
    clerk.get("/office/suppliers/new")
    made = clerk.post("/office/suppliers/new", {
        "code": "SUP-HZ", "name": "杭州龙井茶业", "contact": "陈经理", "phone": "138 0000 0001",
        "email": "chen@longjing.cn", "lead_time_days": "5", "tier": "strategic",
        "notes": "只收现金"}, follow=True)
    page = made.get_data(as_text=True)
    assert made.status_code == 200 and "SUP-HZ saved" in page and "杭州龙井茶业" in page
    clerk.post("/office/suppliers/SUP-HZ", {
        "name": "杭州龙井茶业有限公司", "contact": "陈经理", "phone": "138 0000 0001",
        "email": "", "lead_time_days": "7", "tier": "strategic", "notes": "只收现金"})
    found = supplier(db, "SUP-HZ")
    assert found is not None
    assert (found.name, found.email, found.lead_time_days, found.tier, found.active) == (
        "杭州龙井茶业有限公司", None, 7, "strategic", True)
    with db.read() as s:
        events = [(e.action, e.details) for e in s.scalars(select(AuditEvent).where(
            AuditEvent.subject == "SUP-HZ").order_by(AuditEvent.id))]
    assert events[0][0] == "supplier.create" and events[0][1]["new"]["tier"] == "strategic"
    assert events[1] == ("supplier.update", {
        "old": {"name": "杭州龙井茶业", "email": "chen@longjing.cn", "lead_time_days": 5},
        "new": {"name": "杭州龙井茶业有限公司", "email": None, "lead_time_days": 7}})


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "email": ""}, "Name: required"),
    ({"name": "Lin", "email": "not an address"}, "E-mail: an address like"),
    ({"name": "Lin", "lead_time_days": "-3"}, "Lead time: a whole number of days"),
    ({"name": "Lin", "lead_time_days": "9999"}, "Lead time: a whole number of days"),
    ({"name": "Lin", "tier": "t" * 40}, "Tier: at most 32 characters"),
])
def test_bad_supplier_input_is_refused_with_a_message_and_nothing_changes(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database,
        data: dict[str, str], message: str) -> None:
    build.supplier("SUP-1", "供应商一")
    clerk = office_as("clerk")
    clerk.get("/office/suppliers/SUP-1")
    refused = clerk.post("/office/suppliers/SUP-1", data)
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    new = clerk.post("/office/suppliers/new", {"code": "SUP-2", **data})
    assert new.status_code == 422 and message in new.get_data(as_text=True)
    found = supplier(db, "SUP-1")
    assert found is not None and (found.name, found.email) == ("供应商一", None)
    assert supplier(db, "SUP-2") is None


def test_a_taken_code_is_refused_when_creating(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.customer("CUS-1", "客户一")
    clerk = office_as("clerk")
    clerk.get("/office/customers/new")
    refused = clerk.post("/office/customers/new", {"code": "CUS-1", "name": "另一个"})
    assert refused.status_code == 422 and "CUS-1 exists already" in refused.get_data(
        as_text=True)
    with db.read() as s:
        assert s.scalar(select(Customer.name).where(Customer.code == "CUS-1")) == "客户一"


def test_a_customer_is_edited_deactivated_and_its_sales_orders_listed(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.warehouse("WH1", bins=1)
    build.item("TEA")
    build.sales_order("SO-77", [("TEA", 2)], customer="CUS-9")
    clerk = office_as("clerk", "zh")
    page = clerk.get("/office/customers/CUS-9").get_data(as_text=True)
    assert 'href="/office/sales-orders/SO-77"' in page
    clerk.post("/office/customers/CUS-9", {
        "name": "上海茶韵", "tier": "vip", "contact": "王", "phone": "", "email": "a@b.cn",
        "address": "上海市黄浦区", "notes": ""})
    clerk.post("/office/customers/CUS-9/active", {"active": "0"})
    with db.read() as s:
        customer = s.scalar(select(Customer).where(Customer.code == "CUS-9"))
        assert (customer.name, customer.tier, customer.email, customer.active) == (
            "上海茶韵", "vip", "a@b.cn", False)
    listed = clerk.get("/office/customers?active=no").get_data(as_text=True)
    assert "上海茶韵" in listed
    assert "上海茶韵" not in clerk.get("/office/customers?active=yes").get_data(as_text=True)


def test_a_supplier_page_lists_its_purchase_orders_with_status(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.supplier("SUP-1")
    build.item("TEA")
    with db.write() as s:
        create_purchase_order(s, "PO-5", "SUP-1", [OrderLineInput("TEA", 3)], None)
    clerk = office_as("clerk")
    page = clerk.get("/office/suppliers/SUP-1").get_data(as_text=True)
    assert 'href="/office/purchase-orders/PO-5">PO-5</a>' in page and ">open<" in page


def test_the_list_searches_pages_and_exports_with_chinese_headers(
        office_as: Callable[..., OfficeBrowser], build: Builder) -> None:
    for n in range(55):
        build.supplier(f"S-{n:03d}", f"供应商{n}")
    build.supplier("TEA-HZ", "杭州茶厂")
    clerk = office_as("clerk", "zh")
    first = clerk.get("/office/suppliers").get_data(as_text=True)
    assert 'data-total="56"' in first and "S-049" in first and "S-050" not in first
    assert "S-050" in clerk.get("/office/suppliers?page=2").get_data(as_text=True)
    found = clerk.get("/office/suppliers?q=杭州").get_data(as_text=True)
    assert 'data-total="1"' in found and "TEA-HZ" in found
    partial = clerk.get("/office/suppliers?q=杭州", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<div id="partners">')
    exported = clerk.get("/office/suppliers?q=S-00&format=csv")
    assert exported.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["编码", "名称"] and len(rows) == 11
    assert rows[1][:2] == ["S-000", "供应商0"]
    xlsx = clerk.get("/office/customers?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_a_supervisor_reads_partners_but_may_not_change_them_and_an_operator_is_refused(
        office_as: Callable[..., OfficeBrowser], build: Builder, db: Database) -> None:
    build.supplier("SUP-1", "供应商一")
    supervisor = office_as("supervisor")
    page = supervisor.get("/office/suppliers/SUP-1")
    assert page.status_code == 200 and "供应商一" in page.get_data(as_text=True)
    assert 'name="email"' not in page.get_data(as_text=True)
    assert supervisor.get("/office/suppliers").status_code == 200
    for path, data in (("/office/suppliers/SUP-1", {"name": "改名"}),
                       ("/office/suppliers/SUP-1/active", {"active": "0"}),
                       ("/office/suppliers/new", {"code": "SUP-2", "name": "x"})):
        assert supervisor.post(path, data).status_code == 403, path
    operator = office_as("operator")
    for path in ("/office/suppliers", "/office/customers", "/office/suppliers/SUP-1"):
        assert operator.get(path).status_code == 403, path
    found = supplier(db, "SUP-1")
    assert found is not None and (found.name, found.active) == ("供应商一", True)
    assert supplier(db, "SUP-2") is None
