"""The bridge's disk buffer: entries are on disk before delivery, in order, across restarts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.spool import Spool

pytestmark = pytest.mark.timeout(10)


def scan(raw: str) -> dict[str, str]:
    return {"raw": raw, "device": "dock", "scanned_at": "2025-03-01T08:00:00.000+00:00"}


def test_an_entry_is_a_whole_file_on_disk_as_soon_as_it_is_appended(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    entry = spool.append("scan", "dock", "dock", scan("PO-1001"))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [entry.name]
    stored = json.loads((tmp_path / entry.name).read_text())
    assert stored == {"id": entry.id, "kind": "scan", "station": "dock", "device": "dock",
                      "body": scan("PO-1001")}


def test_entries_come_out_oldest_first_and_leave_only_when_removed(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    first = spool.append("scan", "dock", "dock", scan("A"))
    spool.append("scan", "dock", "dock", scan("B"))
    assert spool.oldest() == first
    assert spool.oldest() == first
    spool.remove(first)
    oldest = spool.oldest()
    assert oldest is not None and oldest.body["raw"] == "B"
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_a_restarted_spool_keeps_the_order_and_its_keys_and_adds_after_them(
    tmp_path: Path,
) -> None:
    before = Spool(tmp_path)
    made = [before.append("scan", "dock", "dock", scan(raw)) for raw in ("A", "B", "C")]
    before.remove(made[0])
    after = Spool(tmp_path)
    after.append("scan", "dock", "dock", scan("D"))
    seen = []
    while (entry := after.oldest()) is not None:
        seen.append((entry.body["raw"], entry.idempotency_key))
        after.remove(entry)
    assert [raw for raw, _ in seen] == ["B", "C", "D"]
    assert seen[:2] == [("B", made[1].idempotency_key), ("C", made[2].idempotency_key)]


def test_a_write_cut_short_by_a_crash_is_cleaned_up(tmp_path: Path) -> None:
    (tmp_path / ".0000000000000001.json.tmp").write_text('{"id": "half')
    spool = Spool(tmp_path)
    assert spool.oldest() is None
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_entry_is_set_aside_and_the_next_one_is_delivered(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append("scan", "dock", "dock", scan("A"))
    spool.append("scan", "dock", "dock", scan("B"))
    (tmp_path / "0000000000000001.json").write_text("")  # zeroed by a power cut
    entry = spool.oldest()
    assert entry is not None and entry.body["raw"] == "B"
    assert len(list((tmp_path / "damaged").iterdir())) == 1


def test_waiting_for_an_entry_returns_none_after_the_timeout(tmp_path: Path) -> None:
    assert Spool(tmp_path).oldest(timeout=0.1) is None
