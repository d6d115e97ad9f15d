"""Scrap / damage write-off (报损): units leave the warehouse with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import Move
from wms.services.fifo import take_from_location
from wms.services.lookup import find_item, find_location


def scrap_stock(
    session: Session, *, sku: str, qty: int, location: str, reason: str,
    user_id: int | None, lot: str | None = None,
) -> list[Move]:
    """Write off damaged or lost units from a location."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason: say why the units are scrapped", field="reason")
    item = find_item(session, sku)
    source = find_location(session, location)
    return take_from_location(
        session, item=item, location=source, qty=qty, lot_code=lot, kind="scrap",
        to_location=None, user_id=user_id, reference="SCRAP", reason=reason[:200],
    )
