"""The write-ahead log is copied into the database file by a background thread of each
server process, so no scan's commit pays for SQLite's automatic checkpoint."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from wms.db import Database
from wms.models import Warehouse
from wms.schema import upgrade


def test_a_checkpoint_copies_every_committed_page_into_the_database_file(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'wms.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        with db.write() as session:
            session.add(Warehouse(code="WH9", name="ninth"))
        assert db.wal_checkpointer is not None
        busy, logged, copied = db.wal_checkpointer.checkpoint()
        assert busy == 0
        assert logged > 0
        assert copied == logged
    finally:
        db.dispose()


def test_the_first_write_of_a_process_starts_its_checkpointer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wms.sqlite3'}"
    upgrade(url)
    db = Database(url)
    try:
        before = sum(t.name == "wal-checkpointer" for t in threading.enumerate())
        with db.write() as session:
            session.add(Warehouse(code="WH9", name="ninth"))
        with db.write() as session:
            session.add(Warehouse(code="WH8", name="eighth"))
        after = sum(t.name == "wal-checkpointer" for t in threading.enumerate())
        assert after == before + 1
    finally:
        db.dispose()


def test_a_checkpoint_never_creates_a_missing_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'wms.sqlite3'}"
    upgrade(url)
    db = Database(url)
    db.dispose()
    moved = tmp_path / "wms.sqlite3"
    moved.rename(tmp_path / "elsewhere.sqlite3")
    assert db.wal_checkpointer is not None
    with pytest.raises(sqlite3.OperationalError):
        db.wal_checkpointer.checkpoint()
    assert not moved.exists()


def test_with_litestream_replicating_the_app_leaves_the_checkpoints_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from terminal_ui import create_app

    url = f"sqlite:///{tmp_path / 'wms.sqlite3'}"
    upgrade(url)
    monkeypatch.setenv("WMS_LITESTREAM", "1")
    app = create_app({"database_url": url, "config_path": str(tmp_path / "wms.toml"),
                      "secret_key": "test"})
    db: Database = app.extensions["wms.db"]
    try:
        before = sum(t.name == "wal-checkpointer" for t in threading.enumerate())
        with db.write() as session:
            session.add(Warehouse(code="WH9", name="ninth"))
        assert db.wal_checkpointer is None
        assert sum(t.name == "wal-checkpointer" for t in threading.enumerate()) == before
    finally:
        db.dispose()
