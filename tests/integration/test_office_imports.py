"""The import and export room of the office: a dry run names every bad row (row as the
spreadsheet shows it, column, why, in the reader's language) and imports nothing; a good
file is imported after its dry run; templates and exports in the reader's language."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.integration.test_imports_api import csv_of, thousand_items_three_bad
from tests.support.builders import Builder
from wms.db import Database
from wms.models import Item, StockBalance


@pytest.fixture
def office(database_url: str, tmp_path: Path, build: Builder) -> Iterator[Any]:
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text("", encoding="utf-8")
    app = create_app({"database_url": database_url, "config_path": str(config),
                      "SECRET_KEY": "test-secret", "imports_dir": str(tmp_path / "imports")})
    for name, role in (("clerk", "clerk"), ("admin", "admin"), ("picker", "operator")):
        build.user(name, role)  # password "password-1"
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield client
    app.extensions["wms.db"].dispose()


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: Any, name: str = "clerk") -> str:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": name, "password": "password-1",
                                "csrf_token": token, "next": "/office/imports"})
    return csrf_of(client.get("/office/imports").get_data(as_text=True))


def finished(client: Any, page: str) -> str:
    """The job's part of the page once its background work is over."""
    if 'data-state="done"' in page or 'data-state="failed"' in page:
        return page
    match = re.search(r'/office/imports/jobs/([0-9a-f]{16})', page)
    assert match, page
    for _ in range(600):
        part = client.get(f"/office/imports/jobs/{match.group(1)}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
        if 'data-state="done"' in part or 'data-state="failed"' in part:
            return part
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def check(client: Any, token: str, kind: str, data: bytes, name: str = "file.csv") -> str:
    response = client.post("/office/imports/check", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "kind": kind,
                                 "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)
    return finished(client, response.get_data(as_text=True))


def items_in(db: Database) -> int:
    with db.read() as s:
        return len(s.scalars(select(Item.id)).all())


def test_a_dry_run_lists_the_three_bad_rows_of_a_thousand_and_imports_nothing(
    office: Any, db: Database,
) -> None:
    token = sign_in(office)
    part = check(office, token, "items", thousand_items_three_bad())
    rows = re.findall(r'<td class="row">(\d+)</td><td class="field">([^<]+)</td>', part)
    assert rows == [("101", "unit_cost"), ("501", "min_qty"), ("901", "name")]
    assert "SKU-0899 is new and needs a name" in part and "At least 0" in part
    assert "Import</button>" not in part
    assert items_in(db) == 0


def test_the_reader_sees_bad_rows_in_chinese_with_chinese_column_names(office: Any) -> None:
    office.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    token = sign_in(office)
    part = check(office, token, "items", csv_of(["商品编码", "名称", "默认供应商"],
                                                [["TEA", "茶", "NOPE"]]))
    assert '<td class="field">默认供应商</td>' in part
    assert "没有供应商 NOPE" in part


def test_a_good_file_is_imported_after_its_dry_run(office: Any, db: Database) -> None:
    token = sign_in(office)
    part = check(office, token, "items", csv_of(["sku", "name"], [["CUP", "杯子"], ["TEA", "茶"]]))
    assert "All 2 rows are good" in part and items_in(db) == 0
    job = re.search(r'/office/imports/jobs/([0-9a-f]{16})/import', part)
    assert job
    response = office.post(f"/office/imports/jobs/{job.group(1)}/import",
                           headers={"HX-Request": "true"}, data={"csrf_token": token})
    part = finished(office, response.get_data(as_text=True))
    assert "Imported: 2 new, 0 changed, 0 unchanged" in part
    assert items_in(db) == 2


def test_an_empty_file_is_refused_with_a_message(office: Any) -> None:
    token = sign_in(office)
    response = office.post("/office/imports/check", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "kind": "items",
                                 "file": (io.BytesIO(b""), "empty.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The file is empty" in response.get_data(as_text=True)
    part = check(office, token, "items", b"\xef\xbb\xbfsku,name\r\n")
    assert "The file cannot be read: The file has a header but no rows." in part


def test_templates_and_exports_have_headers_in_the_readers_language(
    office: Any, build: Builder,
) -> None:
    build.item("TEA", name="龙井茶")
    sign_in(office)
    english = office.get("/office/imports/templates/items.csv").data.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("sku,name,name_en")
    office.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    book = load_workbook(io.BytesIO(office.get("/office/imports/exports/items.xlsx").data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:2] == ("商品编码", "名称") and rows[1][:2] == ("TEA", "龙井茶")


def test_an_exported_xlsx_with_chinese_headers_imported_again_changes_nothing(
    office: Any, build: Builder,
) -> None:
    build.warehouse("WH1", bins=2)
    build.item("TEA", name="龙井茶", unit_cost=12.5, barcodes=["6901234567892"])
    office.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    token = sign_in(office)
    data = office.get("/office/imports/exports/items.xlsx").data
    part = check(office, token, "items", data, "items.xlsx")
    assert "全部 1 行都正确" in part and "新增 0，修改 0，未变 1" in part


def test_roles_without_master_data_are_refused_and_clerks_cannot_import_opening_stock(
    office: Any,
) -> None:
    sign_in(office, "picker")
    assert office.get("/office/imports").status_code == 403
    office.post("/logout", data={"csrf_token": csrf_of(office.get("/").get_data(as_text=True))})
    token = sign_in(office, "clerk")
    response = office.post("/office/imports/check", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "kind": "opening-stock",
                                 "file": (io.BytesIO(b"sku,location,qty\r\nX,Y,1\r\n"),
                                          "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403


def checked_job(client: Any, token: str, folder: Path, kind: str, data: bytes
                ) -> tuple[str, str]:
    """(job id, finished part) of a new dry run: the id is the report that appeared."""
    before = set(folder.glob("*.json")) if folder.exists() else set()
    part = check(client, token, kind, data)
    (new,) = set(folder.glob("*.json")) - before
    return new.stem, part


def import_checked(client: Any, token: str, job: str) -> str:
    response = client.post(f"/office/imports/jobs/{job}/import",
                           headers={"HX-Request": "true"}, data={"csrf_token": token})
    return finished(client, response.get_data(as_text=True))


def report_of(client: Any, job: str) -> str:
    return client.get(f"/office/imports/jobs/{job}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)


def test_an_uploaded_file_is_removed_once_imported_or_refused_and_the_report_stays(
    office: Any, tmp_path: Path,
) -> None:
    folder = tmp_path / "imports"
    token = sign_in(office)
    good, _part = checked_job(office, token, folder, "items",
                              csv_of(["sku", "name"], [["CUP", "杯子"]]))
    assert (folder / f"{good}.upload").exists()  # waiting for its import
    assert "Imported: 1 new, 0 changed, 0 unchanged" in import_checked(office, token, good)
    bad, part = checked_job(office, token, folder, "items", csv_of(["sku", "name"],
                                                                    [["TEA", ""]]))
    assert "TEA is new and needs a name" in part
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".json"]
    assert "Imported: 1 new, 0 changed, 0 unchanged" in report_of(office, good)
    assert "TEA is new and needs a name" in report_of(office, bad)


def test_a_checked_file_waits_a_day_for_its_import_and_a_report_a_month(
    office: Any, tmp_path: Path,
) -> None:
    folder = tmp_path / "imports"
    token = sign_in(office)
    waiting, _part = checked_job(office, token, folder, "items",
                                 csv_of(["sku", "name"], [["CUP", "杯子"]]))
    old, _part = checked_job(office, token, folder, "items",
                             csv_of(["sku", "name"], [["TEA", ""]]))
    day, month = time.time() - 25 * 3600, time.time() - 31 * 24 * 3600
    os.utime(folder / f"{waiting}.upload", (day, day))
    os.utime(folder / f"{old}.json", (month, month))
    check(office, token, "items", csv_of(["sku", "name"], [["POT", "锅"]]))  # cleans up
    assert not (folder / f"{waiting}.upload").exists()
    assert not (folder / f"{old}.json").exists()
    assert "The one row is good." in report_of(office, waiting)
    gone = office.post(f"/office/imports/jobs/{waiting}/import",
                       headers={"HX-Request": "true"}, data={"csrf_token": token})
    assert gone.status_code == 409
    assert "kept for a day and this one is gone: upload it again" in gone.get_data(
        as_text=True)


def test_opening_stock_imported_a_second_time_names_every_row_already_booked(
    office: Any, build: Builder, db: Database, tmp_path: Path,
) -> None:
    folder = tmp_path / "imports"
    build.warehouse("WH1", bins=2)
    build.item("CUP")
    token = sign_in(office, "admin")
    data = csv_of(["sku", "location", "qty"], [["CUP", "A-01-01-01", "5"]])
    first, _part = checked_job(office, token, folder, "opening-stock", data)
    assert "Imported: 1 line of stock booked" in import_checked(office, token, first)
    again, part = checked_job(office, token, folder, "opening-stock", data)
    assert "CUP already has stock booked in A-01-01-01" in part
    assert "Import</button>" not in part
    office.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert "CUP 在 A-01-01-01 已记过库存" in report_of(office, again)
    with db.read() as s:
        assert s.scalar(select(func.sum(StockBalance.qty))) == 5
