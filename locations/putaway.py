"""Suggest bins for putting away received goods."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from locations.codes import InvalidLocationCode, normalize_location_code

REASONS = ("home", "consolidate", "nearest_free")


@dataclass(frozen=True)
class BinState:
    """A bin as putaway sees it: kind, zone, room left, place in the walk and what it holds."""

    code: str
    kind: str
    zone: str | None
    capacity: int | None
    walk_seq: int
    blocked: bool
    occupied: int
    contents: frozenset[tuple[str, str | None]] = frozenset()

    @property
    def free(self) -> int | None:
        """Units of room left, or None when the bin has no capacity limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.occupied, 0)


@dataclass(frozen=True)
class PutawayRequest:
    """Goods to put away: what, how many, and where the item would like to live."""

    sku: str
    qty: int
    lot: str | None = None
    home_bin: str | None = None
    zone: str | None = None
    near_walk_seq: int = 0

    def __post_init__(self) -> None:
        if self.qty < 1:
            raise ValueError(f"qty to put away must be at least 1, got {self.qty}")


@dataclass(frozen=True)
class Suggestion:
    """A suggested bin, why it was chosen, and its room before the putaway."""

    code: str
    reason: str
    free: int | None


def _canonical(code: str) -> str:
    try:
        return normalize_location_code(code)
    except InvalidLocationCode:
        return code.strip().upper()


def _has_room(bin_: BinState, qty: int) -> bool:
    free = bin_.free
    return free is None or free >= qty


def _holds_only(bin_: BinState, sku: str) -> bool:
    # A bin with units but no known contents might hold anything, so it never counts.
    return bool(bin_.contents) and all(held_sku == sku for held_sku, _ in bin_.contents)


def _is_empty(bin_: BinState) -> bool:
    return bin_.occupied == 0 and not bin_.contents


def suggest_bins(
    request: PutawayRequest, bins: Iterable[BinState], limit: int = 5
) -> list[Suggestion]:
    """Return up to `limit` bins for the request: home bin, then consolidation, then free bins."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    eligible = [
        b for b in bins if b.kind == "storage" and not b.blocked and _has_room(b, request.qty)
    ]

    home_code = _canonical(request.home_bin) if request.home_bin is not None else None

    def distance(b: BinState) -> tuple[int, int, str]:
        return (abs(b.walk_seq - request.near_walk_seq), b.walk_seq, b.code)

    home = sorted(
        (
            b
            for b in eligible
            if home_code is not None
            and _canonical(b.code) == home_code
            and (_is_empty(b) or _holds_only(b, request.sku))
        ),
        key=lambda b: b.code,
    )
    consolidate = sorted(
        (
            b
            for b in eligible
            if _holds_only(b, request.sku) and (request.sku, request.lot) in b.contents
        ),
        key=distance,
    )
    empty = [b for b in eligible if _is_empty(b)]
    in_zone = sorted(
        (b for b in empty if request.zone is not None and b.zone == request.zone), key=distance
    )
    elsewhere = sorted(
        (b for b in empty if request.zone is None or b.zone != request.zone), key=distance
    )

    suggestions: list[Suggestion] = []
    seen: set[str] = set()
    for reason, group in (
        ("home", home[:1]),
        ("consolidate", consolidate),
        ("nearest_free", in_zone),
        ("nearest_free", elsewhere),
    ):
        for b in group:
            key = _canonical(b.code)
            if key in seen:
                continue
            if len(suggestions) >= limit:
                return suggestions
            seen.add(key)
            suggestions.append(Suggestion(b.code, reason, b.free))
    return suggestions
