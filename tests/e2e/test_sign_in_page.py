"""The sign-in page in a real browser: both ways in are in plain view, the user name and
password on the left at a desk's 1280 x 800 and the badge first on a phone's 360 x 640,
in English and Chinese; screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import SCREENSHOTS, Server

TEXTS = {"en": ("Sign in with user name and password", "Sign in with your badge"),
         "zh": ("用用户名和密码登录", "用工牌登录")}


def open_sign_in(browser: Any, server: Server, width: int, height: int, locale: str) -> Any:
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(server.url + "/login")
    return page


def within_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"] \
        and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_desk_user_sees_the_password_form_beside_the_badge_without_opening_anything(
        browser: Any, server: Server, locale: str) -> None:
    page = open_sign_in(browser, server, 1280, 800, locale)
    password, badge = TEXTS[locale]
    assert page.get_by_role("heading", name=password).is_visible()
    assert page.get_by_role("heading", name=badge).is_visible()
    for field in ("#username", "#password", "#badge"):
        assert within_view(page, field), field
    left = page.locator(".sign-in-password").bounding_box()
    right = page.locator(".sign-in-badge").bounding_box()
    assert left["x"] + left["width"] <= right["x"]  # side by side, password first
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sign-in-1280x800-{locale}.png"))

    page.fill("#username", "admin")
    page.fill("#password", "admin-demo")
    page.get_by_role("button", name="Sign in" if locale == "en" else "登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
    assert page.get_by_role("button", name="Sign out" if locale == "en" else "退出").is_visible()
    page.context.close()


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_a_handheld_sees_the_badge_first_and_the_password_form_below_it(
        browser: Any, server: Server, locale: str) -> None:
    page = open_sign_in(browser, server, 360, 640, locale)
    password, badge = TEXTS[locale]
    assert page.locator("#badge").evaluate("e => e === document.activeElement")
    assert within_view(page, "#badge")
    first = page.locator(".sign-in-badge").bounding_box()
    second = page.locator(".sign-in-password").bounding_box()
    assert first["y"] + first["height"] <= second["y"]  # stacked, badge first
    assert page.get_by_role("heading", name=password).is_visible()
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"sign-in-360x640-{locale}.png"), full_page=True)
    page.context.close()
