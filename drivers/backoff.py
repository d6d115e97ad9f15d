"""Waits that grow after each failure: the first retry comes quickly, later ones calm down."""

from __future__ import annotations


class Backoff:
    """Delays that start at `initial` seconds and double up to `maximum`."""

    def __init__(self, initial: float = 0.2, maximum: float = 5.0) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError(f"back-off needs 0 < initial <= maximum, not {initial}, {maximum}")
        self.initial = initial
        self.maximum = maximum
        self._next = initial

    def next_delay(self) -> float:
        """The wait before the next attempt; each call doubles the one after."""
        delay = self._next
        self._next = min(self._next * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """Start again from the initial delay (after a success)."""
        self._next = self.initial
