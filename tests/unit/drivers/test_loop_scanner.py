"""A serial scanner on pyserial's loop:// port: what is written comes back as scans."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from drivers.scanner import GS
from drivers.serial_scanner import SerialScanner

pytestmark = pytest.mark.timeout(10)


Events = list[tuple[str, str, str, str]]
Make = Callable[..., SerialScanner]


@pytest.fixture
def events() -> Events:
    return []


@pytest.fixture
def make(events: Events) -> Iterator[Make]:
    made: list[SerialScanner] = []

    def build(**options: Any) -> SerialScanner:
        scanner = SerialScanner("dock", "loop://", on_state=lambda *e: events.append(e),
                                **options)
        scanner.open()
        made.append(scanner)
        return scanner

    yield build
    for scanner in made:
        scanner.close()


def send(scanner: SerialScanner, data: bytes) -> None:
    assert scanner.port is not None
    scanner.port.write(data)


def read(scanner: SerialScanner) -> str:
    scan = scanner.read_scan(2)
    assert scan is not None, "no scan within 2 s"
    return scan.raw


def test_scans_come_back_in_order_with_the_terminator_stripped(make: Make) -> None:
    scanner = make()
    send(scanner, b"PO-1001\rPO-1002\r")
    first = scanner.read_scan(2)
    assert first is not None
    assert (first.device, first.raw) == ("dock", "PO-1001")
    assert first.at.utcoffset() == timedelta(0)
    assert read(scanner) == "PO-1002"
    assert scanner.read_scan(0.2) is None


def test_a_symbology_prefix_is_kept_and_the_gs_stand_in_is_restored(make: Make) -> None:
    scanner = make(gs_replacement="~", terminator="CRLF")
    send(scanner, b"]C1010690123456789210LOT7~17250101\r\n")
    assert read(scanner) == f"]C1010690123456789210LOT7{GS}17250101"


def test_a_trigger_scanner_delivers_every_read_of_the_same_code(make: Make) -> None:
    scanner = make()
    send(scanner, b"]E06901234567892\r]E06901234567892\r]E06901234567892\rBOX\r")
    assert [read(scanner) for _ in range(4)] == ["]E06901234567892"] * 3 + ["BOX"]


def test_in_presentation_mode_a_re_read_is_delivered_once_marked_as_a_repeat(
        make: Make) -> None:
    scanner = make(repeat_window=1.0)
    send(scanner, b"]E06901234567892\r]E06901234567892\r]E06901234567892\rBOX\r")
    scans = [scanner.read_scan(2) for _ in range(3)]
    assert [(s.raw, s.repeat) for s in scans if s is not None] == [
        ("]E06901234567892", False), ("]E06901234567892", True), ("BOX", False)]


def test_opening_reports_the_scanner_connected_once(make: Make, events: Events) -> None:
    scanner = make()
    scanner.read_scan(0.1)
    assert events == [("dock", "connected", "opened", "opened loop://")]
