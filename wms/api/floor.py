"""API v1: floor work — receiving, putaway, moves, picking, counts, transfers, scrap."""

from __future__ import annotations

from wms.api.registry import Call, Reply, api, path_int
from wms.api.schemas import (
    CountBody,
    CountEntryBody,
    MoveBody,
    PickConfirmBody,
    PutawayBody,
    ReceiptBody,
    ScrapBody,
    TransferBody,
    TransferReceiveBody,
)
from wms.api.serialize import (
    CountApprovedJson,
    CountEntryJson,
    CountJson,
    CountStartedJson,
    CountSubmittedJson,
    MovesJson,
    PickConfirmedJson,
    PickShortJson,
    PutawayChoiceJson,
    PutawayJson,
    ReceiptJson,
    TransferJson,
    TransferMovedJson,
    VarianceJson,
    moves_json,
    purchase_order_json,
    transfer_json,
)
from wms.services.counting import (
    Thresholds,
    Variance,
    approve_count,
    enter_count,
    get_count,
    start_count,
    submit_count,
    variances_of,
)
from wms.services.moving import move_stock
from wms.services.picking import confirm_pick, report_short
from wms.services.putaway import suggest_putaway
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.scrap import scrap_stock
from wms.services.shelf_life import warehouse_today
from wms.services.transfers import (
    TransferLineInput,
    create_transfer,
    get_transfer,
    receive_transfer,
)

STOCK_ERRORS = ("invalid", "unknown_item", "unknown_location")


@api("POST", "/receipts", permission="receive", body=ReceiptBody, success=201, tag="floor",
     summary="Receive goods at a dock, with inspection (accept, quarantine, reject)",
     errors=(*STOCK_ERRORS, "unknown_order", "over_receipt", "location_full",
             "location_blocked", "conflict", "expired_lot", "short_shelf_life"),
     response=ReceiptJson)
def post_receipt(call: Call) -> Reply:
    b = call.body
    result = receive(
        call.session, location=b.location, purchase_order=b.purchase_order,
        user_id=call.user.id, tolerance_pct=call.settings.over_receipt_tolerance_pct,
        lines=[ReceiptLineInput(ln.sku, ln.qty, ln.lot, ln.expiry, ln.disposition, ln.reason,
                                note=ln.note, override_expiry=ln.override_expiry)
               for ln in b.lines],
        site=call.site,
        min_shelf_life_days=call.settings.min_shelf_life_days,
        today=warehouse_today(call.settings.timezone),
    )
    body: ReceiptJson = {
        "id": result.receipt.id,
        "moves": moves_json(call.session, caller=call.user, moves=result.moves),
        "print_jobs": [job.id for job in result.print_jobs]}
    if result.order is not None:
        body["purchase_order"] = purchase_order_json(result.order)
    return 201, body


@api("POST", "/putaway-suggestions", permission="move", body=PutawayBody, tag="floor",
     summary="The best bins to put goods away in (changes nothing); without `from` or "
     "`warehouse`, in the warehouse where the goods wait at a dock",
     errors=(*STOCK_ERRORS, "conflict"),
     read_only=True, response=PutawayJson)
def post_putaway_suggestion(call: Call) -> Reply:
    b = call.body
    advice = suggest_putaway(call.session, sku=b.sku, qty=b.qty, lot=b.lot,
                             from_location=b.from_, warehouse=b.warehouse)
    rows: list[PutawayChoiceJson] = [{"location": s.code, "reason": s.reason, "free": s.free}
            for s in advice.suggestions]
    body: PutawayJson = {"sku": advice.sku, "qty": advice.qty, "lot": advice.lot,
                         "location": rows[0]["location"] if rows else None,
                         "reason": rows[0]["reason"] if rows else None,
                         "alternatives": rows[1:]}
    return 200, body


@api("POST", "/moves", permission="move", body=MoveBody, success=201, tag="floor",
     summary="Move stock between locations (oldest lot first unless a lot is named)",
     errors=(*STOCK_ERRORS, "insufficient_stock", "location_full", "location_blocked",
             "wrong_lot"), response=MovesJson)
def post_move(call: Call) -> Reply:
    b = call.body
    moves = move_stock(call.session, sku=b.sku, qty=b.qty, from_code=b.from_, to_code=b.to,
                       lot=b.lot, user_id=call.user.id)
    body: MovesJson = {"moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 201, body


@api("POST", "/pick-tasks/{id}/confirm", permission="pick", body=PickConfirmBody, tag="floor",
     summary="Confirm a pick by the scanned bin, item and lot; the reply names the next task",
     errors=("invalid", "not_found", "wrong_location", "wrong_item", "wrong_lot",
             "insufficient_stock", "conflict"), response=PickConfirmedJson)
def post_pick_confirm(call: Call) -> Reply:
    b = call.body
    outcome = confirm_pick(call.session, task_id=path_int(call, "id"), location=b.location,
                           sku=b.sku, qty=b.qty, lot=b.lot, user_id=call.user.id)
    nxt = outcome.next_task
    body: PickConfirmedJson = {
        "task": outcome.task_id, "picked": outcome.picked, "remaining": outcome.remaining,
        "order_status": outcome.order_status,
        "moves": moves_json(call.session, caller=call.user,
                            moves=[outcome.move] if outcome.move else []),
        "next_task": None if nxt is None else {
            "id": nxt.id, "seq": nxt.seq, "location": nxt.location, "sku": nxt.sku,
            "lot": nxt.lot, "qty": nxt.remaining}}
    return 200, body


@api("POST", "/pick-tasks/{id}/short", permission="pick", tag="floor",
     summary="Report the rest of a pick task as not found (short pick)",
     errors=("not_found", "conflict"), response=PickShortJson)
def post_pick_short(call: Call) -> Reply:
    outcome = report_short(call.session, task_id=path_int(call, "id"), user_id=call.user.id)
    body: PickShortJson = {"task": outcome.task_id, "picked": outcome.picked,
                           "short": outcome.short, "order_status": outcome.order_status}
    return 200, body


def _variances(variances: list[Variance]) -> list[VarianceJson]:
    return [{"location": v.location, "sku": v.sku, "lot": v.lot, "expected": v.expected,
             "counted": v.counted, "difference": v.difference, "recount": v.recount}
            for v in variances]


def _thresholds(call: Call) -> Thresholds:
    return Thresholds(call.settings.count_variance_pct, call.settings.count_variance_units)


@api("POST", "/counts", permission="count", body=CountBody, success=201, tag="counts",
     summary="Start a blind count of bins", errors=("invalid", "unknown_location"),
     response=CountStartedJson)
def post_count(call: Call) -> Reply:
    count = start_count(call.session, call.body.locations, call.user.id)
    body: CountStartedJson = {"id": count.id, "status": count.status,
                              "locations": [cl.location.code for cl in count.locations]}
    return 201, body


@api("GET", "/counts/{id}", permission="approve", tag="counts",
     summary="A count with its current variances (supervisors)", errors=("unknown_count",),
     response=CountJson)
def get_count_(call: Call) -> Reply:
    count = get_count(call.session, path_int(call, "id"))
    body: CountJson = {"id": count.id, "status": count.status, "round": count.round,
                       "locations": [cl.location.code for cl in count.locations],
                       "variances": _variances(variances_of(call.session, count,
                                                            _thresholds(call)))}
    return 200, body


@api("POST", "/counts/{id}/entries", permission="count", body=CountEntryBody, success=201,
     tag="counts", summary="Record a counted quantity (0 allowed)",
     errors=(*STOCK_ERRORS, "unknown_count", "wrong_location", "conflict"),
     response=CountEntryJson)
def post_count_entry(call: Call) -> Reply:
    b = call.body
    entry = enter_count(call.session, count_id=path_int(call, "id"), location=b.location,
                        sku=b.sku, qty=b.qty, lot=b.lot, user_id=call.user.id)
    body: CountEntryJson = {"id": entry.id, "count": entry.count_id, "round": entry.round,
                            "location": b.location, "sku": b.sku, "qty": entry.qty}
    return 201, body


@api("POST", "/counts/{id}/submit", permission="count", tag="counts",
     summary="Submit a count round; large variances are sent back for a recount",
     errors=("unknown_count", "conflict"), response=CountSubmittedJson)
def post_count_submit(call: Call) -> Reply:
    count, variances = submit_count(call.session, path_int(call, "id"), _thresholds(call),
                                    call.user.id)
    body: CountSubmittedJson = {"id": count.id, "status": count.status,
                                "round": count.round, "variances": _variances(variances)}
    return 200, body


@api("POST", "/counts/{id}/approve", permission="approve", tag="counts",
     summary="Approve a count: each variance becomes an adjustment move",
     errors=("unknown_count", "conflict", "forbidden"), response=CountApprovedJson)
def post_count_approve(call: Call) -> Reply:
    count, moves = approve_count(call.session, path_int(call, "id"), call.user.id)
    body: CountApprovedJson = {"id": count.id, "status": count.status,
                               "moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 200, body


@api("POST", "/transfers", permission="transfer", body=TransferBody, success=201,
     tag="floor", summary="Send stock to another warehouse (through in-transit)",
     errors=(*STOCK_ERRORS, "insufficient_stock", "wrong_lot"), response=TransferMovedJson)
def post_transfer(call: Call) -> Reply:
    b = call.body
    transfer, moves = create_transfer(
        call.session, from_warehouse=b.from_warehouse, to_warehouse=b.to_warehouse,
        lines=[TransferLineInput(ln.sku, ln.qty, ln.from_, ln.lot) for ln in b.lines],
        user_id=call.user.id,
    )
    body: TransferMovedJson = {**transfer_json(transfer),
                               "moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 201, body


@api("GET", "/transfers/{id}", permission="read", tag="floor", summary="A transfer",
     errors=("not_found",), response=TransferJson)
def get_transfer_(call: Call) -> Reply:
    return 200, transfer_json(get_transfer(call.session, path_int(call, "id")))


@api("POST", "/transfers/{id}/receive", permission="transfer", body=TransferReceiveBody,
     tag="floor", summary="Receive a transfer from in-transit into a location",
     errors=("invalid", "not_found", "unknown_location", "location_full", "conflict"),
     response=TransferMovedJson)
def post_transfer_receive(call: Call) -> Reply:
    transfer, moves = receive_transfer(call.session, path_int(call, "id"),
                                       call.body.location, call.user.id)
    body: TransferMovedJson = {**transfer_json(transfer),
                               "moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 200, body


@api("POST", "/scrap", permission="scrap", body=ScrapBody, success=201, tag="floor",
     summary="Write off damaged units with a reason (supervisors)",
     errors=(*STOCK_ERRORS, "insufficient_stock", "forbidden"), response=MovesJson)
def post_scrap(call: Call) -> Reply:
    b = call.body
    moves = scrap_stock(call.session, sku=b.sku, qty=b.qty, location=b.location,
                        reason=b.reason, lot=b.lot, user_id=call.user.id, note=b.note)
    body: MovesJson = {"moves": moves_json(call.session, caller=call.user, moves=moves)}
    return 201, body
