"""Running one API call: authentication, role, body validation, one transaction, and the
idempotency record stored in that same transaction."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wms.acting import acting
from wms.api.registry import Call, Endpoint, Upload
from wms.auth import (
    STATION_ENDPOINTS,
    Caller,
    caller_for_token,
    require,
    require_station_scope,
)
from wms.config import Settings
from wms.db import Database
from wms.errors import Conflict, Invalid, WmsError
from wms.idempotency import fingerprint, remember_reply, stored_reply
from wms.site_config import SiteConfig


@dataclass(frozen=True)
class ApiRequest:
    endpoint: Endpoint
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes
    token: str | None
    idempotency_key: str | None
    # The body was not read: it is larger than the limit (refused once the caller is known).
    body_too_large: bool = False
    # The name of the uploaded file, for an endpoint whose body is a file (`body` its bytes).
    filename: str | None = None


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: Any
    replayed: bool = False


def error_body(error: WmsError) -> dict[str, Any]:
    """The API's error shape."""
    return {"error": {"code": error.code, "message": error.message}}


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _describe_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "body"
        parts.append(f"{where.replace('from_', 'from')}: {err['msg']}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Parsed:
    """The request's key, its JSON document and the validated body."""

    key: str | None = None
    document: Any = None
    body: Any = None


def _parse(request: ApiRequest, settings: Settings) -> Parsed:
    """The key and body of a request whose caller is known and allowed; Invalid otherwise."""
    _check_parameters(request)
    key = _check_key(request.idempotency_key)
    document, body = _parse_body(request, settings)
    return Parsed(key, document, body)


_BRACKETS_ONLY = bytes(b for b in range(256) if b not in b"[]{}")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def check_depth(raw: bytes, limit: int) -> None:
    """Raise Invalid when JSON text nests arrays and objects deeper than `limit`, before a
    parser recurses into it (brackets inside strings do not count)."""
    depth = 0
    for bracket in _STRING.sub(b"", raw).translate(None, _BRACKETS_ONLY):
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            raise Invalid(f"body: nested deeper than {limit} levels", field="body")


def _parse_body(request: ApiRequest, settings: Settings) -> tuple[Any, Any]:
    raw = request.body
    if request.endpoint.upload:
        return _parse_upload(request, settings)
    if request.body_too_large or len(raw) > settings.max_body_bytes:
        raise Invalid(f"body: larger than {settings.max_body_bytes} bytes", field="body")
    endpoint = request.endpoint
    if endpoint.body is None:
        return None, None
    if not raw.strip():
        raise Invalid("body: a JSON object is required", field="body")
    check_depth(raw, settings.max_json_depth)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Invalid(f"body: not valid JSON ({exc})", field="body") from exc
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits
        raise Invalid(f"body: a value out of range ({exc})", field="body") from exc
    if not isinstance(document, dict):
        raise Invalid("body: must be a JSON object", field="body")
    try:
        return document, endpoint.body.model_validate(document)
    except ValidationError as exc:
        raise Invalid(_describe_validation(exc)) from exc


def _parse_upload(request: ApiRequest, settings: Settings) -> tuple[Any, Any]:
    """The uploaded file (or what the endpoint prepares from it), and what identifies it for
    Idempotency-Key (its name and digest)."""
    if request.body_too_large or len(request.body) > settings.max_upload_bytes:
        raise Invalid(f"file: larger than {settings.max_upload_bytes} bytes", field="file")
    if request.filename is None:
        raise Invalid("file: send the file as the `file` part of a multipart/form-data body",
                      field="file")
    if not request.body:
        raise Invalid("file: the file is empty", field="file")
    document = {"file": request.filename, "sha256": hashlib.sha256(request.body).hexdigest()}
    upload = Upload(request.filename, request.body)
    prepare = request.endpoint.prepare
    return document, (prepare(request.params, upload) if prepare else upload)


def _fingerprint(request: ApiRequest, document: Any) -> str:
    return fingerprint({"m": request.endpoint.method, "p": request.endpoint.path,
                        "params": request.params, "body": document})


def _check_parameters(request: ApiRequest) -> None:
    """No path or query parameter holds a NUL character (no record has one, and PostgreSQL
    cannot even compare text with it)."""
    for name, value in (*request.params.items(), *request.query.items()):
        if "\x00" in value:
            raise Invalid(f"{name}: may not hold the NUL character (\\u0000)", field=name)


def _check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or "\x00" in key:
        raise Invalid("Idempotency-Key: 1 to 255 characters, none of them NUL",
                      field="Idempotency-Key")
    return key


def device_of(caller: Caller, request: ApiRequest) -> str:
    """The device the audit trail names for a call: a station's own name when the scanner
    bridge posts for it, else the token (`token:<id>`)."""
    station = request.params.get("station")
    if caller.stations is not None and station and request.endpoint.name in STATION_ENDPOINTS:
        return f"station:{station}"
    return f"token:{caller.token_id}"


class Dispatcher:
    """Runs API calls against one database with one set of settings."""

    def __init__(self, db: Database, settings: Settings, site: SiteConfig | None = None) -> None:
        self.db = db
        self.settings = settings
        self.site = site or SiteConfig()

    def handle(self, request: ApiRequest) -> ApiResponse:
        """Answer one call; never raises for anything a client can cause."""
        try:
            if request.endpoint.changes_state:
                return self._write(request)
            return self._read(request)
        except WmsError as error:
            return ApiResponse(error.status, error_body(error))

    def _caller(self, session: Session | Connection, request: ApiRequest) -> Caller:
        """Who is calling and may they: checked before anything of the request's body is
        read."""
        caller = caller_for_token(session, request.token)
        require_station_scope(caller, request.endpoint.name, request.params.get("station"),
                              self.site.gateway)
        require(caller, request.endpoint.permission)
        return caller

    def _read(self, request: ApiRequest) -> ApiResponse:
        with self.db.read() as session:
            caller = self._caller(session, request)
            parsed = _parse(request, self.settings)
            call = Call(session, caller, self.settings, request.params, request.query,
                        parsed.body, self.site)
            with acting(device_of(caller, request), caller.warehouses):
                status, body = request.endpoint.handler(call)
            return ApiResponse(status, body)

    def _write(self, request: ApiRequest) -> ApiResponse:
        # The caller is known before the body is parsed and before the write lock is taken:
        # the lock is held only for the change itself. (A token revoked in between is as if
        # the call came a moment sooner.)
        with self.db.lookup() as conn:
            caller = self._caller(conn, request)
        parsed = _parse(request, self.settings)
        key = parsed.key
        digest = _fingerprint(request, parsed.document) if key else ""

        def work(session: Session) -> ApiResponse:
            call = Call(session, caller, self.settings, request.params, request.query,
                        parsed.body, self.site)
            status, reply = request.endpoint.handler(call)
            if key:
                remember_reply(session, caller.id, key, digest, status, reply)
            return ApiResponse(status, reply)

        try:
            with acting(device_of(caller, request), caller.warehouses):
                return self.db.transaction(work)
        except IntegrityError as exc:
            stored = self._stored(caller, key, digest)
            if stored is not None:
                return stored
            raise Conflict("the change clashed with another one; try again") from exc
        except WmsError:
            if key:
                stored = self._stored(caller, key, digest)
                if stored is not None:
                    return stored
            raise

    def _stored(self, caller: Caller, key: str | None, digest: str) -> ApiResponse | None:
        """The response stored for this key, when an earlier call with it succeeded."""
        if not key:
            return None
        with self.db.read() as session:
            stored = stored_reply(session, caller.id, key, digest)
            return ApiResponse(stored[0], stored[1], replayed=True) if stored else None
