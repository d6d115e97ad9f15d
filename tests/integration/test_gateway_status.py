"""The gateway's status for the supervisor: GET /api/v1/status, the office's status page
and the red line on the supervisor's and the office's home pages when any part is wrong."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.conftest import Api
from tests.support.builders import Builder
from wms.db import Database
from wms.heartbeats import BRIDGE, PRINT_WORKER, beat
from wms.models import utcnow
from wms.services.print_jobs import enqueue, mark_failed
from wms.services.stations import record_device
from wms.site_config import StationConfig

CONFIG = """
[printers.packing]
backend = "dummy"
paper = 80

[stations.dock]
kind = "dock"
location = "DOCK-1"
"""

GIB = 1024**3


class Usage(NamedTuple):
    total: int
    used: int
    free: int


@dataclass
class Gateway:
    client: Any
    db: Database
    backups: Path
    heartbeats: Path
    engine: str

    def backup_taken(self, hours_ago: float) -> Path:
        taken = datetime.now(UTC) - timedelta(hours=hours_ago)
        suffix = "sqlite3" if self.engine == "sqlite" else "pgdump"
        path = self.backups / f"wms-{taken:%Y%m%dT%H%M%SZ}.{suffix}"
        path.write_bytes(b"SQLite format 3\0" if self.engine == "sqlite" else b"PGDMP")
        return path

    def beat(self, name: str, seconds_ago: float = 0.0) -> None:
        beat(self.heartbeats, name)
        when = time.time() - seconds_ago
        os.utime(self.heartbeats / name, (when, when))

    def scanner(self, state: str) -> None:
        with self.db.write() as s:
            record_device(s, StationConfig("dock", "dock", "DOCK-1"), "dock-1", state,
                          "/dev/ttyACM0", None)

    def all_well(self) -> None:
        self.backup_taken(hours_ago=2)
        self.beat(PRINT_WORKER)
        self.beat(BRIDGE)
        self.scanner("connected")

    def status(self, role: str = "supervisor") -> dict[str, Any]:
        response = self.api(role).get("/status")
        assert response.status_code == 200, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    def api(self, role: str) -> Api:
        if role not in self._tokens:
            self._tokens[role] = Builder(self.db).user(f"{role}-api", role)
        return Api(self.client, self._tokens[role])

    def __post_init__(self) -> None:
        self._tokens: dict[str, str] = {}


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> dict[str, Usage]:
    """The disk as the status sees it: 100 GiB with 40 free unless a test says otherwise."""
    seen = {"usage": Usage(100 * GIB, 60 * GIB, 40 * GIB)}
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: seen["usage"])
    return seen


@pytest.fixture
def gateway(database_url: str, tmp_path: Path, build: Builder, db: Database,
            disk: dict[str, Usage]) -> Iterator[Gateway]:
    from terminal_ui import create_app

    config = tmp_path / "wms.toml"
    config.write_text(CONFIG, encoding="utf-8")
    backups, heartbeats = tmp_path / "backups", tmp_path / "heartbeats"
    backups.mkdir()
    app = create_app({"database_url": database_url, "config_path": str(config),
                      "SECRET_KEY": "test-secret", "backup_dir": str(backups),
                      "heartbeat_dir": str(heartbeats)})
    build.user("zhang", "supervisor")  # password "password-1"
    build.user("li", "clerk")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield Gateway(client, db, backups, heartbeats, database_url.split(":")[0].split("+")[0])
    app.extensions["wms.db"].dispose()


def sign_in(client: Any, username: str = "zhang") -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post("/login", data={"username": username, "password": "password-1",
                                         "csrf_token": token.group(1)})
    assert answer.status_code == 302


def test_the_status_says_all_is_well_with_every_part_when_the_gateway_is_well(
        gateway: Gateway) -> None:
    gateway.all_well()
    status = gateway.status()
    assert status["ok"] is True
    database = status["database"]
    assert database["ok"] and database["reachable"] and database["message"] == "database_ok"
    assert database["engine"] == gateway.engine
    assert database["revision"] == database["code_revision"]
    assert 0 <= database["round_trip_ms"] < 1000
    assert status["disk"]["message"] == "disk_ok"
    assert (status["disk"]["free_bytes"], status["disk"]["free_pct"]) == (40 * GIB, 40.0)
    assert status["backup"]["message"] == "backup_ok"
    assert status["backup"]["age_hours"] == pytest.approx(2, abs=0.1)
    assert status["print_worker"]["message"] == status["bridge"]["message"] == "heartbeat_ok"
    assert [(p["printer"], p["pending"], p["failed"], p["ok"]) for p in status["printers"]] \
        == [("packing", 0, 0, True)]
    assert [(s["station"], s["device"], s["connected"]) for s in status["scanners"]] \
        == [("dock", "dock-1", True)]


def test_a_print_worker_not_heard_from_for_five_minutes_makes_the_status_wrong(
        gateway: Gateway) -> None:
    gateway.all_well()
    gateway.beat(PRINT_WORKER, seconds_ago=300)
    status = gateway.status()
    assert status["ok"] is False
    assert status["print_worker"]["ok"] is False
    assert status["print_worker"]["message"] == "heartbeat_stale"
    assert status["print_worker"]["age_seconds"] == pytest.approx(300, abs=5)
    assert status["bridge"]["ok"] is True


def test_a_bridge_that_never_ran_makes_the_status_wrong(gateway: Gateway) -> None:
    gateway.all_well()
    (gateway.heartbeats / BRIDGE).unlink()
    status = gateway.status()
    assert (status["ok"], status["bridge"]["message"]) == (False, "heartbeat_none")


def test_a_failed_print_job_shows_on_its_printer_with_the_error(gateway: Gateway) -> None:
    gateway.all_well()
    with gateway.db.write() as s:
        enqueue(s, document="bin_label", data={"code": "A-01"}, printer="packing",
                gateway="main", user_id=None)
        failed = enqueue(s, document="bin_label", data={"code": "A-02"}, printer="packing",
                         gateway="main", user_id=None)
        s.flush()
        mark_failed(s, failed.id, "cannot render: no such font", utcnow(), permanent=True,
                    reason="cannot_render")
        failed_id = failed.id
    status = gateway.status()
    assert status["ok"] is False
    [printer] = status["printers"]
    assert (printer["ok"], printer["message"], printer["pending"], printer["failed"]) \
        == (False, "printer_failed", 1, 1)
    assert (printer["last_error"], printer["last_error_job"], printer["last_error_reason"]) \
        == ("cannot render: no such font", failed_id, "cannot_render")


def test_a_printer_retrying_after_an_error_shows_the_error(gateway: Gateway) -> None:
    gateway.all_well()
    with gateway.db.write() as s:
        job = enqueue(s, document="bin_label", data={"code": "A-01"}, printer="packing",
                      gateway="main", user_id=None)
        s.flush()
        mark_failed(s, job.id, "printer folder is not there (unplugged?)", utcnow())
    [printer] = gateway.status()["printers"]
    assert (printer["ok"], printer["message"], printer["pending"], printer["last_error"]) \
        == (False, "printer_retrying", 1, "printer folder is not there (unplugged?)")


def test_a_disconnected_scanner_makes_the_status_wrong(gateway: Gateway) -> None:
    gateway.all_well()
    gateway.scanner("disconnected")
    status = gateway.status()
    assert status["ok"] is False
    assert [(s["device"], s["connected"], s["message"]) for s in status["scanners"]] \
        == [("dock-1", False, "scanner_disconnected")]


@pytest.mark.parametrize(("language", "why"), [
    ("en", "No such device: is it unplugged?"),
    ("zh", "设备不存在：是否已拔出？"),
])
def test_why_a_scanner_is_disconnected_reads_in_the_readers_language(
        gateway: Gateway, language: str, why: str) -> None:
    """The bridge reports a code for why (here the port's device is missing) and its own
    technical text; the page puts the code in words and keeps the text in small print."""
    gateway.all_well()
    technical = "cannot open /dev/ttyACM0: no such device (unplugged?): [Errno 2] ENOENT"
    with gateway.db.write() as s:
        record_device(s, StationConfig("dock", "dock", "DOCK-1"), "dock-1", "disconnected",
                      technical, None, reason="no_device")
    [scanner] = gateway.status()["scanners"]
    assert (scanner["reason"], scanner["detail"]) == ("no_device", technical)
    gateway.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in(gateway.client)
    page = gateway.client.get("/office/status").get_data(as_text=True)
    row = re.search(r'<tr data-scanner="dock-1">.*?</tr>', page, re.S)
    assert row and why in row.group(0) and technical in row.group(0)
    assert "no_device" not in row.group(0)


def test_no_backup_or_one_older_than_26_hours_makes_a_gateway_wrong(
        gateway: Gateway) -> None:
    gateway.beat(PRINT_WORKER)
    gateway.beat(BRIDGE)
    gateway.scanner("connected")
    if gateway.engine == "sqlite":
        status = gateway.status()
        assert (status["ok"], status["backup"]["message"]) == (False, "backup_none")
    else:  # no dump here: the server is backed up by its own means or another gateway
        (gateway.backups / "wms-20260105T023000Z.sqlite3").write_bytes(b"")  # before PostgreSQL
        assert gateway.status()["backup"] == {"ok": True, "message": "backup_not_managed",
                                              "path": None, "taken_at": None,
                                              "age_hours": None}
    gateway.backup_taken(hours_ago=30)
    gateway.backup_taken(hours_ago=50)
    (gateway.backups / "notes.txt").write_text("not a backup")
    backup = gateway.status()["backup"]
    assert (backup["ok"], backup["message"]) == (False, "backup_old")
    assert backup["age_hours"] == pytest.approx(30, abs=0.1)
    newest = gateway.backup_taken(hours_ago=1)
    backup = gateway.status()["backup"]
    assert (backup["ok"], backup["path"]) == (True, str(newest))


@pytest.mark.parametrize(("total", "free", "expected"), [
    (100 * GIB, 9 * GIB, "disk_low"),  # under 10 %
    (8 * GIB, GIB // 2, "disk_low"),  # 6 % and under 1 GiB
    (4 * GIB, int(0.9 * GIB), "disk_low"),  # 22 % but under 1 GiB
    (100 * GIB, 11 * GIB, "disk_ok"),
])
def test_the_disk_is_low_under_10_percent_or_1_gib_free(
        gateway: Gateway, disk: dict[str, Usage], total: int, free: int, expected: str) -> None:
    gateway.all_well()
    disk["usage"] = Usage(total, total - free, free)
    status = gateway.status()
    assert (status["disk"]["message"], status["disk"]["free_bytes"]) == (expected, free)
    assert status["ok"] is (expected == "disk_ok")


@pytest.mark.parametrize("role", ["operator", "clerk"])
def test_an_operator_or_a_clerk_may_not_read_the_status(gateway: Gateway, role: str) -> None:
    response = gateway.api(role).get("/status")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_the_cheap_health_answer_stays_as_it_was(gateway: Gateway) -> None:
    response = gateway.client.get("/api/v1/health")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(("language", "title", "stale", "backup_age"), [
    ("en", "Gateway status", "Not heard from recently: is it running?", "2.0 h ago"),
    ("zh", "网关状态", "最近没有动静：它在运行吗？", "2.0 小时前"),
])
def test_the_status_page_shows_every_part_in_the_readers_language(
        gateway: Gateway, language: str, title: str, stale: str, backup_age: str) -> None:
    gateway.all_well()  # the last backup 2 hours ago
    gateway.beat(BRIDGE, seconds_ago=600)
    gateway.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    sign_in(gateway.client)
    page = gateway.client.get("/office/status").get_data(as_text=True)
    assert title in page
    bridge_row = re.search(r'<tr id="bridge">.*?</tr>', page, re.S)
    assert bridge_row and stale in bridge_row.group(0)
    assert 'data-ok="false"' in bridge_row.group(0)
    printer_row = re.search(r'<tr data-printer="packing">.*?</tr>', page, re.S)
    assert printer_row and 'data-ok="true"' in printer_row.group(0)
    assert 'data-scanner="dock-1"' in page
    backup_row = re.search(r'<tr id="backup">.*?</tr>', page, re.S)
    assert backup_row and backup_age in backup_row.group(0)


def test_a_clerk_is_not_shown_the_status_page(gateway: Gateway) -> None:
    gateway.all_well()
    sign_in(gateway.client, "li")
    assert gateway.client.get("/office/status").status_code == 403
    assert "/office/status" not in gateway.client.get("/office/").get_data(as_text=True)


def test_the_supervisors_home_shows_a_red_line_to_the_status_only_when_something_is_wrong(
        gateway: Gateway) -> None:
    gateway.all_well()
    sign_in(gateway.client)
    for home in ("/supervisor/", "/office/"):
        page = gateway.client.get(home).get_data(as_text=True)
        assert "gateway-trouble" not in page, home
    gateway.beat(PRINT_WORKER, seconds_ago=3600)
    for home in ("/supervisor/", "/office/"):
        page = gateway.client.get(home).get_data(as_text=True)
        line = re.search(r'<p class="banner error gateway-trouble">.*?</p>', page, re.S)
        assert line, home
        assert 'href="/office/status"' in line.group(0)
        assert "Something is wrong with the gateway" in line.group(0)


def test_the_print_worker_leaves_a_heartbeat_while_it_runs(tmp_path: Path,
                                                           db: Database) -> None:
    import threading

    from printing.worker import PrintWorker
    from wms.heartbeats import Pacer, last_beat
    from wms.site_config import PrinterConfig, SiteConfig

    site = SiteConfig(printers={"packing": PrinterConfig("packing", "dummy")})
    worker = PrintWorker(db, site, heartbeat=Pacer(tmp_path, PRINT_WORKER))
    assert last_beat(tmp_path, PRINT_WORKER) is None
    stopper = threading.Timer(0.3, worker.stop.set)
    stopper.start()
    worker.run(poll=0.05)
    seen = last_beat(tmp_path, PRINT_WORKER)
    assert seen is not None and datetime.now(UTC) - seen < timedelta(seconds=5)


def test_another_gateways_printers_and_scanners_stay_off_this_gateways_status(
        gateway: Gateway) -> None:
    """A second gateway on the same database has a printer and a station of the same names;
    its failed job and its unplugged scanner are its own trouble, not this gateway's."""
    gateway.all_well()
    with gateway.db.write() as s:
        job = enqueue(s, document="bin_label", data={"code": "A-01"}, printer="packing",
                      gateway="south", user_id=None)
        s.flush()
        mark_failed(s, job.id, "no paper", utcnow(), permanent=True)
        record_device(s, StationConfig("dock", "dock", "DOCK-1", gateway="south"), "dock-1",
                      "disconnected", "/dev/ttyACM0", None)
    status = gateway.status()
    assert (status["ok"], status["gateway"]) == (True, "main")
    assert [(p["printer"], p["pending"], p["failed"]) for p in status["printers"]] \
        == [("packing", 0, 0)]
    assert [(s["station"], s["device"], s["connected"]) for s in status["scanners"]] \
        == [("dock", "dock-1", True)]
    sign_in(gateway.client)
    page = gateway.client.get("/office/status").get_data(as_text=True)
    assert "This gateway: main" in page and "no paper" not in page
