"""The office's users and roles: the admin adds, changes, deactivates and reactivates
people, sets new passwords and PINs, keeps people to warehouses, and lists and revokes API
tokens; nobody else may open these pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.support.builders import Builder
from tests.support.handheld import Handheld
from tests.support.office import OfficeBrowser
from wms.db import Database
from wms.models import ApiToken, User


@pytest.fixture
def admin(app: Any, build: Builder) -> OfficeBrowser:
    build.user("boss", "admin")  # password "password-1"
    browser = OfficeBrowser(app.test_client())
    assert browser.sign_in("boss", "password-1").status_code == 302
    return browser


def user_id(db: Database, username: str) -> int:
    with db.read() as s:
        found = s.scalar(select(User.id).where(User.username == username))
        assert found is not None
        return found


def test_an_admin_adds_a_user_who_can_then_sign_in(app: Any, admin: OfficeBrowser,
                                                   build: Builder) -> None:
    build.warehouse("WH1", bins=1)
    admin.get("/office/users/new")
    page = admin.post("/office/users/new", {
        "username": "chen", "display_name": "陈文员", "role": "clerk", "badge": "BADGE-77",
        "password": "chen-pass-1", "pin": "4321", "locale": "zh", "warehouses": ["WH1"]})
    assert page.status_code == 200
    assert "User chen added" in admin.text(page)
    listed = admin.text(admin.get("/office/users/", q="chen"))
    assert "陈文员" in listed and "BADGE-77" in listed and "WH1" in listed

    chen = OfficeBrowser(app.test_client())
    signed_in = chen.sign_in("chen", "chen-pass-1")
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"].endswith("/office/")  # a clerk: no floor work
    handheld = OfficeBrowser(app.test_client())
    assert handheld.sign_in_with_badge("BADGE-77", "4321").status_code == 302


def test_a_user_without_a_password_or_pin_is_refused(admin: OfficeBrowser) -> None:
    admin.get("/office/users/new")
    page = admin.post("/office/users/new", {"username": "nopass", "role": "operator"})
    assert page.status_code == 422
    assert "Give a password, a PIN or both" in admin.text(page)


@pytest.mark.parametrize(("form", "message"), [
    ({"badge": "BADGE-LI"}, "Badge BADGE-LI is someone else's already"),
    ({"username": "li"}, "The user name li is taken"),
    ({"pin": "12"}, "PIN: 4 to 8 digits"),
    ({"password": "short"}, "Password: at least 8 characters"),
    ({"warehouses": ["NOWHERE"]}, "Unknown warehouse: NOWHERE"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
        admin: OfficeBrowser, db: Database, build: Builder, form: dict[str, Any],
        message: str) -> None:
    build.user("li", "operator")
    with db.write() as s:
        s.scalar(select(User).where(User.username == "li")).badge = "BADGE-LI"  # type: ignore[union-attr]
    admin.get("/office/users/new")
    page = admin.post("/office/users/new", {"username": "zhou", "role": "operator",
                                            "pin": "5555", **form})
    assert page.status_code == 422
    assert message in admin.text(page)
    with db.read() as s:
        assert s.scalar(select(User.id).where(User.username == "zhou")) is None


def test_a_duplicate_badge_is_refused_in_chinese_for_a_chinese_reader(
        app: Any, build: Builder, db: Database) -> None:
    build.user("boss", "admin")
    build.user("li", "operator")
    build.user("wu", "operator")
    with db.write() as s:
        s.scalar(select(User).where(User.username == "li")).badge = "BADGE-LI"  # type: ignore[union-attr]
    admin = OfficeBrowser(app.test_client(), language="zh")
    admin.sign_in("boss", "password-1")
    wu = user_id(db, "wu")
    admin.get(f"/office/users/{wu}")
    page = admin.post(f"/office/users/{wu}", {"role": "operator", "badge": "BADGE-LI"})
    assert "BADGE-LI 已是别人的工牌" in admin.text(page)
    with db.read() as s:
        assert s.get(User, wu).badge is None  # type: ignore[union-attr]


def test_a_deactivated_users_session_and_token_stop_working(
        app: Any, admin: OfficeBrowser, build: Builder, db: Database) -> None:
    token = build.user("li", "operator")
    li = OfficeBrowser(app.test_client())
    li.sign_in("li", "password-1")
    assert li.get("/").status_code == 200 and "Pick" in li.text(li.get("/"))
    assert Api(app.test_client(), token).get("/stock").status_code == 200

    admin.get(f"/office/users/{user_id(db, 'li')}")
    page = admin.post(f"/office/users/{user_id(db, 'li')}/deactivate")
    assert "li is deactivated" in admin.text(page)

    after = li.client.get("/pick/")
    assert after.status_code in (302, 401)
    assert Api(app.test_client(), token).get("/stock").status_code == 401
    assert OfficeBrowser(app.test_client()).sign_in("li", "password-1").status_code == 401

    admin.post(f"/office/users/{user_id(db, 'li')}/reactivate")
    assert OfficeBrowser(app.test_client()).sign_in("li", "password-1").status_code == 302


def test_a_new_pin_ends_the_users_sessions_and_only_the_new_pin_signs_in(
        app: Any, admin: OfficeBrowser, build: Builder, db: Database) -> None:
    build.user("li", "operator")
    with db.write() as s:
        s.scalar(select(User).where(User.username == "li")).badge = "BADGE-LI"  # type: ignore[union-attr]
    li = OfficeBrowser(app.test_client())
    assert li.sign_in_with_badge("BADGE-LI", "1234").status_code == 302

    admin.get(f"/office/users/{user_id(db, 'li')}")
    page = admin.post(f"/office/users/{user_id(db, 'li')}/secrets", {"pin": "8642"})
    assert "their sessions ended" in admin.text(page)

    assert li.client.get("/pick/").status_code in (302, 401)
    assert OfficeBrowser(app.test_client()).sign_in_with_badge(
        "BADGE-LI", "1234").status_code == 401
    assert OfficeBrowser(app.test_client()).sign_in_with_badge(
        "BADGE-LI", "8642").status_code == 302


def test_a_short_new_pin_is_refused_and_the_old_one_still_works(
        app: Any, admin: OfficeBrowser, build: Builder, db: Database) -> None:
    build.user("li", "operator")
    admin.get(f"/office/users/{user_id(db, 'li')}")
    page = admin.post(f"/office/users/{user_id(db, 'li')}/secrets", {"pin": "12"})
    assert "PIN: 4 to 8 digits" in admin.text(page)
    assert OfficeBrowser(app.test_client()).sign_in("li", "password-1").status_code == 302


@pytest.mark.parametrize("role", ["operator", "clerk", "supervisor"])
def test_only_the_admin_may_open_the_users_pages(app: Any, build: Builder, db: Database,
                                                 role: str) -> None:
    build.user("someone", role)
    browser = OfficeBrowser(app.test_client())
    browser.sign_in("someone", "password-1")
    me = user_id(db, "someone")
    assert browser.get("/office/users/").status_code == 403
    assert browser.get("/office/users/tokens").status_code == 403
    assert browser.get(f"/office/users/{me}").status_code == 403
    browser.get("/")
    refused = browser.post(f"/office/users/{me}", {"role": "admin"}, follow=False)
    assert refused.status_code == 403
    with db.read() as s:
        assert s.get(User, me).role == role  # type: ignore[union-attr]


def test_api_tokens_are_listed_created_once_and_a_revoked_token_gets_401(
        app: Any, admin: OfficeBrowser, build: Builder, db: Database) -> None:
    token = build.user("bridge", "operator")
    li = user_id(db, "bridge")
    admin.get(f"/office/users/{li}")
    made = admin.post(f"/office/users/{li}/tokens", {"stations": "dock"})
    assert made.status_code == 201
    shown = re.search(r'class="new-token">([^<]+)<', made.get_data(as_text=True))
    assert shown is not None
    assert Api(app.test_client(), shown.group(1)).get("/stations/dock").status_code == 200

    listed = admin.get("/office/users/tokens", user="bridge")
    text = admin.text(listed)
    assert "dock" in text and "a person's token" in text
    station_row = re.search(r'<tr data-token="\d+">(?:(?!</tr>).)*>dock<.*?</tr>',
                            listed.get_data(as_text=True), re.S)
    assert station_row and "<td>main</td>" in station_row.group(0)  # this gateway's
    with db.read() as s:
        first = s.scalar(select(ApiToken.id).where(ApiToken.user_id == li,
                                                   ApiToken.stations.is_(None)))
    page = admin.post(f"/office/users/tokens/{first}/revoke",
                      {"back": "/office/users/tokens?user=bridge"})
    assert f"Token {first} of bridge revoked" in admin.text(page)
    assert Api(app.test_client(), token).get("/stock").status_code == 401
    assert Api(app.test_client(), shown.group(1)).get("/stations/dock").status_code == 200
    exported = admin.get("/office/users/tokens", format="csv").get_data(as_text=True)
    assert "bridge" in exported and "yes" in exported
    assert exported.splitlines()[0].split(",")[4] == "Gateway"


def test_the_users_list_pages_and_exports(admin: OfficeBrowser, build: Builder) -> None:
    for n in range(55):
        build.user(f"u{n:02d}", "operator")
    first = admin.get("/office/users/", role="operator")
    assert 'data-total="55"' in first.get_data(as_text=True)
    assert "u49" in admin.text(first) and "u50" not in admin.text(first)
    assert "u54" in admin.text(admin.get("/office/users/", role="operator", page=2))
    sheet = admin.get("/office/users/", role="operator", format="xlsx")
    assert sheet.headers["Content-Disposition"].endswith('users.xlsx"')
    csv = admin.get("/office/users/", role="operator", format="csv").get_data(as_text=True)
    assert csv.count("Operator") == 55


def test_a_person_kept_to_one_warehouse_is_refused_a_bin_of_another(
        app: Any, admin: OfficeBrowser, build: Builder, db: Database) -> None:
    wh1 = build.warehouse("WH1", bins=2)
    build.warehouse("WH2", bins=1, zone="B")
    build.item("CUP")
    build.stock("CUP", wh1[0], 5)
    token = build.user("li", "operator")
    li = user_id(db, "li")
    admin.get(f"/office/users/{li}")
    admin.post(f"/office/users/{li}", {"role": "operator", "warehouses": ["WH2"]})

    api = Api(app.test_client(), token)
    refused = api.post("/moves", {"sku": "CUP", "qty": 1, "from": wh1[0], "to": wh1[1]})
    assert refused.status_code == 403
    assert "may not work in warehouse WH1" in refused.get_json()["error"]["message"]
    assert api.post("/receipts", {"location": "DOCK-2",
                                  "lines": [{"sku": "CUP", "qty": 1}]}).status_code == 201

    with db.write() as s:
        s.get(User, li).badge = "BADGE-LI"  # type: ignore[union-attr]
    handheld = Handheld(app.test_client())
    handheld.sign_in("BADGE-LI", "1234")
    handheld.open("/receive/")
    screen = handheld.scan("DOCK-1")
    assert screen.banner is not None
    assert screen.banner[1] == "Not your warehouse"
    assert "You may not work in warehouse WH1" in screen.banner[2]


def test_an_admin_may_not_lock_themselves_out(admin: OfficeBrowser, db: Database) -> None:
    me = user_id(db, "boss")
    admin.get(f"/office/users/{me}")
    page = admin.post(f"/office/users/{me}/deactivate")
    assert "You may not deactivate yourself" in admin.text(page)
    page = admin.post(f"/office/users/{me}", {"role": "clerk"})
    assert "change your own role" in admin.text(page)
    with db.read() as s:
        boss = s.get(User, me)
        assert boss is not None and boss.active and boss.role == "admin"
