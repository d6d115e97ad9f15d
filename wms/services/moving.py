"""Bin-to-bin moves and putaway from the dock."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import Move
from wms.services.fifo import take_from_location
from wms.services.lookup import find_item, find_locations

INBOUND_KINDS = ("dock", "staging")


def move_stock(
    session: Session, *, sku: str, qty: int, from_code: str, to_code: str,
    user_id: int | None, lot: str | None = None, reference: str | None = None,
) -> list[Move]:
    """Move units between two locations; a move out of a dock or staging area is a putaway."""
    item = find_item(session, sku)
    source, target = find_locations(session, from_code, to_code, lock=True)
    if source.id == target.id:
        raise Invalid("to: the destination is the same location as the source", field="to")
    if target.kind == "in_transit" or source.kind == "in_transit":
        raise Invalid("to: in-transit stock moves only through transfers", field="to")
    kind = "putaway" if source.kind in INBOUND_KINDS and target.kind == "storage" else "move"
    if target.kind == "quarantine":
        kind = "quarantine"
    return take_from_location(
        session, item=item, location=source, qty=qty, lot_code=lot, kind=kind,
        to_location=target, user_id=user_id, reference=reference, destination_locked=True,
    )
