"""History built in the past through the services, with the clock held at each moment:
shipments to customers (tests.support.trading's) and returns taken without their order."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tests.support.trading import days_ago, ship, today
from wms.clock import held_at
from wms.db import Database
from wms.models import Customer
from wms.services.masterdata import upsert_partner
from wms.services.returns import CustomerReturnLine, receive_customer_return

__all__ = ["customer_return", "days_ago", "ship", "today"]


def customer_return(db: Database, sku: str, qty: int, moment: datetime,
                    customer: str = "CUS-1", dock: str = "DOCK-1") -> None:
    """Units a customer sent back at `moment`, taken in at the dock into quarantine by the
    returns desk's service."""
    with held_at(moment), db.write() as s:
        if s.scalar(select(Customer.id).where(Customer.code == customer)) is None:
            upsert_partner(s, Customer, customer, {"name": customer}, None)
        receive_customer_return(s, customer=customer, location=dock, user_id=None, lines=[
            CustomerReturnLine(sku, qty, disposition="quarantine", reason="unwanted")])
