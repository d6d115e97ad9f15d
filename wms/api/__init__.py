"""API v1's logic: request bodies, handlers, dispatch and the OpenAPI document. The HTTP
glue lives in terminal_ui."""

from wms.api import (  # noqa: F401  (fill the registry)
    audit,
    floor,
    gateway,
    imports,
    insight,
    masterdata,
    orders,
    print_queue,
    reading,
    replenishment,
    reports,
    returns,
    stations,
)
from wms.api.dispatch import ApiRequest, ApiResponse, Dispatcher, bearer_token, error_body
from wms.api.openapi import openapi_document
from wms.api.registry import ENDPOINTS, Endpoint

__all__ = ["ENDPOINTS", "ApiRequest", "ApiResponse", "Dispatcher", "Endpoint", "bearer_token",
           "error_body", "openapi_document"]
