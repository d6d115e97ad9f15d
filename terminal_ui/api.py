"""HTTP glue of API v1: routes from the endpoint table, JSON in and out."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Request, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from terminal_ui.page_errors import (
    DATABASE_RETRY_AFTER_S,
    database_away,
    page_fault,
    page_not_found,
)
from terminal_ui.previews import preview_response
from wms.api import ENDPOINTS, ApiRequest, Dispatcher, Endpoint, bearer_token, openapi_document
from wms.api.gateway import unreachable_status_json
from wms.db import unreachable
from wms.errors import DatabaseUnavailable
from wms.tabular import FORMATS, Column, columns_of, write_table

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

HTTP_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "invalid", 413: "invalid", 415: "invalid"}


def _json(status: int, body: Any) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


def _body(req: Request, limit: int) -> tuple[bytes, bool]:
    """The request's body, or nothing and True when it is over the limit (left unread, so
    a caller without a token learns only that it needs one)."""
    length = req.content_length
    if length is not None and length > limit:
        return b"", True
    try:
        return req.get_data(cache=False), False
    except RequestEntityTooLarge:
        return b"", True


def _upload(limit: int) -> tuple[bytes, str | None, bool]:
    """The `file` part of a multipart/form-data body: its bytes and name (None when there is
    no such part), and True when the body is over the limit."""
    request.max_content_length = limit + 65_536  # the form's other parts and boundaries
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return b"", "", True
    if upload is None:
        return b"", None, False
    data = upload.read(limit + 1)
    return data, upload.filename or "upload", len(data) > limit


def _file(fmt: str, rows: list[dict[str, Any]], name: str,
          keys: list[str] | None = None) -> Response:
    """A list's rows as a CSV or XLSX download, one column per field (the fields `keys`
    names, in that order, when the answer gives them)."""
    columns = [Column(key, key) for key in keys] if keys else columns_of(rows)
    response = Response(write_table(fmt, columns, rows, title=name),
                        content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _view(endpoint: Endpoint) -> Callable[..., Response]:
    def view(**params: str) -> Response:
        # The request and the app behind their proxies, once: every scan passes here.
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
        dispatcher: Dispatcher = current_app.extensions["wms.dispatcher"]
        filename = None
        if endpoint.upload:
            body, filename, too_large = _upload(dispatcher.settings.max_upload_bytes)
        else:
            body, too_large = _body(req, dispatcher.settings.max_body_bytes)
        headers, args = req.headers, req.args
        answer = dispatcher.handle(ApiRequest(
            endpoint=endpoint, params=params, query=args.to_dict(),
            body=body, token=bearer_token(headers.get("Authorization")),
            idempotency_key=headers.get("Idempotency-Key"), body_too_large=too_large,
            filename=filename,
        ))
        fmt = args.get("format")
        if (fmt in FORMATS and endpoint.method == "GET" and answer.status == 200
                and isinstance(answer.body, dict) and "rows" in answer.body):
            return _file(fmt, answer.body["rows"], answer.body.get("name", endpoint.name),
                         answer.body.get("columns"))
        response = _json(answer.status, answer.body)
        if answer.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    view.__name__ = endpoint.name
    return view


for _endpoint in ENDPOINTS:
    blueprint.add_url_rule(re.sub(r"{(\w+)}", r"<\1>", _endpoint.path),
                           view_func=_view(_endpoint), methods=[_endpoint.method])


@blueprint.get("/health")
def health() -> Response:
    return _json(200, {"status": "ok"})


@blueprint.get("/openapi.json")
def openapi() -> Response:
    return _json(200, openapi_document(current_app.config["WMS_SETTINGS"],
                                       current_app.extensions["wms.site"]))


@blueprint.get("/print-jobs/<id>/preview.png")
def print_job_preview(id: str) -> Response:  # noqa: A002 - the path's own name
    """A picture of what a print job prints, for the back office and the stations."""
    endpoint = next(e for e in ENDPOINTS if e.name == "get_print_job")
    dispatcher: Dispatcher = current_app.extensions["wms.dispatcher"]
    answer = dispatcher.handle(ApiRequest(
        endpoint=endpoint, params={"id": id}, query={}, body=b"",
        token=bearer_token(request.headers.get("Authorization")), idempotency_key=None))
    if answer.status != 200:
        return _json(answer.status, answer.body)
    job = answer.body
    return preview_response(job["document"], job["data"], job["printer"])


@blueprint.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response | HTTPException:
    """JSON errors under /api/; the pages' own answers elsewhere."""
    if not request.path.startswith("/api/"):
        return error if error.code != 404 else page_not_found(error)
    status = error.code or 500
    messages = {404: f"no such API path {request.path}",
                405: f"{request.method} is not allowed on {request.path}",
                413: "body: too large"}
    response = _json(status, {"error": {"code": HTTP_CODES.get(status, "invalid"),
                                        "message": messages.get(status, error.description)}})
    for name, value in error.get_headers():
        if name.lower() == "allow":  # a 405 names the methods the path takes
            response.headers[name] = value
    return response


class OutageLog:
    """Says in the log that the database cannot be reached at once, then once a minute with
    how many requests were answered 503 since, not on every one (handhelds, stations and the
    bridge all ask again every few seconds)."""

    def __init__(self, every_s: float = 60.0) -> None:
        self.every_s = every_s
        self._lock = threading.Lock()
        self._said_at: float | None = None
        self._answered = 0

    def note(self, error: Exception) -> None:
        with self._lock:
            self._answered += 1
            now = time.monotonic()
            if self._said_at is not None and now - self._said_at < self.every_s:
                return
            self._said_at, answered, self._answered = now, self._answered, 0
        current_app.logger.warning(
            "the database cannot be reached (%d request(s) answered 503 since the last "
            "word): %s", answered, error)


_outage = OutageLog()


@blueprint.app_errorhandler(Exception)
def unexpected(error: Exception) -> Response | tuple[str, int]:
    """Log the fault; the client gets a short message and never a stack trace. A database
    that cannot be reached is no fault of the request: 503, to be asked again later."""
    if unreachable(error):
        _outage.note(error)
        return _database_away() if request.path.startswith("/api/") else database_away()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if request.path.startswith("/api/"):
        return _json(500, {"error": {"code": "internal",
                                     "message": "the server failed; the change was not made"}})
    return page_fault()


def _database_away() -> Response:
    """The API's 503 while the database cannot be reached; GET /status still says what it
    can: that the database is down (the caller's token cannot be checked, so nothing more)."""
    body: dict[str, Any] = {"error": {
        "code": DatabaseUnavailable.code,
        "message": "the database cannot be reached; nothing was changed: send the request "
                   "again later (the same Idempotency-Key applies it once)"}}
    if request.endpoint == "api.get_status":
        body.update(unreachable_status_json(current_app.config["WMS_SETTINGS"]))
    response = _json(DatabaseUnavailable.status, body)
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
    return response
