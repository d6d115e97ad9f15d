"""Sign-in by badge and PIN or by password, sign-out from every page, the menu and every
workflow route per role, CSRF on state changes, and the pages in Chinese and English."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.handheld import Handheld, text_of

WORKFLOWS = {  # page -> roles that may open it
    "/receive/": {"admin", "supervisor", "operator"},
    "/putaway/": {"admin", "supervisor", "operator"},
    "/pick/": {"admin", "supervisor", "operator"},
    "/count/": {"admin", "supervisor", "operator"},
    "/move/": {"admin", "supervisor", "operator"},
    "/lookup/": {"admin", "supervisor", "operator", "clerk"},
    "/scrap/": {"admin", "supervisor"},
    "/supervisor/": {"admin", "supervisor"},
}
SCAN_PAGES = [page for page in WORKFLOWS if page != "/supervisor/"]


def test_a_badge_then_the_pin_signs_in_and_only_then_greets_by_name(floor_app: Any) -> None:
    device = Handheld(floor_app.test_client())
    page = device.client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Scan your badge" in page and 'autofocus' in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    pin_page = device.client.post("/login/badge", data={"badge": "BADGE-0003",
                                                        "csrf_token": token},
                                  headers={"Accept-Language": "en"})
    assert "Type your PIN" in pin_page.get_data(as_text=True)
    assert "Li (picker)" not in pin_page.get_data(as_text=True)
    signed = device.client.post("/login/badge", data={"badge": "BADGE-0003", "pin": "1111",
                                                      "csrf_token": token})
    assert signed.status_code == 302 and signed.location == "/"
    assert "李拣货 Li (picker)" in device.client.get("/").get_data(as_text=True)


def test_a_wrong_pin_is_refused_and_repeated_failures_lock_the_badge(floor_app: Any) -> None:
    device = Handheld(floor_app.test_client())
    for _ in range(5):
        assert device.sign_in("BADGE-0003", "0000").status == 401
    locked = device.sign_in("BADGE-0003", "1111")
    assert locked.status == 429
    assert "Too many failed sign-ins" in text_of(locked.html) or "登录失败次数过多" in locked.html


def test_a_badge_scan_tells_nothing_until_the_pin_whether_known_or_not(
        floor_app: Any) -> None:
    client = floor_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]

    def step_one(badge: str) -> tuple[int, str]:
        reply = client.post("/login/badge", data={"badge": badge, "csrf_token": token},
                            headers={"Accept-Language": "en"})
        text = reply.get_data(as_text=True).replace(badge, "BADGE")
        # The CSRF token (in the form and in the page's htmx headers) carries the second it
        # was signed in: not the badge's doing.
        text = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
        return reply.status_code, re.sub(r'"X-CSRFToken": "[^"]*"', "", text)

    assert step_one("BADGE-9") == step_one("BADGE-0003")
    assert step_one("BADGE-9")[0] == 200
    reply = client.post("/login/badge", data={"badge": "BADGE-9", "pin": "1111",
                                              "csrf_token": token},
                        headers={"Accept-Language": "en"})
    assert reply.status_code == 401
    assert "Wrong badge or PIN" in reply.get_data(as_text=True)


def test_the_menu_shows_only_what_the_role_may_do(handheld: Any) -> None:
    menu = handheld("operator").open("/").text
    for label in ("Receive", "Putaway", "Pick", "Count", "Move", "Stock lookup"):
        assert label in menu
    assert "Scrap" not in menu and "Supervisor" not in menu
    clerk = handheld("clerk").open("/").text
    assert "Stock lookup" in clerk and "Pick" not in clerk and "Receive" not in clerk
    assert "Scrap" in handheld("supervisor").open("/").text


@pytest.mark.parametrize("page", list(WORKFLOWS))
def test_each_route_opens_for_its_roles_and_refuses_the_others(handheld: Any, page: str,
                                                               floor_app: Any) -> None:
    for role in ("admin", "supervisor", "operator", "clerk"):
        device = handheld(role)
        opened = device.open(page)
        allowed = role in WORKFLOWS[page]
        assert opened.status == (200 if allowed else 403), (role, page)
        if not allowed:
            assert "Your role may not do this" in opened.text
            if page in SCAN_PAGES:
                posted = device.client.post(page, data={"scan": "A-01-01-01"},
                                            headers={"X-CSRFToken": device.csrf})
                assert posted.status_code == 403
    anonymous = floor_app.test_client().get(page)
    assert anonymous.status_code == 302 and anonymous.location.startswith("/login")


@pytest.mark.parametrize("page", SCAN_PAGES)
def test_every_scan_page_has_one_autofocused_scan_input_and_a_sign_out(handheld: Any,
                                                                        page: str) -> None:
    html = handheld("admin").open(page).html
    assert html.count("autofocus") == 1
    scan_input = html.split('<input id="scan"')[1].split(">")[0]
    for attribute in ('autocomplete="off"', 'inputmode="none"', "autofocus"):
        assert attribute in scan_input
    assert 'hx-sync="this:queue all"' in html
    assert "disabled" not in scan_input
    assert 'action="/logout"' in html
    assert '"X-CSRFToken": "' in html


def test_a_state_change_without_the_csrf_token_is_refused_and_changes_nothing(
        handheld: Any, ledger: Any) -> None:
    picker = handheld("operator")
    picker.open("/pick/")
    before = ledger.moves()
    reply = picker.client.post("/pick/", data={"order": "SO-2003", "scan_id": "x"},
                               headers={"HX-Request": "true"})
    assert reply.status_code == 400
    assert ledger.moves() == before
    assert picker.scan(order="SO-2003").status == 200  # with the header it goes through


def test_the_pages_speak_chinese_to_a_chinese_browser(handheld: Any) -> None:
    picker = handheld("operator", language="zh-CN,zh;q=0.9,en;q=0.5")
    page = picker.open("/pick/")
    assert '<html lang="zh-Hans">' in page.html
    assert "扫描" in page.prompt
    picker.scan(order="SO-2003")
    wrong = picker.scan("B-01-02-02")
    kind, headline, detail = wrong.banner
    assert kind == "error" and "货位" in headline
    assert "B-01-01-01" not in detail and "B-01-02-01" in detail and "B-01-02-02" in detail
    assert "紫砂壶" in wrong.text  # the item's Chinese name


def test_the_users_language_setting_wins_over_the_browser(handheld: Any) -> None:
    picker = handheld("operator", language="zh-CN")
    assert "扫描" in picker.open("/pick/").prompt
    reply = picker.client.post("/language", data={"locale": "en", "back": "/pick/"},
                               headers={"X-CSRFToken": picker.csrf})
    assert reply.status_code == 302 and reply.location == "/pick/"
    assert picker.open("/pick/").prompt == "Scan an order number or tap an order"
    again = handheld("operator", language="zh-CN")  # a new session: the setting is the user's
    assert again.open("/pick/").prompt == "Scan an order number or tap an order"


def test_numbers_and_dates_follow_the_language(handheld: Any) -> None:
    english = handheld("operator").open("/lookup/")
    assert english.status == 200
    looked = handheld("operator")
    looked.open("/lookup/")
    tea = looked.scan("6901234567892")
    assert "On hand: 120" in tea.text
    chinese = handheld("supervisor", language="zh")
    chinese.open("/lookup/")
    tea_zh = chinese.scan("6901234567892")
    assert "年" in tea_zh.text  # expiry dates written the Chinese way


def test_a_session_lasts_one_shift(floor_app: Any) -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import parsedate_to_datetime

    device = Handheld(floor_app.test_client())
    page = device.client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    signed = device.client.post("/login/badge", data={"badge": "BADGE-0003", "pin": "1111",
                                                      "csrf_token": token})
    cookie = signed.headers["Set-Cookie"]
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    shift = timedelta(hours=floor_app.config["WMS_SETTINGS"].shift_hours)
    assert abs(expires - (datetime.now(UTC) + shift)) < timedelta(minutes=1)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    signed_out = device.client.post("/logout", data={"csrf_token": token})
    assert signed_out.status_code == 302
    assert device.client.get("/pick/").status_code == 302  # back to the sign-in page


def test_a_shift_ends_the_session_however_busy_it_was(floor_app: Any) -> None:
    """The shift counts from the sign-in: scans, messages and a new language on the way
    do not make it longer."""
    import time

    device = Handheld(floor_app.test_client())
    assert device.sign_in("BADGE-0003", "1111").status == 302
    shift = floor_app.config["WMS_SETTINGS"].shift_hours * 3600
    with device.client.session_transaction() as session:  # signed in almost a shift ago
        session["signed_in_at"] = int(time.time()) - shift + 60
    assert device.open("/lookup/").status == 200
    assert device.scan("6901234567892").status == 200
    assert device.client.post("/language", data={"locale": "zh", "back": "/lookup/",
                                                 "csrf_token": device.csrf}).status_code == 302
    with device.client.session_transaction() as session:  # a minute and a second later
        session["signed_in_at"] -= 61
    ended = device.client.get("/lookup/")
    assert ended.status_code == 302 and "/login" in ended.location
    assert device.sign_in("BADGE-0003", "1111").status == 302  # the next shift signs in
    assert device.open("/lookup/").status == 200


@pytest.mark.parametrize(("language", "password", "badge"), [
    ("en", "Sign in with user name and password", "Sign in with your badge"),
    ("zh", "用用户名和密码登录", "用工牌登录")])
def test_the_sign_in_page_shows_the_password_form_beside_the_badge_and_hides_neither(
        floor_app: Any, language: str, password: str, badge: str) -> None:
    html = floor_app.test_client().get(
        "/login", headers={"Accept-Language": language}).get_data(as_text=True)
    assert "<details" not in html
    assert f'<h2 id="by-password">{password}</h2>' in html
    assert f'<h2 id="by-badge">{badge}</h2>' in html
    assert 'id="username"' in html and 'id="password"' in html and 'id="badge"' in html
