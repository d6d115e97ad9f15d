"""Draft purchase orders from the replenishment suggestions: one per supplier, each line the
seeds' purchase quantity at the supplier's last price for the item (else its unit cost),
for the buyer to edit and send."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.errors import Invalid
from wms.models import PurchaseOrder, PurchaseOrderLine
from wms.reports.replenishment import ReplenishmentQuery, ReplenishmentRow, replenishment
from wms.services.order_lists import suggest_number
from wms.services.orders import OrderLineInput, create_purchase_order

# Prices of orders never sent or called off are no supplier's price.
PRICED = ("open", "partial", "received", "closed")
CHUNK = 500


@dataclass(frozen=True)
class DraftOrders:
    numbers: list[str]
    without_supplier: list[str]  # skus to order that have no supplier


def last_prices(session: Session, rows: list[ReplenishmentRow]
                ) -> dict[tuple[int, int], Decimal]:
    """(supplier id, item id) -> the unit price of the supplier's latest order of the item."""
    ids = sorted({row.item_id for row in rows})
    prices: dict[tuple[int, int], Decimal] = {}
    for at in range(0, len(ids), CHUNK):
        found = session.execute(
            select(PurchaseOrder.supplier_id, PurchaseOrderLine.item_id,
                   PurchaseOrderLine.unit_price)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .where(PurchaseOrderLine.item_id.in_(ids[at:at + CHUNK]),
                   PurchaseOrderLine.unit_price.is_not(None),
                   PurchaseOrder.status.in_(PRICED))
            .order_by(PurchaseOrder.created_at.desc(), PurchaseOrder.id.desc(),
                      PurchaseOrderLine.id.desc()))
        for supplier_id, item_id, price in found:
            if price is not None:
                prices.setdefault((supplier_id, item_id), price)
    return prices


def make_draft_purchase_orders(session: Session, today: date, timezone: str,
                               user_id: int | None, *, skus: Collection[str] | None = None,
                               warehouse: str | None = None) -> DraftOrders:
    """Draft purchase orders of the items whose suggested quantity is above 0 (of `skus`
    when given, for `warehouse` when given), one per supplier."""
    chosen = None if skus is None else {sku.strip() for sku in skus if sku.strip()}
    rows = replenishment(session, today, timezone,
                         ReplenishmentQuery(warehouse=warehouse, skus=chosen))
    if chosen is not None:
        missing = sorted(chosen - {row.sku for row in rows})
        if missing:
            raise Invalid(f"skus: not active items{' of this warehouse' if warehouse else ''}"
                          f": {', '.join(missing[:20])}", field="skus", skus=missing[:20])
    wanted = [row for row in rows if row.suggested_qty > 0]
    by_supplier: dict[str, list[ReplenishmentRow]] = {}
    for row in wanted:
        if row.supplier is not None:
            by_supplier.setdefault(row.supplier, []).append(row)
    prices = last_prices(session, [row for row in wanted if row.supplier is not None])
    numbers = []
    for supplier, lines in sorted(by_supplier.items()):
        lead = max(row.lead_time_days for row in lines)
        order = create_purchase_order(
            session, suggest_number(session, "purchase", today), supplier,
            [OrderLineInput(row.sku, row.suggested_qty,
                            prices.get((row.supplier_id, row.item_id), row.unit_cost))
             for row in lines if row.supplier_id is not None],
            user_id, today + timedelta(days=lead) if lead else None, warehouse,
            status="draft")
        numbers.append(order.number)
    return DraftOrders(numbers, [row.sku for row in wanted if row.supplier is None])
