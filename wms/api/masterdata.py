"""API v1: items, locations, suppliers and customers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.registry import Call, Reply, api
from wms.api.schemas import CustomerBody, ItemBody, LocationBody, SupplierBody
from wms.api.serialize import (
    CustomerJson,
    CustomerListJson,
    ItemJson,
    ItemListJson,
    LocationJson,
    LocationListJson,
    SupplierJson,
    SupplierListJson,
    WarehouseListJson,
    customer_json,
    item_json,
    item_row_json,
    location_json,
    supplier_json,
    warehouse_json,
)
from wms.errors import Invalid
from wms.models import LOCATION_KINDS, Customer, Item, Supplier
from wms.services.item_list import list_items
from wms.services.items import item_snapshot
from wms.services.layout import BinFilter, list_bins, list_warehouses
from wms.services.lookup import find_customer, find_item, find_location, find_supplier
from wms.services.masterdata import upsert_item, upsert_location, upsert_partner
from wms.services.partners import list_partners
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


def _flag(call: Call, name: str) -> bool | None:
    """A yes/no filter of the query: "true", "false", or left out (either)."""
    text = call.query.get(name) or ""
    if text not in ("", "true", "false"):
        raise Invalid(f"{name}: true or false", field=name)
    return None if not text else text == "true"


FLAG_QUERY = {"type": "string", "enum": ["true", "false"]}
PARTNER_QUERY = (*LIST_QUERY, "q", "active")
PARTNER_QUERY_SCHEMAS = {**LIST_QUERY_SCHEMAS, "active": FLAG_QUERY}


@api("GET", "/suppliers", permission="read", tag="master data", query=PARTNER_QUERY,
     query_schemas=PARTNER_QUERY_SCHEMAS, errors=("invalid",),
     summary="Suppliers by code; `q` finds code, name, contact, phone or e-mail",
     response=SupplierListJson)
def list_suppliers(call: Call) -> Reply:
    at = window(call)
    rows, total = list_partners(call.session, Supplier, q=call.query.get("q"),
                                active=_flag(call, "active"), limit=at.limit, offset=at.offset)
    return rows_reply([supplier_json(s) for s in rows], total)


@api("GET", "/customers", permission="read", tag="master data", query=PARTNER_QUERY,
     query_schemas=PARTNER_QUERY_SCHEMAS, errors=("invalid",),
     summary="Customers by code; `q` finds code, name, contact, phone or e-mail",
     response=CustomerListJson)
def list_customers(call: Call) -> Reply:
    at = window(call)
    rows, total = list_partners(call.session, Customer, q=call.query.get("q"),
                                active=_flag(call, "active"), limit=at.limit, offset=at.offset)
    return rows_reply([customer_json(c) for c in rows], total)


@api("GET", "/locations", permission="read", tag="master data",
     query=(*LIST_QUERY, "warehouse", "kind", "zone", "blocked"),
     query_schemas={**LIST_QUERY_SCHEMAS, "kind": {"type": "string", "enum": list(LOCATION_KINDS)},
                    "blocked": FLAG_QUERY},
     errors=("invalid",), summary="Locations in walking order, by warehouse, kind, zone and "
     "block", response=LocationListJson)
def list_locations(call: Call) -> Reply:
    at = window(call)
    kind = call.query.get("kind") or None
    if kind is not None and kind not in LOCATION_KINDS:
        raise Invalid(f"kind: one of {', '.join(LOCATION_KINDS)}", field="kind")
    wanted = BinFilter(warehouse=call.query.get("warehouse") or None,
                       zone=call.query.get("zone") or None, kind=kind,
                       blocked=_flag(call, "blocked"))
    rows, total = list_bins(call.session, wanted, at.limit, at.offset)
    return rows_reply([location_json(location) for location in rows], total)


@api("GET", "/warehouses", permission="read", tag="master data", query=LIST_QUERY,
     query_schemas=LIST_QUERY_SCHEMAS, errors=("invalid",),
     summary="Warehouses by code, with how many zones, locations and blocked locations",
     response=WarehouseListJson)
def get_warehouses(call: Call) -> Reply:
    at = window(call)
    rows = list_warehouses(call.session)
    end = None if at.limit is None else at.offset + at.limit
    return rows_reply([warehouse_json(row) for row in rows[at.offset:end]], len(rows))
