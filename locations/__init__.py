"""Where things are: location codes, bin layout, putaway suggestions and pick-path order."""

from locations.codes import (
    BinAddress,
    InvalidLocationCode,
    format_location_code,
    is_bin_code,
    normalize_location_code,
    parse_location_code,
)
from locations.layout import BinSpec, generate_layout
from locations.pick_path import PickStop, order_by_walk, walking_order
from locations.putaway import REASONS, BinState, PutawayRequest, Suggestion, suggest_bins

__all__ = [
    "REASONS",
    "BinAddress",
    "BinSpec",
    "BinState",
    "InvalidLocationCode",
    "PickStop",
    "PutawayRequest",
    "Suggestion",
    "format_location_code",
    "generate_layout",
    "is_bin_code",
    "normalize_location_code",
    "order_by_walk",
    "parse_location_code",
    "suggest_bins",
    "walking_order",
]
