"""The table of API v1 endpoints: each one's method, path, permission, body and handler.
The HTTP glue and the OpenAPI document are both built from this one table."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from wms.auth import Caller
from wms.config import Settings
from wms.errors import Invalid
from wms.site_config import SiteConfig

Reply = tuple[int, Any]


@dataclass
class Call:
    """One API call as a handler sees it."""

    session: Session
    user: Caller
    settings: Settings
    params: Mapping[str, str]
    query: Mapping[str, str]
    body: Any = None
    site: SiteConfig = field(default_factory=SiteConfig)


@dataclass(frozen=True)
class Upload:
    """A file sent as the `file` part of a multipart/form-data body."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Callable[[Call], Reply]
    permission: str
    summary: str
    body: type[BaseModel] | None = None
    success: int = 200
    errors: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    tag: str = "stock"
    read_only: bool = False
    # the type of the success answer's body (a TypedDict of wms.api.serialize, or a list
    # of one): the OpenAPI document's response schema
    response: Any = None
    # OpenAPI schemas of query parameters whose meaning is the endpoint's own (a `status`
    # of orders rather than of print jobs)
    query_schemas: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The body is a multipart/form-data upload of one `file` (the handler gets an Upload,
    # or what `prepare` makes of it from the path parameters and the file: work that needs
    # no database, done before a write transaction takes the lock).
    upload: bool = False
    prepare: Callable[[Mapping[str, str], Upload], Any] | None = None

    @property
    def changes_state(self) -> bool:
        """Whether the call runs in a write transaction and honours Idempotency-Key."""
        return self.method != "GET" and not self.read_only

    @property
    def name(self) -> str:
        return self.handler.__name__


ENDPOINTS: list[Endpoint] = []


def api(method: str, path: str, *, permission: str, summary: str,
        body: type[BaseModel] | None = None, success: int = 200,
        errors: tuple[str, ...] = (), query: tuple[str, ...] = (), tag: str = "stock",
        read_only: bool = False, response: Any = None,
        query_schemas: Mapping[str, Mapping[str, Any]] | None = None,
        upload: bool = False,
        prepare: Callable[[Mapping[str, str], Upload], Any] | None = None,
        ) -> Callable[[Callable[[Call], Reply]], Callable[[Call], Reply]]:
    """Register a handler as an API v1 endpoint."""

    def register(handler: Callable[[Call], Reply]) -> Callable[[Call], Reply]:
        ENDPOINTS.append(Endpoint(method, path, handler, permission, summary, body, success,
                                  errors, query, tag, read_only, response,
                                  query_schemas or {}, upload, prepare))
        return handler

    return register


# Record ids are the databases' 32-bit integers: a larger number names no record, and
# PostgreSQL refuses to compare an integer column with it.
MAX_ID = 2**31 - 1


_WHOLE = re.compile(r"([0-9]{1,18})(?:\.0+)?")


def whole_number(text: str) -> int | None:
    """A parameter's whole number ("12", or "12.0" as JSON would write it), else None."""
    match = _WHOLE.fullmatch(text)
    return int(match.group(1)) if match else None


def path_int(call: Call, name: str) -> int:
    """A numeric path parameter (a record id), or Invalid."""
    text = call.params[name]
    number = whole_number(text)
    if number is None or number > MAX_ID:
        raise Invalid(f"{name}: {text!r} is not a number from 0 to {MAX_ID}", field=name)
    return number
