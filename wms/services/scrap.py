"""Scrap / damage write-off (报损): units leave the warehouse with a reason."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wms.models import Move
from wms.reasons import SCRAP_REASONS, check_reason
from wms.services.fifo import take_from_location
from wms.services.lookup import find_item, find_location


def scrap_stock(
    session: Session, *, sku: str, qty: int, location: str, reason: str,
    user_id: int | None, lot: str | None = None, note: str | None = None,
) -> list[Move]:
    """Write off damaged or lost units from a location; `reason` is a code of
    wms.reasons.SCRAP_REASONS, `note` free text beside it (needed for `other`)."""
    code, text = check_reason(reason, note, SCRAP_REASONS, "why the units are scrapped")
    item = find_item(session, sku)
    source = find_location(session, location)
    return take_from_location(
        session, item=item, location=source, qty=qty, lot_code=lot, kind="scrap",
        to_location=None, user_id=user_id, reference="SCRAP", reason=code, note=text,
    )
