"""API v1: purchase and sales orders, pick lists, packing and shipping."""

from __future__ import annotations

from sqlalchemy import select

from wms.api.listing import LIST_QUERY, LIST_QUERY_SCHEMAS, rows_reply, window
from wms.api.registry import Call, Reply, api, path_int
from wms.api.schemas import (
    CancelBody,
    PurchaseOrderBody,
    PurchaseOrderChangeBody,
    SalesOrderBody,
)
from wms.api.serialize import (
    NewPickListJson,
    PackedOrderJson,
    PickListJson,
    PurchaseOrderJson,
    PurchaseOrderListJson,
    SalesOrderJson,
    SalesOrderListJson,
    ShippedOrderJson,
    moves_json,
    pick_list_json,
    purchase_order_json,
    purchase_order_row_json,
    sales_order_json,
    sales_order_row_json,
)
from wms.errors import UnknownRecord
from wms.models import PickList, PickTask
from wms.models.purchasing import PO_STATUSES
from wms.models.sales import SO_STATUSES
from wms.services.allocation import create_pick_list
from wms.services.order_changes import (
    PurchaseOrderChange,
    cancel_purchase_order,
    cancel_sales_order,
    edit_purchase_order,
    send_purchase_order,
)
from wms.services.order_lists import list_purchase_orders, list_sales_orders
from wms.services.orders import (
    OrderLineInput,
    close_purchase_order,
    create_purchase_order,
    create_sales_order,
    get_purchase_order,
    get_sales_order,
)
from wms.services.picking import picked_qty
from wms.services.shelf_life import warehouse_today
from wms.services.shipping import pack_order, picked_per_line, ship_order


def _lines(body: PurchaseOrderBody | SalesOrderBody | PurchaseOrderChangeBody
           ) -> list[OrderLineInput]:
    return [OrderLineInput(line.sku, line.qty, line.unit_price) for line in body.lines or ()]


def task_progress(call: Call, pick_list: PickList) -> dict[int, int]:
    """Units picked per task of a pick list."""
    rows = call.session.execute(
        select(PickTask.id, picked_qty(PickTask.id)).where(
            PickTask.pick_list_id == pick_list.id)
    )
    return {task_id: int(qty) for task_id, qty in rows}


@api("POST", "/purchase-orders", permission="orders", body=PurchaseOrderBody, success=201,
     tag="orders", summary="Create a purchase order",
     errors=("invalid", "unknown_item", "unknown_location", "conflict"),
     response=PurchaseOrderJson)
def post_purchase_order(call: Call) -> Reply:
    b = call.body
    order = create_purchase_order(call.session, b.number, b.supplier, _lines(b), call.user.id,
                                  b.expected_date, b.warehouse)
    return 201, purchase_order_json(order)


@api("GET", "/purchase-orders", permission="read", tag="orders",
     query=("status", "supplier", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "status": {"type": "string", "enum": list(PO_STATUSES)}},
     summary="Purchase orders, newest first, by status and supplier", errors=("invalid",),
     response=PurchaseOrderListJson)
def get_purchase_orders(call: Call) -> Reply:
    w = window(call)
    page = list_purchase_orders(call.session, status=call.query.get("status"),
                                supplier=call.query.get("supplier"), limit=w.limit,
                                offset=w.offset)
    return rows_reply([purchase_order_row_json(row) for row in page.rows], page.total)


@api("PUT", "/purchase-orders/{number}", permission="orders", body=PurchaseOrderChangeBody,
     tag="orders", summary="Edit an open purchase order's lines, expected date or warehouse "
     "while nothing was received against it",
     errors=("unknown_order", "unknown_item", "unknown_location", "conflict"),
     response=PurchaseOrderJson)
def put_purchase_order(call: Call) -> Reply:
    b = call.body
    given = b.model_fields_set
    change = PurchaseOrderChange(
        lines=_lines(b) if b.lines is not None else None,
        expected_date=b.expected_date,
        clear_expected_date="expected_date" in given and b.expected_date is None,
        warehouse=b.warehouse)
    order = edit_purchase_order(call.session, call.params["number"], change, call.user.id)
    return 200, purchase_order_json(order)


@api("POST", "/purchase-orders/{number}/send", permission="orders", tag="orders",
     summary="Send a draft purchase order: it becomes open",
     errors=("unknown_order", "conflict"), response=PurchaseOrderJson)
def post_send_purchase_order(call: Call) -> Reply:
    order = send_purchase_order(call.session, call.params["number"], call.user.id)
    return 200, purchase_order_json(order)


@api("POST", "/purchase-orders/{number}/cancel", permission="orders", body=CancelBody,
     tag="orders", summary="Cancel a purchase order against which nothing was received",
     errors=("unknown_order", "conflict"), response=PurchaseOrderJson)
def post_cancel_purchase_order(call: Call) -> Reply:
    order = cancel_purchase_order(call.session, call.params["number"], call.body.reason,
                                  call.user.id)
    return 200, purchase_order_json(order)


@api("GET", "/purchase-orders/{number}", permission="read", tag="orders",
     summary="A purchase order with what was received", errors=("unknown_order",),
     response=PurchaseOrderJson)
def get_purchase_order_(call: Call) -> Reply:
    return 200, purchase_order_json(get_purchase_order(call.session, call.params["number"]))


@api("POST", "/purchase-orders/{number}/close", permission="orders", tag="orders",
     summary="Close a purchase order: nothing more is expected", errors=("unknown_order",),
     response=PurchaseOrderJson)
def post_close_purchase_order(call: Call) -> Reply:
    order = close_purchase_order(call.session, call.params["number"], call.user.id)
    return 200, purchase_order_json(order)


@api("POST", "/sales-orders", permission="orders", body=SalesOrderBody, success=201,
     tag="orders", summary="Create a sales order",
     errors=("invalid", "unknown_item", "unknown_location", "conflict"),
     response=SalesOrderJson)
def post_sales_order(call: Call) -> Reply:
    b = call.body
    order = create_sales_order(call.session, b.number, b.customer, _lines(b), call.user.id,
                               b.warehouse, b.ship_to)
    return 201, sales_order_json(order, {})


@api("GET", "/sales-orders/{number}", permission="read", tag="orders",
     summary="A sales order with its progress", errors=("unknown_order",),
     response=SalesOrderJson)
def get_sales_order_(call: Call) -> Reply:
    order = get_sales_order(call.session, call.params["number"])
    return 200, sales_order_json(order, picked_per_line(call.session, order))


@api("GET", "/sales-orders", permission="read", tag="orders",
     query=("status", "customer", *LIST_QUERY),
     query_schemas={**LIST_QUERY_SCHEMAS,
                    "status": {"type": "string", "enum": list(SO_STATUSES)}},
     summary="Sales orders, newest first, by status and customer", errors=("invalid",),
     response=SalesOrderListJson)
def get_sales_orders(call: Call) -> Reply:
    w = window(call)
    page = list_sales_orders(call.session, status=call.query.get("status"),
                             customer=call.query.get("customer"), limit=w.limit,
                             offset=w.offset)
    return rows_reply([sales_order_row_json(row) for row in page.rows], page.total)


@api("POST", "/sales-orders/{number}/cancel", permission="orders", body=CancelBody,
     tag="orders", summary="Cancel a sales order of which nothing was picked: its "
     "reservations are released and its pick tasks can no longer be picked",
     errors=("unknown_order", "conflict"), response=SalesOrderJson)
def post_cancel_sales_order(call: Call) -> Reply:
    order = cancel_sales_order(call.session, call.params["number"], call.body.reason,
                               call.user.id)
    return 200, sales_order_json(order, picked_per_line(call.session, order))


@api("POST", "/sales-orders/{number}/pick-list", permission="allocate", success=201,
     tag="orders", summary="Allocate stock (FIFO / FEFO, never an expired lot) and create a "
     "pick list in walking order; an order without a warehouse is allocated from the home "
     "warehouse, else the one that can fill it best, named in `warehouse`",
     errors=("unknown_order", "unknown_location", "insufficient_stock", "conflict"),
     response=NewPickListJson)
def post_pick_list(call: Call) -> Reply:
    result = create_pick_list(call.session, call.params["number"], call.user.id,
                              home_warehouse=call.settings.home_warehouse or None,
                              today=warehouse_today(call.settings.timezone))
    body: NewPickListJson = {**pick_list_json(result.pick_list, {}), "shortages": [
        {"sku": s.sku, "qty": s.qty} for s in result.shortages]}
    return 201, body


@api("GET", "/pick-lists/{id}", permission="read", tag="orders",
     summary="A pick list with the progress of each task", errors=("not_found",),
     response=PickListJson)
def get_pick_list(call: Call) -> Reply:
    pick_list = call.session.get(PickList, path_int(call, "id"))
    if pick_list is None:
        raise UnknownRecord(f"no pick list {call.params['id']}")
    return 200, pick_list_json(pick_list, task_progress(call, pick_list))


@api("GET", "/sales-orders/{number}/pick-lists", permission="read", tag="orders",
     summary="The pick lists of a sales order", errors=("unknown_order",),
     response=list[PickListJson])
def get_order_pick_lists(call: Call) -> Reply:
    order = get_sales_order(call.session, call.params["number"])
    lists = call.session.scalars(
        select(PickList).where(PickList.order_id == order.id).order_by(PickList.id))
    return 200, [pick_list_json(p, task_progress(call, p)) for p in lists]


@api("POST", "/sales-orders/{number}/pack", permission="pack", tag="orders",
     summary="Mark a picked order packed", errors=("unknown_order", "conflict"),
     response=PackedOrderJson)
def post_pack(call: Call) -> Reply:
    packed = pack_order(call.session, call.params["number"], call.user.id, call.site)
    body: PackedOrderJson = {**sales_order_json(packed.order, packed.picked),
                             "print_jobs": [job.id for job in packed.print_jobs]}
    return 200, body


@api("POST", "/sales-orders/{number}/ship", permission="ship", tag="orders",
     summary="Ship the picked stock: it leaves the warehouse",
     errors=("unknown_order", "conflict"), response=ShippedOrderJson)
def post_ship(call: Call) -> Reply:
    order, moves = ship_order(call.session, call.params["number"], call.user.id)
    body: ShippedOrderJson = {**sales_order_json(order, picked_per_line(call.session, order)),
                              "moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 200, body

