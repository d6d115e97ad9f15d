"""Generate a grid of bins with a serpentine walking order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from locations.codes import format_location_code


@dataclass(frozen=True)
class BinSpec:
    """A bin to create: its code, address parts and position in the walk."""

    code: str
    zone: str
    aisle: int
    bay: int
    level: int
    walk_seq: int


def _require_at_least_one(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")


def generate_layout(
    zones: Sequence[str], aisles: int, bays: int, levels: int, start_seq: int = 1
) -> list[BinSpec]:
    """Return every bin of the zones in serpentine walking order, numbered from start_seq."""
    if isinstance(zones, str):
        raise ValueError("zones must be a sequence of zone names, not a single string")
    if len(zones) < 1:
        raise ValueError("zones must name at least one zone")
    if len(set(zones)) != len(zones):
        raise ValueError(f"zones must not repeat, got {list(zones)!r}")
    for name, value in (
        ("aisles", aisles),
        ("bays", bays),
        ("levels", levels),
        ("start_seq", start_seq),
    ):
        _require_at_least_one(name, value)
    # Validates every zone and the largest aisle/bay/level before building anything.
    for zone in zones:
        format_location_code(zone, aisles, bays, levels)

    specs: list[BinSpec] = []
    seq = start_seq
    for zone in zones:
        for aisle in range(1, aisles + 1):
            bay_order = range(1, bays + 1) if aisle % 2 == 1 else range(bays, 0, -1)
            for bay in bay_order:
                for level in range(1, levels + 1):
                    code = format_location_code(zone, aisle, bay, level)
                    specs.append(BinSpec(code, zone, aisle, bay, level, seq))
                    seq += 1
    return specs
