"""The OpenAPI 3 document of API v1, built from the endpoint table."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import models_json_schema

from wms.api.registry import ENDPOINTS, MAX_ID, Endpoint
from wms.auth import PERMISSIONS
from wms.config import Settings
from wms.models import JOB_STATUSES
from wms.reasons import (
    CUSTOMER_RETURN_REASONS,
    INSPECTION_REASONS,
    MEANINGS,
    REASONS,
    SCRAP_REASONS,
    SUPPLIER_RETURN_REASONS,
)
from wms.site_config import SiteConfig

STATUS_OF = {
    "invalid": 422, "unknown_item": 404, "unknown_location": 404, "unknown_order": 404,
    "unknown_count": 404, "not_found": 404, "insufficient_stock": 409, "over_receipt": 409,
    "over_return": 409,
    "wrong_location": 409, "wrong_item": 409, "wrong_lot": 409, "location_full": 409,
    "location_blocked": 409, "conflict": 409, "idempotency_key_reused": 409,
    "expired_lot": 409, "short_shelf_life": 409, "unexpected_scan": 422,
    "unauthorized": 401, "forbidden": 403,
    "database_unavailable": 503,  # with Retry-After: send the same request again later
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
    "take " + ", ".join(INSPECTION_REASONS) + "; a customer's return takes "
    + ", ".join(CUSTOMER_RETURN_REASONS) + "; a return to the supplier takes "
    + ", ".join(SUPPLIER_RETURN_REASONS) + ". Another code is answered with 422 "
    "`invalid`, naming the field and the codes.",
}


# Text in a path or query parameter: anything but the NUL character (422).
NO_NUL = "^[^\\x00]*$"

# Path parameters by name: what the server takes.
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "id": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    "sku": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_NUL},
    "code": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_NUL},
    "number": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": NO_NUL},
    "station": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_NUL},
    "kind": {"type": "string", "enum": ["items", "locations", "suppliers", "customers",
                                        "opening-stock"]},
}

# The success answer of a list that takes `format`: JSON, or the whole list as a file.
FILE_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}},
}

# A body that is one uploaded file.
UPLOAD_BODY = {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "a CSV (UTF-8 or GB18030) or XLSX file"}}}}}}


def _query_schema(name: str, settings: Settings) -> dict[str, Any]:
    """A query parameter's schema: the values its endpoint takes without a 422."""
    if name == "limit":
        return {"type": "integer", "minimum": 1, "maximum": settings.api_page_limit,
                "default": 100}
    if name == "since":
        return {"type": "string", "format": "date-time",
                "description": "ISO 8601 time; a date alone means its midnight (UTC)"}
    if name == "status":
        return {"type": "string", "enum": list(JOB_STATUSES)}
    return {"type": "string", "pattern": NO_NUL}


def _path_parameters(endpoint_path: str, stations: list[str]) -> list[dict[str, Any]]:
    params = []
    for name in re.findall(r"{(\w+)}", endpoint_path):
        schema = dict(PATH_PARAMETERS.get(name, {"type": "string", "pattern": NO_NUL}))
        if name == "station" and stations:
            schema = {"type": "string", "enum": stations}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _error_codes(endpoint: Endpoint) -> set[str]:
    """Every error code the endpoint can answer."""
    codes = set(endpoint.errors) | {"unauthorized", "forbidden", "database_unavailable"}
    has_path = "{" in endpoint.path
    if endpoint.changes_state or endpoint.body is not None or endpoint.query or has_path:
        codes.add("invalid")  # a malformed body, parameter or Idempotency-Key
    if endpoint.changes_state:
        codes.add("idempotency_key_reused")
    if has_path:
        codes.add("not_found")  # no such record, or no such path
    return codes


def _error_responses(codes: set[str]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for code in sorted(codes):
        by_status.setdefault(STATUS_OF[code], []).append(code)
    return {str(status): {"description": ", ".join(names), "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for status, names in sorted(by_status.items())}


def _operation(endpoint: Endpoint, refs: dict[Any, Any], answers: dict[Any, Any],
               settings: Settings, stations: list[str]) -> dict[str, Any]:
    """One operation of the document."""
    content: dict[str, Any] = {"application/json": {"schema": answers[endpoint.name]}}
    if endpoint.method == "GET" and "format" in endpoint.query:
        content.update(FILE_CONTENT)
    success = {"content": content}
    responses: dict[str, Any] = {str(endpoint.success): {"description": "success", **success}}
    if endpoint.method == "PUT":  # 201 created, 200 updated
        responses = {"200": {"description": "updated", **success},
                     "201": {"description": "created", **success}}
    responses.update(_error_responses(_error_codes(endpoint)))
    params = _path_parameters(endpoint.path, stations)
    # an empty query value (`?sku=`) is taken as no filter
    params += [{"name": name, "in": "query", "required": False, "allowEmptyValue": True,
                "schema": dict(endpoint.query_schemas.get(name) or _query_schema(name, settings))}
               for name in endpoint.query]
    if endpoint.changes_state:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": NO_NUL}})
    operation: dict[str, Any] = {
        "operationId": endpoint.name, "summary": endpoint.summary, "tags": [endpoint.tag],
        "parameters": params, "responses": responses,
        "x-roles": sorted(PERMISSIONS[endpoint.permission]),
    }
    if endpoint.upload:
        operation["requestBody"] = UPLOAD_BODY
    elif endpoint.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(endpoint.body, "validation")]}}}
    return operation


@cache
def _answer_schemas() -> tuple[dict[Any, Any], dict[str, Any]]:
    """Each endpoint's success body schema (by endpoint name) and the components they use
    (built once: the endpoint table is fixed when the package is imported)."""
    missing = [e.name for e in ENDPOINTS if e.response is None]
    if missing:
        raise TypeError(f"endpoints without a response type: {', '.join(missing)}")
    mode: Literal["serialization"] = "serialization"
    adapters = [(e.name, mode, TypeAdapter(e.response)) for e in ENDPOINTS]
    schemas, definitions = TypeAdapter.json_schemas(
        adapters, ref_template="#/components/schemas/{model}")
    return {name: schema for (name, _), schema in schemas.items()}, dict(
        definitions.get("$defs", {}))


def openapi_document(settings: Settings | None = None,
                     site: SiteConfig | None = None) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document: with the app's settings (page limits) and hardware
    configuration (its stations' names), when given."""
    settings = settings or Settings()
    stations = sorted(site.stations) if site is not None else []
    printers = sorted(site.printers) if site is not None else []
    models = sorted({e.body for e in ENDPOINTS if e.body is not None}, key=lambda m: m.__name__)
    refs, schema = models_json_schema([(m, "validation") for m in models],
                                      ref_template="#/components/schemas/{model}")
    answers, answer_components = _answer_schemas()
    components = dict(schema.get("$defs", {}))
    components.update(answer_components)
    if printers:  # a job for a printer the gateway does not have is refused with 422
        components["PrintJobBody"]["properties"]["printer"]["enum"] = printers
    components["Error"] = ERROR_SCHEMA
    components["ReasonCode"] = REASON_CODE_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(f"/api/v1{endpoint.path}", {})[endpoint.method.lower()] = _operation(
            endpoint, refs, answers, settings, stations)
    paths["/api/v1/health"] = {"get": {
        "operationId": "health", "summary": "Liveness for monitoring (no auth)", "security": [],
        "tags": ["system"], "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["ok"]}}}}}}},
    }}
    paths["/api/v1/print-jobs/{id}/preview.png"] = {"get": {
        "operationId": "print_job_preview", "summary": "A PNG picture of what a job prints",
        "tags": ["printing"],
        "parameters": _path_parameters("/print-jobs/{id}", stations),
        "responses": {"200": {"description": "the preview",
                              "content": {"image/png": {"schema": {
                                  "type": "string", "contentMediaType": "image/png"}}}},
                      **_error_responses({"unauthorized", "forbidden", "invalid",
                                          "not_found"})},
    }}
    paths["/api/v1/openapi.json"] = {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "tags": ["system"], "responses": {"200": {"description": "the OpenAPI document",
                                                  "content": {"application/json": {
                                                      "schema": {"type": "object"}}}}},
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
