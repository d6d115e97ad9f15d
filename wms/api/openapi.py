"""The OpenAPI 3 document of API v1, built from the endpoint table."""

from __future__ import annotations

import re
from typing import Any

from pydantic.json_schema import models_json_schema

from wms.api.registry import ENDPOINTS, Endpoint
from wms.auth import PERMISSIONS
from wms.reasons import INSPECTION_REASONS, MEANINGS, REASONS, SCRAP_REASONS

STATUS_OF = {
    "invalid": 422, "unknown_item": 404, "unknown_location": 404, "unknown_order": 404,
    "unknown_count": 404, "not_found": 404, "insufficient_stock": 409, "over_receipt": 409,
    "wrong_location": 409, "wrong_item": 409, "wrong_lot": 409, "location_full": 409,
    "location_blocked": 409, "conflict": 409, "idempotency_key_reused": 409,
    "expired_lot": 409, "short_shelf_life": 409,
    "unauthorized": 401, "forbidden": 403,
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string", "enum": sorted(STATUS_OF)},
                       "message": {"type": "string"}},
    }},
}


REASON_CODE_SCHEMA = {
    "type": "string", "enum": list(REASONS),
    "description": "Why stock was scrapped, quarantined, rejected or adjusted, as stored in "
    "the ledger (`reason` of a move, beside free text in `note`) and given in requests: "
    + "; ".join(f"`{code}`: {meaning}" for code, meaning in MEANINGS.items())
    + ". Scrap takes " + ", ".join(SCRAP_REASONS) + "; quarantine and reject at receiving "
    "take " + ", ".join(INSPECTION_REASONS) + ". Another code is answered with 422 "
    "`invalid`, naming the field and the codes.",
}


def _operation(endpoint: Endpoint, refs: dict[Any, Any]) -> dict[str, Any]:
    codes = set(endpoint.errors) | {"unauthorized", "forbidden"}
    if endpoint.changes_state:
        codes |= {"invalid", "idempotency_key_reused"}
    by_status: dict[int, list[str]] = {}
    for code in sorted(codes):
        by_status.setdefault(STATUS_OF[code], []).append(code)
    responses: dict[str, Any] = {
        str(endpoint.success): {"description": "success",
                                "content": {"application/json": {"schema": {}}}},
    }
    if endpoint.success == 201 and endpoint.method == "PUT":
        responses["200"] = {"description": "updated",
                            "content": {"application/json": {"schema": {}}}}
    for status, names in sorted(by_status.items()):
        responses[str(status)] = {
            "description": ", ".join(names),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", endpoint.path)
    ]
    params += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
               for name in endpoint.query]
    if endpoint.changes_state:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255}})
    operation: dict[str, Any] = {
        "operationId": endpoint.name, "summary": endpoint.summary, "tags": [endpoint.tag],
        "parameters": params, "responses": responses,
        "x-roles": sorted(PERMISSIONS[endpoint.permission]),
    }
    if endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(endpoint.body, "validation")]}}}
    return operation


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document."""
    models = sorted({e.body for e in ENDPOINTS if e.body is not None}, key=lambda m: m.__name__)
    refs, schema = models_json_schema([(m, "validation") for m in models],
                                      ref_template="#/components/schemas/{model}")
    components = dict(schema.get("$defs", {}))
    components["Error"] = ERROR_SCHEMA
    components["ReasonCode"] = REASON_CODE_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(f"/api/v1{endpoint.path}", {})[endpoint.method.lower()] = _operation(
            endpoint, refs)
    paths["/api/v1/health"] = {"get": {
        "operationId": "health", "summary": "Liveness for monitoring (no auth)", "security": [],
        "tags": ["system"], "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["ok"]}}}}}}},
    }}
    paths["/api/v1/print-jobs/{id}/preview.png"] = {"get": {
        "operationId": "print_job_preview", "summary": "A PNG picture of what a job prints",
        "tags": ["printing"],
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "the preview",
                              "content": {"image/png": {}}},
                      "401": {"description": "unauthorized"},
                      "404": {"description": "not_found"}},
    }}
    paths["/api/v1/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "tags": ["system"], "responses": {"200": {"description": "the OpenAPI document"}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Warehouse terminal API", "version": "1",
                 "description": "Master data, orders and stock of the warehouse. Errors are "
                 "{\"error\": {\"code\", \"message\"}}. State-changing POSTs accept an "
                 "Idempotency-Key header. A receipt line whose lot is expired (409 "
                 "`expired_lot`) or has fewer days left than the item's "
                 "`min_shelf_life_days` (409 `short_shelf_life`) is refused unless it goes "
                 "to quarantine or a supervisor or admin sets `override_expiry` (audited)."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"schemas": components, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A token of a user (`wms token create NAME`), with that "
                       "user's role; or a station device's token (`wms token create NAME "
                       "--station S`), which may only post scans and device events for its "
                       "stations and read their state (anything else: 403 `forbidden`). "
                       "The token is checked before the body is read: without one, 401."}}},
        "paths": paths,
    }
