"""Values as an export file writes them, so that the import reads back the same value."""

from __future__ import annotations

from decimal import Decimal

from wms.money import money


def number_text(value: Decimal | None) -> str | None:
    """A stored decimal as text: 2 places when that holds it all ("12.50"), else every
    place it has ("1.125", "0.3333")."""
    if value is None:
        return None
    value = Decimal(value)
    if value == value.quantize(Decimal("0.01")):
        return money(value)
    return format(value.normalize(), "f")
