"""The import room in a real browser under gunicorn's two workers: the upload is sent by
htmx as multipart, the check runs in the background and its progress is polled from
whichever worker answers, the bad rows are listed, and a good file is imported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.e2e.conftest import SCREENSHOTS, Server
from tests.integration.test_imports_api import csv_of, thousand_items_three_bad
from wms.models import Item


def test_a_clerk_checks_a_file_sees_its_bad_rows_then_imports_a_good_one(
    server: Server, browser: Any, tmp_path: Path,
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.goto(server.url + "/login?next=/office/imports")
    page.get_by_text("Sign in with user name and password").click()
    page.fill("#username", "wang")
    page.fill("#password", "wang-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/office/imports")

    bad = tmp_path / "items.csv"
    bad.write_bytes(thousand_items_three_bad())
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="Check the file").click()
    rows = page.locator("table.import-errors td.row")
    expect(rows).to_have_count(3, timeout=60_000)
    assert rows.all_inner_texts() == ["101", "501", "901"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "office-import-bad-rows.png"), full_page=True)

    good = tmp_path / "good.csv"
    good.write_bytes(csv_of(["商品编码", "名称"], [["NEW-1", "新商品一"], ["NEW-2", "新商品二"]]))
    page.set_input_files("input[name=file]", str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("All 2 rows are good.")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported: 2 new, 0 changed, 0 unchanged.")).to_be_visible(
        timeout=60_000)
    page.screenshot(path=str(SCREENSHOTS / "office-import-done.png"), full_page=True)
    with server.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Item).where(
            Item.sku.in_(["NEW-1", "NEW-2"]))) == 2
    page.close()
