"""Bin-to-bin moves and putaway from the dock."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.ledger import Place
from wms.models import Move, Transfer
from wms.services.fifo import take_from_location
from wms.services.lookup import Stocked, find_item_and_places
from wms.services.transfers import TransferLineInput, create_transfer

INBOUND_KINDS = ("dock", "staging")


def move_stock(
    session: Session, *, sku: str, qty: int, from_code: str, to_code: str,
    user_id: int | None, lot: str | None = None, reference: str | None = None,
) -> list[Move]:
    """Move units between two locations; a move out of a dock or staging area is a putaway."""
    item, (source, target) = find_item_and_places(session, sku, from_code, to_code, lock=True)
    return _move(session, item, source, target, qty, user_id, lot, reference)


def _move(session: Session, item: Stocked, source: Place, target: Place, qty: int,
          user_id: int | None, lot: str | None, reference: str | None) -> list[Move]:
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
        lot_records=False,
    )


@dataclass(frozen=True)
class Moved:
    """What a move to a bin did: the moves, and the transfer when the bin is in another
    warehouse (the goods are then in transit towards it)."""

    moves: list[Move] = field(default_factory=list)
    transfer: Transfer | None = None
    to_warehouse: str | None = None


def move_to_bin(
    session: Session, *, sku: str, qty: int, from_code: str, to_code: str,
    user_id: int | None, lot: str | None = None,
) -> Moved:
    """Move units to a bin: within a warehouse a move; to a bin of another warehouse a
    transfer that sends the goods in transit there (received by scanning the transfer)."""
    item, (source, target) = find_item_and_places(session, sku, from_code, to_code, lock=True)
    if source.warehouse_code != target.warehouse_code:
        transfer, moves = create_transfer(
            session, from_warehouse=source.warehouse_code, to_warehouse=target.warehouse_code,
            user_id=user_id, lines=[TransferLineInput(item.sku, qty, source.code, lot)])
        return Moved(moves, transfer, target.warehouse_code)
    return Moved(_move(session, item, source, target, qty, user_id, lot, None))
