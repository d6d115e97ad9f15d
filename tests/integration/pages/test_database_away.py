"""What a handheld, the office and an API client see while the database cannot be reached
(a PostgreSQL server nobody answers on, a SQLite file whose folder is gone): a page in the
reader's language saying so, 503 with Retry-After, never a stack trace."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from tests.integration.drivers.fake_app import free_port
from wms.db import Database, unreachable
from wms.models import User


@pytest.fixture(params=["sqlite", "postgresql"])
def away_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The app over a database it cannot reach."""
    from terminal_ui import create_app

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/disk/wms.sqlite3"
    else:
        url = f"postgresql+psycopg://wms@127.0.0.1:{free_port()}/wms"
    app = create_app({"database_url": url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "config_path": str(tmp_path / "wms.toml")})
    shutil.rmtree(tmp_path / "disk", ignore_errors=True)  # the disk holding the file is gone
    yield app
    app.extensions["wms.db"].dispose()


def signed_in(app: Any, language: str | None = None) -> Any:
    """A browser whose person signed in before the database went away (their session
    cookie, and the language they chose)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "3.0"
        session["_fresh"] = True
        if language:
            session["locale"] = language
    return client


def test_a_page_says_in_chinese_that_the_database_cannot_be_reached(away_app: Any) -> None:
    reply = signed_in(away_app, "zh").get("/pick/")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert reply.headers["Retry-After"] == "5"
    assert "无法连接数据库" in page and "本页会自动重试" in page
    assert '<meta http-equiv="refresh" content="5">' in page  # it comes back by itself
    assert "Traceback" not in page and "OperationalError" not in page


def test_a_page_says_it_in_english_to_a_browser_that_asks_for_english(away_app: Any) -> None:
    reply = signed_in(away_app).get("/office/", headers={"Accept-Language": "en"})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 503
    assert "The database cannot be reached" in page and "Nothing was changed" in page


def test_an_error_page_that_needs_its_reader_says_the_database_is_away_instead(
        away_app: Any) -> None:
    """A missing page or an expired form is answered with a page naming its reader, whom
    the database would have to give: it says the database cannot be reached instead."""
    client = signed_in(away_app, "en")
    for reply in (client.get("/no-such-page"),
                  client.post("/pick/", data={"scan": "SO-2003"})):  # no CSRF token
        assert reply.status_code == 503
        assert "The database cannot be reached" in reply.get_data(as_text=True)


def test_a_scan_gets_a_short_line_where_its_answer_goes_and_the_step_is_kept(
        away_app: Any) -> None:
    client = signed_in(away_app, "en")
    with client.session_transaction() as session:
        session["csrf_token"] = "known"
    reply = client.post("/pick/", data={"scan": "SO-2003", "scan_id": "a1"},
                        headers={"HX-Request": "true"})
    fragment = reply.get_data(as_text=True)
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
    assert "<html" not in fragment and 'id="step"' not in fragment  # nothing to swap in
    assert "The database cannot be reached" in fragment
    assert "The scan is kept and will be sent again" in fragment
    assert ('data-unavailable="The database cannot be reached: the scan is kept and will be '
            'sent again"') in fragment  # the waiting line the handheld shows


def test_the_api_answers_503_database_unavailable(away_app: Any) -> None:
    client = away_app.test_client()
    reply = client.post("/api/v1/moves", json={"sku": "TEA", "qty": 1, "from": "A", "to": "B"},
                        headers={"Authorization": "Bearer some-token", "Idempotency-Key": "k1"})
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "5"
    assert reply.get_json()["error"]["code"] == "database_unavailable"


def test_health_stays_ok_and_status_reports_the_database_down(away_app: Any) -> None:
    client = away_app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    reply = client.get("/api/v1/status", headers={"Authorization": "Bearer some-token"})
    body = reply.get_json()
    assert reply.status_code == 503
    assert body["error"]["code"] == "database_unavailable"
    assert body["ok"] is False
    assert body["database"]["reachable"] is False
    assert body["database"]["message"] == "database_unreachable"
    assert body["database"]["engine"] == away_app.extensions["wms.db"].dialect


def test_the_log_says_it_once_not_on_every_request(
        away_app: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from terminal_ui import api

    monkeypatch.setattr(api, "_outage", api.OutageLog())  # a fresh start of the app
    client = signed_in(away_app, "en")
    caplog.set_level(logging.WARNING)
    for _ in range(3):  # a handheld asking again, and again
        assert client.get("/pick/").status_code == 503
    said = [r.getMessage() for r in caplog.records if "database" in r.getMessage()]
    assert len(said) == 1 and "cannot be reached (1 request(s)" in said[0]
    assert not any(r.exc_info for r in caplog.records)  # no stack trace in the log either


def test_the_sign_in_page_still_opens_for_someone_not_signed_in(away_app: Any) -> None:
    reply = away_app.test_client().get("/login")
    assert reply.status_code == 200


def test_a_statement_the_database_refuses_is_no_outage(db: Database) -> None:
    """A refused statement (a duplicate user) stays a fault of the request, not a 503."""
    with db.write() as session:
        session.add(User(username="dup", role="operator"))
    with pytest.raises(IntegrityError) as refused, db.write() as session:
        session.add(User(username="dup", role="operator"))
    assert not unreachable(refused.value)
