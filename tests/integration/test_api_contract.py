"""API v1 against its contract (docs/API.md): status codes, error codes and messages, and
that a request that fails changes nothing; the OpenAPI document; the role matrix."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.builders import Builder
from tests.support.checks import snapshot
from wms.api import ENDPOINTS
from wms.auth import PERMISSIONS
from wms.db import Database
from wms.reasons import INSPECTION_REASONS, REASONS, SCRAP_REASONS
from wms.services.allocation import create_pick_list
from wms.services.counting import Thresholds, enter_count, start_count, submit_count
from wms.services.picking import confirm_pick
from wms.services.receiving import ReceiptLineInput, receive
from wms.services.shipping import pack_order

JSON_TYPE = "application/json"

# Every (method, path) the contract names, as API.md writes them.
CONTRACT_OPERATIONS = [
    ("put", "/api/v1/items/{sku}"),
    ("get", "/api/v1/items/{sku}"),
    ("put", "/api/v1/locations/{code}"),
    ("get", "/api/v1/locations/{code}"),
    ("put", "/api/v1/suppliers/{code}"),
    ("put", "/api/v1/customers/{code}"),
    ("post", "/api/v1/purchase-orders"),
    ("get", "/api/v1/purchase-orders/{number}"),
    ("post", "/api/v1/sales-orders"),
    ("get", "/api/v1/sales-orders/{number}"),
    ("post", "/api/v1/receipts"),
    ("post", "/api/v1/putaway-suggestions"),
    ("post", "/api/v1/moves"),
    ("post", "/api/v1/sales-orders/{number}/pick-list"),
    ("post", "/api/v1/pick-tasks/{id}/confirm"),
    ("post", "/api/v1/sales-orders/{number}/ship"),
    ("post", "/api/v1/counts"),
    ("post", "/api/v1/counts/{id}/entries"),
    ("post", "/api/v1/counts/{id}/submit"),
    ("post", "/api/v1/counts/{id}/approve"),
    ("post", "/api/v1/transfers"),
    ("post", "/api/v1/transfers/{id}/receive"),
    ("post", "/api/v1/scrap"),
    ("get", "/api/v1/stock"),
    ("get", "/api/v1/ledger"),
    ("get", "/api/v1/health"),
    ("get", "/api/v1/openapi.json"),
]


# ---------------------------------------------------------------- helpers


def stocked(build: Builder) -> list[str]:
    """WH1 with four bins of 100 units; 10 CUP in the first bin, 6 TEA of lot L1 in the
    second. Returns the bin codes."""
    bins = build.warehouse("WH1", bins=4)
    build.item("CUP", name="茶杯", barcodes=["6900000000011"])
    build.item("TEA", name="龙井茶", tracking="lot")
    build.stock("CUP", bins[0], 10)
    build.stock("TEA", bins[1], 6, lot="L1")
    return bins




def stock_of(api: Any, **query: Any) -> dict[tuple[str, str | None], int]:
    return {(r["location"], r["lot"]): r["qty"] for r in api.get("/stock", **query).get_json()}


def error_of(response: Any) -> tuple[int, str, str]:
    """(status, code, message) of an API error answer, checking its shape on the way."""
    assert_no_html_or_trace(response)
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    message = body["error"]["message"]
    assert isinstance(message, str) and message.strip(), body
    return response.status_code, body["error"]["code"], message


def assert_error(response: Any, status: int, code: str, *mentioned: str) -> str:
    got_status, got_code, message = error_of(response)
    assert (got_status, got_code) == (status, code), message
    for text in mentioned:
        assert text.lower() in message.lower(), f"{text!r} not in {message!r}"
    return message


def outcome(response: Any, field: str) -> tuple[int, str, bool]:
    """(status, code, whether the message names `field`) for table-style comparisons."""
    status, code, message = error_of(response)
    return status, code, field.lower() in message.lower()


def raw_post(client: Any, token: str, path: str, data: bytes,
             content_type: str = JSON_TYPE) -> Any:
    return client.post(f"/api/v1{path}", data=data, content_type=content_type,
                       headers={"Authorization": f"Bearer {token}"})


def assert_no_html_or_trace(response: Any) -> None:
    text = response.get_data(as_text=True)
    assert response.content_type.startswith(JSON_TYPE), text
    for marker in ("<html", "<!doctype", "Traceback", 'File "', "werkzeug"):
        assert marker.lower() not in text.lower(), text


# ---------------------------------------------------------------- health and OpenAPI


def test_health_answers_ok_without_a_token(client: Any) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.content_type.startswith(JSON_TYPE)
    assert response.get_json() == {"status": "ok"}


def test_the_openapi_document_is_openapi_3_and_describes_every_operation_of_the_contract(
    client: Any,
) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    paths = document["paths"]
    described = {(method, path) for path, ops in paths.items() for method in ops}
    assert [op for op in CONTRACT_OPERATIONS if op not in described] == []
    for path, operations in paths.items():
        assert path.startswith("/api/v1/"), path
        declared = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            assert method in {"get", "put", "post", "delete", "patch"}, (method, path)
            assert any(status.startswith("2") for status in operation["responses"]), path
            in_path = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert in_path == declared, (method, path)
    assert paths["/api/v1/health"]["get"]["security"] == []
    moves = paths["/api/v1/moves"]["post"]
    assert "201" in moves["responses"] and "409" in moves["responses"]
    assert "requestBody" in moves
    assert "Idempotency-Key" in {p["name"] for p in moves["parameters"]}



def test_the_openapi_document_lists_the_reason_codes_each_operation_takes(client: Any) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["ScrapBody"]["properties"]["reason"]["enum"] == list(SCRAP_REASONS)
    line_reason = schemas["ReceiptLineBody"]["properties"]["reason"]["anyOf"][0]
    assert line_reason["enum"] == list(INSPECTION_REASONS)
    assert "note" in schemas["ScrapBody"]["properties"]
    assert "note" in schemas["ReceiptLineBody"]["properties"]
    assert schemas["ReasonCode"]["enum"] == list(REASONS)
    assert all(f"`{code}`" in schemas["ReasonCode"]["description"] for code in REASONS)


def test_every_api_route_the_app_serves_is_in_the_openapi_document(app: Any,
                                                                   client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method.lower(), path))
    assert len(served) >= len(CONTRACT_OPERATIONS)
    missing = sorted(op for op in served if op[1] not in paths or op[0] not in paths[op[1]])
    assert missing == []


# ---------------------------------------------------------------- unknown paths and methods


def test_an_unknown_api_path_is_a_json_404(api: Any) -> None:
    for path in ("/api/v1/no-such-thing", "/api/v1/items/CUP/history", "/api/v1/moves/1/undo"):
        response = api.client.get(path, headers={"Authorization": f"Bearer {api.token}"})
        status, code, message = error_of(response)
        assert status == 404 and code.strip(), (path, code, message)


def test_a_wrong_method_is_a_json_405_and_changes_nothing(api: Any, build: Builder) -> None:
    stocked(build)
    before = snapshot(api)
    item_before = api.get("/items/CUP").get_json()
    headers = {"Authorization": f"Bearer {api.token}"}
    for method, path in (("delete", "/api/v1/items/CUP"), ("get", "/api/v1/moves"),
                         ("put", "/api/v1/moves"), ("post", "/api/v1/items/CUP"),
                         ("post", "/api/v1/health")):
        response = getattr(api.client, method)(path, headers=headers, json={})
        assert error_of(response)[0] == 405, (method, path)
    assert snapshot(api) == before
    assert api.get("/items/CUP").get_json() == item_before


def test_a_405_names_the_methods_the_path_takes_in_an_allow_header(api: Any) -> None:
    headers = {"Authorization": f"Bearer {api.token}"}
    for method, path, allowed in (("delete", "/api/v1/items/CUP", {"GET", "PUT"}),
                                  ("trace", "/api/v1/moves", {"POST"}),
                                  ("patch", "/api/v1/health", {"GET"})):
        response = api.client.open(path, method=method.upper(), headers=headers)
        assert error_of(response)[0] == 405, (method, path)
        named = {m.strip() for m in response.headers.get("Allow", "").split(",")}
        assert allowed <= named and method.upper() not in named, (path, named)


# ---------------------------------------------------------------- 401 and 403


def test_no_token_or_a_bad_token_is_refused_with_401_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    before = snapshot(api)
    move = {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2]}
    cases = {
        "no header": {},
        "unknown token": {"Authorization": "Bearer wms_not-a-real-token"},
        "empty bearer": {"Authorization": "Bearer "},
        "other scheme": {"Authorization": f"Basic {api.token}"},
        "token without scheme": {"Authorization": api.token},
        "token with a character changed": {"Authorization": f"Bearer {api.token[:-1]}"
                                           f"{'A' if api.token[-1] != 'A' else 'B'}"},
    }
    seen = {}
    for name, headers in cases.items():
        write = api.client.post("/api/v1/moves", json=move, headers=headers)
        read = api.client.get("/api/v1/stock", headers=headers)
        seen[name] = (error_of(write)[:2], error_of(read)[:2])
    assert seen == {name: ((401, "unauthorized"), (401, "unauthorized")) for name in cases}
    assert snapshot(api) == before


def test_a_request_without_a_token_is_refused_with_401_before_its_body_is_looked_at(
    api: Any, build: Builder
) -> None:
    stocked(build)
    before = snapshot(api)
    cases = {
        "malformed JSON": {"data": b"{not json", "content_type": JSON_TYPE},
        "negative quantity": {"json": {"sku": "CUP", "qty": -1, "from": "A", "to": "B"}},
    }
    seen = {name: error_of(api.client.post("/api/v1/moves", **kwargs))[:2]
            for name, kwargs in cases.items()}
    seen["oversize key"] = error_of(api.client.post(
        "/api/v1/moves", json={"sku": "CUP"}, headers={"Idempotency-Key": "k" * 300}))[:2]
    assert seen == {name: (401, "unauthorized") for name in seen}
    assert snapshot(api) == before


@pytest.mark.parametrize(("role", "method", "path", "body"), [
    ("clerk", "post", "/moves", {"sku": "CUP", "qty": 1, "from": "A-01-01-01",
                                 "to": "A-01-03-01"}),
    ("operator", "post", "/scrap", {"sku": "CUP", "qty": 1, "location": "A-01-01-01",
                                    "reason": "broken"}),
    ("operator", "put", "/items/NEW-1", {"name": "新品"}),
    ("clerk", "post", "/receipts", {"location": "DOCK-1", "lines": [{"sku": "CUP", "qty": 1}]}),
    ("operator", "post", "/purchase-orders", {"number": "PO-9", "supplier": "SUP-1",
                                              "lines": [{"sku": "CUP", "qty": 1}]}),
], ids=["clerk-moves", "operator-scraps", "operator-creates-item", "clerk-receives",
        "operator-orders"])
def test_a_role_that_may_not_do_a_thing_gets_403_and_nothing_changes(
    api: Any, api_as: Any, build: Builder, role: str, method: str, path: str, body: Any
) -> None:
    stocked(build)
    build.supplier("SUP-1")
    before = snapshot(api)
    response = getattr(api_as(role), method)(path, body)
    assert_error(response, 403, "forbidden", role)
    assert snapshot(api) == before
    assert api.get("/items/NEW-1").status_code == 404
    assert api.get("/purchase-orders/PO-9").status_code == 404


def test_an_operator_may_not_approve_a_count_and_the_count_stays_unapproved(
    api: Any, api_as: Any, build: Builder, db: Database
) -> None:
    bins = stocked(build)
    with db.write() as s:
        count = start_count(s, [bins[0]], None)
        enter_count(s, count_id=count.id, location=bins[0], sku="CUP", qty=9, user_id=None)
        submit_count(s, count.id, Thresholds(), None)
        count_id = count.id
    before = snapshot(api)
    assert_error(api_as("operator").post(f"/counts/{count_id}/approve"), 403, "forbidden")
    assert snapshot(api) == before
    assert api.get(f"/counts/{count_id}").get_json()["status"] == "submitted"
    approved = api_as("supervisor").post(f"/counts/{count_id}/approve")
    assert approved.status_code == 200, approved.get_json()
    assert stock_of(api, location=bins[0]) == {(bins[0], None): 9}


# ---------------------------------------------------------------- the role matrix


def role_matrix_scene(build: Builder, db: Database) -> dict[str, tuple[str, str, Any, int]]:
    """A warehouse in which one call of each permission can succeed once; returns, per
    permission, (method, path, body, success status)."""
    bins = build.warehouse("WH1", bins=6)
    build.warehouse("WH2", bins=1, zone="C")
    build.item("CUP", name="茶杯")
    build.item("MUG", name="马克杯")
    build.supplier("SUP-1")
    build.customer("CUS-1")
    build.stock("CUP", bins[0], 20)
    build.stock("MUG", bins[4], 5)
    for number in ("SO-ALLOC", "SO-PICK", "SO-PACK", "SO-SHIP"):
        build.sales_order(number, [("CUP", 1)])
    with db.write() as s:
        task = create_pick_list(s, "SO-PICK", None).pick_list.tasks[0]
        pick_task = (task.id, task.location.code)
        for number in ("SO-PACK", "SO-SHIP"):
            t = create_pick_list(s, number, None).pick_list.tasks[0]
            confirm_pick(s, task_id=t.id, location=t.location.code, sku="CUP", qty=1,
                         user_id=None)
        pack_order(s, "SO-SHIP", None)
        count = start_count(s, [bins[4]], None)
        enter_count(s, count_id=count.id, location=bins[4], sku="MUG", qty=4, user_id=None)
        submit_count(s, count.id, Thresholds(), None)
        count_id = count.id
        receive(s, location="DOCK-1", user_id=None, lines=[
            ReceiptLineInput("MUG", 2, disposition="quarantine", reason="damaged")])
    return {
        "read": ("get", "/stock", None, 200),
        "master_data": ("put", "/items/NEW-1", {"name": "新品"}, 201),
        "orders": ("post", "/purchase-orders", {"number": "PO-1", "supplier": "SUP-1",
                                                "lines": [{"sku": "CUP", "qty": 5}]}, 201),
        "allocate": ("post", "/sales-orders/SO-ALLOC/pick-list", None, 201),
        "receive": ("post", "/receipts", {"location": "DOCK-1",
                                          "lines": [{"sku": "CUP", "qty": 1}]}, 201),
        "move": ("post", "/moves", {"sku": "CUP", "qty": 1, "from": bins[0],
                                    "to": bins[1]}, 201),
        "pick": ("post", f"/pick-tasks/{pick_task[0]}/confirm",
                 {"location": pick_task[1], "sku": "CUP", "qty": 1}, 200),
        "pack": ("post", "/sales-orders/SO-PACK/pack", None, 200),
        "ship": ("post", "/sales-orders/SO-SHIP/ship", None, 200),
        "count": ("post", "/counts", {"locations": [bins[2]]}, 201),
        "transfer": ("post", "/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2",
                                            "lines": [{"sku": "CUP", "qty": 1,
                                                       "from": bins[0]}]}, 201),
        "approve": ("post", f"/counts/{count_id}/approve", None, 200),
        "scrap": ("post", "/scrap", {"sku": "CUP", "qty": 1, "location": bins[0],
                                     "reason": "broken"}, 201),
        "station": ("post", "/stations/dock/scans", {"raw": "CUP"}, 201),
        "audit": ("get", "/audit", None, 200),
        "status": ("get", "/status", None, 200),
        "office": ("get", "/reports/abc", None, 200),
        "returns": ("post", "/returns", {"customer": "CUS-1", "location": "DOCK-1", "lines": [
            {"sku": "CUP", "qty": 1, "disposition": "restock", "reason": "unwanted"}]}, 201),
        "release": ("post", "/quarantine/release", {"sku": "MUG", "qty": 1, "from": "QC-1",
                                                    "to": bins[5]}, 201),
    }


@pytest.mark.parametrize("role", ["admin", "supervisor", "clerk", "operator"])
def test_each_role_may_do_exactly_what_the_permission_table_allows(
    api: Any, api_as: Any, build: Builder, db: Database, role: str
) -> None:
    calls = role_matrix_scene(build, db)
    assert {e.permission for e in ENDPOINTS} <= set(calls)
    assert set(PERMISSIONS) - {"admin"} == set(calls)
    caller = api_as(role)
    expected, seen, changed_on_403 = {}, {}, []
    for permission, (method, path, body, success) in calls.items():
        allowed = role in PERMISSIONS[permission]
        expected[permission] = success if allowed else 403
        before = None if allowed else snapshot(api)
        response = caller.get(path) if method == "get" else getattr(caller, method)(path, body)
        seen[permission] = response.status_code
        if response.status_code == 403:
            assert error_of(response)[1] == "forbidden"
        if before is not None and snapshot(api) != before:
            changed_on_403.append(permission)
    assert seen == expected
    assert changed_on_403 == []


# ---------------------------------------------------------------- 422 invalid


BAD_QUANTITIES: list[Any] = [-1, 0, 1.5, "3", "three", None, True, 10**12, [1], {"n": 1}]


def test_a_move_with_a_negative_zero_fractional_or_string_quantity_is_refused_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    before = snapshot(api)
    seen = {}
    for qty in [*BAD_QUANTITIES, "missing"]:
        body: dict[str, Any] = {"sku": "CUP", "from": bins[0], "to": bins[2], "qty": qty}
        if qty == "missing":
            del body["qty"]
        seen[repr(qty)] = outcome(api.post("/moves", body), "qty")
    assert seen == {repr(q): (422, "invalid", True) for q in [*BAD_QUANTITIES, "missing"]}
    assert snapshot(api) == before


def test_quantities_of_every_floor_and_order_request_must_be_whole_and_positive(
    api: Any, build: Builder, db: Database
) -> None:
    bins = stocked(build)
    build.warehouse("WH2", bins=1, zone="C")
    build.supplier("SUP-1")
    build.customer("CUS-1")
    with db.write() as s:
        count_id = start_count(s, [bins[0]], None).id
    bodies = {
        "/receipts": lambda q: {"location": "DOCK-1", "lines": [{"sku": "CUP", "qty": q}]},
        "/scrap": lambda q: {"sku": "CUP", "qty": q, "location": bins[0], "reason": "broken"},
        "/purchase-orders": lambda q: {"number": "PO-1", "supplier": "SUP-1",
                                       "lines": [{"sku": "CUP", "qty": q}]},
        "/sales-orders": lambda q: {"number": "SO-1", "customer": "CUS-1",
                                    "lines": [{"sku": "CUP", "qty": q}]},
        "/transfers": lambda q: {"from_warehouse": "WH1", "to_warehouse": "WH2",
                                 "lines": [{"sku": "CUP", "qty": q, "from": bins[0]}]},
        "/putaway-suggestions": lambda q: {"sku": "CUP", "qty": q},
        f"/counts/{count_id}/entries": lambda q: {"location": bins[0], "sku": "CUP", "qty": q},
    }
    before = snapshot(api)
    seen, expected = {}, {}
    for path, body in bodies.items():
        for qty in (-1, 0, 2.5, "4"):
            if qty == 0 and "entries" in path:
                continue  # a counted zero is allowed
            seen[(path, repr(qty))] = outcome(api.post(path, body(qty)), "qty")
            expected[(path, repr(qty))] = (422, "invalid", True)
    assert seen == expected
    assert snapshot(api) == before
    assert api.get("/purchase-orders/PO-1").status_code == 404
    assert api.get("/sales-orders/SO-1").status_code == 404
    zero = api.post(f"/counts/{count_id}/entries", bodies[f"/counts/{count_id}/entries"](0))
    assert zero.status_code == 201, zero.get_json()
    assert zero.get_json()["qty"] == 0


def test_a_request_missing_a_required_field_is_refused_naming_the_field(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.supplier("SUP-1")
    move = {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2]}
    receipt = {"location": "DOCK-1", "lines": [{"sku": "CUP", "qty": 1}]}
    order = {"number": "PO-1", "supplier": "SUP-1", "lines": [{"sku": "CUP", "qty": 1}]}
    scrap = {"sku": "CUP", "qty": 1, "location": bins[0], "reason": "broken"}

    def without(body: dict[str, Any], field: str) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != field}

    cases = {
        ("/moves", "sku"): without(move, "sku"),
        ("/moves", "from"): without(move, "from"),
        ("/moves", "to"): without(move, "to"),
        ("/receipts", "location"): without(receipt, "location"),
        ("/receipts", "lines"): without(receipt, "lines"),
        ("/receipts", "sku"): {"location": "DOCK-1", "lines": [{"qty": 1}]},
        ("/receipts", "lines "): {"location": "DOCK-1", "lines": []},
        ("/purchase-orders", "supplier"): without(order, "supplier"),
        ("/purchase-orders", "number"): without(order, "number"),
        ("/scrap", "reason"): without(scrap, "reason"),
        ("/scrap", "reason "): {**scrap, "reason": "   "},
        ("/counts", "locations"): {},
    }
    before = snapshot(api)
    seen = {case: outcome(api.post(case[0], body), case[1].strip())
            for case, body in cases.items()}
    assert seen == {case: (422, "invalid", True) for case in cases}
    assert snapshot(api) == before
    assert api.get("/purchase-orders/PO-1").status_code == 404


def test_a_body_that_is_not_a_json_object_is_refused_naming_the_body(
    api: Any, build: Builder
) -> None:
    stocked(build)
    before = snapshot(api)
    bodies = {
        "truncated": b'{"sku": "CUP", "qty": 1, "from": "A-01-01-01"',
        "not JSON": b"sku=CUP&qty=1",
        "array": b'[{"sku": "CUP", "qty": 1, "from": "A-01-01-01", "to": "A-01-03-01"}]',
        "string": b'"move it"',
        "number": b"12",
        "null": b"null",
        "empty": b"",
        "not UTF-8": b'{"sku": "\xff\xfe"}',
        "trailing garbage": b'{"sku": "CUP"} {}',
    }
    seen = {name: outcome(raw_post(api.client, api.token, "/moves", data), "body")
            for name, data in bodies.items()}
    assert seen == {name: (422, "invalid", True) for name in bodies}
    assert snapshot(api) == before


def test_a_body_over_one_megabyte_is_refused_and_changes_nothing(api: Any,
                                                                 build: Builder) -> None:
    bins = stocked(build)
    before = snapshot(api)
    for size in (1_000_050, 1_002_000, 3_000_000):
        body = {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2], "note": ""}
        body["note"] = "x" * (size - len(json.dumps(body)))
        data = json.dumps(body).encode()
        assert len(data) == size
        response = raw_post(api.client, api.token, "/moves", data)
        status, code, message = error_of(response)
        assert status in (413, 422) and code == "invalid", (size, status, code)
        assert "body" in message.lower()
    assert snapshot(api) == before
    small = api.post("/moves", {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2],
                                "note": "x" * 1000})
    assert small.status_code == 201


def test_invalid_master_data_is_refused_naming_the_field_and_the_item_is_unchanged(
    api: Any, build: Builder
) -> None:
    stocked(build)
    item_before = api.get("/items/CUP").get_json()
    location_before = api.get("/locations/A-01-01-01").get_json()
    cases = {
        ("/items/CUP", "tracking"): {"tracking": "fifo"},
        ("/items/CUP", "unit_cost"): {"unit_cost": -1},
        ("/items/CUP", "barcodes"): {"barcodes": "6900000000011"},
        ("/items/CUP", "name"): {"name": ""},
        ("/items/CUP", "safety_stock"): {"safety_stock": -5},
        ("/items/" + "S" * 65, "sku"): {"name": "too long"},
        ("/locations/A-01-01-01", "kind"): {"kind": "shelf"},
        ("/locations/A-01-01-01", "capacity"): {"capacity": -1},
        ("/locations/A-01-01-01", "walk_seq"): {"walk_seq": 1.5},
        ("/locations/A-01-09-01", "warehouse"): {"kind": "storage"},
        ("/suppliers/SUP-1", "name"): {"contact": "no name"},
    }
    seen = {case: outcome(api.put(case[0], body), case[1]) for case, body in cases.items()}
    assert seen == {case: (422, "invalid", True) for case in cases}
    assert api.get("/items/CUP").get_json() == item_before
    assert api.get("/locations/A-01-01-01").get_json() == location_before
    assert api.get("/locations/A-01-09-01").status_code == 404
    assert api.get("/suppliers/SUP-1").status_code == 404


def test_numbers_flags_and_dates_must_be_what_the_document_says_and_fit_the_database(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    item_before = api.get("/items/CUP").get_json()
    location_before = api.get(f"/locations/{bins[0]}").get_json()
    before = snapshot(api)
    cases = [
        ("/items/CUP", "safety_stock", {"safety_stock": 10**12}),
        ("/items/CUP", "lead_time_days", {"lead_time_days": 2**31}),
        ("/items/CUP", "expiry", {"expiry": "true"}),
        ("/items/CUP", "expiry", {"expiry": 1}),
        (f"/locations/{bins[0]}", "capacity", {"capacity": 10**12}),
        (f"/locations/{bins[0]}", "blocked", {"blocked": "no"}),
        ("/suppliers/SUP-1", "lead_time_days", {"name": "S", "lead_time_days": 10**15}),
    ]
    seen = [(path, outcome(api.put(path, body), field)) for path, field, body in cases]
    assert seen == [(path, (422, "invalid", True)) for path, _, _ in cases]
    dated = {"device": "scanner-1", "state": "connected", "at": 1764400000}
    assert outcome(api.post("/stations/dock/devices", dated), "at") == (422, "invalid", True)
    receipt = {"location": "DOCK-1", "lines": [{"sku": "TEA", "qty": 1, "lot": "L9",
                                                "expiry": 20271130}]}
    assert outcome(api.post("/receipts", receipt), "expiry") == (422, "invalid", True)
    assert api.get("/items/CUP").get_json() == item_before
    assert api.get(f"/locations/{bins[0]}").get_json() == location_before
    assert api.get("/suppliers/SUP-1").status_code == 404
    assert snapshot(api) == before


def test_a_whole_number_written_with_a_decimal_point_is_that_number(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    moved = api.post("/moves", {"sku": "CUP", "qty": 4.0, "from": bins[0], "to": bins[2]})
    assert moved.status_code == 201, moved.get_json()
    assert [m["qty"] for m in moved.get_json()["moves"]] == [4]
    assert stock_of(api, sku="CUP") == {(bins[0], None): 6, (bins[2], None): 4}
    assert api.put("/items/CUP", {"safety_stock": 12.0}).get_json()["safety_stock"] == 12


def test_a_whole_number_parameter_written_with_a_decimal_point_is_that_number(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    for _ in range(3):
        api.post("/moves", {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2]})
    assert len(api.get("/ledger", limit="2.0").get_json()) == 2
    assert_error(api.get("/ledger", limit="2.5"), 422, "invalid", "limit")
    count = api.post("/counts", {"locations": [bins[0]]}).get_json()["id"]
    assert api.get(f"/counts/{count}.0").get_json()["id"] == count
    assert_error(api.get(f"/counts/{count}.5"), 422, "invalid", "id")


def test_text_holding_a_nul_character_is_refused_naming_the_field_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    before = snapshot(api)
    customer_before = api.get("/customers/CUS-1").status_code
    cases = [
        (api.put("/customers/CUS-1", {"name": "Lin\u0000"}), "name"),
        (api.put("/items/CUP", {"barcodes": ["69\u000000"]}), "barcodes"),
        (api.post("/purchase-orders", {"number": "PO-\u0000", "supplier": "SUP-1",
                                       "lines": [{"sku": "CUP", "qty": 1}]}), "number"),
        (api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO\u0000",
                                "lines": [{"sku": "CUP", "qty": 1}]}), "purchase_order"),
        (api.post("/transfers", {"from_warehouse": "WH1", "to_warehouse": "W\u0000",
                                 "lines": [{"sku": "CUP", "qty": 1, "from": bins[0]}]}),
         "to_warehouse"),
        (api.post("/moves", {"sku": "CUP", "qty": 1, "from": bins[0], "to": bins[2],
                             "lot": "\u0000"}), "lot"),
    ]
    cases += [
        (api.put("/customers/C%00D", {"name": "Lin"}), "code"),
        (api.get("/items/C%00P"), "sku"),
        (api.get("/stock", sku="CUP\u0000"), "sku"),
        (api.get("/ledger", reference="\u0000"), "reference"),
        (api.get("/print-jobs", printer="\u0000"), "printer"),
        (api.client.put("/api/v1/customers/C-2", json={"name": "Lin"}, headers={
            "Authorization": f"Bearer {api.token}", "Idempotency-Key": "k\u0000"}),
         "Idempotency-Key"),
    ]
    seen = [outcome(response, field) for response, field in cases]
    assert seen == [(422, "invalid", True)] * len(cases)
    assert api.get("/customers/CUS-1").status_code == customer_before
    assert api.get("/customers/C%00D").status_code == 422
    assert api.get("/customers/C-2").status_code == 404
    assert snapshot(api) == before


def test_text_longer_than_the_database_keeps_is_refused_naming_the_field(
    api: Any, build: Builder
) -> None:
    stocked(build)
    build.supplier("SUP-1")
    build.customer("CUS-1")
    records = {path: api.get(path).get_json()
               for path in ("/items/CUP", "/suppliers/SUP-1", "/customers/CUS-1")}
    cases = [
        ("/items/CUP", "category", {"category": "c" * 65}),
        ("/items/CUP", "zone_code", {"zone_code": "Z" * 21}),
        ("/suppliers/SUP-1", "phone", {"phone": "1" * 65}),
        ("/customers/CUS-1", "tier", {"tier": "t" * 33}),
        ("/customers/CUS-1", "phone", {"phone": "1" * 65}),
    ]
    seen = [(path, outcome(api.put(path, body), field)) for path, field, body in cases]
    assert seen == [(path, (422, "invalid", True)) for path, _, _ in cases]
    assert {path: api.get(path).get_json() for path in records} == records
    longest = {"category": "c" * 64, "zone_code": "Z" * 20}
    assert api.put("/items/CUP", longest).status_code == 200


def test_creating_a_location_with_a_malformed_code_is_invalid_rather_than_unknown(
    api: Any, build: Builder
) -> None:
    build.warehouse("WH1", bins=1)
    response = api.put("/locations/BAD!CODE", {"warehouse": "WH1", "kind": "storage"})
    assert_error(response, 422, "invalid", "code")
    assert api.get("/stock").get_json() == []


def test_bad_ledger_filters_are_refused_naming_the_parameter(api: Any,
                                                             build: Builder) -> None:
    stocked(build)
    cases = {("limit", "0"): "limit", ("limit", "lots"): "limit", ("limit", "-3"): "limit",
             ("limit", "100000"): "limit", ("since", "yesterday"): "since"}
    seen = {case: outcome(api.get("/ledger", **{case[0]: case[1]}), field)
            for case, field in cases.items()}
    assert seen == {case: (422, "invalid", True) for case in cases}


# ---------------------------------------------------------------- 404 unknown_*


def test_unknown_skus_are_refused_with_unknown_item_and_change_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.supplier("SUP-1")
    before = snapshot(api)
    cases = {
        "move": api.post("/moves", {"sku": "NOPE-1", "qty": 1, "from": bins[0],
                                    "to": bins[2]}),
        "receipt": api.post("/receipts", {"location": "DOCK-1", "lines": [
            {"sku": "CUP", "qty": 1}, {"sku": "NOPE-1", "qty": 1}]}),
        "scrap": api.post("/scrap", {"sku": "NOPE-1", "qty": 1, "location": bins[0],
                                     "reason": "broken"}),
        "purchase order": api.post("/purchase-orders", {"number": "PO-1", "supplier": "SUP-1",
                                                        "lines": [{"sku": "NOPE-1", "qty": 1}]}),
        "read item": api.get("/items/NOPE-1"),
        "stock filter": api.get("/stock", sku="NOPE-1"),
    }
    seen = {name: outcome(response, "NOPE-1") for name, response in cases.items()}
    assert seen == {name: (404, "unknown_item", True) for name in cases}
    assert snapshot(api) == before
    assert api.get("/purchase-orders/PO-1").status_code == 404


def test_unknown_locations_are_refused_with_unknown_location_and_change_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    before = snapshot(api)
    cases = {
        "move from": api.post("/moves", {"sku": "CUP", "qty": 1, "from": "Z-09-09-09",
                                         "to": bins[2]}),
        "move to": api.post("/moves", {"sku": "CUP", "qty": 1, "from": bins[0],
                                       "to": "Z-09-09-09"}),
        "receipt": api.post("/receipts", {"location": "Z-09-09-09",
                                          "lines": [{"sku": "CUP", "qty": 1}]}),
        "count": api.post("/counts", {"locations": [bins[0], "Z-09-09-09"]}),
        "scrap": api.post("/scrap", {"sku": "CUP", "qty": 1, "location": "Z-09-09-09",
                                     "reason": "broken"}),
        "read location": api.get("/locations/Z-09-09-09"),
    }
    seen = {name: outcome(response, "Z-09-09-09") for name, response in cases.items()}
    assert seen == {name: (404, "unknown_location", True) for name in cases}
    assert snapshot(api) == before


def test_unknown_orders_are_refused_with_unknown_order_and_change_nothing(
    api: Any, build: Builder
) -> None:
    stocked(build)
    before = snapshot(api)
    cases = {
        "read purchase order": api.get("/purchase-orders/PO-NOPE"),
        "read sales order": api.get("/sales-orders/SO-NOPE"),
        "receipt against it": api.post("/receipts", {
            "location": "DOCK-1", "purchase_order": "PO-NOPE",
            "lines": [{"sku": "CUP", "qty": 1}]}),
        "pick list": api.post("/sales-orders/SO-NOPE/pick-list"),
        "ship": api.post("/sales-orders/SO-NOPE/ship"),
    }
    seen = {name: outcome(response, "NOPE") for name, response in cases.items()}
    assert seen == {name: (404, "unknown_order", True) for name in cases}
    assert snapshot(api) == before


def test_a_record_id_beyond_the_databases_integers_or_not_in_ascii_digits_is_invalid(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    before = snapshot(api)
    for bad in ("2147483648", "4204535734379", "99999999999999999", "\u00b2", "\u0661"):
        cases = {
            "count": api.get(f"/counts/{bad}"),
            "count entry": api.post(f"/counts/{bad}/entries", {
                "location": bins[0], "sku": "CUP", "qty": 3}),
            "transfer": api.get(f"/transfers/{bad}"),
            "transfer receipt": api.post(f"/transfers/{bad}/receive", {"location": bins[0]}),
            "pick list": api.get(f"/pick-lists/{bad}"),
            "pick": api.post(f"/pick-tasks/{bad}/confirm", {
                "location": bins[0], "sku": "CUP", "qty": 1}),
            "print job": api.get(f"/print-jobs/{bad}"),
        }
        seen = {name: outcome(response, "id") for name, response in cases.items()}
        assert seen == {name: (422, "invalid", True) for name in cases}, bad
    assert api.get("/counts/2147483647").status_code == 404
    assert snapshot(api) == before


def test_unknown_counts_are_refused_with_unknown_count_and_change_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    before = snapshot(api)
    cases = {
        "read": api.get("/counts/9999"),
        "entry": api.post("/counts/9999/entries", {"location": bins[0], "sku": "CUP",
                                                   "qty": 3}),
        "submit": api.post("/counts/9999/submit"),
        "approve": api.post("/counts/9999/approve"),
    }
    seen = {name: outcome(response, "9999") for name, response in cases.items()}
    assert seen == {name: (404, "unknown_count", True) for name in cases}
    assert snapshot(api) == before


# ---------------------------------------------------------------- 409 stock and scans


def test_moving_more_than_the_bin_holds_is_insufficient_stock_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.warehouse("WH2", bins=1, zone="C")
    before = snapshot(api)
    cases = {
        "move": api.post("/moves", {"sku": "CUP", "qty": 11, "from": bins[0], "to": bins[2]}),
        "move of a named lot": api.post("/moves", {"sku": "TEA", "qty": 7, "lot": "L1",
                                                   "from": bins[1], "to": bins[2]}),
        "move from an empty bin": api.post("/moves", {"sku": "CUP", "qty": 1,
                                                      "from": bins[3], "to": bins[2]}),
        "scrap": api.post("/scrap", {"sku": "CUP", "qty": 11, "location": bins[0],
                                     "reason": "broken"}),
        "transfer": api.post("/transfers", {"from_warehouse": "WH1", "to_warehouse": "WH2",
                                            "lines": [{"sku": "CUP", "qty": 11,
                                                       "from": bins[0]}]}),
    }
    seen = {name: error_of(response)[:2] for name, response in cases.items()}
    assert seen == {name: (409, "insufficient_stock") for name in cases}
    assert snapshot(api) == before
    assert stock_of(api, sku="CUP") == {(bins[0], None): 10}


def test_receiving_more_than_the_purchase_order_allows_is_over_receipt_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    stocked(build)
    build.item("MUG", name="马克杯")
    build.supplier("SUP-1")
    created = api.post("/purchase-orders", {"number": "PO-1", "supplier": "SUP-1",
                                            "lines": [{"sku": "CUP", "qty": 5}]})
    assert created.status_code == 201 and created.get_json()["status"] == "open"
    order_before = api.get("/purchase-orders/PO-1").get_json()
    before = snapshot(api)
    too_many = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1",
                                      "lines": [{"sku": "CUP", "qty": 6}]})
    assert_error(too_many, 409, "over_receipt", "PO-1")
    not_ordered = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1",
                                         "lines": [{"sku": "CUP", "qty": 2},
                                                   {"sku": "MUG", "qty": 1}]})
    assert_error(not_ordered, 409, "over_receipt", "PO-1")
    assert snapshot(api) == before
    assert api.get("/purchase-orders/PO-1").get_json() == order_before
    assert order_before["lines"][0]["received"] == 0
    exact = api.post("/receipts", {"location": "DOCK-1", "purchase_order": "PO-1",
                                   "lines": [{"sku": "CUP", "qty": 5}]})
    assert exact.status_code == 201
    assert api.get("/purchase-orders/PO-1").get_json()["status"] == "received"


def test_a_pick_scan_of_another_bin_item_or_lot_is_refused_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.sales_order("SO-1", [("TEA", 2)])
    pick_list = api.post("/sales-orders/SO-1/pick-list")
    assert pick_list.status_code == 201
    [task] = pick_list.get_json()["tasks"]
    assert (task["location"], task["sku"], task["lot"], task["qty"]) == (bins[1], "TEA",
                                                                         "L1", 2)
    before = snapshot(api)
    order_before = api.get("/sales-orders/SO-1").get_json()
    scans = {
        "wrong_location": {"location": bins[0], "sku": "TEA", "qty": 2, "lot": "L1"},
        "wrong_item": {"location": bins[1], "sku": "CUP", "qty": 2, "lot": "L1"},
        "wrong_lot": {"location": bins[1], "sku": "TEA", "qty": 2, "lot": "L9"},
    }
    seen = {code: error_of(api.post(f"/pick-tasks/{task['id']}/confirm", body))[:2]
            for code, body in scans.items()}
    assert seen == {code: (409, code) for code in scans}
    assert snapshot(api) == before
    assert api.get("/sales-orders/SO-1").get_json() == order_before
    right = api.post(f"/pick-tasks/{task['id']}/confirm",
                     {"location": bins[1], "sku": "TEA", "qty": 2, "lot": "L1"})
    assert right.status_code == 200, right.get_json()
    assert stock_of(api, sku="TEA") == {(bins[1], "L1"): 4, ("PACK-1", "L1"): 2}


def test_moving_into_a_full_or_blocked_bin_is_refused_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.location("A-01-05-01", warehouse="WH1", zone="A", kind="storage", capacity=5,
                   walk_seq=5)
    build.stock("CUP", "A-01-05-01", 3)
    blocked = api.put(f"/locations/{bins[3]}", {"blocked": True})
    assert blocked.status_code == 200 and blocked.get_json()["blocked"] is True
    before = snapshot(api)
    full = api.post("/moves", {"sku": "CUP", "qty": 3, "from": bins[0], "to": "A-01-05-01"})
    assert_error(full, 409, "location_full", "A-01-05-01")
    into_blocked = api.post("/moves", {"sku": "CUP", "qty": 1, "from": bins[0],
                                       "to": bins[3]})
    assert_error(into_blocked, 409, "location_blocked", bins[3])
    assert snapshot(api) == before
    fits = api.post("/moves", {"sku": "CUP", "qty": 2, "from": bins[0], "to": "A-01-05-01"})
    assert fits.status_code == 201
    assert stock_of(api, location="A-01-05-01") == {("A-01-05-01", None): 5}


def test_a_request_that_does_not_fit_the_current_state_is_a_conflict_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    stocked(build)
    build.supplier("SUP-1")
    build.sales_order("SO-1", [("CUP", 2)])
    assert api.post("/purchase-orders", {"number": "PO-1", "supplier": "SUP-1",
                                         "lines": [{"sku": "CUP", "qty": 5}]}).status_code == 201
    tea_before = api.get("/items/TEA").get_json()
    order_before = api.get("/purchase-orders/PO-1").get_json()
    before = snapshot(api)
    cases = {
        "ship an unpicked order": api.post("/sales-orders/SO-1/ship"),
        "pack an unpicked order": api.post("/sales-orders/SO-1/pack"),
        "a purchase order number twice": api.post("/purchase-orders", {
            "number": "PO-1", "supplier": "SUP-1", "lines": [{"sku": "TEA", "qty": 9}]}),
        "another item's barcode": api.put("/items/TEA", {"name": "绿茶",
                                                         "barcodes": ["6900000000011"]}),
    }
    seen = {name: error_of(response)[:2] for name, response in cases.items()}
    assert seen == {name: (409, "conflict") for name in cases}
    assert snapshot(api) == before
    assert api.get("/sales-orders/SO-1").get_json()["status"] == "open"
    assert api.get("/purchase-orders/PO-1").get_json() == order_before
    assert api.get("/items/TEA").get_json() == tea_before


def test_the_same_idempotency_key_with_another_body_is_refused_and_changes_nothing(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    first = api.post("/moves", {"sku": "CUP", "qty": 2, "from": bins[0], "to": bins[2]},
                     key="contract-key-1")
    assert first.status_code == 201
    before = snapshot(api)
    again = api.post("/moves", {"sku": "CUP", "qty": 3, "from": bins[0], "to": bins[2]},
                     key="contract-key-1")
    assert_error(again, 409, "idempotency_key_reused")
    assert snapshot(api) == before


# ---------------------------------------------------------------- master data


def test_chinese_names_round_trip_unchanged_as_utf8(api: Any, build: Builder) -> None:
    build.warehouse("WH1", bins=1)
    name, category = "西湖龙井茶 · 特级（明前）", "茶叶／绿茶"
    created = api.put("/items/TEA-ZH", {"name": name, "category": category, "uom": "罐",
                                        "name_zh": "龙井"})
    assert created.status_code == 201
    for response in (created, api.get("/items/TEA-ZH")):
        raw = response.get_data()
        assert name.encode("utf-8") in raw
        assert category.encode("utf-8") in raw
        assert b"\\u" not in raw
        assert response.content_type.startswith(JSON_TYPE)
        body = json.loads(raw.decode("utf-8"))
        assert (body["name"], body["category"], body["uom"], body["name_zh"]) == (
            name, category, "罐", "龙井")
    supplier = api.put("/suppliers/SUP-ZH", {"name": "杭州茶厂有限公司"})
    assert supplier.status_code == 201
    assert "杭州茶厂有限公司".encode() in api.get("/suppliers/SUP-ZH").get_data()


def test_put_creates_with_201_and_updates_with_200(api: Any, build: Builder) -> None:
    build.warehouse("WH1", bins=1)
    item = {"name": "茶杯", "barcodes": ["6900000000011"], "uom": "pcs", "tracking": "none",
            "expiry": False, "unit_cost": 2.5, "category": "cups"}
    first = api.put("/items/CUP", item)
    assert first.status_code == 201
    assert {k: first.get_json()[k] for k in item} == item
    second = api.put("/items/CUP", {"name": "白瓷茶杯", "unit_cost": 3})
    assert second.status_code == 200
    got = api.get("/items/CUP").get_json()
    assert (got["name"], got["unit_cost"], got["barcodes"]) == ("白瓷茶杯", 3.0,
                                                                ["6900000000011"])
    location = {"warehouse": "WH1", "zone": "B", "kind": "storage", "capacity": 40,
                "walk_seq": 7}
    made = api.put("/locations/B-02-03-04", location)
    assert made.status_code == 201
    assert {k: made.get_json()[k] for k in location} == location
    updated = api.put("/locations/B-02-03-04", {"capacity": None})
    assert updated.status_code == 200 and updated.get_json()["capacity"] is None
    for kind in ("suppliers", "customers"):
        assert api.put(f"/{kind}/P-1", {"name": "一号"}).status_code == 201
        assert api.put(f"/{kind}/P-1", {"name": "一号公司"}).status_code == 200
        assert api.get(f"/{kind}/P-1").get_json()["name"] == "一号公司"


def test_an_item_shows_its_on_hand_total_and_a_location_its_contents(
    api: Any, build: Builder
) -> None:
    bins = stocked(build)
    build.stock("CUP", bins[2], 4)
    cup = api.get("/items/CUP").get_json()
    assert (cup["sku"], cup["name"], cup["on_hand"]) == ("CUP", "茶杯", 14)
    assert api.get("/items/6900000000011").get_json()["sku"] == "CUP"
    location = api.get(f"/locations/{bins[1]}").get_json()
    assert (location["code"], location["warehouse"], location["kind"]) == (bins[1], "WH1",
                                                                            "storage")
    assert [(r["sku"], r["lot"], r["qty"]) for r in location["contents"]] == [("TEA", "L1", 6)]
    assert api.get(f"/locations/{bins[3]}").get_json()["contents"] == []


def test_the_moves_in_an_answer_name_who_made_them_as_the_ledger_does(
        api_as: Any, build: Builder) -> None:
    build.item("NAM-1")
    build.location("DOCK-9", warehouse="WH1", kind="dock")
    build.location("A-01-01-09", warehouse="WH1", zone="A", kind="storage")
    receiver = api_as("operator")
    answer = receiver.post("/receipts", {"location": "DOCK-9",
                                              "lines": [{"sku": "NAM-1", "qty": 3}]})
    assert answer.status_code == 201, answer.get_json()
    moved = receiver.post("/moves", {"sku": "NAM-1", "qty": 3, "from": "DOCK-9",
                                          "to": "A-01-01-09"})
    assert moved.status_code == 201, moved.get_json()
    ledger = receiver.get("/ledger", sku="NAM-1").get_json()
    names = {row["id"]: row["user"] for row in ledger}
    for row in answer.get_json()["moves"] + moved.get_json()["moves"]:
        assert row["user"] is not None and row["user"] == names[row["id"]]
