"""A desktop browser on the office pages, as the test client sees it: sign in with a user
name and password, open pages, post forms with the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from tests.support.handheld import text_of

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class OfficeBrowser:
    """One person's browser on the office pages."""

    def __init__(self, client: Any, language: str = "en") -> None:
        self.client = client
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        self.client.environ_base["HTTP_USER_AGENT"] = (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0 Safari/537.36")
        self.csrf = ""

    def _remember(self, response: Any) -> Any:
        if response.mimetype != "text/html":
            return response
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.csrf = found.group(1)
        return response

    def sign_in(self, username: str, password: str = "password-1") -> Any:
        """Sign in with a password; the answer is the redirect (302) or the refusal."""
        self.get("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.csrf})

    def sign_in_with_badge(self, badge: str, pin: str) -> Any:
        self.get("/login")
        return self.client.post("/login/badge", data={"badge": badge, "pin": pin,
                                                      "csrf_token": self.csrf})

    def get(self, path: str, *, headers: dict[str, str] | None = None, **query: Any) -> Any:
        return self._remember(self.client.get(path, query_string=query or None,
                                              headers=headers))

    def post(self, path: str, data: dict[str, Any] | None = None, *,
             follow: bool = True, headers: dict[str, str] | None = None) -> Any:
        """Post a form of the last page opened (its CSRF token); redirects are followed
        unless `follow` is False."""
        form = {"csrf_token": self.csrf, **(data or {})}
        return self._remember(self.client.post(path, data=form, follow_redirects=follow,
                                               headers=headers))

    @staticmethod
    def text(response: Any) -> str:
        return text_of(response.get_data(as_text=True))
