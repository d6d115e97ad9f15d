"""The bridge and a real HTTP app: scans are kept on disk while the app is away, delivered in
order once it answers, each with one Idempotency-Key however often it is retried."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers import delivery
from drivers.bridge import Bridge
from drivers.delivery import Sender
from drivers.simulator import VirtualScanner
from drivers.spool import Spool
from tests.integration.drivers.fake_app import FakeApp, wait_until

pytestmark = pytest.mark.timeout(30)

StartBridge = Callable[..., Bridge]
MakeScanner = Callable[..., VirtualScanner]


def spooled(bridge: Bridge) -> list[dict[str, object]]:
    """The entries on disk, in file-name order; an entry delivered (and removed) between
    listing the folder and reading it is no longer on disk."""
    entries = []
    for path in sorted(Path(bridge.config.spool).glob("*.json")):
        try:
            entries.append(json.loads(path.read_text()))
        except FileNotFoundError:
            continue
    return entries


def connected(bridge: Bridge) -> bool:
    return all(scanner.state == "connected" for scanner in bridge.scanners)


def test_scans_made_while_the_app_is_down_wait_on_disk_and_arrive_in_order_once_each(
    fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    dock = virtual_scanner("dock")
    running = bridge(fake_app.url, {"dock": (dock.link, "dock")})
    wait_until(lambda: connected(running), what="the scanner to open")
    dock.type("PO-1001", "]C1010690123456789210LOT7~17250101", "PO-1002")
    wait_until(lambda: len(spooled(running)) == 4, what="three scans and an event on disk")
    assert [e["body"].get("raw") for e in spooled(running)] == [
        None, "PO-1001", "]C1010690123456789210LOT7\x1d17250101", "PO-1002"]

    fake_app.answer_next(503, 503)
    fake_app.start()
    wait_until(lambda: len(fake_app.accepted()) == 4, what="delivery once the app is back")

    assert fake_app.story() == ["connected", "PO-1001",
                                "]C1010690123456789210LOT7\x1d17250101", "PO-1002"]
    keys = [r.key for r in fake_app.received]
    assert keys[0] == keys[1] == keys[2]  # 503, 503, then accepted: one key throughout
    assert len({r.key for r in fake_app.accepted()}) == 4
    assert all(key.startswith("dock-") for key in keys)
    wait_until(lambda: spooled(running) == [], what="the spool to empty")


def test_every_request_carries_the_token_json_and_the_scan_as_the_app_expects(
    fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    fake_app.start()
    packing = virtual_scanner("pack-1")
    running = bridge(fake_app.url, {"pack-1": (packing.link, "packing")})
    wait_until(lambda: connected(running), what="the scanner to open")
    packing.type("]E06901234567892")
    wait_until(lambda: len(fake_app.accepted()) == 2, what="the event and the scan")
    event, scan = fake_app.accepted()
    assert event.path == "/api/v1/stations/packing/devices"
    assert event.body["device"] == "pack-1" and event.body["state"] == "connected"
    assert event.body["reason"] == "opened"
    assert event.body["at"].endswith("+00:00")
    assert scan.path == "/api/v1/stations/packing/scans"
    assert set(scan.body) == {"raw", "device", "scanned_at"}
    assert (scan.body["raw"], scan.body["device"]) == ("]E06901234567892", "pack-1")
    assert scan.body["scanned_at"].endswith("+00:00")
    assert scan.headers["Authorization"] == "Bearer station-secret"
    assert scan.headers["Content-Type"] == "application/json"


def test_a_restarted_bridge_first_delivers_what_the_last_one_left_in_the_spool(
    fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    dock = virtual_scanner("dock")
    first = bridge(fake_app.url, {"dock": (dock.link, "dock")})
    wait_until(lambda: connected(first), what="the scanner to open")
    dock.type("PO-1001", "PO-1002")
    wait_until(lambda: len(spooled(first)) == 3, what="the scans on disk")
    left = [f"dock-{e['id']}" for e in spooled(first)]
    first.stop()

    fake_app.start()
    second = bridge(fake_app.url, {"dock": (dock.link, "dock")})
    wait_until(lambda: connected(second), what="the scanner to open again")
    dock.type("PO-1003")
    wait_until(lambda: len(fake_app.accepted()) == 5, what="old and new entries")
    assert fake_app.story() == ["connected", "PO-1001", "PO-1002", "connected", "PO-1003"]
    assert [r.key for r in fake_app.accepted()][:3] == left


def test_a_refused_token_keeps_the_scans_until_the_token_file_is_fixed(
    tmp_path: Path, fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    token_file = tmp_path / "station-token"
    token_file.write_text("old-token\n")
    fake_app.answer = lambda headers, _: (201 if headers["Authorization"] == "Bearer new-token"
                                          else 401)
    fake_app.start()
    dock = virtual_scanner("dock")
    running = bridge(fake_app.url, {"dock": (dock.link, "dock")},
                     token=f'token_file = "{token_file}"')
    wait_until(lambda: connected(running), what="the scanner to open")
    dock.type("PO-1001")
    wait_until(lambda: len(fake_app.received) >= 3, what="retries with the old token")
    assert fake_app.accepted() == []
    assert len(spooled(running)) == 2
    assert len({r.key for r in fake_app.received}) == 1  # still the first entry

    token_file.write_text("new-token\n")
    wait_until(lambda: len(fake_app.accepted()) == 2, what="delivery with the new token")
    assert fake_app.story() == ["connected", "PO-1001"]


def test_a_scan_the_app_refuses_is_not_sent_again_and_the_next_one_follows(
    fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    fake_app.answer = lambda _, body: 422 if body.get("raw") == "NOT-A-CODE" else 201
    fake_app.start()
    dock = virtual_scanner("dock")
    running = bridge(fake_app.url, {"dock": (dock.link, "dock")})
    wait_until(lambda: connected(running), what="the scanner to open")
    dock.type("NOT-A-CODE", "PO-1001")
    wait_until(lambda: fake_app.scans() == ["PO-1001"], what="the next scan")
    assert [r.body.get("raw") for r in fake_app.received].count("NOT-A-CODE") == 1
    refused = list((Path(running.config.spool) / "refused").iterdir())
    assert len(refused) == 1 and "NOT-A-CODE" in refused[0].read_text()


def test_an_unplug_reaches_the_app_between_the_scans_around_it(
    fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    fake_app.start()
    dock, packing = virtual_scanner("dock"), virtual_scanner("pack-1")
    running = bridge(fake_app.url, {"dock": (dock.link, "dock"),
                                    "pack-1": (packing.link, "packing")})
    wait_until(lambda: connected(running), what="both scanners to open")
    dock.type("PO-1001")
    wait_until(lambda: "PO-1001" in fake_app.scans(), what="the first scan")
    dock.send(b"PO-10")
    dock.unplug()
    wait_until(lambda: running.scanners[0].state == "disconnected", what="the unplug")
    dock.plug()
    wait_until(lambda: connected(running), what="the replug")
    dock.type("PO-1002")
    packing.type("SO-77")
    wait_until(lambda: len(fake_app.scans()) == 3, what="the later scans")
    dock_story = [r.body.get("raw") or r.body["state"] for r in fake_app.accepted()
                  if r.body["device"] == "dock"]
    assert dock_story == ["connected", "PO-1001", "disconnected", "connected", "PO-1002"]
    assert sorted(fake_app.scans()) == ["PO-1001", "PO-1002", "SO-77"]


def test_a_re_read_that_a_presentation_mode_scanner_ignored_still_reaches_the_station(
    fake_app: FakeApp, bridge: StartBridge, virtual_scanner: MakeScanner
) -> None:
    fake_app.start()
    dock = virtual_scanner("dock")
    running = bridge(fake_app.url, {"dock": (dock.link, "dock")}, extra="presentation_mode = true")
    wait_until(lambda: connected(running), what="the scanner to open")
    dock.type("6901234567915", "6901234567915")
    wait_until(lambda: len(fake_app.accepted()) == 3, what="the event and both reads")
    scans = [r.body for r in fake_app.accepted() if r.path.endswith("/scans")]
    assert [(b["raw"], b.get("ignored")) for b in scans] == [
        ("6901234567915", None), ("6901234567915", "repeat")]


def test_a_bridge_started_before_the_app_waits_for_it_quietly_then_says_when_it_is_gone(
    fake_app: FakeApp, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spool = Spool(tmp_path / "spool")
    spool.append("scan", "dock", "dock", {"raw": "PO-1001"})
    sender = Sender(spool, fake_app.url, lambda: "station-secret", timeout=1.0)
    caplog.set_level(logging.INFO, logger="wms.bridge")
    for _ in range(3):  # the app is still starting: connections are refused
        sender.deliver(spool.oldest())  # type: ignore[arg-type]
    said = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert said == [("INFO", f"waiting for the app at {fake_app.url} to answer (1 waiting)")]

    fake_app.start()
    assert sender.deliver(spool.oldest()) == 0.0  # type: ignore[arg-type]
    assert len(spool) == 0 and [r.body["raw"] for r in fake_app.accepted()] == ["PO-1001"]
    fake_app.stop()  # once it has answered, losing it is trouble at once
    caplog.clear()
    spool.append("scan", "dock", "dock", {"raw": "PO-1002"})
    sender.deliver(spool.oldest())  # type: ignore[arg-type]
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "cannot deliver" in caplog.records[0].getMessage()

    # A bridge whose app never came up within the grace period says so as trouble too.
    monkeypatch.setattr(delivery, "APP_START_GRACE_SECONDS", 0.0)
    caplog.clear()
    late = Sender(spool, fake_app.url, lambda: "station-secret", timeout=1.0)
    late.deliver(spool.oldest())  # type: ignore[arg-type]
    assert [r.levelname for r in caplog.records] == ["WARNING"]
