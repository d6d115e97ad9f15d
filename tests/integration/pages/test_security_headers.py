"""Every page and API answer carries the security headers; the pages load nothing inline
(so the policy can forbid it); behind a trusted TLS proxy the session cookie is Secure and
links are https, and an untrusted X-Forwarded-Proto changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import url_for

from tests.support.handheld import Handheld

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _assert_protected(reply: Any, where: str) -> None:
    for name, value in EXPECTED.items():
        assert reply.headers.get(name) == value, (where, name)
    policy = reply.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policy, where
    assert "script-src 'self'" in policy and "unsafe" not in policy, where


def test_every_kind_of_answer_carries_the_security_headers(handheld: Any,
                                                             floor_app: Any) -> None:
    client = floor_app.test_client()
    for path in ("/", "/login", "/static/terminal.css", "/static/htmx-2.0.11.min.js",
                 "/api/v1/health", "/api/v1/stock", "/api/v1/nowhere", "/nowhere", "/pick/"):
        _assert_protected(client.get(path), path)
    _assert_protected(client.post("/api/v1/moves", data=b"[" * 100), "POST /api/v1/moves")
    device = handheld("operator")
    for path in ("/", "/pick/", "/lookup/"):
        _assert_protected(device.client.get(path), f"signed in {path}")


def test_the_pages_load_no_inline_script_or_style(handheld: Any, floor_app: Any) -> None:
    from wms.services.print_jobs import enqueue

    with floor_app.extensions["wms.db"].write() as s:
        job = enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="dock",
                      gateway="main", user_id=None, title="A-01-01-01")
        job.last_error = "the printer is off"
    device = handheld("supervisor")
    pages = ["/", "/pick/", "/receive/", "/supervisor/", "/office/print-jobs", "/office/status"]
    for path in pages:
        html = device.client.get(path).get_data(as_text=True)
        if path == "/office/print-jobs":
            assert "the printer is off" in html
        assert "<style" not in html, path
        assert not re.search(r"\sstyle=", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        for script in re.findall(r"<script[^>]*>", html):
            assert "src=" in script, (path, script)
    login = Handheld(device.client.application.test_client()).client.get("/login")
    assert "<script>" not in login.get_data(as_text=True)


@pytest.fixture
def proxied(demo_url: str, tmp_path: Path) -> Iterator[Any]:
    """The app as deployed behind one TLS proxy on the gateway (WMS_PROXY_HOPS=1)."""
    from terminal_ui import create_app

    app = create_app({"database_url": demo_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(tmp_path / "wms.toml"), "proxy_hops": 1})
    app.add_url_rule("/probe-link", "probe", lambda: url_for("home.index", _external=True))
    yield app
    app.extensions["wms.db"].dispose()


def _sign_in(client: Any, headers: dict[str, str]) -> Any:
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post("/login/badge", headers={**headers, "Referer": "https://gw/login"},
                       data={"badge": "BADGE-0003", "pin": "1111", "csrf_token": token})


def test_behind_the_trusted_tls_proxy_the_cookie_is_secure_and_links_are_https(
        proxied: Any) -> None:
    tls = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7",
           "X-Forwarded-Host": "gw"}
    signed = _sign_in(proxied.test_client(), tls)
    assert signed.status_code == 302
    assert "Secure" in signed.headers["Set-Cookie"]
    assert proxied.test_client().get("/probe-link", headers=tls).get_data(as_text=True) \
        == "https://gw/"


def test_an_untrusted_forwarded_proto_does_not_change_the_cookie(floor_app: Any) -> None:
    signed = _sign_in(floor_app.test_client(), {"X-Forwarded-Proto": "https"})
    assert signed.status_code == 302
    assert "Secure" not in signed.headers["Set-Cookie"]
