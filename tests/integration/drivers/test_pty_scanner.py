"""A serial scanner on a real pty pair: what the scanner's firmware sends arrives as scans."""

from __future__ import annotations

import os
import tty
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import serial

from drivers.scanner import GS
from drivers.serial_scanner import SerialScanner, open_port

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    """(master descriptor, device path) of a raw pty pair: the master plays the scanner."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


Make = Callable[..., SerialScanner]


@pytest.fixture
def scanner_on(pty: tuple[int, str]) -> Iterator[Make]:
    """scanner_on(**options) -> an open SerialScanner "dock" on the pty."""
    made: list[SerialScanner] = []

    def make(**options: Any) -> SerialScanner:
        scanner = SerialScanner("dock", pty[1], **options)
        scanner.open()
        made.append(scanner)
        return scanner

    yield make
    for scanner in made:
        scanner.close()


def scans(scanner: SerialScanner, timeout: float = 0.5) -> list[str]:
    """Every scan that arrives until none has come for `timeout` seconds."""
    found = []
    while (scan := scanner.read_scan(timeout)) is not None:
        found.append(scan.raw)
    return found


@pytest.mark.parametrize(("terminator", "ending"), [("CR", b"\r"), ("LF", b"\n"),
                                                     ("CRLF", b"\r\n")])
def test_scans_written_by_the_scanner_arrive_once_each_whatever_the_terminator(
    pty: tuple[int, str], scanner_on: Make, terminator: str, ending: bytes
) -> None:
    scanner = scanner_on(terminator=terminator)
    os.write(pty[0], b"PO-1001" + ending + b"DOCK-1" + ending)
    os.write(pty[0], b"A-01-" + b"02-01" + ending)
    assert scans(scanner) == ["PO-1001", "DOCK-1", "A-01-02-01"]


def test_a_cr_only_scanner_is_read_without_waiting_for_a_line_feed(
    pty: tuple[int, str], scanner_on: Make
) -> None:
    scanner = scanner_on(terminator="CR")
    os.write(pty[0], b"PO-1001\r")
    scan = scanner.read_scan(2)
    assert scan is not None and scan.raw == "PO-1001"


def test_the_symbology_prefix_is_kept_and_the_gs1_separator_arrives_as_a_real_gs(
    pty: tuple[int, str], scanner_on: Make
) -> None:
    scanner = scanner_on(gs_replacement="~")
    os.write(pty[0], b"]C1010690123456789210LOT7~17250101\r]E06901234567892\r"
                     b"]d2010690123456789210LOT8\x1d17251231\r")
    assert scans(scanner) == [f"]C1010690123456789210LOT7{GS}17250101", "]E06901234567892",
                              f"]d2010690123456789210LOT8{GS}17251231"]


def test_a_scanner_held_by_the_bridge_cannot_be_opened_by_a_second_reader(
    pty: tuple[int, str], scanner_on: Make
) -> None:
    scanner_on()
    with pytest.raises(serial.SerialException, match="exclusively lock"):
        open_port(pty[1])


def test_three_deliberate_scans_of_one_ean_receive_three_units(
    pty: tuple[int, str], scanner_on: Make
) -> None:
    scanner = scanner_on()  # a trigger scanner: the default
    os.write(pty[0], b"6901234567915\r")
    os.write(pty[0], b"6901234567915\r")
    os.write(pty[0], b"6901234567915\r")  # three pulls of the trigger within a second
    arrived = []
    while (scan := scanner.read_scan(0.5)) is not None:
        arrived.append((scan.raw, scan.repeat))
    assert arrived == [("6901234567915", False)] * 3


def test_a_presentation_mode_scanner_reports_a_re_read_instead_of_counting_it(
    pty: tuple[int, str], scanner_on: Make
) -> None:
    scanner = scanner_on(repeat_window=1.0)
    os.write(pty[0], b"6901234567915\r6901234567915\r6901234567915\rPO-1001\r")
    arrived = []
    while (scan := scanner.read_scan(0.5)) is not None:
        arrived.append((scan.raw, scan.repeat))
    assert arrived == [("6901234567915", False), ("6901234567915", True), ("PO-1001", False)]
