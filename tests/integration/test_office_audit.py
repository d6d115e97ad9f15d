"""The audit trail: who did what, when and from which device, with each change's old and
new values; a page for the admin and the supervisor, and GET /api/v1/audit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.support.builders import Builder
from tests.support.office import OfficeBrowser
from wms.db import Database
from wms.models import ApiToken, AuditEvent, User
from wms.services.audit import record


def user_id(db: Database, username: str) -> int:
    with db.read() as s:
        found = s.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


@pytest.fixture
def admin(app: Any, build: Builder) -> OfficeBrowser:
    build.user("boss", "admin")
    browser = OfficeBrowser(app.test_client())
    assert browser.sign_in("boss", "password-1").status_code == 302
    return browser


def test_a_users_change_shows_who_from_which_device_and_old_and_new_values(
        admin: OfficeBrowser, build: Builder, db: Database) -> None:
    build.user("li", "operator")
    li = user_id(db, "li")
    admin.get(f"/office/users/{li}")
    admin.post(f"/office/users/{li}", {"role": "clerk", "display_name": "李文员"})

    page = admin.get("/office/audit/", action="user.update")
    html = page.get_data(as_text=True)
    assert 'data-total="1"' in html
    text = admin.text(page)
    assert "User changed" in text and "boss" in text and "web:Windows Chrome" in text
    assert "Role Operator → Clerk" in text
    assert "Name — → 李文员" in text
    with db.read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "user.update"))
        assert event is not None
        assert event.details == {"old": {"display_name": None, "role": "operator"},
                                 "new": {"display_name": "李文员", "role": "clerk"}}


def test_a_return_a_pick_list_and_a_pack_show_in_the_readers_words(
        admin: OfficeBrowser, db: Database) -> None:
    with db.write() as s:
        boss = s.scalar(select(User.id).where(User.username == "boss"))
        record(s, boss, "pick_list.create", "SO-1")
        record(s, boss, "sales_order.pack", "SO-1")
        record(s, boss, "return.customer", "RET-1", customer="CUS-1")
        record(s, boss, "customer.create", "CUS-1", old={}, new={"name": "茶庄"})

    text = admin.text(admin.get("/office/audit/"))
    assert "Pick list made" in text and "Sales order packed" in text
    assert "Customer return" in text and "return.customer" not in text
    assert "Customer added" in text and "customer.create" not in text
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert "客户退货" in admin.text(admin.get("/office/audit/"))


def test_the_trail_filters_by_user_action_subject_device_and_day(
        admin: OfficeBrowser, db: Database) -> None:
    with db.write() as s:
        boss = s.scalar(select(User.id).where(User.username == "boss"))
        record(s, boss, "item.update", "CUP", old={"name": "Cup"}, new={"name": "茶杯"})
        record(s, None, "item.update", "TEA", old={"unit_cost": "1.00"},
               new={"unit_cost": "1.50"})
        s.add(AuditEvent(user_id=boss, action="sales_order.cancel", subject="SO-9",
                         device="station:dock", details={"reason": "customer called"}))

    by_subject = admin.text(admin.get("/office/audit/", subject="CUP"))
    assert "Name Cup → 茶杯" in by_subject and "TEA" not in by_subject
    by_action = admin.get("/office/audit/", action="item")
    assert 'data-total="2"' in by_action.get_data(as_text=True)
    by_device = admin.text(admin.get("/office/audit/", device="station:"))
    assert "SO-9" in by_device and "Reason: customer called" in by_device
    assert "CUP" not in by_device
    by_user = admin.get("/office/audit/", user="boss", action="item.update")
    assert 'data-total="1"' in by_user.get_data(as_text=True)
    long_ago = admin.get("/office/audit/", **{"from": "2000-01-01", "to": "2000-01-31"})
    assert 'data-total="0"' in long_ago.get_data(as_text=True)
    today = admin.get("/office/audit/", **{"from": "2000-01-01"}, subject="SO-9")
    assert 'data-total="1"' in today.get_data(as_text=True)

    exported = admin.get("/office/audit/", subject="TEA", format="csv")
    assert "Unit cost: 1.00 -> 1.50" in exported.get_data(as_text=True)


def test_every_fact_and_code_of_an_event_reads_in_the_readers_language(
        admin: OfficeBrowser, build: Builder, db: Database) -> None:
    """The trail stores codes (a role `operator`, a sign-in by `pin_hash`, a return line's
    `disposition`); the page and its file show them in words, in Chinese and in English."""
    build.user("li", "operator")
    with db.write() as s:
        boss = s.scalar(select(User.id).where(User.username == "boss"))
        record(s, boss, "login", "li", address="10.0.0.7", how="pin_hash")
        record(s, boss, "return.customer", "RET-1", customer="CUS-1",
               lines=[{"sku": "CUP", "qty": 2, "disposition": "quarantine"}])
        record(s, boss, "location.update", "A-01-01-01", old={"kind": "storage"},
               new={"kind": "dock"})
        record(s, boss, "receipt.expiry_override", "HONEY", receipt=3,
               refusal="short_shelf_life", lot="H-1", expiry="2026-12-05", days_left=5,
               needed=14)

    english = admin.text(admin.get("/office/audit/"))
    assert "Role — → Operator" in english and "Language — → —" in english
    assert "Address: 10.0.0.7" in english and "Signed in with: badge and PIN" in english
    assert "SKU: CUP; Qty: 2; Disposition: Quarantine" in english
    assert "Kind storage → dock" in english
    assert ("Refused as: Lot expires too soon Lot: H-1 Expiry: 2026-12-05 Days left: 5 "
            "Days needed: 14") in english
    admin.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    chinese = admin.text(admin.get("/office/audit/"))
    assert "角色 — → 操作员" in chinese and "登录方式: 工牌和 PIN" in chinese
    assert "地址: 10.0.0.7" in chinese and "数量: 2" in chinese
    assert "拒收原因: 批次临近过期" in chinese
    for code in ("role", "operator", "pin_hash", "disposition", "quarantine", "storage",
                 "short_shelf_life", "days_left", "needed"):
        assert code not in chinese, code
    assert "类型 存储 → 月台" in chinese
    exported = admin.get("/office/audit/", subject="A-01-01-01", format="csv")
    assert "类型: 存储 -> 月台" in exported.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("supervisor", 200),
                                              ("clerk", 403), ("operator", 403)])
def test_the_audit_page_is_for_the_admin_and_the_supervisor(
        app: Any, build: Builder, role: str, status: int) -> None:
    build.user("someone", role)
    browser = OfficeBrowser(app.test_client())
    browser.sign_in("someone", "password-1")
    assert browser.get("/office/audit/").status_code == status


def test_the_api_lists_the_trail_newest_first_naming_the_token_as_device(
        api_as: Any, db: Database) -> None:
    admin = api_as("admin")
    assert admin.put("/items/CUP", {"name": "茶杯"}).status_code == 201
    assert admin.put("/items/CUP", {"name": "大茶杯"}).status_code == 200
    with db.read() as s:
        token_id = s.scalar(select(ApiToken.id).join(User)
                            .where(User.username == "admin-user"))
    answer = admin.get("/audit", action="item", user="admin-user")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["total"] == 2
    assert [row["action"] for row in body["rows"]] == ["item.update", "item.create"]
    assert body["rows"][0]["id"] > body["rows"][1]["id"]
    assert {row["device"] for row in body["rows"]} == {f"token:{token_id}"}
    paged = admin.get("/audit", action="item", limit=1, offset=1).get_json()
    assert paged["total"] == 2 and paged["rows"][0]["action"] == "item.create"
    assert admin.get("/audit", since="2999-01-01T00:00:00Z").get_json()["total"] == 0
    assert admin.get("/audit", since="yesterday").status_code == 422
    assert "item.create" in admin.get("/audit", format="csv").get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("supervisor", 200),
                                              ("clerk", 403), ("operator", 403)])
def test_the_api_trail_is_for_the_admin_and_the_supervisor(
        api_as: Any, role: str, status: int) -> None:
    assert api_as(role).get("/audit").status_code == status


def test_a_stations_call_is_recorded_from_the_station_and_a_persons_from_the_token(
) -> None:
    from wms.api import ENDPOINTS, ApiRequest
    from wms.api.dispatch import device_of
    from wms.auth import Caller

    scan = next(e for e in ENDPOINTS if e.name == "post_station_scan")
    stock = next(e for e in ENDPOINTS if e.name == "get_stock")

    def request(endpoint: Any, **params: str) -> ApiRequest:
        return ApiRequest(endpoint, params, {}, b"", "token", None)

    bridge = Caller(3, "bridge", "operator", frozenset({"dock"}), token_id=7)
    person = Caller(4, "li", "operator", None, token_id=9)
    assert device_of(bridge, request(scan, station="dock")) == "station:dock"
    assert device_of(person, request(scan, station="dock")) == "token:9"
    assert device_of(person, request(stock)) == "token:9"
