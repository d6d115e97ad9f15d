"""The bridge and the real app whose database goes away (the disk holding the SQLite file is
unmounted) and comes back: the app answers 503, the scan stays on disk and goes again with
its key, and is applied once when the database is back."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from drivers.delivery import Sender, post, request_for
from drivers.spool import Spool
from tests.integration.drivers.fake_app import free_port
from wms.auth import create_token
from wms.db import Database
from wms.models import IdempotencyRecord, StationEvent, StationState
from wms.site_config import DEMO_CONFIG

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def app_on_a_disk(demo_sqlite_template: Path, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """The app serving on HTTP over a demo database in tmp/disk: (its URL, the disk, the
    bridge's token)."""
    from terminal_ui import create_app

    disk = tmp_path / "disk"
    disk.mkdir()
    shutil.copy(demo_sqlite_template, disk / "wms.sqlite3")
    config = tmp_path / "wms.toml"
    config.write_text(DEMO_CONFIG.replace('target = "var/prints/', f'target = "{tmp_path}/'),
                      encoding="utf-8")
    app = create_app({"database_url": f"sqlite:///{disk}/wms.sqlite3", "SECRET_KEY": "s",
                      "config_path": str(config)})
    db: Database = app.extensions["wms.db"]
    with db.write() as session:
        token = create_token(session, "li")
    db.engine.dispose()  # every connection from here on opens the file anew
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", disk, token
    finally:
        server.shutdown()
        db.dispose()


def test_a_scan_made_while_the_database_is_away_is_applied_once_when_it_is_back(
    app_on_a_disk: tuple[str, Path, str], tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    url, disk, token = app_on_a_disk
    spool = Spool(tmp_path / "spool")
    sender = Sender(spool, url, lambda: token, timeout=5.0, retry_max=0.5)
    entry = spool.append("scan", "dock", "dock", {"raw": "BADGE-0003", "device": "dock"})
    away = disk.rename(tmp_path / "unmounted")
    caplog.set_level(logging.WARNING, logger="wms.bridge")

    path, headers, body = request_for(entry, url, token)
    answer = post(url, path, headers, body, 5.0)
    assert answer.status == 503 and answer.retry_after == 5.0
    assert '"database_unavailable"' in answer.detail
    assert sender.deliver(entry) > 0  # not delivered: wait and try again
    assert spool.oldest() == entry  # still on disk, the same entry with the same key
    assert [r.getMessage() for r in caplog.records if r.name.startswith("wms.bridge")] == [
        f"the app cannot reach its database: scan {entry.idempotency_key} to {path} waits "
        "on disk and goes again with the same key once it is back (1 waiting)"]

    away.rename(disk)
    assert sender.deliver(entry) == 0.0
    assert len(spool) == 0
    assert post(url, path, headers, body, 5.0).status == 201  # a resend is answered again ...
    database = Database(f"sqlite:///{disk}/wms.sqlite3")
    try:
        with database.read() as session:
            stored = session.scalar(select(func.count()).select_from(IdempotencyRecord)
                                    .where(IdempotencyRecord.key == entry.idempotency_key))
            state: Any = session.get(StationState, ("main", "dock"))
            scans = session.scalar(select(func.count()).select_from(StationEvent)
                                   .where(StationEvent.raw == "BADGE-0003"))
    finally:
        database.dispose()
    assert stored == 1  # ... from the one stored reply: applied once
    assert scans == 1
    assert "Li" in state.data["person"]["name"]  # the station knows who signed in
