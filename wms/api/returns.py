"""API v1: customer returns, returns to suppliers, and releases from quarantine."""

from __future__ import annotations

from wms.api.registry import Call, Reply, api
from wms.api.schemas import CustomerReturnBody, QuarantineReleaseBody, SupplierReturnBody
from wms.api.serialize import MovesJson, ReturnJson, moves_json
from wms.services.returns import (
    CustomerReturnLine,
    ReturnResult,
    SupplierReturnLine,
    receive_customer_return,
    release_from_quarantine,
    send_supplier_return,
)

STOCK_ERRORS = ("invalid", "unknown_item", "unknown_location")


def _reply(call: Call, result: ReturnResult) -> Reply:
    body: ReturnJson = {"id": result.stock_return.id,
                        "moves": moves_json(call.session, caller=call.user,
                                            moves=result.moves)}
    return 201, body


@api("POST", "/returns", permission="returns", body=CustomerReturnBody, success=201,
     tag="returns", summary="Take back goods a customer returns at a dock: restock, "
     "quarantine or scrap each line; at most what the order shipped, less what came back",
     errors=(*STOCK_ERRORS, "not_found", "unknown_order", "over_return", "location_full",
             "location_blocked", "conflict", "insufficient_stock"),
     response=ReturnJson)
def post_customer_return(call: Call) -> Reply:
    b = call.body
    result = receive_customer_return(
        call.session, customer=b.customer, sales_order=b.sales_order, location=b.location,
        user_id=call.user.id,
        lines=[CustomerReturnLine(ln.sku, ln.qty, ln.disposition, ln.reason, ln.lot, ln.note)
               for ln in b.lines])
    return _reply(call, result)


@api("POST", "/supplier-returns", permission="returns", body=SupplierReturnBody, success=201,
     tag="returns", summary="Send goods back to their supplier from a quarantine location or "
     "a bin: the units leave the warehouse",
     errors=(*STOCK_ERRORS, "not_found", "unknown_order", "insufficient_stock", "wrong_lot"),
     response=ReturnJson)
def post_supplier_return(call: Call) -> Reply:
    b = call.body
    result = send_supplier_return(
        call.session, supplier=b.supplier, purchase_order=b.purchase_order,
        user_id=call.user.id,
        lines=[SupplierReturnLine(ln.sku, ln.qty, ln.from_, ln.reason, ln.lot, ln.note)
               for ln in b.lines])
    return _reply(call, result)


@api("POST", "/quarantine/release", permission="release", body=QuarantineReleaseBody,
     success=201, tag="returns", summary="Release quarantined stock into a bin (supervisors)",
     errors=(*STOCK_ERRORS, "insufficient_stock", "wrong_lot", "location_full",
             "location_blocked", "forbidden"), response=MovesJson)
def post_quarantine_release(call: Call) -> Reply:
    b = call.body
    moves = release_from_quarantine(call.session, sku=b.sku, qty=b.qty, lot=b.lot,
                                    from_location=b.from_, to_location=b.to,
                                    user_id=call.user.id)
    body: MovesJson = {"moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 201, body
