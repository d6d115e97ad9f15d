"""The back office's print queue page: signed-in users see every job with its preview and
error, and reprint or cancel from the page; everyone else is sent to sign in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.builders import Builder
from wms.db import Database
from wms.services.print_jobs import enqueue

CONFIG = """
[printers.packing]
backend = "dummy"
paper = 80
auto = ["packing_slip"]
"""


@pytest.fixture
def office(database_url: str, tmp_path: Path, build: Builder) -> Iterator[Any]:
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text(CONFIG, encoding="utf-8")
    app = create_app({"database_url": database_url, "config_path": str(config),
                      "SECRET_KEY": "test-secret", "login_attempts": 3})
    build.user("zhang", "supervisor")  # password "password-1"
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield client
    app.extensions["wms.db"].dispose()


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: Any, password: str = "password-1") -> Any:
    token = csrf_of(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"username": "zhang", "password": password,
                                       "csrf_token": token, "next": "/office/print-jobs"})


def queue_two(db: Database) -> None:
    with db.write() as s:
        enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="packing",
                gateway="main", user_id=None, title="A-01-01-01")
        job = enqueue(s, document="packing_slip", printer="packing", gateway="main", user_id=None,
                      title="SO-1", data={"order": "SO-1", "customer": "上海茶韵",
                                          "lines": [{"sku": "TEA", "ordered": 2,
                                                     "shipped": 2}]})
        job.last_error = "printer folder var/prints/packing is not there (unplugged?)"
        job.error_reason = "not_connected"


def test_the_print_queue_page_asks_for_sign_in_first(office: Any) -> None:
    response = office.get("/office/print-jobs")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert office.get("/office/print-jobs/1/preview.png").status_code == 302


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_name(office: Any) -> None:
    first = sign_in(office, "wrong")
    assert first.status_code == 401
    assert "Wrong user name or password" in first.get_data(as_text=True)
    sign_in(office, "wrong")
    sign_in(office, "wrong")
    locked = sign_in(office)  # even the right password waits now
    assert locked.status_code == 429
    assert "wait ten minutes" in locked.get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(office: Any) -> None:
    response = office.post("/login", data={"username": "zhang", "password": "password-1"})
    assert response.status_code == 400


@pytest.mark.usefixtures("cjk_font")
def test_signed_in_the_page_lists_jobs_with_previews_errors_reprint_and_cancel(
    office: Any, db: Database
) -> None:
    queue_two(db)
    assert sign_in(office).status_code == 302
    page = office.get("/office/print-jobs").get_data(as_text=True)
    assert "bin label" in page and "packing slip" in page
    assert "is not there (unplugged?)" in page
    assert 'src="/office/print-jobs/2/preview.png"' in page
    preview = office.get("/office/print-jobs/2/preview.png")
    assert preview.status_code == 200 and preview.data[:8] == b"\x89PNG\r\n\x1a\n"
    token = csrf_of(page)
    cancelled = office.post("/office/print-jobs/2/cancel", data={"csrf_token": token},
                            follow_redirects=True)
    assert "Job 2 cancelled" in cancelled.get_data(as_text=True)
    again = office.post("/office/print-jobs/1/reprint", data={"csrf_token": token},
                        follow_redirects=True).get_data(as_text=True)
    assert "Queued again as job 3" in again
    refused = office.post("/office/print-jobs/2/cancel", data={"csrf_token": token},
                          follow_redirects=True).get_data(as_text=True)
    assert "Not possible now" in refused
    assert office.get("/office/print-jobs/99/preview.png").status_code == 404


def test_signing_out_ends_the_session(office: Any) -> None:
    sign_in(office)
    page = office.get("/office/print-jobs").get_data(as_text=True)
    office.post("/logout", data={"csrf_token": csrf_of(page)})
    assert office.get("/office/print-jobs").status_code == 302


def test_without_a_configured_key_the_workers_share_one_kept_in_var(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, build: Builder
) -> None:
    from terminal_ui import create_app

    monkeypatch.chdir(tmp_path)
    build.user("zhang", "supervisor")
    first = create_app({"database_url": database_url})
    second = create_app({"database_url": database_url})
    key = (tmp_path / "var" / "secret-key").read_text().strip()
    assert len(key) == 64 and first.secret_key == second.secret_key == key
    client = first.test_client()
    assert sign_in(client).status_code == 302
    with second.test_client() as other:  # a session signed by one worker is valid in the other
        other.set_cookie("session", client.get_cookie("session").value)
        assert other.get("/office/print-jobs").status_code == 200
    for app in (first, second):
        app.extensions["wms.db"].dispose()


def test_a_job_for_another_gateways_printer_says_whose_it_is(office: Any, db: Database) -> None:
    with db.write() as s:
        mine = enqueue(s, document="bin_label", data={"code": "A-01-01-01"}, printer="packing",
                       gateway="main", user_id=None, title="A-01-01-01").id
        theirs = enqueue(s, document="bin_label", data={"code": "B-01-01-01"},
                         printer="packing", gateway="south", user_id=None,
                         title="B-01-01-01").id
    sign_in(office)
    page = office.get("/office/print-jobs").get_data(as_text=True)
    rows = {int(n): row for n, row in re.findall(r'<td class="id">(\d+)</td>(.*?)</tr>', page,
                                                 re.S)}
    assert "of gateway south" in rows[theirs]
    assert "of gateway" not in rows[mine]


@pytest.mark.parametrize(("language", "why"), [
    ("en", "Printer not connected: is it plugged in and switched on?"),
    ("zh", "打印机未连接：是否已插好并开机？"),
])
def test_why_a_job_did_not_print_reads_in_the_readers_language_above_the_printers_text(
        office: Any, db: Database, language: str, why: str) -> None:
    """A job that did not print keeps why as a code beside the printer's technical text; a
    job from before codes were kept shows its text alone."""
    queue_two(db)
    with db.write() as s:
        old = enqueue(s, document="bin_label", data={"code": "A-01-02-01"}, printer="packing",
                      gateway="main", user_id=None, title="A-01-02-01")
        old.last_error = "the printer is off"
    office.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    assert sign_in(office).status_code == 302
    page = office.get("/office/print-jobs").get_data(as_text=True)
    shown = re.findall(r'data-print-error="(\w*)">(.*?)</span>', page, re.S)
    assert [(reason, re.sub(r"<[^>]+>", " ", text).split()) for reason, text in shown] == [
        ("", ["the", "printer", "is", "off"]),
        ("not_connected", [*why.split(), "printer", "folder", "var/prints/packing", "is", "not",
                           "there", "(unplugged?)"]),
    ]
    assert "not_connected" not in re.sub(r'data-print-error="\w*"', "", page)
