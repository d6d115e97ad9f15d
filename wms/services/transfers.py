"""Warehouse-to-warehouse transfers (调拨): stock leaves the source bins for the destination
warehouse's in-transit location, and is received from there into a bin."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from wms.db import document_page_cache, run
from wms.errors import Conflict, Invalid, UnknownRecord
from wms.ledger import MoveBatch, MoveRequest, post_move
from wms.models import Location, Move, Transfer, TransferLine, Warehouse, utcnow
from wms.services.audit import record
from wms.services.fifo import take_from_location
from wms.services.lookup import (
    find_location,
    find_locations,
    find_stocked_items,
    find_warehouse,
)

_INSERT_LINES = insert(cast(Table, TransferLine.__table__))


@dataclass(frozen=True)
class TransferLineInput:
    sku: str
    qty: int
    from_location: str
    lot: str | None = None


def transit_location_for(session: Session, warehouse: Warehouse) -> Location:
    """The in-transit location of a warehouse, created on first use."""
    code = f"TRANSIT-{warehouse.code}"
    location = session.scalar(select(Location).where(Location.code == code))
    if location is None:
        location = Location(code=code, warehouse_id=warehouse.id, kind="in_transit",
                            capacity=None, walk_seq=0)
        session.add(location)
        session.flush()
    return location


def create_transfer(
    session: Session, *, from_warehouse: str, to_warehouse: str,
    lines: Sequence[TransferLineInput], user_id: int | None,
) -> tuple[Transfer, list[Move]]:
    """Send stock from bins of one warehouse towards another."""
    source = find_warehouse(session, from_warehouse)
    destination = find_warehouse(session, to_warehouse)
    if source.id == destination.id:
        raise Invalid("to_warehouse: must differ from from_warehouse", field="to_warehouse")
    if not lines:
        raise Invalid("lines: at least one line", field="lines")
    transit = transit_location_for(session, destination)
    transfer = Transfer(from_warehouse_id=source.id, to_warehouse_id=destination.id,
                        transit_location_id=transit.id)
    session.add(transfer)
    session.flush()
    reference = f"TRF-{transfer.id}"
    moves: list[Move] = []
    # Every item and bin of the document in a few queries, not two per line.
    items = find_stocked_items(session, [line.sku for line in lines])
    bins = find_locations(session, *(line.from_location for line in lines))
    transfer_lines: list[dict[str, Any]] = []
    # Nothing reads the in-transit balances before the end: the ledger rows and the
    # increments are written together.
    batch = MoveBatch(session)
    with document_page_cache(session):
        for line, bin_ in zip(lines, bins, strict=True):
            item = items[line.sku.strip()]
            if bin_.warehouse_code != source.code:
                raise Invalid(f"from: {bin_.code} is not in warehouse {source.code}",
                              field="from")
            for move in take_from_location(
                session, item=item, location=bin_, qty=line.qty, lot_code=line.lot,
                kind="transfer_out", to_location=transit, user_id=user_id, reference=reference,
                check_destination=False, batch=batch, lot_records=False,
            ):
                transfer_lines.append({"transfer_id": transfer.id, "item_id": item.id,
                                       "lot_id": move.lot_id, "qty": move.qty,
                                       "from_location_id": bin_.id})
                moves.append(move)
        batch.finish()
        # The lines in one statement, as the ledger rows: the transfer's `lines` load them.
        run(session, _INSERT_LINES, transfer_lines)
    session.expire(transfer, ["lines"])
    record(session, user_id, "transfer.create", reference)
    return transfer, moves


def get_transfer(session: Session, transfer_id: int) -> Transfer:
    """The transfer with this id."""
    transfer = session.get(Transfer, transfer_id)
    if transfer is None:
        raise UnknownRecord(f"no transfer {transfer_id}", transfer=transfer_id)
    return transfer


def receive_transfer(session: Session, transfer_id: int, location: str,
                     user_id: int | None) -> tuple[Transfer, list[Move]]:
    """Take a transfer's stock out of in-transit into a location of the destination."""
    transfer = get_transfer(session, transfer_id)
    if transfer.status != "in_transit":
        raise Conflict(f"transfer {transfer_id} was received already")
    target = find_location(session, location)
    if target.warehouse_id != transfer.to_warehouse_id:
        raise Invalid(f"location: {target.code} is not in warehouse "
                      f"{transfer.to_warehouse.code}", field="location")
    moves = [
        post_move(session, MoveRequest(
            kind="transfer_in", item_id=line.item_id, lot_id=line.lot_id, qty=line.qty,
            from_location=transfer.transit_location, to_location=target, user_id=user_id,
            reference=f"TRF-{transfer.id}",
        ))
        for line in transfer.lines
    ]
    transfer.status = "received"
    transfer.received_at = utcnow()
    session.flush()
    return transfer, moves
