"""A browser on the back office: signed in by user name and password as a given role, with
the CSRF token of the last page it read."""

from __future__ import annotations

import re
from typing import Any


class OfficeBrowser:
    """A test client signed in to the office; `post` sends the form with its CSRF token."""

    def __init__(self, client: Any, language: str = "en") -> None:
        self.client = client
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        self.token = ""

    def sign_in(self, username: str, password: str = "password-1") -> Any:
        self.token = _csrf(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": self.token, "next": "/"})

    def get(self, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})},
                                **kwargs)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)
