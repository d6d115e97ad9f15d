"""The `wms` command as an administrator uses it on the gateway: set up, demo data, users and
tokens, verifying the ledger and backing up."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text

from tests.support.builders import Builder
from wms.cli import main
from wms.db import Database
from wms.models import Item, Location, Move, User


@pytest.fixture
def wms(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """wms("verify") runs the command against the test database, from an empty directory
    (`init --demo` writes var/demo-api-token under the working directory)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"WMS_DATABASE_URL": database_url})

    def run(*args: str) -> Result:
        return runner.invoke(main, list(args))

    return run


def assert_clean_failure(result: Result, exit_code: int, message: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert message in result.output
    assert "Traceback" not in result.output


def test_init_can_run_again_on_a_database_in_use_without_touching_its_data(
    wms: Any, build: Builder, db: Database
) -> None:
    build.warehouse("WH1", bins=1)
    build.item("CUP")
    build.stock("CUP", "A-01-01-01", 7)
    for _ in range(2):
        result = wms("init")
        assert result.exit_code == 0, result.output
        assert result.output.startswith("database ready: ")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Move)) == 2
    assert wms("verify").exit_code == 0


def test_init_creates_a_new_sqlite_database_from_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'var' / 'fresh.sqlite3'}"
    runner = CliRunner(env={"WMS_DATABASE_URL": url})
    assert runner.invoke(main, ["init"]).exit_code == 0
    assert (tmp_path / "var" / "fresh.sqlite3").exists()
    assert runner.invoke(main, ["init"]).exit_code == 0
    result = runner.invoke(main, ["verify"])
    assert result.exit_code == 0, result.output


def test_init_demo_loads_a_warehouse_with_stock_that_the_api_shows_and_verify_accepts(
    wms: Any, app: Any, tmp_path: Path, db: Database
) -> None:
    result = wms("init", "--demo")
    assert result.exit_code == 0, result.output
    assert "demo warehouse loaded" in result.output
    token = (tmp_path / "var" / "demo-api-token").read_text().strip()

    stock = app.test_client().get("/api/v1/stock",
                                  headers={"Authorization": f"Bearer {token}"})
    assert stock.status_code == 200
    rows = stock.get_json()
    assert rows and all(row["qty"] > 0 for row in rows)
    assert {"TEA-001", "CUP-010"} <= {row["sku"] for row in rows}

    verified = wms("verify")
    assert verified.exit_code == 0, verified.output
    assert "agree" in verified.output

    with db.read() as s:
        moves = s.scalar(select(func.count()).select_from(Move))
    again = wms("init", "--demo")
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Move)) == moves


def test_a_token_created_for_a_new_operator_is_printed_alone_and_signs_in_as_that_operator(
    wms: Any, app: Any, db: Database
) -> None:
    added = wms("user", "add", "xiaoli", "--role", "operator", "--pin", "1234")
    assert added.exit_code == 0, added.output
    created = wms("token", "create", "xiaoli")
    assert created.exit_code == 0, created.output

    lines = created.stdout.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"[A-Za-z0-9_\-]{20,}", lines[0]), created.stdout
    client = app.test_client()
    headers = {"Authorization": f"Bearer {lines[0]}"}
    assert client.get("/api/v1/stock", headers=headers).status_code == 200
    # The token carries the operator's role: master data is a clerk's job.
    forbidden = client.put("/api/v1/items/CUP", json={"name": "茶杯"}, headers=headers)
    assert forbidden.status_code == 403
    assert client.get("/api/v1/stock", headers={
        "Authorization": f"Bearer {lines[0]}x"}).status_code == 401
    with db.read() as s:
        assert s.scalar(select(User.role).where(User.username == "xiaoli")) == "operator"


def test_verify_fails_and_names_the_bin_whose_balance_was_changed_behind_the_ledgers_back(
    wms: Any, build: Builder, db: Database
) -> None:
    bins = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", bins[0], 10)
    build.stock("CUP", bins[1], 4)
    assert wms("verify").exit_code == 0
    with db.engine.begin() as conn:
        location_id = conn.scalar(select(Location.id).where(Location.code == bins[0]))
        item_id = conn.scalar(select(Item.id).where(Item.sku == "CUP"))
        conn.execute(text("UPDATE stock_balances SET qty = qty + 5 WHERE location_id = :loc"),
                     {"loc": location_id})

    result = wms("verify")

    assert result.exit_code == 1, result.output
    assert "ledger 10, balance 15" in result.output
    assert bins[0] in result.output or f"location {location_id} " in result.output
    assert "CUP" in result.output or f"item {item_id} " in result.output
    assert "1 balance(s) disagree" in result.output
    assert "Traceback" not in result.output


def test_verify_fails_and_names_the_bins_flagged_empty_or_not_against_their_stock(
    wms: Any, build: Builder, db: Database
) -> None:
    stocked, empty = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", stocked, 3)
    assert wms("verify").exit_code == 0
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE locations SET empty = NOT empty WHERE code IN (:a, :b)"),
                     {"a": stocked, "b": empty})

    result = wms("verify")

    assert result.exit_code == 1, result.output
    assert f"{stocked}: flagged empty, but holds units" in result.output
    assert f"{empty}: flagged not empty, but holds none" in result.output
    assert "2 location(s) flagged wrongly as empty or not" in result.output
    assert "balance(s) disagree" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_backup_writes_a_sqlite_copy_that_opens_with_every_move(
    wms: Any, build: Builder, db: Database, tmp_path: Path
) -> None:
    bins = build.warehouse("WH1", bins=2)
    build.item("CUP")
    build.stock("CUP", bins[0], 10)
    build.stock("CUP", bins[1], 5)
    with db.read() as s:
        moves = s.scalar(select(func.count()).select_from(Move))
    assert moves == 4
    copy = tmp_path / "backups" / "wms-copy.sqlite3"

    result = wms("backup", str(copy))

    assert result.exit_code == 0, result.output
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT count(*) FROM moves").fetchone()[0] == moves
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert_clean_failure(wms("backup", str(copy)), 1, "exists")


@pytest.mark.parametrize(("args", "exit_code", "message"), [
    (("user", "add", "bob", "--role", "boss"), 2, "Invalid value for '--role'"),
    (("user", "add", "bob", "--role", "operator", "--pin", "12"), 1, "pin: 4 to 8 digits"),
    (("user", "add", "bob", "--role", "operator", "--password", "short"), 1,
     "password: at least 8 characters"),
    (("token", "create", "ghost"), 1, "no user ghost"),
])
def test_bad_input_ends_with_a_clear_message_and_no_traceback(
    wms: Any, db: Database, args: tuple[str, ...], exit_code: int, message: str
) -> None:
    assert_clean_failure(wms(*args), exit_code, message)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_adding_a_user_twice_is_refused_with_a_clear_message(wms: Any) -> None:
    assert wms("user", "add", "bob", "--role", "clerk").exit_code == 0
    assert_clean_failure(wms("user", "add", "bob", "--role", "admin"), 1, "exists already")


def test_a_fresh_demo_replaces_the_demo_and_what_belongs_to_it_but_not_while_it_is_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "var" / "wms.sqlite3"
    runner = CliRunner(env={"WMS_DATABASE_URL": f"sqlite:///{database}"})
    assert runner.invoke(main, ["init", "--demo"]).exit_code == 0
    token = (tmp_path / "var" / "demo-api-token").read_text()
    assert runner.invoke(main, ["user", "add", "extra", "--role", "operator",
                                "--password", "extra-pass-1"]).exit_code == 0
    spool = tmp_path / "var" / "bridge-spool"
    spool.mkdir(parents=True, exist_ok=True)
    (spool / "0001.json").write_text("{}")  # a scan meant for the old demo

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(database)!r}); c.execute('SELECT 1 FROM items').fetchall()\n"
         "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        refused = runner.invoke(main, ["init", "--demo", "--fresh"])
        assert_clean_failure(refused, 1, "stop `make run`")
        assert database.exists() and (spool / "0001.json").exists()
    finally:
        holder.kill()
        holder.wait()

    fresh = runner.invoke(main, ["init", "--demo", "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert "removed" in fresh.output and "demo warehouse loaded" in fresh.output
    assert (tmp_path / "var" / "demo-api-token").read_text() != token
    assert not spool.exists()
    db = Database(f"sqlite:///{database}")
    try:
        with db.read() as s:
            assert s.scalar(select(User.id).where(User.username == "extra")) is None
            assert s.scalar(select(User.id).where(User.username == "li")) is not None
    finally:
        db.dispose()
    assert_clean_failure(runner.invoke(main, ["init", "--fresh"]), 2, "use it with --demo")
