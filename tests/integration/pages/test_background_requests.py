"""A page's background requests leave the session cookie as it is. The list of items an
order form fetches while a SKU is typed can be on its way while the person saves the form;
when its answer comes last, the browser must not go back to the older session cookie it
carried, or the save's message is lost."""

from __future__ import annotations

from typing import Any

from tests.integration.pages.test_office_items import Office
from tests.support.handheld import text_of


def _answered_last(app: Any, browser: Any, older_cookie: str, send: Any) -> Any:
    """A request sent with the browser's older session cookie, whose answer the browser
    takes after the others: any cookie it sets replaces the browser's."""
    late = app.test_client()
    late.set_cookie("session", older_cookie)
    reply = send(late)
    assert reply.status_code == 200
    for header in reply.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == "session":
            browser.set_cookie("session", rest.split(";")[0])
    return reply


def _session_cookie(client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def test_a_saved_order_says_so_though_the_item_list_typed_for_it_answers_after(
        floor_app: Any) -> None:
    desk = Office(floor_app, "admin", "en")
    token = desk.csrf("/office/purchase-orders/new")
    older = _session_cookie(desk.client)
    saved = desk.client.post("/office/purchase-orders/new", data={
        "number": "PO-LATE", "supplier": "SUP-YX", "warehouse": "WH1", "expected_date": "",
        "sku": "CUP-010", "qty": "14", "unit_price": "3.00", "csrf_token": token})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    options = _answered_last(floor_app, desk.client, older, lambda c: c.get(
        "/office/orders/item-options", query_string={"sku": "CUP"},
        headers={"HX-Request": "true"}))
    assert "<option" in options.get_data(as_text=True)
    page = text_of(desk.client.get(saved.location).get_data(as_text=True))
    assert "Purchase order PO-LATE created" in page

