"""The demo's last three months of trading, made through the services with the clock held at
each past day: weekly purchases ordered a lead time ahead (one supplier now and then a day
late) and received at the order's prices, sales to the customers at their
prices, so the reports (turnover, ABC, sales, slow movers, stock age) have true history to
show. Every unit bought in this history is sold in it: the demo's stock on hand is what
load_demo receives afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.clock import held_at
from wms.models import Supplier
from wms.services.allocation import create_pick_list
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_purchase_order, create_sales_order
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.shipping import ship_order

WEEKS = 12
# sku: (supplier, bought a week, price paid, price sold, lot-tracked, bin, weeks it sells in)
TRADE = {
    "TEA-001": ("SUP-HZ", 20, "88.00", "128.00", True, "A-01-01-01", WEEKS),
    "TEA-002": ("SUP-HZ", 4, "120.00", "168.00", True, "A-01-03-01", WEEKS),
    "SNK-030": ("SUP-HZ", 24, "18.00", "26.00", True, "A-03-01-01", WEEKS),
    "HON-040": ("SUP-HZ", 6, "45.00", "62.00", True, "A-02-01-01", WEEKS),
    "CUP-010": ("SUP-YX", 12, "15.50", "25.00", False, "B-01-03-01", WEEKS),
    "BOX-100": ("SUP-PK", 30, "6.00", "9.90", False, "B-01-01-01", WEEKS),
    # the teapot and the tray stopped selling a month ago: slow movers by now
    "POT-020": ("SUP-YX", 1, "260.00", "398.00", True, "B-01-02-01", WEEKS - 5),
    "MAT-050": ("SUP-YX", 2, "75.00", "98.00", False, "B-02-01-01", WEEKS - 5),
}
CUSTOMERS = ("CUS-VIP1", "CUS-002", "CUS-003")
LATE_SUPPLIER = "SUP-PK"


def _at(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), zone).astimezone(UTC)


def trade_history(session: Session, today: date, zone: ZoneInfo) -> None:
    """Twelve weeks of buying on Mondays and selling it all by Thursday, before `today`."""
    for week in range(WEEKS, 0, -1):
        monday = today - timedelta(days=7 * week)
        selling = [sku for sku, t in TRADE.items() if week > WEEKS - t[6]]
        bought = {sku: TRADE[sku][1] for sku in selling}
        # the packaging supplier delivers a day late one week in four (received after the
        # others, so the ledger's moves stay in time order)
        late_this_week = {LATE_SUPPLIER} if week % 4 == 0 else set()
        for supplier in sorted({TRADE[sku][0] for sku in selling},
                               key=lambda code: (code in late_this_week, code)):
            number = f"PO-H{week:02d}-{supplier[4:]}"
            skus = [sku for sku in selling if TRADE[sku][0] == supplier]
            # ordered the supplier's lead time ahead of the Monday it is due
            lead = session.scalar(select(Supplier.lead_time_days)
                                  .where(Supplier.code == supplier)) or 0
            with held_at(_at(monday - timedelta(days=lead), 11, zone)):
                create_purchase_order(session, number, supplier, [
                    OrderLineInput(sku, bought[sku], Decimal(TRADE[sku][2])) for sku in skus],
                    None, monday, "WH1")
            late = supplier in late_this_week
            with held_at(_at(monday + timedelta(days=1 if late else 0), 9, zone)):
                receive(session, location="DOCK-1", purchase_order=number, user_id=None,
                        lines=[ReceiptLineInput(
                            sku, bought[sku], f"H{week:02d}" if TRADE[sku][4] else None,
                            monday + timedelta(days=400) if TRADE[sku][4] else None)
                            for sku in skus])
                for sku in skus:
                    move_stock(session, sku=sku, qty=bought[sku], from_code="DOCK-1",
                               to_code=TRADE[sku][5], lot=f"H{week:02d}" if TRADE[sku][4]
                               else None, user_id=None)
        for n, customer in enumerate(CUSTOMERS):
            # each customer takes a share of the week's goods: half, a third, the rest
            lines = []
            for sku in selling:
                whole = bought[sku]
                share = [whole // 2, whole // 3, whole - whole // 2 - whole // 3][n]
                if share:
                    lines.append(OrderLineInput(sku, share, Decimal(TRADE[sku][3])))
            if not lines:
                continue
            with held_at(_at(monday + timedelta(days=1 + n), 15, zone)):
                number = f"SO-H{week:02d}-{n + 1}"
                create_sales_order(session, number, customer, lines, None, "WH1")
                for task in create_pick_list(session, number, None).pick_list.tasks:
                    confirm_pick(session, task_id=task.id, location=task.location.code,
                                 sku=task.item.sku, qty=task.qty, user_id=None)
                ship_order(session, number, None)
