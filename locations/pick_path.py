"""Order pick stops into walking order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class PickStop:
    """A place to stop on a pick walk."""

    code: str
    walk_seq: int


def order_by_walk(
    stops: Iterable[T], walk_seq: Callable[[T], int], code: Callable[[T], str]
) -> list[T]:
    """Return the stops sorted by walk sequence, then code; equal stops keep their order."""
    return sorted(stops, key=lambda stop: (walk_seq(stop), code(stop)))


def walking_order(stops: Iterable[PickStop]) -> list[PickStop]:
    """Return PickStops in walking order."""
    return order_by_walk(stops, lambda s: s.walk_seq, lambda s: s.code)
