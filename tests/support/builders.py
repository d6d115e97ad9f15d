"""Builders for test data: warehouses with bins, items, stock in lots of a given age."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest import mock

from sqlalchemy import select

import wms.auth
from wms.auth import add_user, create_token
from wms.db import Database
from wms.models import Customer, Item, Lot, Supplier, User, utcnow
from wms.services.masterdata import upsert_item, upsert_location, upsert_partner
from wms.services.moving import move_stock
from wms.services.orders import OrderLineInput, create_sales_order
from wms.services.receiving import ReceiptLineInput, receive

_real_hash_secret = wms.auth.hash_secret
_HASHES: dict[str, str] = {}
# The scrypt cost of the builder's users' secrets. A hash records its cost and every check
# uses the recorded one, so their sign-ins run the real check at this cost. At the gateway's
# own cost (SCRYPT_COST) a check takes some 60 ms: most page tests sign in, and the checks were
# about a fifth of the office and page tests' time. The demo warehouse the tests load is made
# at this cost too; users made through the pages and the CLI (`wms user add`,
# `wms init --demo`) have the gateway's.
BUILDER_SCRYPT_COST = (2**4, 8, 1)


def _hash_once(secret: str) -> str:
    """The salted scrypt hash of `secret` at the builder's cost, made once per test process:
    the builder's users all have PIN 1234 and password password-1."""
    if secret not in _HASHES:
        _HASHES[secret] = _real_hash_secret(secret, BUILDER_SCRYPT_COST)
    return _HASHES[secret]


def builder_hashes() -> Any:
    """Within it, users are made with the builder's hashes (the test demo warehouse too)."""
    return mock.patch.object(wms.auth, "hash_secret", _hash_once)


class Builder:
    """Creates records through the services, each call in its own transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def warehouse(self, code: str = "WH1", *, bins: int = 6, capacity: int | None = 100,
                  zone: str = "A") -> list[str]:
        """A dock, a packing and a quarantine location, and `bins` storage bins in one
        aisle of `zone` (walking order = bin order). Returns the bin codes."""
        n = code[-1]
        codes = []
        with self.db.write() as s:
            for special, kind, seq in ((f"DOCK-{n}", "dock", 0), (f"PACK-{n}", "packing", 900),
                                       (f"QC-{n}", "quarantine", 950)):
                upsert_location(s, special, {"warehouse": code, "kind": kind,
                                             "walk_seq": seq}, None)
            for i in range(1, bins + 1):
                bin_code = f"{zone}-01-{i:02d}-01"
                upsert_location(s, bin_code, {"warehouse": code, "zone": zone,
                                              "kind": "storage", "capacity": capacity,
                                              "walk_seq": i}, None)
                codes.append(bin_code)
        return codes

    def location(self, code: str, **fields: Any) -> None:
        with self.db.write() as s:
            upsert_location(s, code, fields, None)

    def item(self, sku: str = "SKU-1", **fields: Any) -> str:
        fields.setdefault("name", f"Item {sku}")
        with self.db.write() as s:
            upsert_item(s, sku, fields, None)
        return sku

    def stock(self, sku: str, location: str, qty: int, *, lot: str | None = None,
              days_old: int = 0, expiry: date | None = None, dock: str = "DOCK-1") -> None:
        """Receive `qty` at the dock and put it in `location`; the lot is `days_old` days old.
        A lot already past its expiry is received on a supervisor's override, as stock that
        expired on the shelf would be."""
        with self.db.write() as s:
            receiver = None
            if expiry is not None and expiry < date.today() + timedelta(days=1):
                receiver = s.scalar(select(User.id).where(User.username == "shelf-supervisor"))
                if receiver is None:
                    add_user(s, "shelf-supervisor", "supervisor", pin="1234",
                             password="password-1")
                    receiver = s.scalar(
                        select(User.id).where(User.username == "shelf-supervisor"))
            item = s.scalar(select(Item).where(Item.sku == sku))
            assert item is not None
            if lot and days_old:
                existing = s.scalar(select(Lot).where(Lot.item_id == item.id, Lot.code == lot))
                if existing is None:
                    s.add(Lot(item_id=item.id, code=lot, internal=False,
                              received_at=utcnow() - timedelta(days=days_old),
                              expiry=expiry if item.expiry else None))
                    s.flush()
            if item.expiry and expiry is None:
                expiry = date.today() + timedelta(days=365)
            receive(s, location=dock, user_id=receiver,
                    lines=[ReceiptLineInput(sku, qty, lot, expiry,
                                            override_expiry=receiver is not None)])
            if location != dock:
                move_stock(s, sku=sku, qty=qty, from_code=dock, to_code=location, lot=lot,
                           user_id=None)

    def supplier(self, code: str = "SUP-1", name: str = "供应商一") -> str:
        with self.db.write() as s:
            upsert_partner(s, Supplier, code, {"name": name}, None)
        return code

    def customer(self, code: str = "CUS-1", name: str = "客户一") -> str:
        with self.db.write() as s:
            upsert_partner(s, Customer, code, {"name": name}, None)
        return code

    def sales_order(self, number: str, lines: list[tuple[str, int]],
                    customer: str = "CUS-1", warehouse: str | None = None) -> str:
        with self.db.write() as s:
            if s.scalar(select(Customer.id).where(Customer.code == customer)) is None:
                upsert_partner(s, Customer, customer, {"name": customer}, None)
            create_sales_order(s, number, customer,
                               [OrderLineInput(sku, qty) for sku, qty in lines], None,
                               warehouse)
        return number

    def user(self, username: str, role: str) -> str:
        """A user with a fresh API token; returns the token."""
        with self.db.write() as s, builder_hashes():
            add_user(s, username, role, pin="1234", password="password-1")
            return create_token(s, username)
