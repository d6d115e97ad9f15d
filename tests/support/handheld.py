"""A handheld as the test client sees it: sign in with a badge and PIN, open a workflow page,
and type scans into it the way htmx sends them (the step's hidden fields, the scan, the CSRF
header), reading back what the person would see: banner, prompt and the step's fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any

CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
BANNER = re.compile(r'<div class="banner (\w+)"[^>]*>\s*<strong>(.*?)</strong>'
                    r'(?:<span class="detail">((?:<span class="code[^"]*">[^<]*</span>|[^<])*)'
                    r'</span>)?', re.S)
PROMPT = re.compile(r'<label id="prompt" class="prompt" for="scan">\s*(.*?)\s*</label>', re.S)
TAGS = re.compile(r"<[^>]+>")


def text_of(html: str) -> str:
    """The visible words of a piece of HTML, in one line."""
    return re.sub(r"\s+", " ", unescape(TAGS.sub(" ", html))).strip()


@dataclass
class Screen:
    status: int
    html: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def banner(self) -> tuple[str, str, str] | None:
        """(kind, headline, detail) of the step's banner, if any."""
        found = BANNER.search(self.html)
        if not found:
            return None
        kind, headline, detail = found.groups()
        return kind, unescape(TAGS.sub("", headline)), unescape(TAGS.sub("", detail or ""))

    @property
    def prompt(self) -> str:
        found = PROMPT.search(self.html)
        return text_of(found.group(1)) if found else ""

    @property
    def text(self) -> str:
        return text_of(self.html)


class Handheld:
    """One person's browser on a workflow page."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.csrf = ""
        self.path = "/"
        self.screen: Screen | None = None
        self.last_sent: dict[str, str] = {}

    def _remember_csrf(self, html: str) -> None:
        found = CSRF.search(html)
        if found:
            self.csrf = found.group(1)

    def sign_in(self, badge: str, pin: str) -> Screen:
        page = self.client.get("/login").get_data(as_text=True)
        self._remember_csrf(page)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        reply = self.client.post("/login/badge", data={
            "badge": badge, "pin": pin, "csrf_token": token.group(1)})
        return Screen(reply.status_code, reply.get_data(as_text=True))

    def open(self, path: str) -> Screen:
        """Open a page as a full page load."""
        self.path = path
        reply = self.client.get(path, headers={"Accept-Language": self.language})
        html = reply.get_data(as_text=True)
        self._remember_csrf(html)
        self.screen = Screen(reply.status_code, html, dict(HIDDEN.findall(html)))
        return self.screen

    language = "en"

    def scan(self, text: str = "", *, scan_id: str | None = None, **extra: str) -> Screen:
        """Type `text` + Enter into the scan input (or tap a button: `action="short"`)."""
        assert self.screen is not None, "open a page first"
        data = {k: unescape(v) for k, v in self.screen.fields.items() if k != "csrf_token"}
        data["scan"] = text
        if scan_id is not None:
            data["scan_id"] = scan_id
        data.update(extra)
        self.last_sent = data
        return self._post(data)

    def resend(self) -> Screen:
        """Send the last request again, unchanged (same scan id), as the page does when the
        answer to it was lost on the way."""
        return self._post(self.last_sent)

    def _post(self, data: dict[str, str]) -> Screen:
        reply = self.client.post(self.path, data=data, headers={
            "HX-Request": "true", "X-CSRFToken": self.csrf,
            "Accept-Language": self.language})
        html = reply.get_data(as_text=True)
        assert html.count('id="step"') <= 1 and html.count('id="prompt"') <= 1, \
            "a step renders one step with one prompt"
        if reply.status_code == 204:  # nothing changed: the browser keeps showing the step
            return Screen(204, html)
        self.screen = Screen(reply.status_code, html, dict(HIDDEN.findall(html)))
        return self.screen
