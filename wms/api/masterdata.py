"""API v1: items, locations, suppliers and customers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.registry import Call, Reply, api
from wms.api.schemas import CustomerBody, ItemBody, LocationBody, SupplierBody
from wms.api.serialize import (
    CustomerJson,
    ItemJson,
    ItemListJson,
    LocationJson,
    SupplierJson,
    customer_json,
    item_json,
    item_row_json,
    location_json,
    supplier_json,
)
from wms.errors import Invalid
from wms.models import Customer, Item, Supplier
from wms.services.item_list import list_items
from wms.services.items import item_snapshot
from wms.services.lookup import find_customer, find_item, find_location, find_supplier
from wms.services.masterdata import upsert_item, upsert_location, upsert_partner
from wms.services.shelf_life import warehouse_today
from wms.services.stock_queries import on_hand, on_hand_by_status, stock_rows

NOT_FOUND = ("not_found",)


def _item_reply(session: Session, item: Item, by_status: dict[str, int] | None = None,
                ) -> ItemJson:
    codes = item_snapshot(session, item)
    return item_json(item, on_hand(session, item.id), by_status, supplier=codes["supplier"],
                     home_location=codes["home_location"])


@api("PUT", "/items/{sku}", permission="master_data", body=ItemBody, tag="master data",
     summary="Create or update an item", errors=("invalid", "conflict"), response=ItemJson)
def put_item(call: Call) -> Reply:
    item, created = upsert_item(call.session, call.params["sku"],
                                call.body.model_dump(exclude_unset=True), call.user.id)
    return (201 if created else 200), _item_reply(call.session, item)


@api("GET", "/items/{sku}", permission="read", tag="master data",
     summary="An item with its on-hand total, and that total by status (available, reserved, "
     "picked, quarantine, expired, in_transit), its average cost and stock value",
     errors=("unknown_item",), response=ItemJson)
def get_item(call: Call) -> Reply:
    item = find_item(call.session, call.params["sku"])
    return 200, _item_reply(call.session, item, on_hand_by_status(
        call.session, item.id, warehouse_today(call.settings.timezone)))


@api("GET", "/items", permission="read", tag="master data",
     query=("q", "category", "active", *LIST_QUERY), errors=("invalid",),
     summary="Items by SKU: `q` searches SKU, names and barcodes; `category` and `active` "
     "filter", response=ItemListJson, query_schemas={
         **LIST_QUERY_SCHEMAS, "active": {"type": "string", "enum": ["true", "false"]}})
def list_items_endpoint(call: Call) -> Reply:
    shown = window(call)
    active_text = call.query.get("active") or None
    if active_text not in (None, "true", "false"):
        raise Invalid("active: true or false", field="active")
    rows, total = list_items(call.session, q=call.query.get("q") or None,
                             category=call.query.get("category") or None,
                             active=None if active_text is None else active_text == "true",
                             limit=shown.limit, offset=shown.offset)
    return rows_reply([item_row_json(row) for row in rows], total)


@api("PUT", "/locations/{code}", permission="master_data", body=LocationBody,
     tag="master data", summary="Create or update a location", errors=("invalid", "conflict"),
     response=LocationJson)
def put_location(call: Call) -> Reply:
    location, created = upsert_location(call.session, call.params["code"],
                                        call.body.model_dump(exclude_unset=True), call.user.id)
    return (201 if created else 200), location_json(
        location, stock_rows(call.session, location=location.code))


@api("GET", "/locations/{code}", permission="read", tag="master data",
     summary="A location with its contents", errors=("unknown_location",),
     response=LocationJson)
def get_location(call: Call) -> Reply:
    location = find_location(call.session, call.params["code"])
    return 200, location_json(location, stock_rows(call.session, location=location.code))


@api("PUT", "/suppliers/{code}", permission="master_data", body=SupplierBody,
     tag="master data", summary="Create or update a supplier", errors=("invalid",),
     response=SupplierJson)
def put_supplier(call: Call) -> Reply:
    supplier, created = upsert_partner(call.session, Supplier, call.params["code"],
                                       call.body.model_dump(exclude_unset=True), call.user.id)
    return (201 if created else 200), supplier_json(supplier)


@api("GET", "/suppliers/{code}", permission="read", tag="master data",
     summary="A supplier", errors=NOT_FOUND, response=SupplierJson)
def get_supplier(call: Call) -> Reply:
    return 200, supplier_json(find_supplier(call.session, call.params["code"]))


@api("PUT", "/customers/{code}", permission="master_data", body=CustomerBody,
     tag="master data", summary="Create or update a customer", errors=("invalid",),
     response=CustomerJson)
def put_customer(call: Call) -> Reply:
    customer, created = upsert_partner(call.session, Customer, call.params["code"],
                                       call.body.model_dump(exclude_unset=True), call.user.id)
    return (201 if created else 200), customer_json(customer)


@api("GET", "/customers/{code}", permission="read", tag="master data",
     summary="A customer", errors=NOT_FOUND, response=CustomerJson)
def get_customer(call: Call) -> Reply:
    return 200, customer_json(find_customer(call.session, call.params["code"]))


@api("GET", "/suppliers", permission="read", tag="master data", summary="All suppliers",
     response=list[SupplierJson])
def list_suppliers(call: Call) -> Reply:
    return 200, [supplier_json(s) for s in
                 call.session.scalars(select(Supplier).order_by(Supplier.code))]


@api("GET", "/customers", permission="read", tag="master data", summary="All customers",
     response=list[CustomerJson])
def list_customers(call: Call) -> Reply:
    return 200, [customer_json(c) for c in
                 call.session.scalars(select(Customer).order_by(Customer.code))]
