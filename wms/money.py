"""Money as the API and the pages show it: a decimal string with 2 places ("12.50")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# Costs are kept with 4 places so that a moving average does not drift by rounding.
COST_PLACES = Decimal("0.0001")


def money(value: Decimal | int | None) -> str | None:
    """`value` rounded half up to cents, as text; None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def cost(value: Decimal | int) -> Decimal:
    """A unit cost rounded to the 4 places it is stored with."""
    return Decimal(value).quantize(COST_PLACES, rounding=ROUND_HALF_UP)


def parse_money(text: str) -> Decimal | None:
    """A non-negative amount typed by a person ("12.5", "12.50"), or None when it is not."""
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        return None
    return value
