"""What the bridge sends for a spool entry and what it does with each answer of the app."""

from __future__ import annotations

import json

import pytest

from drivers.delivery import request_for, verdict
from drivers.spool import Entry


@pytest.mark.parametrize(("status", "outcome"), [
    (200, "delivered"), (201, "delivered"), (202, "delivered"), (204, "delivered"),
    (404, "refused"), (409, "refused"), (422, "refused"),
    (None, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (429, "retry"),
    (408, "retry"),
    (401, "token"), (403, "token"),
    (301, "setup"), (308, "setup"),
    (400, "rejected"), (413, "rejected"),
])
def test_each_answer_of_the_app_leads_to_one_outcome(status: int | None, outcome: str) -> None:
    assert verdict(status) == outcome


def test_a_scan_is_posted_to_its_station_with_the_token_and_its_own_key() -> None:
    entry = Entry("0000000000000001.json", "4f1c", "scan", "dock", "dock-1",
                  {"raw": "]C1010690123456789210LOT7\x1d17250101", "device": "dock-1",
                   "scanned_at": "2025-03-01T08:15:02.120+00:00"})
    path, headers, body = request_for(entry, "http://gateway:8000/wms", "tok")
    assert path == "/wms/api/v1/stations/dock/scans"
    assert headers["Authorization"] == "Bearer tok"
    assert headers["Idempotency-Key"] == "dock-1-4f1c"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["raw"].endswith("LOT7\x1d17250101")
    assert b"\\u001d" in body


def test_a_device_event_is_posted_to_the_stations_devices() -> None:
    entry = Entry("0000000000000002.json", "9a", "device", "packing", "pack-1",
                  {"device": "pack-1", "state": "disconnected", "detail": "lost",
                   "at": "2025-03-01T08:15:02.120+00:00"})
    path, headers, _ = request_for(entry, "http://127.0.0.1:8000", "tok")
    assert path == "/api/v1/stations/packing/devices"
    assert headers["Idempotency-Key"] == "pack-1-9a"
