"""Which device a page request comes from, for the audit trail: `web:` and a short name of
the browser's system and make (`web:Android Chrome`), set once per request together with
the warehouses the signed-in person may work in (wms.acting)."""

from __future__ import annotations

import re

from flask import Flask, g, request
from flask_login import current_user

from wms.acting import begin, end, warehouse_codes

# The first match names the system, then the browser (order matters: Edge and Chrome say
# "Safari" too, Android says "Linux").
SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
           ("Windows", "Windows"), ("Macintosh", "Mac"), ("CrOS", "ChromeOS"),
           ("Linux", "Linux"))
BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
            ("Safari/", "Safari"), ("curl/", "curl"))
_WORD = re.compile(r"[A-Za-z][\w.-]{0,30}")


def web_device(user_agent: str | None) -> str:
    """`web:<system> <browser>` for a user agent, or its first word when neither is known,
    or `web:` alone for none."""
    text = user_agent or ""
    system = next((name for token, name in SYSTEMS if token in text), None)
    browser = next((name for token, name in BROWSERS if token in text), None)
    parts = [part for part in (system, browser) if part]
    if not parts:
        word = _WORD.search(text)
        parts = [word.group(0)] if word else []
    return "web:" + " ".join(parts)


def _start() -> None:
    if request.blueprint == "api" or request.endpoint == "static":
        return  # the API dispatcher names its caller's token; files need nobody
    warehouses = current_user.warehouses if current_user.is_authenticated else None
    g.wms_acting = begin(web_device(request.headers.get("User-Agent")),
                         warehouse_codes(warehouses))


def _stop(_error: BaseException | None) -> None:
    token = g.pop("wms_acting", None)
    if token is not None:
        end(token)


def init_devices(app: Flask) -> None:
    """Every page request acts from its browser's device, in its person's warehouses."""
    app.before_request(_start)
    app.teardown_request(_stop)
