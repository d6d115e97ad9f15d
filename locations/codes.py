"""Location codes: bin addresses like ``A-01-02-03`` and free-form codes like ``DOCK-1``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_ZONE = re.compile(r"[A-Z][A-Z0-9]{0,2}")
_FREE_FORM = re.compile(r"[A-Z0-9_.-]{1,40}")
# Anything shaped like a bin address must be a valid one; "A-1-2-100" is a typo, not a dock.
_BIN_SHAPED = re.compile(r"[A-Z][A-Z0-9]{0,2}-\d+-\d+-\d+")
# A bin code in canonical form already (each part two digits, 01 to 99) is its own form.
_CANONICAL_BIN = re.compile(r"[A-Z][A-Z0-9]{0,2}(?:-(?:0[1-9]|[1-9][0-9])){3}")
_PART_NAMES = ("aisle", "bay", "level")
_MAX_PART = 99


class InvalidLocationCode(ValueError):
    """A location code or one of its parts is malformed or out of range."""


@dataclass(frozen=True)
class BinAddress:
    """A storage bin's address: zone, aisle, bay and level."""

    zone: str
    aisle: int
    bay: int
    level: int

    def __post_init__(self) -> None:
        format_location_code(self.zone, self.aisle, self.bay, self.level)

    @property
    def code(self) -> str:
        """The canonical code, e.g. ``A-01-02-03``."""
        return format_location_code(self.zone, self.aisle, self.bay, self.level)


def _check_zone(zone: object) -> str:
    if not isinstance(zone, str) or not _ZONE.fullmatch(zone):
        raise InvalidLocationCode(
            f"zone {zone!r} must be 1-3 uppercase letters or digits starting with a letter"
        )
    return zone


def _check_part(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidLocationCode(f"{name} must be a whole number, got {value!r}")
    if not 1 <= value <= _MAX_PART:
        raise InvalidLocationCode(f"{name} must be between 1 and {_MAX_PART}, got {value}")
    return value


def format_location_code(zone: str, aisle: int, bay: int, level: int) -> str:
    """Return the canonical bin code for the parts, e.g. ("A", 1, 2, 3) -> "A-01-02-03"."""
    _check_zone(zone)
    numbers = [_check_part(n, v) for n, v in zip(_PART_NAMES, (aisle, bay, level), strict=True)]
    return "-".join([zone, *(f"{n:02d}" for n in numbers)])


def parse_location_code(text: str) -> BinAddress:
    """Parse a bin code such as "a-1-2-3" or "A-01-02-03" into a normalized BinAddress."""
    if not isinstance(text, str):
        raise InvalidLocationCode(f"a location code must be text, got {text!r}")
    cleaned = text.strip().upper()
    if not cleaned:
        raise InvalidLocationCode("the location code is empty")
    parts = cleaned.split("-")
    if len(parts) != 4:
        raise InvalidLocationCode(
            f"{cleaned!r} is not a bin code: expected ZONE-AISLE-BAY-LEVEL, e.g. A-01-02-03"
        )
    zone = _check_zone(parts[0])
    numbers = []
    for name, part in zip(_PART_NAMES, parts[1:], strict=True):
        if not (part.isascii() and part.isdigit() and len(part) <= 2):
            raise InvalidLocationCode(f"{name} {part!r} in {cleaned!r} must be 1 or 2 digits")
        numbers.append(_check_part(name, int(part)))
    return BinAddress(zone, *numbers)


def is_bin_code(text: str) -> bool:
    """Return True if the text parses as a bin address."""
    try:
        parse_location_code(text)
    except InvalidLocationCode:
        return False
    return True


def normalize_location_code(text: str) -> str:
    """Return the canonical form of a bin code or a free-form location code like "DOCK-1"."""
    if not isinstance(text, str):
        raise InvalidLocationCode(f"a location code must be text, got {text!r}")
    return _normalized(text)


# Every scan names a location or two, and the same few thousand bins come back all day: the
# canonical form of a code already seen is remembered (a malformed one raises each time).
@lru_cache(maxsize=16384)
def _normalized(text: str) -> str:
    cleaned = text.strip().upper()
    if _CANONICAL_BIN.fullmatch(cleaned):
        return cleaned
    if _BIN_SHAPED.fullmatch(cleaned):
        return parse_location_code(cleaned).code
    if not _FREE_FORM.fullmatch(cleaned):
        raise InvalidLocationCode(
            f"{cleaned!r} is not a valid location code: use 1-40 characters from A-Z 0-9 - _ ."
        )
    return cleaned
