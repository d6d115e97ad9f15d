"""Nothing of the business without sign-in: every route of the app, walked signed out,
sends the person to sign in (pages) or answers 401 (API); only sign-in, the static files,
the health check, the icon and the API's description answer, and the home page names no order,
supplier or customer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

PUBLIC = {"auth.login", "auth.login_with_password", "auth.login_with_badge", "static",
          "api.health", "api.openapi", "home.index", "home.icon", "i18n.choose_language"}


@pytest.fixture
def demo_app(demo_url: str, tmp_path: Path) -> Any:
    from terminal_ui import create_app
    from wms.site_config import DEMO_CONFIG

    config = tmp_path / "wms.toml"
    config.write_text(DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/'),
                      encoding="utf-8")
    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(config), "WTF_CSRF_ENABLED": False})
    yield app
    app.extensions["wms.db"].dispose()


def _example_url(rule: Any) -> str:
    values = {name: "1" if type(conv).__name__ in ("IntegerConverter", "NumberConverter")
              else ("dock" if name == "name" else "SO-2001")
              for name, conv in rule._converters.items()}
    return str(rule.build(values, append_unknown=False)[1])


def test_every_route_signed_out_asks_for_sign_in(demo_app: Any) -> None:
    client = demo_app.test_client()
    answered, walked = [], 0
    for rule in demo_app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = _example_url(rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            reply = client.open(url, method=method, data={"scan": "PO-1001"})
            walked += 1
            asks = (reply.status_code == 401 if url.startswith("/api/")
                    else reply.status_code == 302 and "/login" in reply.location)
            if not asks:
                answered.append((method, url, reply.status_code,
                                 reply.get_data(as_text=True)[:80]))
    assert answered == []
    assert walked > 60


def test_the_signed_out_home_page_names_no_order_supplier_or_customer(demo_app: Any) -> None:
    page = demo_app.test_client().get("/", headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign in" in text
    for secret in ("PO-1001", "SO-2001", "杭州龙井茶业有限公司", "上海茶韵贸易公司",
                   "Café Lumière", "TEA-001"):
        assert secret not in text


def test_the_browser_finds_the_gateways_icon_on_the_page_and_at_the_old_address(
        demo_app: Any) -> None:
    client = demo_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">' in page
    for url in ("/static/icon.svg", "/favicon.ico"):
        reply = client.get(url)
        assert reply.status_code == 200, url
        assert reply.mimetype == "image/svg+xml" and reply.data.startswith(b"<svg"), url
