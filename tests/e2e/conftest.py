"""End-to-end: the real app under gunicorn over a demo warehouse in SQLite, driven by headless
Chromium (Debian's /usr/bin/chromium through Playwright) at a phone's 360 x 740. Scans are
typed into the focused input followed by Enter, exactly as a wedge scanner types them.
Screenshots of each workflow go to test-artifacts/screenshots/ for a reviewer to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import missing
from wms.db import Database

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("WMS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    db: Database


@contextmanager
def running_app(database: Path | str, config: Path, workdir: Path,
                port: int | None = None) -> Iterator[Server]:
    """`wms serve` (gunicorn, 2 workers) over `database` (a SQLite file, or a database URL)
    with the hardware file `config`."""
    port = port or free_port()
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    env = {**os.environ, "WMS_DATABASE_URL": url,
           "WMS_CONFIG_PATH": str(config), "WMS_SECRET_KEY": "e2e-secret"}
    wms = Path(sys.executable).with_name("wms")
    process = subprocess.Popen([str(wms), "serve", "--port", str(port), "--host", "127.0.0.1"],
                               cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/v1/health", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the app did not start under gunicorn")
            time.sleep(0.1)
    db = Database(url)
    try:
        yield Server(base, db)
    finally:
        db.dispose()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def server(demo_sqlite_template: Path, tmp_path: Path) -> Iterator[Server]:
    """The app over a fresh copy of the demo warehouse, without hardware."""
    database = tmp_path / "wms.sqlite3"
    shutil.copy(demo_sqlite_template, database)
    with running_app(database, tmp_path / "wms.toml", tmp_path) as app:
        yield app


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        missing(f"chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Handheld:
    """A phone-sized browser tab on the gateway, with a wedge scanner."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-pending='0']")

    def sign_in(self, badge: str, pin: str) -> None:
        self.page.goto(self.base + "/login")
        from playwright.sync_api import expect

        # Locator assertions poll without evaluating strings in the page, which its
        # Content-Security-Policy (no eval) forbids.
        expect(self.page.locator("#badge")).to_be_focused(timeout=30_000)
        self.wedge(badge, wait=False)
        expect(self.page.locator("#pin")).to_be_focused(timeout=30_000)
        self.page.keyboard.type(pin)
        self.page.keyboard.press("Enter")
        self.page.wait_for_url(self.base + "/")

    def wedge(self, text: str, *, wait: bool = True) -> None:
        """One scan: the text typed into whatever has the focus, then Enter."""
        focused = self.page.evaluate("document.activeElement && document.activeElement.id")
        assert focused in ("scan", "badge"), f"the scan input lost the focus to {focused!r}"
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        if wait:
            self.settle()

    def enter(self) -> None:
        """Enter alone, pressed by a person who has read the step on screen: the page takes an
        Enter within 200 ms of a step coming on screen for a scanner's double Enter."""
        self.page.wait_for_timeout(300)
        self.wedge("")

    def settle(self) -> None:
        self.page.wait_for_selector("body[data-pending='0']")

    def tap(self, label: str) -> None:
        self.page.get_by_role("button", name=label, exact=True).click()
        self.settle()

    @property
    def banner(self) -> str:
        found = self.page.locator("#step .banner")
        return " ".join(found.inner_text().split()) if found.count() else ""

    @property
    def banner_kind(self) -> str:
        return self.page.locator("#step .banner").get_attribute("data-outcome") or ""

    @property
    def prompt(self) -> str:
        return " ".join(self.page.locator("#prompt").inner_text().split())

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def has_no_horizontal_scroll(self) -> bool:
        return bool(self.page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


@pytest.fixture
def handheld(browser: Any, server: Server) -> Iterator[Any]:
    """handheld(locale="en") -> a new 360 x 740 tab on the server."""
    contexts = []

    def open_tab(locale: str = "en") -> Handheld:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale=locale,
                                      has_touch=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return Handheld(page, server.url)

    yield open_tab
    for context in contexts:
        context.close()
