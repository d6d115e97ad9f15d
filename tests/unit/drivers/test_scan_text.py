"""How raw scanner bytes become scans: terminators, the GS stand-in, repeated reads."""

from __future__ import annotations

import pytest

from drivers.backoff import Backoff
from drivers.scanner import GS, LineSplitter, RepeatFilter, decode_line, restore_gs


@pytest.mark.parametrize(("terminator", "stream", "lines"), [
    ("CR", [b"PO-1001\rPO-1002\r"], [b"PO-1001", b"PO-1002"]),
    ("LF", [b"PO-1001\nPO-1002\n"], [b"PO-1001", b"PO-1002"]),
    ("CRLF", [b"PO-1001\r\nPO-1002\r\n"], [b"PO-1001", b"PO-1002"]),
    ("CR", [b"PO-", b"10", b"01\r"], [b"PO-1001"]),
    ("CRLF", [b"PO-1001\r", b"\nPO-1002\r", b"\n"], [b"PO-1001", b"PO-1002"]),
    ("CR", [b"PO-1001\r\nPO-1002\r\n"], [b"PO-1001", b"PO-1002"]),
    ("LF", [b"PO-1001\r\n"], [b"PO-1001"]),
    ("CR", [b"\r\r\rA\r"], [b"A"]),
])
def test_a_stream_is_cut_into_scans_at_the_terminator_without_empty_scans(
    terminator: str, stream: list[bytes], lines: list[bytes]
) -> None:
    splitter = LineSplitter(terminator)
    assert [line for chunk in stream for line in splitter.feed(chunk)] == lines


def test_a_scan_without_its_terminator_waits_and_can_be_discarded() -> None:
    splitter = LineSplitter("CR")
    assert splitter.feed(b"PO-10") == []
    assert splitter.pending == b"PO-10"
    assert splitter.discard() == b"PO-10"
    assert splitter.feed(b"PO-2\r") == [b"PO-2"]


def test_an_unknown_terminator_is_refused() -> None:
    with pytest.raises(ValueError, match="CR, LF, CRLF"):
        LineSplitter("ETX")


def test_the_gs_stand_in_becomes_a_real_group_separator() -> None:
    assert restore_gs("]C1010690123456789210LOT7~17250101", "~") == (
        f"]C1010690123456789210LOT7{GS}17250101")
    assert restore_gs("PO~1", None) == "PO~1"


def test_scanner_bytes_that_are_not_utf8_still_become_text() -> None:
    assert decode_line("龙井".encode()) == "龙井"
    assert decode_line(b"Caf\xe9") == "Café"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_same_code_within_the_window_passes_once() -> None:
    clock = FakeClock()
    repeats = RepeatFilter(1.0, clock)
    assert repeats.admit("PO-1001")
    clock.now += 0.4
    assert not repeats.admit("PO-1001")
    clock.now += 0.9  # 1.3 s after the first read, but 0.9 s after the latest
    assert not repeats.admit("PO-1001")
    clock.now += 1.0
    assert repeats.admit("PO-1001")


def test_a_different_code_in_between_lets_the_first_code_through_again() -> None:
    clock = FakeClock()
    repeats = RepeatFilter(1.0, clock)
    assert repeats.admit("A")
    assert repeats.admit("B")
    assert repeats.admit("A")


def test_a_zero_window_lets_every_read_through() -> None:
    repeats = RepeatFilter(0.0, FakeClock())
    assert repeats.admit("A") and repeats.admit("A")


def test_a_code_left_in_front_of_the_scanner_is_reported_once_as_a_repeat() -> None:
    clock = FakeClock()
    repeats = RepeatFilter(1.0, clock)
    verdicts = []
    for _ in range(4):
        verdicts.append(repeats.classify("PO-1001"))
        clock.now += 0.2
    assert verdicts == ["new", "repeat", "repeat again", "repeat again"]
    clock.now += 2.0
    assert repeats.classify("PO-1001") == "new"


def test_the_back_off_doubles_up_to_its_maximum_and_starts_again_after_a_success() -> None:
    backoff = Backoff(0.2, 1.0)
    assert [backoff.next_delay() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.reset()
    assert backoff.next_delay() == 0.2
