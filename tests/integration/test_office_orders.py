"""The office's purchase and sales order pages, on both engines: a clerk creates, edits and
cancels a purchase order, a sales order is allocated and its pick list shown, bad input is
refused with a message and changes nothing, roles that may not act are refused, and any
signed-in person finds an order by its number."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.builders import Builder
from wms.db import Database
from wms.services.orders import (
    OrderLineInput,
    create_purchase_order,
    get_purchase_order,
    get_sales_order,
)
from wms.services.receiving import ReceiptLineInput, receive


@pytest.fixture
def office_app(database_url: str, tmp_path: Path, build: Builder) -> Iterator[Any]:
    """WH1 with 8 CUP in its first bin and 5 in its third, TEA without stock, a supplier,
    a customer, and one person of each role."""
    from terminal_ui import create_app

    app = create_app({"database_url": database_url, "TESTING": True,
                      "SECRET_KEY": "test-secret", "config_path": str(tmp_path / "wms.toml")})
    bins = build.warehouse("WH1", bins=3)
    build.item("CUP", name="茶杯", name_en="Tea cup")
    build.item("TEA", name="龙井茶", name_en="Longjing tea")
    build.stock("CUP", bins[0], 8)
    build.stock("CUP", bins[2], 5)
    build.supplier("SUP-1")
    build.customer("CUS-1")
    for role in ("admin", "clerk", "supervisor", "operator"):
        build.user(f"{role}-1", role)  # password "password-1"
    yield app
    app.extensions["wms.db"].dispose()


@pytest.fixture
def browser(office_app: Any) -> Callable[..., Any]:
    """browser("clerk") -> a test client signed in as that role's person, in English."""

    def signed_in(role: str, language: str = "en") -> Any:
        client = office_app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        token = csrf_of(client.get("/login").get_data(as_text=True))
        answer = client.post("/login", data={"username": f"{role}-1",
                                             "password": "password-1", "csrf_token": token})
        assert answer.status_code == 302
        return client

    return signed_in


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def post_form(client: Any, form_page: str, action: str, data: dict[str, Any]) -> Any:
    token = csrf_of(client.get(form_page).get_data(as_text=True))
    return client.post(action, data={**data, "csrf_token": token})


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


PO_FORM = {"number": "PO-77", "supplier": "SUP-1", "expected_date": "2026-12-20",
           "warehouse": "WH1", "sku": ["CUP", "TEA", ""], "qty": ["10", "4", ""],
           "unit_price": ["2.50", "12", ""]}


def test_a_clerk_creates_a_purchase_order_with_two_lines_and_sees_its_value(
        browser: Any, db: Database) -> None:
    clerk = browser("clerk")
    form = text_of(clerk.get("/office/purchase-orders/new"))
    assert 'list="item-options"' in form and "PO-" in form

    answer = post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new",
                       PO_FORM)

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/office/purchase-orders/PO-77")
    page = text_of(clerk.get("/office/purchase-orders/PO-77"))
    assert "Purchase order PO-77 created" in page
    assert "73.00" in page and "25.00" in page and "48.00" in page  # total, line totals
    with db.read() as s:
        order = get_purchase_order(s, "PO-77")
        assert [(ln.item.sku, ln.qty, str(ln.unit_price)) for ln in order.lines] == [
            ("CUP", 10, "2.5000"), ("TEA", 4, "12.0000")]
        assert order.warehouse is not None and order.warehouse.code == "WH1"
        assert str(order.expected_date) == "2026-12-20"
    listing = text_of(clerk.get("/office/purchase-orders?status=open"))
    assert "PO-77" in listing and "73.00" in listing


def test_the_add_a_line_button_brings_one_more_empty_row(browser: Any) -> None:
    row = browser("clerk").get("/office/purchase-orders/line", headers={"HX-Request": "true"})
    assert row.status_code == 200
    assert text_of(row).count('name="sku"') == 1 and "<html" not in text_of(row)


def test_the_item_list_offers_items_by_sku_or_name(browser: Any) -> None:
    options = text_of(browser("clerk").get("/office/orders/item-options?sku=long"))
    assert 'value="TEA"' in options and 'value="CUP"' not in options


def test_a_purchase_order_is_edited_while_nothing_was_received(
        browser: Any, db: Database) -> None:
    clerk = browser("clerk")
    post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new", PO_FORM)
    edit_page = text_of(clerk.get("/office/purchase-orders/PO-77/edit"))
    assert 'value="TEA"' in edit_page and 'value="12.00"' in edit_page

    answer = post_form(clerk, "/office/purchase-orders/PO-77/edit",
                       "/office/purchase-orders/PO-77/edit",
                       {"expected_date": "2026-12-24", "warehouse": "WH1",
                        "sku": ["CUP"], "qty": ["12"], "unit_price": ["2.40"]})

    assert answer.status_code == 302
    with db.read() as s:
        order = get_purchase_order(s, "PO-77")
        assert [(ln.item.sku, ln.qty) for ln in order.lines] == [("CUP", 12)]
        assert str(order.expected_date) == "2026-12-24"
    assert "28.80" in text_of(clerk.get("/office/purchase-orders/PO-77"))


def test_a_purchase_order_is_cancelled_with_a_reason_and_shows_why(
        browser: Any, db: Database) -> None:
    clerk = browser("clerk")
    post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new", PO_FORM)

    answer = post_form(clerk, "/office/purchase-orders/PO-77",
                       "/office/purchase-orders/PO-77/cancel", {"reason": "ordered twice"})

    assert answer.status_code == 302
    page = text_of(clerk.get("/office/purchase-orders/PO-77"))
    assert 'data-status="cancelled"' in page and "ordered twice" in page
    assert 'data-step="cancelled"' in page
    with db.read() as s:
        assert get_purchase_order(s, "PO-77").cancel_reason == "ordered twice"


def test_a_received_purchase_order_shows_its_receipts_and_can_no_longer_be_cancelled(
        browser: Any, db: Database) -> None:
    clerk = browser("clerk")
    post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new", PO_FORM)
    with db.write() as s:
        receive(s, location="DOCK-1", purchase_order="PO-77", user_id=None,
                lines=[ReceiptLineInput("CUP", 6)])

    refused = post_form(clerk, "/office/purchase-orders/PO-77",
                        "/office/purchase-orders/PO-77/cancel", {"reason": "late"})

    page = text_of(clerk.get(refused.headers["Location"]))
    assert "Goods were received against this order" in page
    assert 'data-status="partial"' in page
    assert "DOCK-1" in page and "accepted" in page  # the receipt and its line
    assert "/office/purchase-orders/PO-77/edit" not in page


@pytest.mark.parametrize(("change", "message"), [
    ({"qty": ["0", "4", ""]}, "Line 1: type the quantity as a whole number above 0"),
    ({"unit_price": ["abc", "12", ""]}, "Line 1: type the unit price as an amount"),
    ({"sku": ["NOPE", "TEA", ""]}, "No item has the SKU or barcode NOPE"),
    ({"supplier": ""}, "Choose a supplier"),
    ({"expected_date": "20.12.2026"}, "Type the date as YYYY-MM-DD"),
    ({"sku": [""], "qty": [""], "unit_price": [""]}, "Add at least one line"),
])
def test_a_purchase_order_form_with_bad_input_is_refused_and_nothing_is_made(
        browser: Any, db: Database, change: dict[str, Any], message: str) -> None:
    clerk = browser("clerk")
    answer = post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new",
                       {**PO_FORM, **change})

    assert answer.status_code == 422
    assert message in text_of(answer)
    assert clerk.get("/office/purchase-orders/PO-77").status_code == 404


def test_a_refused_edit_changes_nothing(browser: Any, db: Database) -> None:
    clerk = browser("clerk")
    post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new", PO_FORM)
    answer = post_form(clerk, "/office/purchase-orders/PO-77/edit",
                       "/office/purchase-orders/PO-77/edit",
                       {"expected_date": "", "sku": ["CUP"], "qty": ["-3"],
                        "unit_price": [""]})
    assert answer.status_code == 422
    with db.read() as s:
        order = get_purchase_order(s, "PO-77")
        assert len(order.lines) == 2 and str(order.expected_date) == "2026-12-20"


def test_the_purchase_order_lines_export_as_a_file_in_the_readers_language(
        browser: Any) -> None:
    clerk = browser("clerk", "zh")
    post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new", PO_FORM)
    csv = clerk.get("/office/purchase-orders/PO-77?format=csv")
    assert csv.status_code == 200
    text = csv.get_data().decode("utf-8-sig")
    assert text.splitlines()[1].startswith("CUP,茶杯,") and "25.00" in text
    english = browser("clerk").get("/office/purchase-orders/PO-77?format=csv")
    assert english.get_data().decode("utf-8-sig").splitlines()[1].startswith("CUP,Tea cup,")
    xlsx = clerk.get("/office/purchase-orders?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.get_data()[:2] == b"PK"


@pytest.mark.parametrize("role", ["supervisor", "operator"])
def test_a_role_without_the_orders_permission_may_not_create_or_cancel(
        browser: Any, db: Database, role: str) -> None:
    post_form(browser("clerk"), "/office/purchase-orders/new", "/office/purchase-orders/new",
              PO_FORM)
    person = browser(role)
    assert person.get("/office/purchase-orders/new").status_code == 403
    token = csrf_of(text_of(person.get("/office/sales-orders")))
    cancel = person.post("/office/purchase-orders/PO-77/cancel",
                         data={"reason": "no", "csrf_token": token})
    made = person.post("/office/purchase-orders/new",
                       data={**PO_FORM, "number": "PO-78", "csrf_token": token})
    assert cancel.status_code == 403 and made.status_code == 403
    with db.read() as s:
        assert get_purchase_order(s, "PO-77").status == "open"
    page = text_of(person.get("/office/purchase-orders/PO-77"))
    assert "Cancel the order" not in page and "PO-77" in page


def test_a_supervisor_sees_the_purchase_list_and_an_operator_does_not(browser: Any) -> None:
    assert browser("supervisor").get("/office/purchase-orders").status_code == 200
    assert browser("operator").get("/office/purchase-orders").status_code == 403


def test_a_sales_order_is_created_allocated_and_its_pick_list_shown_with_its_shortage(
        browser: Any, db: Database) -> None:
    clerk = browser("clerk")
    made = post_form(clerk, "/office/sales-orders/new", "/office/sales-orders/new",
                     {"number": "SO-9", "customer": "CUS-1", "warehouse": "",
                      "sku": ["CUP", "TEA"], "qty": ["10", "2"],
                      "unit_price": ["3.00", "20"]})
    assert made.status_code == 302, text_of(made)

    allocated = post_form(clerk, "/office/sales-orders/SO-9",
                          "/office/sales-orders/SO-9/allocate", {})

    assert allocated.status_code == 302
    page = text_of(clerk.get("/office/sales-orders/SO-9"))
    assert "Pick list made with 2 tasks" in page and "Short: TEA × 2" in page
    tasks = re.findall(r'<tr class="task"><td>(\d+)</td><td[^>]*>([^<]+)</td><td[^>]*>(\w+)</td>',
                       page)
    assert [(seq, loc) for seq, loc, _sku in tasks] == [("1", "A-01-01-01"),
                                                         ("2", "A-01-03-01")]
    assert 'data-status="allocated"' in page and 'data-step="allocated"' in page
    assert "70.00" in page  # 10 x 3.00 + 2 x 20.00
    with db.read() as s:
        assert get_sales_order(s, "SO-9").warehouse_id is not None


def test_a_cancelled_sales_order_frees_its_stock_for_the_next_order(
        browser: Any, build: Builder) -> None:
    clerk = browser("clerk")
    build.sales_order("SO-A", [("CUP", 13)])
    build.sales_order("SO-B", [("CUP", 13)])
    post_form(clerk, "/office/sales-orders/SO-A", "/office/sales-orders/SO-A/allocate", {})

    post_form(clerk, "/office/sales-orders/SO-A", "/office/sales-orders/SO-A/cancel",
              {"reason": "customer called"})
    post_form(clerk, "/office/sales-orders/SO-B", "/office/sales-orders/SO-B/allocate", {})

    cancelled = text_of(clerk.get("/office/sales-orders/SO-A"))
    assert 'data-status="cancelled"' in cancelled and "customer called" in cancelled
    assert "Allocate and make a pick list" not in cancelled
    second = text_of(clerk.get("/office/sales-orders/SO-B"))
    assert 'data-status="allocated"' in second and "Short:" not in second


def test_a_sales_order_without_a_customer_is_refused_in_chinese(
        browser: Any, db: Database) -> None:
    clerk = browser("clerk", "zh")
    answer = post_form(clerk, "/office/sales-orders/new", "/office/sales-orders/new",
                       {"number": "SO-9", "customer": "", "sku": ["CUP"], "qty": ["1"],
                        "unit_price": [""]})
    assert answer.status_code == 422
    assert "请选择客户" in text_of(answer)
    assert clerk.get("/office/sales-orders/SO-9").status_code == 404


def test_the_sales_list_filters_by_status_and_pages(browser: Any, build: Builder) -> None:
    for n in range(55):
        build.sales_order(f"SO-{n:03d}", [("CUP", 1)])
    clerk = browser("clerk")
    first = text_of(clerk.get("/office/sales-orders"))
    assert "SO-054" in first and "SO-004" not in first and "page 1 of 2" in first
    second = text_of(clerk.get("/office/sales-orders?page=2"))
    assert "SO-004" in second and "SO-054" not in second
    assert "No sales orders" in text_of(clerk.get("/office/sales-orders?status=shipped"))
    partial = clerk.get("/office/sales-orders?status=open", headers={"HX-Request": "true"})
    assert "<html" not in text_of(partial) and "HX-Request" in partial.headers["Vary"]


def test_an_operator_finds_an_order_by_number_and_reads_it(
        browser: Any, build: Builder) -> None:
    build.sales_order("SO-42", [("CUP", 2)])
    operator = browser("operator")
    box = text_of(operator.get("/office/sales-orders"))
    assert 'action="/office/orders/lookup"' in box and "SO-42" not in box  # no list

    found = operator.get("/office/orders/lookup?number=so-42")

    assert found.status_code == 302
    assert found.headers["Location"].endswith("/office/sales-orders/SO-42")
    page = text_of(operator.get(found.headers["Location"]))
    assert "SO-42" in page and "Cancel the order" not in page
    assert "Allocate and make a pick list" not in page
    missing = operator.get("/office/orders/lookup?number=NOPE-1")
    assert missing.status_code == 404 and "No purchase or sales order NOPE-1" in \
        text_of(missing)
    assert operator.post("/office/sales-orders/SO-42/allocate").status_code in (400, 403)


def test_signed_out_the_order_pages_ask_for_sign_in(office_app: Any) -> None:
    client = office_app.test_client()
    for path in ("/office/sales-orders", "/office/orders/lookup?number=SO-1",
                 "/office/purchase-orders/PO-1"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_shipped_sales_order_shows_each_step_with_who_did_it(
        browser: Any, build: Builder, db: Database) -> None:
    from sqlalchemy import select

    from wms.models import User
    from wms.services.allocation import create_pick_list
    from wms.services.picking import confirm_pick
    from wms.services.shipping import pack_order, ship_order

    build.sales_order("SO-5", [("CUP", 3)])
    with db.write() as s:
        picker = s.scalar(select(User.id).where(User.username == "operator-1"))
        task = create_pick_list(s, "SO-5", picker).pick_list.tasks[0]
        confirm_pick(s, task_id=task.id, location=task.location.code, sku="CUP", qty=3,
                     user_id=picker)
        pack_order(s, "SO-5", picker)
        ship_order(s, "SO-5", picker)

    page = text_of(browser("supervisor").get("/office/sales-orders/SO-5"))

    steps = re.findall(r'<tr data-step="(\w+)"><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>',
                       page)
    assert steps == [("created", ""), ("allocated", "operator-1"), ("picked", "operator-1"),
                     ("packed", "operator-1"), ("shipped", "operator-1")]
    assert 'data-status="shipped"' in page and "Cancel the order" not in page


def test_a_supervisor_ships_a_packed_order_from_its_page_and_a_clerk_may_not(
        browser: Any, build: Builder, db: Database) -> None:
    from sqlalchemy import select

    from wms.models import User
    from wms.services.allocation import create_pick_list
    from wms.services.picking import confirm_pick
    from wms.services.shipping import pack_order

    build.sales_order("SO-6", [("CUP", 3)])
    with db.write() as s:
        picker = s.scalar(select(User.id).where(User.username == "operator-1"))
        task = create_pick_list(s, "SO-6", picker).pick_list.tasks[0]
        confirm_pick(s, task_id=task.id, location=task.location.code, sku="CUP", qty=3,
                     user_id=picker)
        pack_order(s, "SO-6", picker)
    clerk = browser("clerk")
    assert "Ship: the picked goods leave the warehouse" not in text_of(
        clerk.get("/office/sales-orders/SO-6"))
    assert post_form(clerk, "/office/sales-orders/SO-6", "/office/sales-orders/SO-6/ship",
                     {}).status_code == 403
    supervisor = browser("supervisor")
    assert "Ship: the picked goods leave the warehouse" in text_of(
        supervisor.get("/office/sales-orders/SO-6"))

    shipped = post_form(supervisor, "/office/sales-orders/SO-6",
                        "/office/sales-orders/SO-6/ship", {})

    assert shipped.status_code == 302
    page = text_of(supervisor.get("/office/sales-orders/SO-6"))
    assert "Sales order SO-6 shipped: 3 units left the warehouse" in page
    assert 'data-status="shipped"' in page and 'data-step="shipped"' in page
    assert "Ship: the picked goods leave the warehouse" not in page
    again = post_form(supervisor, "/office/sales-orders/SO-6",
                      "/office/sales-orders/SO-6/ship", {})
    assert again.status_code == 302
    assert "This order is shipped: not possible now" in text_of(
        supervisor.get("/office/sales-orders/SO-6"))
    with db.read() as s:
        order = get_sales_order(s, "SO-6")
        assert order.status == "shipped" and order.lines[0].shipped == 3
        from wms.models import AuditEvent

        shipped_events = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "sales_order.ship")).all()
        assert [(e.subject, e.details) for e in shipped_events] == [("SO-6", {"units": 3})]


def document_lines(page: str) -> list[list[str]]:
    """The cells of each line of a printed document's table, as text."""
    body = page.split('<table class="document-lines">', 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)]


def test_a_purchase_order_prints_for_the_supplier_with_its_lines_prices_and_total(
        browser: Any) -> None:
    clerk = browser("clerk")
    post_form(clerk, "/office/purchase-orders/new", "/office/purchase-orders/new", PO_FORM)
    order_page = text_of(clerk.get("/office/purchase-orders/PO-77"))
    assert 'href="/office/purchase-orders/PO-77/print"' in order_page
    assert "Print for the supplier" in order_page

    answer = clerk.get("/office/purchase-orders/PO-77/print")

    assert answer.status_code == 200
    page = text_of(answer)
    assert "<title>Purchase order PO-77</title>" in page
    assert "office-menu" not in page and "Sign out" not in page  # a document, not a page
    assert "供应商一" in page and "SUP-1" in page  # the supplier it goes to
    deliver_to = page.split('class="deliver-to"', 1)[1].split("</div>", 1)[0]
    assert "WH1" in deliver_to
    assert "Dec 20, 2026" in page  # deliver by
    assert document_lines(page) == [
        ["1", "CUP", "Tea cup", "10", "pcs", "2.50", "25.00"],
        ["2", "TEA", "Longjing tea", "4", "pcs", "12.00", "48.00"],
    ]
    assert re.search(r'class="num units">14<', page)  # units in all
    assert re.search(r'class="num total">73.00<', page)
    assert "Status" not in page  # an order sent as it is: no draft or cancelled mark

    chinese = text_of(clerk.get("/office/purchase-orders/PO-77/print?lang=zh"))
    assert '<html lang="zh-Hans">' in chinese
    assert "采购订单" in chinese and "收货地点" in chinese and "合计" in chinese
    assert [line[2] for line in document_lines(chinese)] == ["茶杯", "龙井茶"]
    assert "2026年12月20日" in chinese


def test_an_unpriced_draft_prints_with_its_status_and_asks_the_supplier_for_the_price(
        browser: Any, db: Database) -> None:
    with db.write() as s:  # as replenishment drafts it: no warehouse, no date, one price
        create_purchase_order(s, "PO-78", "SUP-1", [OrderLineInput("CUP", 10, None),
                                                    OrderLineInput("TEA", 4, Decimal("12"))],
                              None, status="draft")
    clerk = browser("clerk", "zh")

    page = text_of(clerk.get("/office/purchase-orders/PO-78/print"))

    assert '<html lang="zh-Hans">' in page
    assert document_lines(page)[0][5:] == ["", ""]  # no price, no line total
    assert re.search(r'class="num total">48.00<', page)
    assert "请在交货前确认价格" in page
    assert "我方任一仓库" in page and "交货日期" not in page
    assert 'class="status">草稿<' in page
    assert clerk.get("/office/purchase-orders/PO-0/print").status_code == 404
